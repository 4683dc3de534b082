"""Past verifications on this device, newest first, each reopening its verdict: what was
shown, by whom (when the learner revealed their name) and when."""

from __future__ import annotations

from typing import Any

import flet as ft

from wallet.ui.context import App
from wallet.ui.widgets import VERDICT_STYLE, date_text, format_value, header

NAME = "/credentialSubject/name"
ACHIEVEMENT = "/credentialSubject/achievement/name"


def _row(app: App, entry: dict[str, Any]) -> ft.Control:
    icon, colour, verdict = VERDICT_STYLE[entry["verdict"]]
    claims = {c["pointer"]: format_value(c["value"]) for c in entry["claims"]}
    title = claims.get(ACHIEVEMENT) or next(iter(claims.values()), app.t("history.no_claims"))
    when = date_text(app.t, entry["at"])
    lines: list[ft.Control] = []
    if NAME in claims:  # under "Not valid" the name is only what the QR claimed
        invalid = entry["verdict"] == "invalid"
        name = app.t("history.name_unverified", name=claims[NAME]) if invalid else claims[NAME]
        lines.append(ft.Text(name))
    lines.append(ft.Text(f"{app.t(verdict)} · {when}"))
    return ft.ListTile(
        leading=ft.Icon(icon, color=colour),
        title=ft.Text(title),
        subtitle=ft.Column(lines, spacing=0),
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
