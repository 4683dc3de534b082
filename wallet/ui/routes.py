"""Every screen's route, in one table: the path (its `{params}` fill from the path, the
others from the app's state for that route), the screen under it (what Back and Android's
back button return to), and who may open it: an unlocked wallet, the lock screen, or a
first run. Screens navigate by route (`App.go("/credential/{record_id}", record_id=…)`)
and never import each other; only this module knows the screens.

A route typed in the browser's address bar opens its screen when the wallet is unlocked;
a locked wallet asks for the passphrase first and then opens it. An unknown route, or one
whose state is gone (a verdict after a restart), opens the first tab."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import flet as ft

from wallet.ui import (
    add_credential,
    backpack,
    credential_detail,
    history,
    issuance_log,
    issuer,
    navigation,
    onboarding,
    receive,
    scanner,
    settings,
    share,
    unlock,
    verify,
)
from wallet.ui.context import App

OPEN, LOCKED, FIRST_RUN = "open", "locked", "first run"
MAX_DEPTH = 10  # parents followed to find a screen's tab; the table is far shallower
LIST_PANE = 400  # dp: the list's width beside a detail on a wide window
SINGLE_PANE = ("/settings",)  # tabs with nothing to list


@dataclass(frozen=True)
class Route:
    pattern: str
    screen: Callable[..., ft.Control]
    parent: str | None = None  # a pattern naming only this pattern's params
    access: str = OPEN


TABLE = (
    Route("/backpack", backpack.view),
    Route("/backpack/add", add_credential.view, "/backpack"),
    Route("/backpack/receive", receive.view, "/backpack"),
    Route("/credential/{record_id}", credential_detail.view, "/backpack"),
    Route("/share/{record_id}", share.view, "/credential/{record_id}"),
    Route("/share/{record_id}/qr", share.showing, "/share/{record_id}"),
    Route("/verify", verify.view),
    Route("/verify/ask", verify.ask, "/verify"),
    Route("/verify/result", verify.result, "/verify"),  # or its state's `back`
    Route("/history", history.view, "/verify"),
    Route("/issuer", issuer.view),
    Route("/issuer/setup", issuer.set_up, "/issuer"),
    Route("/issuer/template", issuer.template_form, "/issuer"),
    Route("/issuer/template/{template_id}", issuer.template_form, "/issuer"),
    Route("/issuer/issue/{template_id}", issuer.issue_to, "/issuer"),
    Route("/issuer/issued", issuer.issued_qr, "/issuer"),
    Route("/issuer/log", issuance_log.view, "/issuer"),
    Route("/scan", scanner.view),  # its state's `back` is the screen that opened it
    Route("/settings", settings.view),
    Route("/unlock", unlock.view, access=LOCKED),
    Route("/unlock/forgot", unlock.forgot, "/unlock", LOCKED),
    Route("/onboarding", onboarding.view, access=FIRST_RUN),
    Route("/onboarding/create", onboarding.create, "/onboarding", FIRST_RUN),
    Route("/onboarding/words", onboarding.show_words, access=FIRST_RUN),  # no way back
    Route("/onboarding/quiz", onboarding.quiz, "/onboarding/words", FIRST_RUN),
    Route("/onboarding/restore", onboarding.restore, "/onboarding", FIRST_RUN),
    Route("/onboarding/join", onboarding.join, "/onboarding", FIRST_RUN),
)


def match(path: str) -> tuple[Route, dict[str, str]] | None:
    parts = path.strip("/").split("/")
    for route in TABLE:
        pattern = route.pattern.strip("/").split("/")
        if len(pattern) != len(parts):
            continue
        params: dict[str, str] = {}
        for want, got in zip(pattern, parts, strict=True):
            if want.startswith("{"):
                params[want[1:-1]] = unquote(got)
            elif want != got:
                break
        else:
            if all(params.values()):
                return route, params
    return None


def fill(pattern: str, params: dict[str, str]) -> str:
    return pattern.format(**{name: quote(value, safe="") for name, value in params.items()})


class Router:
    def home(self, app: App) -> str:
        return navigation.tabs(app)[0][2]

    def resolve(self, app: App, path: str) -> str:
        """The route to show for `path`: itself where it may be shown now, else where the
        wallet's state sends the user."""
        found = match(path)
        access = found[0].access if found and self._arguments(app, path) is not None else None
        if app.session.unlocked:
            return path if access == OPEN else self.home(app)
        if app.session.exists:
            if access == OPEN:
                app.after_unlock = path
            return path if access == LOCKED else "/unlock"
        return path if access == FIRST_RUN else "/onboarding"

    def parent(self, app: App, path: str) -> str | None:
        found = match(path)
        if found is None:
            return None
        route, params = found
        back = app.state.get(path, {}).get("back")
        if isinstance(back, str):
            return back
        return fill(route.parent, params) if route.parent else None

    def views(self, app: App, path: str) -> list[ft.View]:
        """The shown screen over the one Back returns to, so Android's back button has a
        view to pop; the one under is reused where it is already built, the shown one's
        content goes into `app.top`."""
        top = self._view(app, path)
        parent = self.parent(app, path)
        if parent is None or self._arguments(app, parent) is None:
            return [top]
        under = next((v for v in app.page.views if v.route == parent and v is not app.top), None)
        return [under or self._view(app, parent), top]

    def _arguments(self, app: App, path: str) -> dict[str, Any] | None:
        """The screen's arguments from the path and the state; None when some are missing."""
        found = match(path)
        if found is None:
            return None
        route, params = found
        arguments = {**params, **app.state.get(path, {})}
        try:
            inspect.signature(route.screen).bind(app, **arguments)
        except TypeError:
            return None
        return arguments

    def _view(self, app: App, path: str) -> ft.View:
        found = match(path)
        arguments = self._arguments(app, path)
        assert found is not None and arguments is not None  # resolve() saw to both
        route = found[0]
        screen = route.screen(app, **arguments)
        if route.access != OPEN or not app.session.unlocked:
            return ft.View(route=path, controls=[_safe(ft.Container(screen, padding=16))])
        tab = self._tab(app, path)
        if not app.wide:
            return ft.View(
                route=path,
                controls=[_safe(ft.Container(screen, padding=16))],
                navigation_bar=navigation.bar(app, tab),
            )
        return ft.View(
            route=path,
            controls=[
                _safe(
                    ft.Row(
                        [
                            navigation.rail(app, tab),
                            ft.VerticalDivider(width=1),
                            *self._panes(app, path, tab, screen),
                        ],
                        vertical_alignment=ft.CrossAxisAlignment.STRETCH,
                        expand=True,
                    )
                )
            ],
        )

    def _panes(self, app: App, path: str, tab: str, screen: ft.Control) -> list[ft.Control]:
        """A wide window keeps the tab's first screen (the backpack, the verifier's actions,
        the achievements) on the left and shows what it opened beside it; until something
        is opened, the right pane says so."""
        if tab in SINGLE_PANE:
            return [ft.Container(screen, padding=16, expand=True)]
        if path == tab:
            listed = screen
            detail: ft.Control = ft.Text(app.t("layout.choose"), color=ft.Colors.ON_SURFACE_VARIANT)
        else:
            found = match(tab)
            arguments = self._arguments(app, tab)
            assert found is not None and arguments is not None  # a tab is always a route
            listed, detail = found[0].screen(app, **arguments), screen
        return [
            ft.Container(listed, width=LIST_PANE, padding=16),
            ft.VerticalDivider(width=1),
            ft.Container(detail, padding=16, expand=True),
        ]

    def _tab(self, app: App, path: str) -> str:
        for _ in range(MAX_DEPTH):
            parent = self.parent(app, path)
            if parent is None:
                break
            path = parent
        return path


def _safe(content: ft.Control) -> ft.Control:
    return ft.SafeArea(content, expand=True)
