"""The bottom bar: one tab per role the user has switched on, then settings."""

from __future__ import annotations

import flet as ft

from wallet.ui import device_language
from wallet.ui.context import App

ROLES = ("learner", "employer", "trainer")


def roles(app: App) -> list[str]:
    return list(app.session.settings.get("roles", list(ROLES)))


def _tabs(app: App) -> list[tuple[str, ft.IconData, object]]:
    from wallet.ui import backpack, issuer, settings, verify

    by_role = {
        "learner": ("nav.backpack", ft.Icons.BACKPACK, backpack.view),
        "employer": ("nav.verify", ft.Icons.QR_CODE_SCANNER, verify.view),
        "trainer": ("nav.issue", ft.Icons.WORKSPACE_PREMIUM, issuer.view),
    }
    chosen = [by_role[r] for r in ROLES if r in roles(app)]
    return [*chosen, ("nav.settings", ft.Icons.SETTINGS, settings.view)]


def home(app: App) -> None:
    """Where an unlocked wallet opens: the first role's tab, in the wallet's language."""
    app.apply_preferences()
    device_language.remember(app)
    app.go(_tabs(app)[0][2])


def bar(app: App) -> ft.NavigationBar:
    tabs = _tabs(app)
    current = app.screen[0] if app.screen else None
    # Inside a tab's sub-screens the tab stays highlighted.
    app.tab = next((n for n, tab in enumerate(tabs) if tab[2] is current), app.tab)

    def change(event: ft.ControlEvent) -> None:
        app.go(tabs[int(event.control.selected_index)][2])

    return ft.NavigationBar(
        destinations=[
            ft.NavigationBarDestination(icon=icon, label=app.t(key)) for key, icon, _ in tabs
        ],
        selected_index=min(app.tab, len(tabs) - 1),
        on_change=change,
    )
