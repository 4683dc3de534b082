"""Pieces several screens share: headers, big buttons, the QR display, ages in words."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

import flet as ft

from wallet.services import qr_display
from wallet.ui.context import MIN_TOUCH, App
from wallet.ui.i18n import Catalog

# A verdict's look, in the verifier's result and in the history.
VERDICT_STYLE = {
    "valid": (ft.Icons.VERIFIED, ft.Colors.GREEN_700, "verdict.valid"),
    "valid with warnings": (ft.Icons.WARNING, ft.Colors.AMBER_800, "verdict.warnings"),
    "invalid": (ft.Icons.CANCEL, ft.Colors.RED_700, "verdict.invalid"),
}


def header(app: App, title: str, back: Callable[[], None] | None = None) -> ft.Control:
    row: list[ft.Control] = []
    if back is not None:
        row.append(
            ft.TextButton(
                app.t("common.back"),
                icon=ft.Icons.ARROW_BACK,
                on_click=lambda _: back(),
                height=MIN_TOUCH,
            )
        )
    row.append(ft.Text(title, size=22, weight=ft.FontWeight.BOLD, expand=True))
    return ft.Row(row)


def button(label: str, on_click: Any, *, icon: Any = None, primary: bool = True) -> ft.Control:
    kind = ft.FilledButton if primary else ft.OutlinedButton
    return kind(label, icon=icon, on_click=on_click, height=MIN_TOUCH)


def field(label: str, *, password: bool = False, multiline: bool = False) -> ft.TextField:
    return ft.TextField(
        label=label,
        password=password,
        can_reveal_password=password,
        multiline=multiline,
        min_lines=3 if multiline else None,
        max_lines=6 if multiline else None,
    )


def ago(t: Catalog, then: datetime, now: datetime) -> str:
    seconds = max(0, (now - then).total_seconds())
    if seconds < 60:
        return t("time.just_now")
    if seconds < 3600:
        return t("time.minutes", n=int(seconds // 60))
    if seconds < 86400:
        return t("time.hours", n=int(seconds // 3600))
    return t("time.days", n=int(seconds // 86400))


def verification_chip(app: App, card: dict[str, Any]) -> ft.Control:
    """The card's state in plain words (services/learner/intake.py): verified, needs a
    connection once, or cannot be verified and why; a badge issued to an identifier this
    wallet does not hold says so beside a pass."""
    t = app.t
    when = ago(t, datetime.fromisoformat(card["checked"]), app.session.now())
    state = card.get("state") or {}
    if state.get("state") == "needs-connection":
        return ft.Chip(
            ft.Text(t("chip.needs_connection")),
            leading=ft.Icon(ft.Icons.CLOUD_DOWNLOAD, color=ft.Colors.AMBER),
        )
    if state.get("state") == "cannot-verify":
        fallback = t("chip.reason.unreadable")
        reasons = "; ".join(t.get(f"chip.reason.{code}", fallback) for code in state["reasons"])
        return ft.Chip(
            ft.Text(t("chip.cannot_verify", reason=reasons)),
            leading=ft.Icon(ft.Icons.WARNING, color=ft.Colors.ERROR),
        )
    if not card["verified"]:
        return ft.Chip(
            ft.Text(t("chip.not_verified", when=when)),
            leading=ft.Icon(ft.Icons.WARNING, color=ft.Colors.ERROR),
        )
    verified = ft.Chip(
        ft.Text(t("chip.verified", when=when)),
        leading=ft.Icon(ft.Icons.VERIFIED, color=ft.Colors.GREEN),
    )
    if "other-holder" not in state.get("notes", []):
        return verified
    other = ft.Chip(
        ft.Text(t("chip.other_holder")), leading=ft.Icon(ft.Icons.INFO, color=ft.Colors.AMBER)
    )
    return ft.Row([verified, other], wrap=True)


def qr_codes(app: App, texts: list[str], on_tick: Callable[[], None] | None = None) -> ft.Control:
    """The codes large, dark on white; a sequence cycles until the screen changes, and
    `on_tick` runs each second (for countdowns)."""
    images = qr_display.pngs(texts)
    picture = ft.Image(src=images[0], width=340, height=340, fit=ft.BoxFit.CONTAIN)
    counter = ft.Text(app.t("qr.frame", n=1, total=len(images)), visible=len(images) > 1, size=16)
    generation = app.generation

    async def animate() -> None:
        shown = 0
        while True:
            await asyncio.sleep(1)  # a frame a second: cheap cameras keep up
            if app.generation != generation:
                return
            shown = (shown + 1) % len(images)
            picture.src = images[shown]
            counter.value = app.t("qr.frame", n=shown + 1, total=len(images))
            if on_tick is not None:
                on_tick()
            app.page.update()

    if len(images) > 1 or on_tick is not None:
        app.page.run_task(animate)
    return ft.Column(
        [
            ft.Container(picture, bgcolor=ft.Colors.WHITE, padding=8, border_radius=8),
            counter,
        ],
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
    )


def format_value(value: Any) -> str:
    """A claim's value as a line of text: narratives and names before raw structure."""
    if isinstance(value, dict):
        for key in ("narrative", "name", "targetName", "id"):
            if isinstance(value.get(key), str):
                return value[key]
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items() if k != "type")
    if isinstance(value, list):
        return "; ".join(format_value(v) for v in value)
    return str(value)


def claim_label(t: Catalog, pointer: str) -> str:
    return t.get("claim." + pointer, pointer)


def checks(t: Catalog, found: list[dict[str, Any]]) -> ft.Control:
    """Each check as a line: what was checked, how it went, and the verifier's reason."""
    rows = []
    for check in found:
        topic = check["id"].rsplit(".", 1)[-1]
        title = t.get("check." + topic, topic)
        if not check["ok"]:
            icon, colour, state = ft.Icons.CANCEL, ft.Colors.ERROR, t("check.failed")
        elif check.get("warning"):
            icon, colour, state = ft.Icons.WARNING, ft.Colors.AMBER_800, t("check.warning")
        else:
            icon, colour, state = ft.Icons.CHECK_CIRCLE, ft.Colors.GREEN, t("check.passed")
        rows.append(
            ft.ListTile(
                leading=ft.Icon(icon, color=colour),
                title=ft.Text(f"{title}: {state}"),
                subtitle=ft.Text(check["message"]),
            )
        )
    return ft.Column(rows, spacing=0)
