"""The field trainer's side: set up the issuer, keep achievement templates, and issue to
a learner face to face, showing the signed badge as QR frames for their phone, or printing
it for a learner without a phone (issued to their name; the log says it went to paper)."""

from __future__ import annotations

import flet as ft

from wallet.services.issuer import trainer as trainer_service
from wallet.services.learner import paper
from wallet.services.scanning import FrameScan, OneCode, as_source
from wallet.ui.context import PICTURES, App
from wallet.ui.widgets import button, date_text, field, header, qr_codes


def view(app: App) -> ft.Control:
    t = app.t
    profile = app.session.trainer.profile()
    if profile is None:
        return set_up(app)
    templates = app.session.trainer.templates()
    rows: list[ft.Control] = [
        ft.Card(
            ft.Column(
                [
                    ft.ListTile(
                        title=ft.Text(template.name, weight=ft.FontWeight.BOLD),
                        subtitle=ft.Text(template.description),
                    ),
                    ft.Row(
                        [
                            button(
                                t("issuer.issue_button", name=template.name),
                                lambda _, i=template.id: app.go(
                                    "/issuer/issue/{template_id}", template_id=i
                                ),
                            ),
                            button(
                                t("issuer.edit_button", name=template.name),
                                lambda _, i=template.id: app.go(
                                    "/issuer/template/{template_id}", template_id=i
                                ),
                                primary=False,
                            ),
                        ],
                        wrap=True,
                    ),
                ]
            )
        )
        for template in templates
    ]

    async def accept(files: list[tuple[str, bytes]]) -> None:
        job = app.session.trainer.accept_authorization_files
        granted = await app.work(t("busy.importing"), job, files)
        if granted:
            app.tell(t("issuer.authorization_added"))
        app.go("/issuer")  # from here or from the scanner

    async def open_authorization(_: ft.ControlEvent) -> None:
        files = await app.pick_files(["json", *PICTURES], many=True)
        if files:
            await accept(files)

    async def scanned(texts: list[str]) -> None:
        await accept([as_source(t("add.scanned", n=len(texts)), texts)])

    def scan_authorization(_: ft.ControlEvent) -> None:
        app.go(
            "/scan",
            title=t("issuer.scan_authorization_title"),
            scan=FrameScan(),
            done=scanned,
            back="/issuer",
            fallback=open_authorization,
        )

    # Issuing comes first: at 360 px "Issue" must not sit below the admin controls.
    return ft.Column(
        [
            header(app, t("issuer.title")),
            ft.Text(t("issuer.signed_as", name=profile["name"])),
            ft.Text(t("issuer.templates"), size=18, weight=ft.FontWeight.BOLD),
            *(rows or [ft.Text(t("issuer.no_templates"))]),
            ft.Row(
                [
                    button(
                        t("issuer.new_template"),
                        lambda _: app.go("/issuer/template"),
                        icon=ft.Icons.ADD,
                        primary=not templates,
                    ),
                    button(
                        t("issuer.log"),
                        lambda _: app.go("/issuer/log"),
                        icon=ft.Icons.HISTORY,
                        primary=False,
                    ),
                ],
                wrap=True,
            ),
            ft.Divider(),
            ft.Text(_authorization_summary(app)),
            ft.Row(
                [
                    button(
                        t("issuer.scan_authorization"),
                        scan_authorization,
                        icon=ft.Icons.QR_CODE_SCANNER,
                        primary=False,
                    ),
                    button(t("issuer.add_authorization"), open_authorization, primary=False),
                    button(t("issuer.rename"), lambda _: app.go("/issuer/setup"), primary=False),
                ],
                wrap=True,
            ),
            ft.Text(profile["did"], size=11),
        ],
        spacing=12,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )


def _authorization_summary(app: App) -> str:
    held = app.session.trainer.authorizations()
    if not held:
        return app.t("issuer.not_authorised")
    latest = max(held, key=lambda a: a["validUntil"])
    return app.t(
        "issuer.authorised_by",
        org=latest["issuer"].get("name", ""),
        until=date_text(app.t, latest["validUntil"]),
        count=len(latest["credentialSubject"]["mayIssue"]),
    )


def set_up(app: App) -> ft.Control:
    t = app.t
    profile = app.session.trainer.profile()
    name = field(t("issuer.name"))
    if profile:
        name.value = profile["name"]

    async def save(_: ft.ControlEvent) -> None:
        done = await app.work(t("busy.making_key"), app.session.trainer.set_up, name.value or "")
        if done:
            app.go("/issuer")

    return ft.Column(
        [
            header(app, t("issuer.setup_title"), (lambda: app.go("/issuer")) if profile else None),
            ft.Text(t("issuer.setup_help")),
            name,
            button(t("issuer.setup_button"), save),
        ],
        spacing=16,
    )


