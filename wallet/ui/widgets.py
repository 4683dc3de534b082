"""Pieces several screens share: headers, big buttons, the QR display, ages in words."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

import flet as ft

from wallet.qr.images import render_pngs
from wallet.ui.context import MIN_TOUCH, App
from wallet.ui.i18n import Catalog
from wallet.vc.verification import Check, Outcome

# A verdict's look, in the verifier's result and in the history.
VERDICT_STYLE = {
    Outcome.VALID: (ft.Icons.VERIFIED, ft.Colors.GREEN_700, "verdict.valid"),
    Outcome.WARNINGS: (ft.Icons.WARNING, ft.Colors.AMBER_800, "verdict.warnings"),
    Outcome.INVALID: (ft.Icons.CANCEL, ft.Colors.RED_700, "verdict.invalid"),
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


def destructive_button(label: str, on_click: Any, *, icon: Any = None) -> ft.Control:
    """For what cannot be undone (delete, revoke): the theme's error colours."""
    return ft.FilledButton(
        label,
        icon=icon,
        on_click=on_click,
        height=MIN_TOUCH,
        style=ft.ButtonStyle(bgcolor=ft.Colors.ERROR, color=ft.Colors.ON_ERROR),
    )


def confirm(
    app: App,
    title: str,
    body: str,
    action: str,
    on_confirm: Callable[[], Any],
    *,
    destructive: bool = True,
) -> None:
    """Ask before a risky action; Cancel leaves everything as it was. `on_confirm` may be
    a coroutine function (a job for the worker)."""

    async def confirmed(_: ft.ControlEvent) -> None:
        app.page.pop_dialog()
        done = on_confirm()
        if asyncio.iscoroutine(done):
            await done

    app.page.show_dialog(
        ft.AlertDialog(
            title=ft.Text(title),
            content=ft.Text(body),
            actions=[
                ft.TextButton(
                    app.t("common.cancel"),
                    on_click=lambda _: app.page.pop_dialog(),
                    height=MIN_TOUCH,
                ),
                (destructive_button if destructive else button)(action, confirmed),
            ],
        )
    )


def tell_only(app: App, title: str, body: str) -> None:
    """A dialog that explains and offers nothing to do (what cannot take effect)."""
    app.page.show_dialog(
        ft.AlertDialog(
            title=ft.Text(title),
            content=ft.Text(body),
            actions=[
                ft.TextButton(
                    app.t("common.close"),
                    on_click=lambda _: app.page.pop_dialog(),
                    height=MIN_TOUCH,
                )
            ],
        )
    )


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
    return t.ago((now - then).total_seconds())


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
    images = render_pngs(texts)
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


def date_text(t: Catalog, value: str) -> str:
    """A credential's date field ("2026-12-01T12:35:09Z") as people read it; a value that
    is not a date shows as it is (a credential can hold anything)."""
    try:
        return t.datetime(value)
    except ValueError:
        return value


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


def check_text(t: Catalog, check: Check) -> tuple[str, str]:
    """The one place a check becomes words: what was checked and how it went, then the
    verifier's reason. Layout below never reads a check's text any other way."""
    topic = check.id.rsplit(".", 1)[-1]
    title = t.get("check." + topic, topic)
    if not check.ok:
        state = t("check.failed")
    elif check.warning:
        state = t("check.warning")
    else:
        state = t("check.passed")
    return f"{title}: {state}", t.check(check)


def needs_attention(check: Check) -> bool:
    """A failed check, or one that passed with a warning: the reasons behind a verdict."""
    return not check.ok or check.warning


def _check_row(t: Catalog, check: Check) -> ft.Control:
    if not check.ok:
        icon, colour = ft.Icons.CANCEL, ft.Colors.ERROR
    elif check.warning:
        icon, colour = ft.Icons.WARNING, ft.Colors.AMBER_800
    else:
        icon, colour = ft.Icons.CHECK_CIRCLE, ft.Colors.GREEN
    title, reason = check_text(t, check)
    return ft.ListTile(
        leading=ft.Icon(icon, color=colour),
        title=ft.Text(title),
        subtitle=ft.Text(reason),
    )


def checks(t: Catalog, found: list[Check]) -> ft.Control:
    """Each check as a line: what was checked, how it went, and the verifier's reason."""
    return ft.Column([_check_row(t, check) for check in found], spacing=0)


def check_reasons(t: Catalog, found: list[Check]) -> list[ft.Control]:
    """The failed and warning checks in full, for right under a verdict: at 360 px the
    reason is on the first screen, not ten checks down."""
    reasons = [check for check in found if needs_attention(check)]
    return [checks(t, reasons)] if reasons else []


def all_checks(t: Catalog, found: list[Check]) -> ft.Control:
    """Every check, folded under "All checks (n)" until asked for."""
    return ft.ExpansionTile(
        title=ft.Text(t("verify.all_checks", n=len(found))),
        controls=[checks(t, found)],
        tile_padding=ft.Padding.symmetric(horizontal=0),
    )
