"""The learner shows a fresh DID as a QR, so a trainer can issue a badge only they can
later prove is theirs."""

from __future__ import annotations

import flet as ft

from wallet.ui.context import App
from wallet.ui.widgets import header, qr_codes


def view(app: App) -> ft.Control:
    t = app.t
    did = app.session.backpack.new_holder_key()
    return ft.Column(
        [
            header(app, t("receive.title"), lambda: app.go("/backpack")),
            ft.Text(t("receive.help")),
            qr_codes(app, [did]),
            ft.Text(did, size=11),
        ],
        spacing=12,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        scroll=ft.ScrollMode.AUTO,
    )
