"""Every colour the app shows, light and dark, in one place: Flutter's colour scheme is
built from the same palette the screens use for what the scheme has no slot for (a
verdict, a verified chip, an error toast), so `tests/test_contrast.py` can measure every
pair a screen puts together. Screens take their colours from here, never from
`ft.Colors`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import flet as ft

TEXT, LARGE, ICON = "text", "large text", "icon"
Kind = Literal["text", "large text", "icon"]
# WCAG 2.x 1.4.3 and 1.4.11: text 4.5:1; large text (≥ 18 pt, or 14 pt bold) and icons 3:1.
MINIMUM: dict[str, float] = {TEXT: 4.5, LARGE: 3.0, ICON: 3.0}


@dataclass(frozen=True)
class Palette:
    surface: str  # the screen, cards and dialogs
    surface_container: str  # cards, text fields, the navigation bar
    on_surface: str
    on_surface_variant: str  # labels above values, secondary lines
    outline: str  # text field and outlined button borders
    primary: str
    on_primary: str
    secondary_container: str  # the navigation bar's selected tab, a selected chip
    on_secondary_container: str
    error: str
    on_error: str
    error_container: str  # error toasts
    on_error_container: str
    inverse_surface: str  # other toasts
    on_inverse_surface: str
    success: str  # a passed check's icon
    success_container: str  # the "verified" chip
    on_success_container: str
    warning: str  # a warning check's icon
    warning_container: str  # the "not verified" chip
    on_warning_container: str
    on_verdict: str  # the verdict banner's words and icon, on each of the three below
    verdict_valid: str
    verdict_warnings: str
    verdict_invalid: str
    qr_dark: str  # QR codes stay dark on white in both themes: cameras expect it
    qr_light: str
    backdrop: str  # behind the camera's preview

    def pairs(self) -> list[tuple[str, str, str, str]]:
        """(what, foreground, background, kind): every pair the screens put together."""
        text_on = [
            ("text", self.on_surface, self.surface, TEXT),
            ("text on a card", self.on_surface, self.surface_container, TEXT),
            ("label", self.on_surface_variant, self.surface, TEXT),
            ("label on a card", self.on_surface_variant, self.surface_container, TEXT),
            ("text button", self.primary, self.surface, TEXT),
            ("text button on a card", self.primary, self.surface_container, TEXT),
            ("filled button", self.on_primary, self.primary, TEXT),
            ("selected tab", self.on_secondary_container, self.secondary_container, TEXT),
            ("error text", self.error, self.surface, TEXT),
            ("error text on a card", self.error, self.surface_container, TEXT),
            ("error button", self.on_error, self.error, TEXT),
            ("error toast", self.on_error_container, self.error_container, TEXT),
            ("toast", self.on_inverse_surface, self.inverse_surface, TEXT),
            ("verified chip", self.on_success_container, self.success_container, TEXT),
            ("not verified chip", self.on_warning_container, self.warning_container, TEXT),
            ("valid banner", self.on_verdict, self.verdict_valid, TEXT),
            ("warnings banner", self.on_verdict, self.verdict_warnings, TEXT),
            ("invalid banner", self.on_verdict, self.verdict_invalid, TEXT),
        ]
        icons = [
            ("passed check", self.success, self.surface, ICON),
            ("warning check", self.warning, self.surface, ICON),
            ("failed check", self.error, self.surface, ICON),
            ("field border", self.outline, self.surface, ICON),
            ("field border on a card", self.outline, self.surface_container, ICON),
            ("QR code", self.qr_dark, self.qr_light, ICON),
        ]
        return text_on + icons

    def scheme(self) -> ft.ColorScheme:
        return ft.ColorScheme(
            primary=self.primary,
            on_primary=self.on_primary,
            secondary_container=self.secondary_container,
            on_secondary_container=self.on_secondary_container,
            error=self.error,
            on_error=self.on_error,
            error_container=self.error_container,
            on_error_container=self.on_error_container,
            surface=self.surface,
            on_surface=self.on_surface,
            on_surface_variant=self.on_surface_variant,
            outline=self.outline,
            inverse_surface=self.inverse_surface,
            on_inverse_surface=self.on_inverse_surface,
            surface_container=self.surface_container,
            surface_container_low=self.surface_container,
            surface_container_high=self.surface_container,
            surface_container_highest=self.surface_container,
        )


LIGHT = Palette(
    surface="#FBF8FF",
    surface_container="#F0EDF4",
    on_surface="#1B1B21",
    on_surface_variant="#46464F",
    outline="#6E6E78",
    primary="#3949AB",
    on_primary="#FFFFFF",
    secondary_container="#DFE0FF",
    on_secondary_container="#161B3F",
    error="#BA1A1A",
    on_error="#FFFFFF",
    error_container="#FFDAD6",
    on_error_container="#410002",
    inverse_surface="#303036",
    on_inverse_surface="#F2EFF7",
    success="#1E6B2C",
    success_container="#C8EFCB",
    on_success_container="#00391A",
    warning="#845400",
    warning_container="#FFDDB3",
    on_warning_container="#2A1700",
    on_verdict="#FFFFFF",
    verdict_valid="#1E6B2C",
    verdict_warnings="#7A4A00",
    verdict_invalid="#B3261E",
    qr_dark="#000000",
    qr_light="#FFFFFF",
    backdrop="#000000",
)

DARK = Palette(
    surface="#131318",
    surface_container="#1F1F25",
    on_surface="#E4E1E9",
    on_surface_variant="#C7C5D0",
    outline="#90909A",
    primary="#BAC3FF",
    on_primary="#08218A",
    secondary_container="#3E4461",
    on_secondary_container="#DFE0FF",
    error="#FFB4AB",
    on_error="#690005",
    error_container="#93000A",
    on_error_container="#FFDAD6",
    inverse_surface="#E4E1E9",
    on_inverse_surface="#303036",
    success="#8BD88F",
    success_container="#005322",
    on_success_container="#C8EFCB",
    warning="#FFB95C",
    warning_container="#633F00",
    on_warning_container="#FFDDB3",
    on_verdict="#FFFFFF",
    verdict_valid="#1E6B2C",
    verdict_warnings="#7A4A00",
    verdict_invalid="#B3261E",
    qr_dark="#000000",
    qr_light="#FFFFFF",
    backdrop="#000000",
)

PALETTES = {"light": LIGHT, "dark": DARK}


def apply(page: ft.Page) -> None:
    """Both themes on the page; which one shows follows `page.theme_mode`. Standard
    density: Flutter's web default on a desktop browser is compact, which shrinks radios
    and switches under 48 px."""
    page.theme = ft.Theme(color_scheme=LIGHT.scheme(), visual_density=ft.VisualDensity.STANDARD)
    page.dark_theme = ft.Theme(color_scheme=DARK.scheme(), visual_density=ft.VisualDensity.STANDARD)


def palette(page: ft.Page) -> Palette:
    """The palette shown now: the chosen theme, or the platform's for "system"."""
    if page.theme_mode == ft.ThemeMode.DARK:
        return DARK
    if page.theme_mode == ft.ThemeMode.LIGHT:
        return LIGHT
    return DARK if page.platform_brightness == ft.Brightness.DARK else LIGHT
