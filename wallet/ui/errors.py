"""Failures as sentences a learner can act on: each typed error names its catalog
sentence (`kind`) and fills it (`params`); the library's own wording is a developer's
detail and stays out of the app."""

from __future__ import annotations

import logging

from wallet.ui.i18n import Catalog

log = logging.getLogger(__name__)


def message_for(error: Exception, t: Catalog) -> str:
    sentence = t.error(error)
    if sentence is not None:
        return sentence
    log.error("unexpected %s in the app", type(error).__name__)  # the type only: no secrets
    return t("error.unexpected")
