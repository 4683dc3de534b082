"""Biometric unlock on a phone: the fingerprint, face or screen-lock prompt of
`flet-local-auth`, then the device key of `services/learner/device_unlock.py` from the platform
keystore (`flet-secure-storage`: Android's Keystore, iOS's Keychain).

Offered only in the Android and iOS apps, and only where both packages are installed:
local_auth refuses the web and Linux, and a desktop build keeps to the passphrase. The
passphrase and the recovery words always work, and any failure here falls back to them.
Not yet tried on a device: the browser tests can only show that it stays out of the way."""

from __future__ import annotations

import importlib.util
import logging
from typing import TYPE_CHECKING

import flet as ft

from wallet.ui.context import App

if TYPE_CHECKING:  # imported where used: a desktop or web install has neither package
    from flet_secure_storage import SecureStorage

KEYSTORE_ENTRY = "learner-wallet.device-key"
PACKAGES = ("flet_local_auth", "flet_secure_storage")
PLATFORMS = (ft.PagePlatform.ANDROID, ft.PagePlatform.IOS)
log = logging.getLogger(__name__)


def available(app: App) -> bool:
    if app.page.web or app.page.platform not in PLATFORMS:
        return False
    return all(importlib.util.find_spec(name) is not None for name in PACKAGES)


async def enable(app: App) -> bool:
    """Turn biometric unlock on for the open wallet; True when it is on."""
    if not await _authenticate(app):
        return False
    device_key = await app.work(app.t("busy.saving"), app.session.enable_device_unlock)
    if device_key is None:
        return False
    try:
        await _keystore().set(KEYSTORE_ENTRY, device_key)
    except Exception as error:  # noqa: BLE001 - a platform failure: keep to the passphrase
        log.info("keystore refused the device key: %s", type(error).__name__)
        app.session.disable_device_unlock()
        app.tell(app.t("unlock.biometric_failed"), error=True)
        return False
    return True


async def disable(app: App) -> None:
    app.session.disable_device_unlock()
    try:
        await _keystore().remove(KEYSTORE_ENTRY)
    except Exception as error:  # noqa: BLE001 - the wrapped key is gone: the entry opens nothing
        log.info("keystore kept the device key: %s", type(error).__name__)


async def unlock(app: App) -> bool:
    """True when the wallet is open; otherwise the user was told to type the passphrase."""
    if not await _authenticate(app):
        return False
    try:
        device_key = await _keystore().get(KEYSTORE_ENTRY)
    except Exception as error:  # noqa: BLE001 - a platform failure: keep to the passphrase
        log.info("keystore did not give the device key: %s", type(error).__name__)
        device_key = None
    if not device_key:
        app.tell(app.t("unlock.biometric_failed"), error=True)
        return False
    return bool(await app.work(app.t("busy.unlocking"), _open, app, device_key))


def _open(app: App, device_key: str) -> bool:
    app.session.unlock_with_device_key(device_key)
    return True


async def _authenticate(app: App) -> bool:
    from flet_local_auth import LocalAuthentication, LocalAuthException

    auth = LocalAuthentication()
    try:
        if not await auth.is_device_supported():
            app.tell(app.t("settings.biometric_unsupported"), error=True)
            return False
        return await auth.authenticate(app.t("unlock.biometric_reason"))
    except LocalAuthException as error:  # cancelled, locked out, nothing enrolled
        log.info("biometric prompt ended: %s", error.code.value)
        app.tell(app.t("unlock.biometric_failed"), error=True)
        return False


def _keystore() -> SecureStorage:
    from flet_secure_storage import SecureStorage

    return SecureStorage()
