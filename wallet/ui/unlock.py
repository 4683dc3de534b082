"""The passphrase screen, after start-up, an idle lock or "lock now"; and, for a forgotten
passphrase, the recovery words and a new passphrase."""

from __future__ import annotations

import flet as ft

from wallet.ui import biometrics, navigation
from wallet.ui.context import App
from wallet.ui.onboarding import passphrase_problem
from wallet.ui.widgets import button, field, header


def view(app: App) -> ft.Control:
    t = app.t
    passphrase = field(t("field.passphrase"), password=True)

    async def submit(_: ft.Event[ft.TextField]) -> None:
        if not passphrase.value:
            return
        done = await app.work(t("busy.unlocking"), _unlock, app, passphrase.value)
        if done:
            navigation.home(app)

    async def with_biometrics(_: ft.ControlEvent) -> None:
        if await biometrics.unlock(app):
            navigation.home(app)

    passphrase.on_submit = submit
    offer_biometrics = biometrics.available(app) and app.session.device_unlock_enabled
    return ft.Column(
        [
            ft.Icon(ft.Icons.LOCK, size=64),
            ft.Text(t("unlock.title"), size=26, weight=ft.FontWeight.BOLD),
            ft.Text(t("unlock.help")),
            passphrase,
            button(t("unlock.button"), submit),
            *(
                [button(t("unlock.biometric"), with_biometrics, icon=ft.Icons.FINGERPRINT)]
                if offer_biometrics
                else []
            ),
            ft.TextButton(t("unlock.forgot"), on_click=lambda _: app.go("/unlock/forgot")),
        ],
        spacing=16,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


def forgot(app: App) -> ft.Control:
    t = app.t
    words = field(t("field.recovery_words"), multiline=True)
    first = field(t("field.new_passphrase"), password=True)
    second = field(t("field.passphrase_again"), password=True)

    async def submit(_: ft.ControlEvent) -> None:
        problem = passphrase_problem(app, first.value or "", second.value or "")
        second.error = problem
        app.page.update()
        if problem:
            return
        done = await app.work(t("busy.recovering"), _recover, app, words.value or "", first.value)
        if done:
            app.tell(t("unlock.recovered"))
            navigation.home(app)

    return ft.Column(
        [
            header(app, t("unlock.forgot_title"), lambda: app.go("/unlock")),
            ft.Text(t("unlock.forgot_help")),
            words,
            first,
            second,
            button(t("unlock.forgot_button"), submit),
        ],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
    )


def _unlock(app: App, passphrase: str) -> bool:
    app.session.unlock(passphrase)
    return True


def _recover(app: App, words: str, new_passphrase: str) -> bool:
    app.session.recover_access(words, new_passphrase)
    return True
