"""Failures as sentences a learner can act on. The library's typed errors decide the
message; its own wording is kept only as the detail after it."""

from __future__ import annotations

import logging

from wallet.protocol.sync import SyncError
from wallet.qr.errors import IncompleteSequence, NoQrCode
from wallet.services.learner.backpack import PresentationRefused, TokenNotPresentable
from wallet.store.errors import (
    BackupCorrupt,
    NoVault,
    TooManyAttempts,
    VaultError,
    WrongPassphrase,
    WrongRecoveryWords,
)
from wallet.ui.i18n import Catalog
from wallet.vc.errors import UnusableInput
from wallet.vc.jose import JoseError

log = logging.getLogger(__name__)
# A token refused by `vc.jose`, by its code: the ones a learner can do something about.
_TOKEN_ERRORS = {
    "alg-none": "error.token_unsigned",
    "alg-refused": "error.token_algorithm",
    "crit": "error.token_extension",
}


def message_for(error: Exception, t: Catalog) -> str:
    if isinstance(error, WrongPassphrase):
        return t("error.wrong_passphrase")
    if isinstance(error, TooManyAttempts):
        return t("error.too_many_attempts", seconds=round(error.wait_seconds))
    if isinstance(error, WrongRecoveryWords):
        return t("error.wrong_words")
    if isinstance(error, BackupCorrupt):
        return t("error.backup_corrupt")
    if isinstance(error, NoVault):
        return t("error.no_wallet")
    if isinstance(error, NoQrCode):
        return t("error.no_qr")
    if isinstance(error, IncompleteSequence):
        return t("error.incomplete", missing=len(error.missing), total=error.total)
    if isinstance(error, TokenNotPresentable):
        return t("error.token_not_presentable")
    if isinstance(error, PresentationRefused):
        return t("error.not_yours")
    if isinstance(error, SyncError):
        return t("error.sync", detail=str(error))
    if isinstance(error, JoseError) and error.code in _TOKEN_ERRORS:
        return t(_TOKEN_ERRORS[error.code], **error.params)
    if isinstance(error, UnusableInput | VaultError):
        return t("error.unusable", detail=str(error))
    log.error("unexpected %s in the app", type(error).__name__)  # the type only: no secrets
    return t("error.unexpected")
