"""The employer's side: open a photo or screenshot of a learner's QR, get a verdict with
every check explained, offline. Past verdicts stay in the history."""

from __future__ import annotations

from typing import Any

import flet as ft

from wallet.ui import history
from wallet.ui.context import App
from wallet.ui.widgets import button, checks, claim_label, format_value, header

VERDICT_STYLE = {
    "valid": (ft.Icons.VERIFIED, ft.Colors.GREEN_700, "verdict.valid"),
    "valid with warnings": (ft.Icons.WARNING, ft.Colors.AMBER_800, "verdict.warnings"),
    "invalid": (ft.Icons.CANCEL, ft.Colors.RED_700, "verdict.invalid"),
}


def view(app: App) -> ft.Control:
    t = app.t

    async def open_images(_: ft.ControlEvent) -> None:
        files = await app.pick_files(["png", "jpg", "jpeg"], many=True)
        if not files:
            return
        verdict = await app.work(
            t("busy.verifying"), app.session.verify_images, [data for _, data in files]
        )
        if verdict is not None:
            app.go(result, verdict=verdict.to_json())

    return ft.Column(
        [
            header(app, t("verify.title")),
            ft.Text(t("verify.help")),
            button(t("verify.open_image"), open_images, icon=ft.Icons.QR_CODE_SCANNER),
            button(
                t("verify.history"),
                lambda _: app.go(history.view),
                icon=ft.Icons.HISTORY,
                primary=False,
            ),
        ],
        spacing=16,
    )


def banner(app: App, verdict: str) -> ft.Control:
    icon, colour, key = VERDICT_STYLE[verdict]
    return ft.Container(
        ft.Row(
            [
                ft.Icon(icon, color=ft.Colors.WHITE, size=48),
                ft.Text(app.t(key), size=28, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
            ],
        ),
        bgcolor=colour,
        padding=16,
        border_radius=12,
    )


def result(app: App, verdict: dict[str, Any], back: Any = None) -> ft.Control:
    t = app.t
    claims = [
        ft.Column(
            [
                ft.Text(claim_label(t, c["pointer"]), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Text(format_value(c["value"]), size=16),
            ],
            spacing=2,
        )
        for c in verdict["claims"]
    ]
    return ft.Column(
        [
            header(app, t("verify.result_title"), lambda: app.go(back or view)),
            banner(app, verdict["verdict"]),
            ft.Text(t("verify.claims"), size=18, weight=ft.FontWeight.BOLD),
            *claims,
            ft.Text(t("verify.checks"), size=18, weight=ft.FontWeight.BOLD),
            checks(t, verdict["checks"]),
            ft.Text(t("verify.trust_note"), italic=True),
        ],
        spacing=8,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )
