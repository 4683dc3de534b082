"""Pieces several screens share: headers, big buttons, the QR display, ages in words, and
the accessible building blocks every screen uses instead of raw Flet controls: values as
text (a selectable Text reads as an empty disabled text field), labelled icon buttons,
status chips that are not checkboxes, radios, switches and checkboxes with a 48 dp
target, and the one "recovery words + passphrase twice" form."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

import flet as ft

from wallet.qr.images import render_pngs
from wallet.ui import theme
from wallet.ui.context import MIN_TOUCH, App
from wallet.ui.i18n import Catalog
from wallet.vc.verification import Check, Outcome

MIN_PASSPHRASE = 8
# A verdict's look, in the verifier's result and in the history: its icon, the banner's
# background and the icon's colour on the screen (`theme.Palette` fields), and its words.
VERDICT_STYLE = {
    Outcome.VALID: (ft.Icons.VERIFIED, "verdict_valid", "success", "verdict.valid"),
    Outcome.WARNINGS: (ft.Icons.WARNING, "verdict_warnings", "warning", "verdict.warnings"),
    Outcome.INVALID: (ft.Icons.CANCEL, "verdict_invalid", "error", "verdict.invalid"),
}


def colours(app: App) -> theme.Palette:
    return theme.palette(app.page)


def target(control: ft.Control) -> ft.Control:
    """`control` as one node at least 48 dp tall: Flutter sizes radios, switches, checkboxes
    and chips smaller, so a taller row holds it and merges its semantics into one node."""
    return ft.MergeSemantics(
        ft.Row(
            [ft.Container(width=0, height=MIN_TOUCH), ft.Container(control, expand=True)],
            spacing=0,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )
    )


def radios(
    choices: list[tuple[str, str]], value: str, on_change: Any, *, row: bool = False
) -> ft.RadioGroup:
    """(value, label) choices, each a full-width 48 dp target."""
    items = [target(ft.Radio(value=code, label=label)) for code, label in choices]
    layout = ft.Row(items, wrap=True) if row else ft.Column(items, spacing=0)
    return ft.RadioGroup(layout, value=value, on_change=on_change)


def switch(label: str, value: bool, on_change: Any) -> ft.Control:
    return target(ft.Switch(label=label, value=value, on_change=on_change))


def checkbox(label: str, *, value: bool, disabled: bool = False) -> ft.Checkbox:
    """A checkbox named once by its label (a `semantics_label` as well reads it twice);
    put it on screen through `target`."""
    return ft.Checkbox(label=label, value=value, disabled=disabled)


def icon_button(icon: Any, label: str, on_click: Any) -> ft.IconButton:
    """An icon alone needs words: the label names the button (a tooltip alone does not,
    in Flutter's web semantics) and shows on hover."""
    return ft.IconButton(
        ft.Icon(icon, semantics_label=label),
        tooltip=label,
        on_click=on_click,
        size_constraints=ft.BoxConstraints(min_width=MIN_TOUCH, min_height=MIN_TOUCH),
    )


def text_button(label: str, on_click: Any, *, icon: Any = None) -> ft.TextButton:
    return ft.TextButton(label, icon=icon, on_click=on_click, height=MIN_TOUCH)


def dialog_button(app: App, label: str, on_click: Any, *, destructive: bool = False) -> ft.Control:
    """A dialog's action, 48 dp tall; a destructive one (delete, revoke) in the error
    colour, filled, so it does not look like the safe choice."""
    if destructive:
        p = colours(app)
        return ft.FilledButton(
            label, on_click=on_click, height=MIN_TOUCH, bgcolor=p.error, color=p.on_error
        )
    return ft.TextButton(label, on_click=on_click, height=MIN_TOUCH)


def value_text(label: str, value: str, *, size: float | None = None) -> ft.Control:
    """A label over its value, both plain text, read as "label, value"."""
    return ft.Column(
        [ft.Text(label, size=12, weight=ft.FontWeight.BOLD), ft.Text(value, size=size)],
        spacing=2,
    )


def status_chip(app: App, text: str, *, good: bool) -> ft.Control:
    """A chip that only says something (verified, a tag): text, not a checkbox."""
    p = colours(app)
    icon, fg, bg = (
        (ft.Icons.VERIFIED, p.on_success_container, p.success_container)
        if good
        else (ft.Icons.WARNING, p.on_warning_container, p.warning_container)
    )
    return _chip(text, fg, bg, icon)


def tag_chip(app: App, text: str) -> ft.Control:
    p = colours(app)
    return _chip(text, p.on_secondary_container, p.secondary_container, None)


def _chip(text: str, fg: str, bg: str, icon: Any) -> ft.Control:
    parts: list[ft.Control] = [ft.Icon(icon, color=fg, size=18)] if icon else []
    return ft.Container(
        ft.Row([*parts, ft.Text(text, color=fg)], spacing=6, tight=True),
        bgcolor=bg,
        padding=ft.Padding.symmetric(horizontal=10, vertical=6),
        border_radius=8,
    )


def filter_chip(label: str, *, selected: bool, on_select: Any) -> ft.Control:
    """A chip that filters a list: a checkbox-like toggle, 48 dp tall."""
    return target(ft.Chip(ft.Text(label), selected=selected, on_select=on_select))


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


def destructive_button(app: App, label: str, on_click: Any, *, icon: Any = None) -> ft.Control:
    """For what cannot be undone (delete, revoke): the theme's error colours."""
    p = colours(app)
    return ft.FilledButton(
        label, icon=icon, on_click=on_click, height=MIN_TOUCH, bgcolor=p.error, color=p.on_error
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
                dialog_button(app, app.t("common.cancel"), lambda _: app.page.pop_dialog()),
                dialog_button(app, action, confirmed, destructive=destructive),
            ],
        )
    )


def tell_only(app: App, title: str, body: str) -> None:
    """A dialog that explains and offers nothing to do (what cannot take effect)."""
    app.page.show_dialog(
        ft.AlertDialog(
            title=ft.Text(title),
            content=ft.Text(body),
            actions=[dialog_button(app, app.t("common.close"), lambda _: app.page.pop_dialog())],
        )
    )


def field(label: str, *, multiline: bool = False) -> ft.TextField:
    return ft.TextField(
        label=label,
        multiline=multiline,
        min_lines=3 if multiline else None,
        max_lines=6 if multiline else None,
    )


def passphrase_field(app: App, label: str) -> ft.TextField:
    """A hidden passphrase with a "show" button named after its field (two on a screen
    stay distinct); Flet's own reveal button has no name and a 40 px target."""
    box = ft.TextField(label=label, password=True)

    def toggle(_: ft.ControlEvent) -> None:
        box.password = not box.password
        words = app.t("field.show" if box.password else "field.hide", field=label)
        shown = ft.Icons.VISIBILITY if box.password else ft.Icons.VISIBILITY_OFF
        reveal.icon, reveal.tooltip = ft.Icon(shown, semantics_label=words), words
        box.update()

    reveal = icon_button(ft.Icons.VISIBILITY, app.t("field.show", field=label), toggle)
    box.suffix_icon = reveal
    return box


def passphrase_problem(t: Catalog, first: str, second: str) -> str | None:
    if len(first) < MIN_PASSPHRASE:
        return t("onboarding.passphrase_short", n=MIN_PASSPHRASE)
    if first != second:
        return t("onboarding.passphrase_mismatch")
    return None


class NewPassphrase:
    """A new passphrase typed twice: creating a wallet, and (with the words) restoring,
    joining and recovering, so all four check it the same way."""

    def __init__(self, app: App, first_label: str = "field.new_passphrase") -> None:
        self.t = app.t
        self.first = passphrase_field(app, app.t(first_label))
        self.second = passphrase_field(app, app.t("field.passphrase_again"))

    @property
    def controls(self) -> list[ft.Control]:
        return [self.first, self.second]

    @property
    def passphrase(self) -> str:
        return self.first.value or ""

    def problem(self) -> str | None:
        """What is wrong, also shown under the second field; None when both agree."""
        self.second.error = passphrase_problem(self.t, self.passphrase, self.second.value or "")
        return self.second.error


