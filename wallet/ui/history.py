"""Past verifications on this device, newest first, each reopening its verdict."""

from __future__ import annotations

import flet as ft

from wallet.services.verifier.history import PastVerification
from wallet.ui.context import App
from wallet.ui.widgets import VERDICT_STYLE, format_value, header


def _row(app: App, entry: PastVerification) -> ft.Control:
    verdict = entry.verdict
    icon, colour, label = VERDICT_STYLE[verdict.verdict]
    claims = verdict.claims
    return ft.ListTile(
        leading=ft.Icon(icon, color=colour),
        title=ft.Text(format_value(claims[0].value) if claims else app.t("history.no_claims")),
        subtitle=ft.Text(f"{app.t(label)} · {app.t.datetime(entry.at)}"),
        on_click=lambda _: app.go("/verify/result", verdict=verdict, back="/history"),
    )


def view(app: App) -> ft.Control:
    t = app.t
    rows = [_row(app, entry) for entry in app.session.history.entries()]
    return ft.Column(
        [
            header(app, t("history.title"), lambda: app.go("/verify")),
            *(rows or [ft.Text(t("history.empty"))]),
        ],
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )
