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


# Material 3's tonal palettes: each hue's colour at a tone (0 black .. 100 white).
_TONES: dict[str, dict[int, str]] = {
    "primary": {100: "#FFFFFF", 80: "#BAC3FF", 40: "#3949AB", 20: "#08218A"},
    "secondary": {90: "#DFE0FF", 30: "#3E4461", 10: "#161B3F"},
    "neutral": {
        98: "#FBF8FF",
        95: "#F2EFF7",
        94: "#F0EDF4",
        90: "#E4E1E9",
        20: "#303036",
        12: "#1F1F25",
        10: "#1B1B21",
        6: "#131318",
    },
    "neutral_variant": {80: "#C7C5D0", 60: "#90909A", 50: "#6E6E78", 30: "#46464F"},
    "error": {
        100: "#FFFFFF",
        90: "#FFDAD6",
        80: "#FFB4AB",
        40: "#BA1A1A",
        30: "#93000A",
        20: "#690005",
        10: "#410002",
    },
    "success": {90: "#C8EFCB", 80: "#8BD88F", 40: "#1E6B2C", 30: "#005322", 10: "#00391A"},
    "warning": {90: "#FFDDB3", 80: "#FFB95C", 40: "#845400", 30: "#633F00", 10: "#2A1700"},
}
# Each role as (hue, tone in the light theme, tone in the dark): Material 3's scheme
# (an accent at 40/80, text on it at 100/20, its container at 90/30, text on that 10/90).
_ROLES: dict[str, tuple[str, int, int]] = {
    "surface": ("neutral", 98, 6),
    "surface_container": ("neutral", 94, 12),
    "on_surface": ("neutral", 10, 90),
    "on_surface_variant": ("neutral_variant", 30, 80),
    "outline": ("neutral_variant", 50, 60),
    "inverse_surface": ("neutral", 20, 90),
    "on_inverse_surface": ("neutral", 95, 20),
    "primary": ("primary", 40, 80),
    "on_primary": ("primary", 100, 20),
    "secondary_container": ("secondary", 90, 30),
    "on_secondary_container": ("secondary", 10, 90),
    "error": ("error", 40, 80),
    "on_error": ("error", 100, 20),
    "error_container": ("error", 90, 30),
    "on_error_container": ("error", 10, 90),
    "success": ("success", 40, 80),
    "success_container": ("success", 90, 30),
    "on_success_container": ("success", 10, 90),
    "warning": ("warning", 40, 80),
    "warning_container": ("warning", 90, 30),
    "on_warning_container": ("warning", 10, 90),
}
# The same in both themes: the verdict banners keep their meaning, QR codes stay dark on
# white because cameras expect it, the camera's preview sits on black.
_FIXED = {
    "on_verdict": "#FFFFFF",
    "verdict_valid": "#1E6B2C",
    "verdict_warnings": "#7A4A00",
    "verdict_invalid": "#B3261E",
    "qr_dark": "#000000",
    "qr_light": "#FFFFFF",
    "backdrop": "#000000",
}


def _palette(dark: bool) -> Palette:
    """One builder for both themes: each role's tone in this theme, then the fixed ones."""
    roles = {
        role: _TONES[hue][dark_tone if dark else light_tone]
        for role, (hue, light_tone, dark_tone) in _ROLES.items()
    }
    return Palette(**roles, **_FIXED)


LIGHT = _palette(dark=False)
DARK = _palette(dark=True)

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
