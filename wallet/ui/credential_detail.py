"""One credential: every claim in words, what its verification found, its tags, and the
way to share or delete it."""

from __future__ import annotations

import flet as ft

from wallet.services.learner import presenter
from wallet.ui.context import App
from wallet.ui.widgets import (
    button,
    checks,
    claim_label,
    dialog_button,
    format_value,
    header,
    value_text,
    verification_chip,
)


def view(app: App, record_id: str) -> ft.Control:
    t = app.t
    held = app.session.backpack.show(record_id)
    credential = held.credential
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    lines = [
        (claim_label(t, pointer), format_value(value))
        for pointer, _, value in presenter.labelled_values(credential)
    ]
    lines += [
        (t("detail.issuer_id"), str(issuer_id)),
        (t("detail.valid_from"), str(credential.get("validFrom", ""))),
        (t("detail.credential_id"), str(credential.get("id", ""))),
    ]
    tags = ft.TextField(label=t("detail.tags"), value=", ".join(held.tags))

    async def save_tags(_: ft.ControlEvent) -> None:
        chosen = (tags.value or "").split(",")
        if await app.work(t("busy.saving"), _set_tags, app, record_id, chosen):
            app.tell(t("detail.tags_saved"))

    def delete(_: ft.ControlEvent) -> None:
        def confirmed(_: ft.ControlEvent) -> None:
            app.page.pop_dialog()
            app.session.backpack.delete(record_id)
            app.tell(t("detail.deleted"))
            app.go("/backpack")

        app.page.show_dialog(
            ft.AlertDialog(
                title=ft.Text(t("detail.delete_title")),
                content=ft.Text(t("detail.delete_help")),
                actions=[
                    dialog_button(app, t("common.cancel"), lambda _: app.page.pop_dialog()),
                    dialog_button(app, t("detail.delete"), confirmed, destructive=True),
                ],
            )
        )

    return ft.Column(
        [
            header(app, held.card["name"], lambda: app.back("/backpack")),
            verification_chip(app, held.card),
            *[value_text(label, value) for label, value in lines],
            ft.Text(t("detail.checks"), size=18, weight=ft.FontWeight.BOLD),
            checks(app, held.report["checks"]),
            ft.Row(
                [
                    ft.Container(tags, expand=True),
                    button(t("detail.save_tags"), save_tags, primary=False),
                ]
            ),
            ft.Row(
                [
                    button(
                        t("detail.share"),
                        lambda _: app.go("/share/{record_id}", record_id=record_id),
                        icon=ft.Icons.SHARE,
                    ),
                    button(t("detail.delete"), delete, icon=ft.Icons.DELETE, primary=False),
                ],
                wrap=True,
            ),
        ],
        spacing=12,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )


def _set_tags(app: App, record_id: str, tags: list[str]) -> bool:
    app.session.backpack.set_tags(record_id, tags)
    return True
