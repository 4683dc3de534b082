"""Past verifications on this device, newest first, each reopening its verdict: what was
shown, by whom (when the learner revealed their name) and when."""

from __future__ import annotations

import flet as ft

from wallet.services.verifier.history import PastVerification
from wallet.ui.context import App
from wallet.ui.widgets import VERDICT_STYLE, format_value, header
from wallet.vc.verification import Outcome

NAME = "/credentialSubject/name"
ACHIEVEMENT = "/credentialSubject/achievement/name"


def _row(app: App, entry: PastVerification) -> ft.Control:
    verdict = entry.verdict
    icon, colour, label = VERDICT_STYLE[verdict.verdict]
    claims = {c.pointer: format_value(c.value) for c in verdict.claims}
    title = claims.get(ACHIEVEMENT) or next(iter(claims.values()), app.t("history.no_claims"))
    lines: list[ft.Control] = []
    if NAME in claims:  # under "Not valid" the name is only what the QR claimed
        invalid = verdict.verdict is Outcome.INVALID
        name = app.t("history.name_unverified", name=claims[NAME]) if invalid else claims[NAME]
        lines.append(ft.Text(name))
    lines.append(ft.Text(f"{app.t(label)} · {app.t.datetime(entry.at)}"))
    return ft.ListTile(
        leading=ft.Icon(icon, color=colour),
        title=ft.Text(title),
        subtitle=ft.Column(lines, spacing=0),
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
