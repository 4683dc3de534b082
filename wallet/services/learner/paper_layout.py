"""A paper copy drawn onto one PDF page (A4, or an A6 card), black on white.

Kept apart from `paper` (what goes on the page) so the PDF library stays in one module,
and out of `qr` and `vc`, which stay pure transport and standards. Words come from the
shell's catalog (`Words`), so the page is in the user's language; the font is bundled
DejaVu Sans (Latin, with every letter es, fr and id need). fpdf2 is pure Python and
installs on Android.

fpdf2 parses and subsets its fonts anew for every PDF, and for the whole DejaVu that was
most of a page's time; a page is drawn in DejaVu cut to Latin, Greek and Cyrillic
(`packaging/fonts/subset.py`), and only a page whose words need another letter in the
whole font.
"""

from __future__ import annotations

import functools
import io
import math
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from wallet.assets import assets_dir
from wallet.qr import images
from wallet.services.learner.paper import PaperCopy
from wallet.vc.verification import Outcome


class PageSize(StrEnum):
    A4 = "a4"
    A6 = "a6"


_FONT = "DejaVu"
_PAGE_FONTS = ("DejaVuSans-Page.ttf", "DejaVuSans-Bold-Page.ttf")  # regular, bold
_WHOLE_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
# (width, height, margin) in mm, and the module widths to try, largest first: the largest
# that keeps every code on the page. Each is a whole number of pixels at 150 and 300 dpi
# (5 and 4 px at 150 on A4), and none is under 0.4 mm, so a phone reads a cheap print and a
# 100 dpi photo of an A4 page still resolves them.
_GEOMETRY = {PageSize.A4: (210.0, 297.0, 12.0), PageSize.A6: (105.0, 148.0, 6.0)}
_MODULES = {PageSize.A4: (25.4 / 30, 25.4 / 37.5), PageSize.A6: (25.4 / 60,)}
_TYPE = {PageSize.A4: (18, 10, 8), PageSize.A6: (11, 6.5, 5.5)}  # title, body, small (pt)
_VERDICT_KEYS = {
    Outcome.VALID: "verdict.valid",
    Outcome.WARNINGS: "verdict.warnings",
    Outcome.INVALID: "verdict.invalid",
}


class Words(Protocol):
    """What the layout asks of a catalog (`ui.i18n.Catalog` is one)."""

    def __call__(self, key: str, /, **values: object) -> str: ...

    def date(self, value: str) -> str: ...


def smallest_module_mm(size: PageSize) -> float:
    return min(_MODULES[size])


def render_pdf(copy: PaperCopy, size: PageSize, words: Words) -> bytes:
    width, height, margin = _GEOMETRY[size]
    title, body, small = _TYPE[size]
    pdf = FPDF(orientation="portrait", unit="mm", format=(width, height))
    pdf.set_auto_page_break(True, margin)  # a very long description runs onto more pages
    pdf.set_margins(margin, margin, margin)
    regular, bold = _fonts_for(copy)
    pdf.add_font(_FONT, "", str(regular))
    pdf.add_font(_FONT, "B", str(bold))
    pdf.set_title(copy.achievement)
    pdf.set_creator("Learner Wallet")
    pdf.add_page()
    inner = width - 2 * margin
    line = body * 0.5  # mm per line of body text

    top = pdf.get_y()
    text_x = margin
    if copy.image is not None:
        side = 32.0 if size is PageSize.A4 else 16.0
        pdf.image(io.BytesIO(copy.image), x=margin, y=top, w=side, h=side, keep_aspect_ratio=True)
        text_x = margin + side + 4
    pdf.set_xy(text_x, top)
    pdf.set_font(_FONT, "B", title)
    _para(pdf, width - margin - text_x, title * 0.5, copy.achievement or "—")
    pdf.set_x(text_x)
    pdf.set_font(_FONT, "", body)
    if copy.issuer:
        _para(pdf, width - margin - text_x, line, words("paper.issuer", issuer=copy.issuer))
        pdf.set_x(text_x)
    if copy.learner:
        pdf.set_font(_FONT, "B", body)
        _para(pdf, width - margin - text_x, line, words("paper.learner", name=copy.learner))
        pdf.set_x(text_x)
        pdf.set_font(_FONT, "", body)
    dates = []
    if copy.valid_from:
        dates.append(words("paper.issued", date=words.date(copy.valid_from)))
    if copy.valid_until:
        dates.append(words("paper.valid_until", date=words.date(copy.valid_until)))
    if dates:
        _para(pdf, width - margin - text_x, line, "   ".join(dates))
    if copy.image is not None:
        pdf.set_y(max(pdf.get_y(), top + (32.0 if size is PageSize.A4 else 16.0)))
    pdf.ln(line * 0.5)

    for key, text in (("paper.description", copy.description), ("paper.criteria", copy.criteria)):
        if text:
            pdf.set_x(margin)
            pdf.set_font(_FONT, "B", body)
            _para(pdf, inner, line, words(key))
            pdf.set_font(_FONT, "", body)
            _para(pdf, inner, line, text)
            pdf.ln(line * 0.3)

    pdf.set_font(_FONT, "", small)
    state = words(_VERDICT_KEYS[copy.verdict])
    checked = words.date(copy.checked) if copy.checked else "—"
    _para(pdf, inner, small * 0.5, words("paper.checked", state=state, date=checked))
    if not copy.whole:
        _para(pdf, inner, small * 0.5, words("paper.derived"))
    pdf.ln(line * 0.5)
    pdf.set_font(_FONT, "B", body)
    _para(pdf, inner, line, words("paper.instruction"), align="C")
    pdf.ln(line * 0.3)
    pdf.set_auto_page_break(False)  # the codes place themselves, a whole row at a time
    _codes(pdf, copy.texts, words, margin, inner, height, _MODULES[size], small)
    return bytes(pdf.output())


