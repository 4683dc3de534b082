"""Past verifications on this device, newest first, each reopening its verdict."""

from __future__ import annotations

import flet as ft

from wallet.ui.context import App
from wallet.ui.widgets import header


def view(app: App) -> ft.Control:
    from wallet.ui import verify

    t = app.t
    entries = app.session.history.entries()
    rows: list[ft.Control] = [
        ft.ListTile(
            leading=ft.Icon(
                verify.VERDICT_STYLE[e["verdict"]][0], color=verify.VERDICT_STYLE[e["verdict"]][1]
            ),
            title=ft.Text(
                ", ".join(str(c["value"]) for c in e["claims"][:1]) or t("history.no_claims")
            ),
            subtitle=ft.Text(
                f"{t(verify.VERDICT_STYLE[e['verdict']][2])} · {e['at'][:16].replace('T', ' ')}"
            ),
            on_click=lambda _, e=e: app.go(verify.result, verdict=e, back=view),
        )
        for e in entries
    ]
    return ft.Column(
        [
            header(app, t("history.title"), lambda: app.go(verify.view)),
            *(rows or [ft.Text(t("history.empty"))]),
        ],
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )
