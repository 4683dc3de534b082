"""Share a credential: choose the claims to reveal (the mandatory ones are locked), answer
a verifier's challenge if they showed one, then show the QR with its expiry and size.

The same choice makes a paper copy (`paper=True`, from the detail screen's "Print"): the
claims ticked here are the ones whose codes go on the page, and there is no challenge."""

from __future__ import annotations

import flet as ft

from wallet.services.learner import paper as paper_copy
from wallet.services.learner import presenter
from wallet.services.scanning import OneCode
from wallet.services.wallet import SharedQr
from wallet.ui.context import MIN_TOUCH, App
from wallet.ui.widgets import (
    button,
    claim_label,
    format_value,
    header,
    qr_codes,
)


def _claim_row(box: ft.Checkbox, label: str, locked: bool, locked_hint: str) -> ft.Control:
    """A claim's box with its label beside it, wrapping at 360 px instead of running
    under the lock; merged, so a screen reader hears one checkbox named by the label."""

    def toggle(_: ft.Event[ft.Container]) -> None:
        if not box.disabled:
            box.value = not box.value
            box.update()

    labelled = ft.MergeSemantics(
        ft.Row(
            [
                ft.Container(width=0, height=MIN_TOUCH),  # a 48 dp target, as `target` gives
                box,
                ft.Container(ft.Text(label), expand=True, on_click=toggle),
            ],
            spacing=0,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
        expand=True,
    )
    return ft.Row([labelled] + [ft.Icon(ft.Icons.LOCK, tooltip=locked_hint)] * locked)


def view(
    app: App,
    record_id: str,
    challenge: tuple[str, str] | None = None,
    ticked: list[str] | None = None,
    paper: bool = False,
) -> ft.Control:
    """`challenge` and `ticked` come back from the scanner with what was chosen before;
    `paper` chooses what goes on a printed page instead of a QR."""
    t = app.t
    credential = app.session.backpack.show(record_id).credential
    boxes: dict[str, ft.Checkbox] = {}
    rows: list[ft.Control] = []
    for claim in presenter.claims(credential):
        label = f"{claim_label(t, claim.pointer)}: {format_value(claim.value)}"
        box = ft.Checkbox(
            value=claim.mandatory or claim.pointer in (ticked or []),
            disabled=claim.mandatory,
        )
        boxes[claim.pointer] = box
        rows.append(_claim_row(box, label, claim.mandatory, t("share.always_shown")))
    challenge_note = ft.Text(
        t("share.challenge_from", domain=challenge[1]) if challenge else t("share.no_challenge")
    )

    def chosen() -> list[str]:
        return [p for p, box in boxes.items() if box.value and not box.disabled]

    def back_here(found: tuple[str, str] | None) -> None:
        app.go(
            "/share/{record_id}", record_id=record_id, challenge=found or challenge, ticked=chosen()
        )

    async def open_challenge(_: ft.ControlEvent) -> None:
        found = await app.read_picture(t("busy.reading_qr"), app.session.read_challenge)
        if found:
            back_here(found)

    async def scanned(found: tuple[str, str]) -> None:
        back_here(found)

    def scan_challenge(_: ft.ControlEvent) -> None:
        here = app.route or ""
        app.state[here] = {"challenge": challenge, "ticked": chosen()}  # kept for Back
        app.go(
            "/scan",
            title=t("share.scan_challenge_title"),
            scan=OneCode(app.session.read_challenge),
            done=scanned,
            back=here,
            fallback=open_challenge,
        )

    async def show(_: ft.ControlEvent) -> None:
        reveal = chosen()
        shared = await app.work(t("busy.signing"), app.session.share, record_id, reveal, challenge)
        if shared is not None:
            app.go(
                "/share/{record_id}/qr", record_id=record_id, shared=shared, revealed=len(reveal)
            )

    async def print_chosen(_: ft.ControlEvent) -> None:
        data = await app.work(t("busy.printing"), _paper_pdf, app, record_id, chosen())
        if data is not None:  # web: a download; a phone: the share sheet
            await app.hand_over("badge.pdf", data, "application/pdf")

    def back() -> None:
        app.go("/credential/{record_id}", record_id=record_id)

    if paper:
        return ft.Column(
            [
                header(app, t("paper.choose_title"), back),
                ft.Text(t("paper.choose_help")),
                *rows,
                button(t("paper.save"), print_chosen, icon=ft.Icons.PRINT),
            ],
            spacing=8,
            scroll=ft.ScrollMode.AUTO,
            expand=True,
        )
    return ft.Column(
        [
            header(app, t("share.title"), back),
            ft.Text(t("share.help")),
            *rows,
            ft.Row(
                [
                    button(
                        t("share.scan_challenge"),
                        scan_challenge,
                        icon=ft.Icons.QR_CODE_SCANNER,
                        primary=False,
                    )
                ],
                wrap=True,
            ),
            challenge_note,
            button(t("share.show_qr"), show, icon=ft.Icons.QR_CODE),
        ],
        spacing=8,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )


def _paper_pdf(app: App, record_id: str, reveal: list[str]) -> bytes:
    """The page with the mandatory claims and the chosen ones (every claim when the
    credential has no selective disclosure), as `wallet paper --reveal` prints it."""
    from wallet.services.learner import paper_layout  # fpdf2 (and numpy) load only to print

    copy = paper_copy.for_held(app.session.backpack.show(record_id), reveal)
    return paper_layout.render_pdf(copy, paper_layout.PageSize.A4, app.t)


def showing(app: App, record_id: str, shared: SharedQr, revealed: int) -> ft.Control:
    t = app.t
    countdown = ft.Text(size=18, weight=ft.FontWeight.BOLD)

    def tick() -> None:
        if shared.expires is None:
            countdown.value = t("share.answers_challenge")
            return
        left = int((shared.expires - app.session.now()).total_seconds())
        countdown.value = (
            t("share.expires_in", minutes=left // 60, seconds=f"{left % 60:02d}")
            if left > 0
            else t("share.expired")
        )

    tick()
    notes = [t("share.bytes", count=revealed, bytes=shared.payload_bytes)]
    if shared.shown_whole:
        notes.append(t("share.shown_whole"))
    return ft.Column(
        [
            header(
                app, t("share.qr_title"), lambda: app.go("/share/{record_id}", record_id=record_id)
            ),
            qr_codes(app, shared.texts, on_tick=tick),
            countdown,
            *[ft.Text(note) for note in notes],
        ],
        spacing=12,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        scroll=ft.ScrollMode.AUTO,
    )
