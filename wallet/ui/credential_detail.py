"""One credential: every claim in words, what its verification found, its tags, and the
way to share, print (a PDF whose codes verify) or delete it."""

from __future__ import annotations

import flet as ft

from wallet.ui.context import App
from wallet.ui.widgets import (
    all_checks,
    button,
    check_reasons,
    claim_label,
    confirm,
    date_text,
    destructive_button,
    format_value,
    header,
    value_text,
    verification_chip,
)
from wallet.vc import clr, open_badges
from wallet.vc.sd_jwt_vc import FORMAT as SD_JWT_VC
from wallet.vc.verification import Check


def view(app: App, record_id: str) -> ft.Control:
    t = app.t
    held = app.session.backpack.show(record_id)
    credential = held.credential
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    kept = [Check.from_json(c) for c in held.report["checks"]]
    lines = [
        (claim_label(t, pointer), format_value(value))
        for pointer, value in open_badges.claim_values(credential)
    ]
    if held.format == SD_JWT_VC:  # the disclosed claims, named as the issuer named them
        subject = credential.get("credentialSubject", {})
        lines += [(str(name), format_value(value)) for name, value in subject.items()]
    lines += [
        (t("detail.issuer_id"), str(issuer_id)),
        (t("detail.valid_from"), date_text(t, str(credential.get("validFrom", "")))),
        (t("detail.credential_id"), str(credential.get("id", ""))),
    ]
    # a CLR 2.0 record: the achievements of the credentials it holds, each checked apart
    nested = clr.achievements(credential) if clr.is_clr(credential) else []
    record: list[ft.Control] = (
        [ft.Text(t("detail.nested"), size=18, weight=ft.FontWeight.BOLD)] if nested else []
    )
    record += [value_text(name, issuer_name) for name, issuer_name in nested]
    tags = ft.TextField(label=t("detail.tags"), value=", ".join(held.tags))

    async def save_tags(_: ft.ControlEvent) -> None:
        chosen = (tags.value or "").split(",")
        if await app.work(t("busy.saving"), _set_tags, app, record_id, chosen):
            app.tell(t("detail.tags_saved"))

    def delete(_: ft.ControlEvent) -> None:
        def confirmed() -> None:
            app.session.backpack.delete(record_id)
            app.tell(t("detail.deleted"))
            app.go("/backpack")

        confirm(
            app, t("detail.delete_title"), t("detail.delete_help"), t("detail.delete"), confirmed
        )

    share = button(
        t("detail.share"),
        lambda _: app.go("/share/{record_id}", record_id=record_id),
        icon=ft.Icons.SHARE,
    )

    print_button = button(  # the learner chooses the claims on paper, as when sharing
        t("detail.print"),
        lambda _: app.go("/share/{record_id}", record_id=record_id, paper=True),
        primary=False,
        icon=ft.Icons.PRINT,
    )

    return ft.Column(
        [
            header(app, held.card["name"], lambda: app.back("/backpack")),
            ft.Row([verification_chip(app, held.card), share, print_button], wrap=True),
            *[value_text(label, value) for label, value in lines],
            *record,
            ft.Text(t("detail.checks"), size=18, weight=ft.FontWeight.BOLD),
            *check_reasons(app, kept),
            all_checks(app, kept),
            ft.Row(
                [
                    ft.Container(tags, expand=True),
                    button(t("detail.save_tags"), save_tags, primary=False),
                ]
            ),
            destructive_button(app, t("detail.delete"), delete, icon=ft.Icons.DELETE),
        ],
        spacing=12,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )


def _set_tags(app: App, record_id: str, tags: list[str]) -> bool:
    app.session.backpack.set_tags(record_id, tags)
    return True
