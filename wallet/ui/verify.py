"""The employer's side: scan a learner's QR with the camera (or open a photo of it), or
first show a challenge for them to answer, and get a verdict with every check explained,
offline. Past verdicts stay in the history."""

from __future__ import annotations

from dataclasses import replace

import flet as ft

from wallet.services.scanning import FrameScan
from wallet.services.verifier.presentations import UntrustedIssuer, Verdict
from wallet.services.wallet import Challenge
from wallet.ui.context import App
from wallet.ui.widgets import (
    VERDICT_STYLE,
    all_checks,
    button,
    check_reasons,
    claim_label,
    format_value,
    header,
    qr_codes,
)
from wallet.vc.verification import Outcome


def view(app: App) -> ft.Control:
    t = app.t
    return ft.Column(
        [
            header(app, t("verify.title")),
            ft.Text(t("verify.help")),
            *_reading(app, t("verify.scan"), t("verify.scan_title"), None, "/verify"),
            button(
                t("verify.ask"),
                lambda _: app.go("/verify/ask", challenge=app.session.new_challenge()),
                icon=ft.Icons.QR_CODE,
                primary=False,
            ),
            button(
                t("verify.history"),
                lambda _: app.go("/history"),
                icon=ft.Icons.HISTORY,
                primary=False,
            ),
        ],
        spacing=16,
    )


def ask(app: App, challenge: Challenge) -> ft.Control:
    """Two-way mode: the learner's wallet reads this challenge and signs its answer over
    it, so an answer recorded earlier, or made for someone else, does not pass."""
    t = app.t
    return ft.Column(
        [
            header(app, t("verify.ask_title"), lambda: app.go("/verify")),
            ft.Text(t("verify.ask_help")),
            qr_codes(app, [challenge.text]),
            *_reading(
                app,
                t("verify.scan_answer"),
                t("verify.scan_answer_title"),
                challenge,
                "/verify/ask",
            ),
        ],
        spacing=12,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        scroll=ft.ScrollMode.AUTO,
    )


def _reading(
    app: App, label: str, title: str, challenge: Challenge | None, back: str
) -> list[ft.Control]:
    """ "Scan" (the camera) and "Open QR image" (files), both verifying against `challenge`
    (None: a one-way presentation); the verdict's Back returns to the route `back`."""

    async def open_images(_: ft.ControlEvent) -> None:
        job = app.session.verify_images
        verdict = await app.read_pictures(app.t("busy.verifying"), lambda p: job(p, challenge))
        if verdict is not None:
            app.go("/verify/result", verdict=verdict, back=back)

    async def scanned(texts: list[str]) -> None:
        job = app.session.verify_texts
        verdict = await app.work(app.t("busy.verifying"), job, texts, challenge)
        if verdict is None:
            app.back(back)
        else:
            app.go("/verify/result", verdict=verdict, back=back)

    def scan(_: ft.ControlEvent) -> None:
        app.go(
            "/scan",
            title=title,
            scan=FrameScan(),
            done=scanned,
            back=back,
            fallback=open_images,
        )

    return [
        button(label, scan, icon=ft.Icons.QR_CODE_SCANNER),
        button(app.t("verify.open_image"), open_images, icon=ft.Icons.IMAGE, primary=False),
    ]


def banner(app: App, verdict: Outcome) -> ft.Control:
    """The verdict in a word or three, wrapping rather than cut at 360 px ("Valide, avec
    avertissements" is wider than a phone at this size)."""
    icon, colour, key = VERDICT_STYLE[verdict]
    return ft.Container(
        ft.Row(
            [
                ft.Icon(icon, color=ft.Colors.WHITE, size=48),
                ft.Text(
                    app.t(key),
                    size=28,
                    color=ft.Colors.WHITE,
                    weight=ft.FontWeight.BOLD,
                    expand=True,
                ),
            ],
        ),
        bgcolor=colour,
        padding=16,
        border_radius=12,
    )


def _claims(app: App, verdict: Verdict) -> list[ft.Control]:
    """What the learner shared; under a "Not valid" verdict, dimmed and labelled: nothing
    vouches for these values."""
    t = app.t
    rows: list[ft.Control] = [
        ft.Column(
            [
                ft.Text(claim_label(t, c.pointer), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Text(format_value(c.value), size=16),
            ],
            spacing=2,
        )
        for c in verdict.claims
    ]
    title = ft.Text(t("verify.claims"), size=18, weight=ft.FontWeight.BOLD)
    if verdict.verdict is not Outcome.INVALID:
        return [title, *rows]
    label = ft.Row(
        [
            ft.Icon(ft.Icons.REPORT, color=ft.Colors.ERROR),
            ft.Text(t("verify.claims_not_verified"), color=ft.Colors.ERROR, expand=True),
        ]
    )
    return [title, label, ft.Container(ft.Column(rows, spacing=8), opacity=0.5)]


def result(app: App, verdict: Verdict, back: str = "/verify") -> ft.Control:
    t = app.t
    return ft.Column(
        [
            header(app, t("verify.result_title"), lambda: app.back(back)),
            banner(app, verdict.verdict),
            *check_reasons(t, verdict.checks),
            *_claims(app, verdict),
            *[_trust_offer(app, verdict, back, issuer) for issuer in verdict.untrusted],
            all_checks(t, verdict.checks),
            ft.Text(t("verify.trust_note"), italic=True),
        ],
        spacing=8,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )


def _trust_offer(app: App, verdict: Verdict, back: str, issuer: UntrustedIssuer) -> ft.Control:
    """An issuer this device does not trust yet, by its DID, with "Trust this issuer": what
    `wallet trust add-issuer` does. It counts from the next scan; this verdict stands."""
    t = app.t

    async def trust(_: ft.ControlEvent) -> None:
        name = await app.work(t("busy.saving"), app.session.trust_issuer, issuer.did, issuer.name)
        if name is None:
            return
        app.tell(t("verify.trusted", name=name))
        rest = [i for i in verdict.untrusted if i.did != issuer.did]
        app.go("/verify/result", verdict=replace(verdict, untrusted=rest), back=back)

    return ft.Card(
        ft.Container(
            ft.Column(
                [
                    ft.Text(
                        t("verify.untrusted_named", name=issuer.name)
                        if issuer.name
                        else t("verify.untrusted")
                    ),
                    ft.Text(issuer.did, size=11, selectable=True),
                    button(t("verify.trust_issuer"), trust, icon=ft.Icons.ADD_MODERATOR),
                ],
                spacing=8,
            ),
            padding=12,
        )
    )
