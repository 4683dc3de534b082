"""Every credential this device issued, newest first, with revocation: asked for first,
and said honestly when it cannot take effect."""

from __future__ import annotations

import flet as ft

from wallet.services.issuer.trainer import LogEntry
from wallet.ui.context import App
from wallet.ui.widgets import button, confirm, date_text, header, tell_only


def _revoke(app: App, entry: LogEntry) -> None:
    """A badge issued in the trainer's own name carries no status entry: no list can ever
    say it is revoked, so there is nothing to confirm, only the truth to tell."""
    t = app.t
    if entry.status_list is None:
        tell_only(app, t("log.cannot_revoke_title"), t("log.cannot_revoke_help"))
        return

    async def revoked() -> None:  # on the worker; a refusal (NotRevocable) is said as its sentence
        if await app.work(t("busy.saving"), app.session.trainer.revoke, entry.id) is None:
            return
        app.tell(t("log.revoked_done"))
        app.go("/issuer/log")

    confirm(
        app,
        t("log.revoke_title", name=entry.achievement),
        t("log.revoke_help", recipient=entry.recipient[:32]),
        t("log.revoke_confirm"),
        revoked,
    )


def _row(app: App, entry: LogEntry) -> ft.Control:
    t = app.t
    if entry.revoked:
        state = t("log.revoked", when=date_text(t, entry.revoked))
    elif entry.status_list is None:
        state = t("log.not_revocable")
    else:
        state = t("log.active")
    issued = date_text(t, entry.issued)
    actions = (
        []
        if entry.revoked
        else [
            button(
                t(
                    "log.revoke",
                    name=entry.achievement,
                    recipient=entry.recipient[:32],
                    when=issued,
                ),
                lambda _: _revoke(app, entry),
                primary=False,
            )
        ]
    )
    return ft.Card(
        ft.Column(
            [
                ft.ListTile(
                    title=ft.Text(entry.achievement, weight=ft.FontWeight.BOLD),
                    subtitle=ft.Text(f"{entry.recipient[:32]} · {issued} · {state}"),
                ),
                *actions,
            ]
        )
    )


def view(app: App) -> ft.Control:
    t = app.t
    rows = [_row(app, entry) for entry in app.session.trainer.log()]
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
