"""Every colour pair the app shows is readable (issue 15): WCAG 2.x contrast of each
foreground on its background in the light and the dark palette, and no screen picks a
colour the palette does not define (error toasts were white on pale pink, 1.14:1)."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT
from wallet.ui import theme


def _channel(value: int) -> float:
    # WCAG 2.x relative luminance: sRGB channels linearised.
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    digits = colour.lstrip("#")
    assert len(digits) == 6, f"{colour}: give colours as #RRGGBB, opaque"
    r, g, b = (_channel(int(digits[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_formula_matches_wcag_reference_values() -> None:
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)  # AA's grey
    assert contrast("#FFFFFF", "#FF8F00") == pytest.approx(2.29, abs=0.01)  # the old banner


@pytest.mark.parametrize("name", sorted(theme.PALETTES))
def test_every_pair_in_the_palette_is_readable(name: str) -> None:
    palette = theme.PALETTES[name]
    weak = [
        f"{what}: {fg} on {bg} is {contrast(fg, bg):.2f}:1, needs {theme.MINIMUM[kind]}:1"
        for what, fg, bg, kind in palette.pairs()
        if contrast(fg, bg) < theme.MINIMUM[kind]
    ]
    assert weak == []


def test_the_flutter_scheme_is_the_palette() -> None:
    """The controls Flutter colours by itself (buttons, fields, the navigation bar) use
    the same colours the pairs were measured with."""
    for palette in theme.PALETTES.values():
        scheme = palette.scheme()
        assert scheme.surface == palette.surface
        assert scheme.on_surface == palette.on_surface
        assert scheme.primary == palette.primary
        assert scheme.on_primary == palette.on_primary
        assert scheme.error_container == palette.error_container
        assert scheme.on_error_container == palette.on_error_container


def test_no_screen_hard_codes_a_colour() -> None:
    """Colours come from `ui/theme.py`: a `ft.Colors.…` or a "#RRGGBB" in a screen is a
    pair nobody measured."""
    found = []
    for path in sorted((ROOT / "wallet" / "ui").glob("*.py")):
        if path.name == "theme.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "Colors":
                found.append(f"{path.name}:{node.lineno}: ft.Colors")
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith("#")
                and len(node.value) in (4, 7, 9)
            ):
                found.append(f"{path.name}:{node.lineno}: {node.value}")
    assert found == []
