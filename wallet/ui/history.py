"""Past verifications on this device, newest first, each reopening its verdict."""

from __future__ import annotations

from typing import Any

import flet as ft

from wallet.ui.context import App
from wallet.ui.widgets import VERDICT_STYLE, colours, format_value, header


def _row(app: App, entry: dict[str, Any]) -> ft.Control:
    icon, _, colour, verdict = VERDICT_STYLE[entry["verdict"]]
    claims = entry["claims"]
    return ft.ListTile(
        leading=ft.Icon(icon, color=getattr(colours(app), colour)),
        title=ft.Text(format_value(claims[0]["value"]) if claims else app.t("history.no_claims")),
        subtitle=ft.Text(f"{app.t(verdict)} · {entry['at'][:16].replace('T', ' ')}"),
        on_click=lambda _: app.go("/verify/result", verdict=entry, back="/history"),
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