class RecoveryForm(NewPassphrase):
    """The twelve recovery words, then a new passphrase twice."""

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.words = field(app.t("field.recovery_words"), multiline=True)

    @property
    def controls(self) -> list[ft.Control]:
        return [self.words, *super().controls]

    @property
    def recovery_words(self) -> str:
        return self.words.value or ""


def ago(t: Catalog, then: datetime, now: datetime) -> str:
    return t.ago((now - then).total_seconds())


def verification_chip(app: App, card: dict[str, Any]) -> ft.Control:
    """The card's state in plain words (services/learner/intake.py): verified, needs a
    connection once, or cannot be verified and why; a badge issued to an identifier this
    wallet does not hold says so beside a pass."""
    t = app.t
    state = card.get("state") or {}
    if state.get("state") == "needs-connection":
        return status_chip(app, t("chip.needs_connection"), good=False)
    if state.get("state") == "cannot-verify":
        fallback = t("chip.reason.unreadable")
        reasons = "; ".join(t.get(f"chip.reason.{code}", fallback) for code in state["reasons"])
        return status_chip(app, t("chip.cannot_verify", reason=reasons), good=False)
    when = ago(t, datetime.fromisoformat(card["checked"]), app.session.now())
    key = "chip.verified" if card["verified"] else "chip.not_verified"
    chip = status_chip(app, t(key, when=when), good=bool(card["verified"]))
    if not card["verified"] or "other-holder" not in state.get("notes", []):
        return chip
    return ft.Row([chip, status_chip(app, t("chip.other_holder"), good=False)], wrap=True)


def qr_codes(app: App, texts: list[str], on_tick: Callable[[], None] | None = None) -> ft.Control:
    """The codes large, dark on white; a sequence cycles until the screen changes, and
    `on_tick` runs each second (for countdowns)."""
    images = render_pngs(texts)
    label = app.t("qr.label") if len(images) == 1 else app.t("qr.label_sequence", total=len(images))
    picture = ft.Image(
        src=images[0], width=340, height=340, fit=ft.BoxFit.CONTAIN, semantics_label=label
    )
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
            ft.Container(picture, bgcolor=colours(app).qr_light, padding=8, border_radius=8),
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


def _check_row(app: App, check: Check) -> ft.Control:
    p = colours(app)
    if not check.ok:
        icon, colour = ft.Icons.CANCEL, p.error
    elif check.warning:
        icon, colour = ft.Icons.WARNING, p.warning
    else:
        icon, colour = ft.Icons.CHECK_CIRCLE, p.success
    title, reason = check_text(app.t, check)
    return ft.ListTile(
        leading=ft.Icon(icon, color=colour),
        title=ft.Text(title),
        subtitle=ft.Text(reason),
    )


def checks(app: App, found: list[Check]) -> ft.Control:
    """Each check as a line: what was checked, how it went, and the verifier's reason."""
    return ft.Column([_check_row(app, check) for check in found], spacing=0)


def check_reasons(app: App, found: list[Check]) -> list[ft.Control]:
    """The failed and warning checks in full, for right under a verdict: at 360 px the
    reason is on the first screen, not ten checks down."""
    reasons = [check for check in found if needs_attention(check)]
    return [checks(app, reasons)] if reasons else []


def all_checks(app: App, found: list[Check]) -> ft.Control:
    """Every check, folded under "All checks (n)" until asked for."""
    return ft.ExpansionTile(
        title=ft.Text(app.t("verify.all_checks", n=len(found))),
        controls=[checks(app, found)],
        tile_padding=ft.Padding.symmetric(horizontal=0),
    )
