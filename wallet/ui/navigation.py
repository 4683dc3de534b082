"""The bottom bar: one tab per role the user has switched on, then settings. Tabs are
routes, so this module needs no screen."""

from __future__ import annotations

import flet as ft

from wallet.ui import device_language
from wallet.ui.context import App

ROLES = ("learner", "employer", "trainer")
TABS = {
    "learner": ("nav.backpack", ft.Icons.BACKPACK, "/backpack"),
    "employer": ("nav.verify", ft.Icons.QR_CODE_SCANNER, "/verify"),
    "trainer": ("nav.issue", ft.Icons.WORKSPACE_PREMIUM, "/issuer"),
}
SETTINGS = ("nav.settings", ft.Icons.SETTINGS, "/settings")


def roles(app: App) -> list[str]:
    return list(app.session.settings.get("roles", list(ROLES)))


def tabs(app: App) -> list[tuple[str, ft.IconData, str]]:
    return [*(TABS[r] for r in ROLES if r in roles(app)), SETTINGS]


def home(app: App) -> None:
    """Where an unlocked wallet opens, in the wallet's language."""
    app.apply_preferences()
    device_language.remember(app)
    app.home()


def _select(app: App, tab_route: str) -> list[tuple[str, ft.IconData, str]]:
    """`tab_route`: the tab the shown screen belongs to, which stays highlighted inside
    its sub-screens."""
    shown = tabs(app)
    app.tab = min(
        next((n for n, tab in enumerate(shown) if tab[2] == tab_route), app.tab), len(shown) - 1
    )
    return shown


def bar(app: App, tab_route: str) -> ft.NavigationBar:
    """The phone's tabs, along the bottom."""
    shown = _select(app, tab_route)
    return ft.NavigationBar(
        destinations=[
            ft.NavigationBarDestination(icon=icon, label=app.t(key)) for key, icon, _ in shown
        ],
        selected_index=app.tab,
        on_change=lambda e: app.go(shown[int(e.control.selected_index)][2]),
    )


def rail(app: App, tab_route: str) -> ft.NavigationRail:
    """The same tabs down the left edge, for a desktop-wide window."""
    shown = _select(app, tab_route)
    return ft.NavigationRail(
        destinations=[
            ft.NavigationRailDestination(icon=icon, label=app.t(key)) for key, icon, _ in shown
        ],
        selected_index=app.tab,
        label_type=ft.NavigationRailLabelType.ALL,
        on_change=lambda e: app.go(shown[int(e.control.selected_index)][2]),
    )