def template_form(app: App, template_id: str | None = None) -> ft.Control:
    t = app.t
    current = app.session.trainer.template(template_id) if template_id else None
    name = field(t("template.name"))
    description = field(t("template.description"), multiline=True)
    criteria = field(t("template.criteria"), multiline=True)
    image: list[str] = [current.image if current else ""]
    image_note = ft.Text(t("template.has_image") if image[0] else t("template.no_image"))
    if current:
        name.value, description.value, criteria.value = (
            current.name,
            current.description,
            current.criteria,
        )

    async def choose_image(_: ft.ControlEvent) -> None:
        found = await app.read_picture(t("busy.reading_image"), trainer_service.badge_image)
        if found:
            image[0] = found
            image_note.value = t("template.has_image")
            app.page.update()

    async def save(_: ft.ControlEvent) -> None:
        saved = await app.work(
            t("busy.saving"),
            lambda: app.session.trainer.save_template(
                name.value or "",
                description.value or "",
                criteria.value or "",
                image[0],
                template_id=template_id,
            ),
        )
        if saved:
            app.go("/issuer")

    return ft.Column(
        [
            header(app, t("template.title"), lambda: app.go("/issuer")),
            name,
            description,
            criteria,
            ft.Row(
                [button(t("template.choose_image"), choose_image, primary=False), image_note],
                wrap=True,
            ),
            button(t("template.save"), save),
        ],
        spacing=12,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )


def issue_to(app: App, template_id: str, recipient_did: str = "") -> ft.Control:
    t = app.t
    template = app.session.trainer.template(template_id)
    recipient = field(t("issue.recipient"))
    recipient.value = recipient_did

    def by_name() -> bool:
        """Paper is for a learner typed by name: one with a DID has a phone to receive."""
        typed = (recipient.value or "").strip()
        return bool(typed) and not typed.startswith("did:")

    def back_here(did: str | None) -> None:
        app.go(
            "/issuer/issue/{template_id}",
            template_id=template_id,
            recipient_did=did or recipient.value or "",
        )

    async def open_code(_: ft.ControlEvent) -> None:
        did = await app.read_picture(t("busy.reading_qr"), trainer_service.read_receive_code)
        if did:
            back_here(did)

    async def scanned(did: str) -> None:
        back_here(did)

    def scan(_: ft.ControlEvent) -> None:
        here = app.route or ""
        app.state[here] = {"recipient_did": recipient.value or ""}  # kept for Back
        app.go(
            "/scan",
            title=t("issue.scan_title"),
            scan=OneCode(trainer_service.read_receive_code),
            done=scanned,
            back=here,
            fallback=open_code,
        )

    async def sign(_: ft.ControlEvent) -> None:
        issued = await app.work(
            t("busy.signing"), app.session.trainer.issue, template_id, recipient.value or ""
        )
        if issued is not None:
            app.go("/issuer/issued", texts=issued.qr_texts, name=template.name)

    async def print_page(_: ft.ControlEvent) -> None:
        name = (recipient.value or "").strip()
        data = await app.work(t("busy.printing"), _print_issued, app, template_id, name)
        if data is not None:  # web: a download; a phone: the share sheet
            await app.hand_over("badge.pdf", data, "application/pdf")
            app.tell(t("issue.printed", name=name))
            app.go("/issuer")

    printing = button(t("issue.print"), print_page, icon=ft.Icons.PRINT, primary=False)
    printing.visible = by_name()

    def typed(_: ft.Event[ft.TextField]) -> None:
        printing.visible = by_name()
        printing.update()

    recipient.on_change = typed
    return ft.Column(
        [
            header(app, t("issue.title", name=template.name), lambda: app.go("/issuer")),
            ft.Text(t("issue.help")),
            button(t("issue.scan_receive"), scan, icon=ft.Icons.QR_CODE_SCANNER, primary=False),
            recipient,
            ft.Row([button(t("issue.sign"), sign), printing], wrap=True),
        ],
        spacing=16,
    )


def _print_issued(app: App, template_id: str, name: str) -> bytes:
    """Signed for paper, so the issuance log records it went to paper (as `wallet trainer
    issue --paper` does): the choice is made before signing, since the log entry is sealed
    and chained when the badge is signed."""
    from wallet.services.learner import paper_layout  # fpdf2 (and numpy) load only to print

    issued = app.session.trainer.issue(template_id, name, paper=True)
    copy = paper.for_issued(issued.credential, app.session.now())
    return paper_layout.render_pdf(copy, paper_layout.PageSize.A4, app.t)


def issued_qr(app: App, texts: list[str], name: str) -> ft.Control:
    t = app.t
    return ft.Column(
        [
            header(app, t("issue.done_title", name=name), lambda: app.go("/issuer")),
            ft.Text(t("issue.done_help")),
            qr_codes(app, texts),
        ],
        spacing=12,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        scroll=ft.ScrollMode.AUTO,
    )
