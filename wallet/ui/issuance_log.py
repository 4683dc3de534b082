"""Every credential this device issued, newest first, with revocation."""

from __future__ import annotations

import flet as ft

from wallet.ui.context import App
from wallet.ui.widgets import button, header


def view(app: App) -> ft.Control:
    t = app.t
    rows: list[ft.Control] = []
    for entry in app.session.trainer.log():

        def revoke(_: ft.ControlEvent, entry_id: str = entry.id) -> None:
            app.session.trainer.revoke(entry_id)
            app.tell(t("log.revoked_done"))
            app.go("/issuer/log")

        state = t("log.revoked", when=entry.revoked[:10]) if entry.revoked else t("log.active")
        rows.append(
            ft.Card(
                ft.Column(
                    [
                        ft.ListTile(
                            title=ft.Text(entry.achievement, weight=ft.FontWeight.BOLD),
                            subtitle=ft.Text(
                                f"{entry.recipient[:32]} · {entry.issued[:16].replace('T', ' ')} · {state}"
                            ),
                        ),
                        *(
                            []
                            if entry.revoked
                            else [
                                button(
                                    t(
                                        "log.revoke",
                                        name=entry.achievement,
                                        recipient=entry.recipient[:32],
                                        when=entry.issued[:16].replace("T", " "),
                                    ),
                                    revoke,
                                    primary=False,
                                )
                            ]
                        ),
                    ]
                )
            )
        )
    return ft.Column(
        [
            header(app, t("log.title"), lambda: app.go("/issuer")),
            ft.Text(t("log.help")),
            *(rows or [ft.Text(t("log.empty"))]),
        ],
        spacing=8,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )
