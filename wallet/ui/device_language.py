"""The language of what shows before a wallet is open (the lock screen after a restart,
the first screen): the one last used on this device, kept in the platform's preferences.

The wallet's own language setting stays sealed in the vault, where it cannot be read
before unlock; without this copy a Spanish-speaking learner would meet the lock screen
in English every morning. It says only which of four languages this device shows."""

from __future__ import annotations

import logging

import flet as ft

from wallet.ui.context import App
from wallet.ui.i18n import LANGUAGES

PREFERENCE = "learner-wallet.language"
log = logging.getLogger(__name__)


async def recall() -> str | None:
    try:
        value = await ft.SharedPreferences().get(PREFERENCE)
    except Exception as error:  # noqa: BLE001 - no preferences: English until unlock
        log.info("no device preferences: %s", type(error).__name__)
        return None
    return value if value in LANGUAGES else None


def remember(app: App) -> None:
    app.page.run_task(_store, app.t.language)


async def _store(language: str) -> None:
    try:
        await ft.SharedPreferences().set(PREFERENCE, language)
    except Exception as error:  # noqa: BLE001 - the wallet's own setting still holds it
        log.info("device preferences refused the language: %s", type(error).__name__)