def _fonts_for(copy: PaperCopy) -> tuple[Path, Path]:
    """The page fonts when they draw every letter of the credential's words (the catalogs'
    are checked by tests/test_paper.py), else the whole fonts."""
    text = copy.achievement + copy.description + copy.criteria + copy.issuer + copy.learner
    names = _PAGE_FONTS if set(map(ord, text)) <= page_alphabet() else _WHOLE_FONTS
    fonts = assets_dir() / "fonts"
    return fonts / names[0], fonts / names[1]


@functools.cache
def page_alphabet() -> frozenset[int]:
    """What both page fonts draw; their character maps, read once a process."""
    from fontTools import ttLib  # type: ignore[import-untyped]  # fpdf2 depends on it

    drawn = []
    for name in _PAGE_FONTS:
        with ttLib.TTFont(assets_dir() / "fonts" / name, lazy=True) as font:
            drawn.append(frozenset(font.getBestCmap()))
    return drawn[0] & drawn[1]


def _codes(
    pdf: FPDF,
    texts: list[str],
    words: Words,
    margin: float,
    inner: float,
    height: float,
    modules: tuple[float, ...],
    small: float,
) -> None:
    """The codes in rows, each labelled "1 of N", with the largest module that keeps them all
    on this page, else all on a new one; a row that still does not fit goes on the next."""
    pictures = [images.render_png(text, box_size=1) for text in texts]
    label = small * 0.5
    gap = 4.0
    widest = max(_modules(version) for _, version in pictures)

    def fitting(top: float) -> tuple[float, int] | None:
        for module in modules:
            across = max(1, int((inner + gap) // (widest * module + gap)))
            rows = math.ceil(len(pictures) / across)
            if top + rows * (widest * module + label + gap) - gap <= height - margin:
                return module, across
        return None

    chosen = fitting(pdf.get_y())
    if chosen is None and fitting(margin) is not None:
        pdf.add_page()
        chosen = fitting(margin)
    module, across = chosen or (
        modules[-1],
        max(1, int((inner + gap) // (widest * modules[-1] + gap))),
    )
    side = widest * module
    rows = math.ceil(len(pictures) / across)
    left = margin + (inner - (min(across, len(pictures)) * (side + gap) - gap)) / 2
    y = pdf.get_y()
    pdf.set_font(_FONT, "", small)
    for row in range(rows):
        if y + side + label > height - margin:
            pdf.add_page()
            y = margin
        for column in range(across):
            number = row * across + column
            if number >= len(pictures):
                break
            picture, version = pictures[number]
            x = left + column * (side + gap)
            own = _modules(version) * module
            _draw_code(pdf, picture, x + (side - own) / 2, y, module)
            if len(texts) > 1:
                pdf.set_xy(x, y + side)
                pdf.cell(
                    side,
                    label,
                    words("paper.code_of", number=number + 1, total=len(texts)),
                    align="C",
                )
        y += side + label + gap


def _draw_code(pdf: FPDF, picture: bytes, x: float, y: float, module: float) -> None:
    """A code as filled rectangles, one per run of dark modules in a row: sharp at any
    print or raster resolution, where a scaled bitmap is smoothed by viewers (poppler)."""
    from PIL import Image

    with Image.open(io.BytesIO(picture)) as image:
        grid = image.convert("L")
        width, height = grid.size
        pixels = grid.tobytes()  # one byte a module, row by row: far quicker than getpixel
        dark = [[pixels[j * width + i] < 128 for i in range(width)] for j in range(height)]
    pdf.set_fill_color(0, 0, 0)
    for j, row in enumerate(dark):
        i = 0
        while i < width:
            if not row[i]:
                i += 1
                continue
            start = i
            while i < width and row[i]:
                i += 1
            pdf.rect(x + start * module, y + j * module, (i - start) * module, module, style="F")


def _para(pdf: FPDF, width: float, height: float, text: str, align: str = "L") -> None:
    """A paragraph that wraps, and leaves the cursor at the left margin of the next line."""
    pdf.multi_cell(width, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _modules(version: int) -> int:
    """A code's width in modules with its 4-module quiet zone on each side."""
    return 17 + 4 * version + 8
