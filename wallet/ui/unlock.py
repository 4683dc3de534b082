"""The passphrase screen, after start-up, an idle lock or "lock now"."""

from __future__ import annotations

import flet as ft

from wallet.ui import navigation
from wallet.ui.context import App
from wallet.ui.widgets import button, field


def view(app: App) -> ft.Control:
    t = app.t
    passphrase = field(t("field.passphrase"), password=True)

    async def submit(_: ft.ControlEvent) -> None:
        if not passphrase.value:
            return
        done = await app.work(t("busy.unlocking"), _unlock, app, passphrase.value)
        if done:
            navigation.home(app)

    passphrase.on_submit = submit
    return ft.Column(
        [
            ft.Icon(ft.Icons.LOCK, size=64),
            ft.Text(t("unlock.title"), size=26, weight=ft.FontWeight.BOLD),
            ft.Text(t("unlock.help")),
            passphrase,
            button(t("unlock.button"), submit),
        ],
        spacing=16,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


def _unlock(app: App, passphrase: str) -> bool:
    app.session.unlock(passphrase)
    return True
