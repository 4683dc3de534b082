"""Makes the page fonts: DejaVu Sans cut to the scripts a paper copy is printed in (Latin,
with Vietnamese and the combining accents, Greek, Cyrillic, punctuation and currency).

fpdf2 reads and subsets a font for every PDF; the whole DejaVu (6,000 glyphs) costs most
of a page's render time, a fifth of it as much. A page whose text needs a letter outside
these falls back to the whole font (`paper_layout`). Run from the repository root after a
DejaVu update: `python packaging/fonts/subset.py`.
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset, ttLib

FONTS = Path("assets/fonts")
RANGES = (
    (0x20, 0x7E),  # Basic Latin
    (0xA0, 0x24F),  # Latin-1, Latin Extended-A and -B
    (0x2B0, 0x36F),  # spacing modifiers, combining diacritical marks
    (0x370, 0x52F),  # Greek, Cyrillic and its supplement
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese)
    (0x2000, 0x20CF),  # punctuation, super- and subscripts, currency
    (0x2100, 0x214F),  # letterlike symbols (№, ™)
    (0xFFFD, 0xFFFD),  # the replacement character
)


def main() -> None:
    unicodes = [c for start, end in RANGES for c in range(start, end + 1)]
    options = subset.Options()
    options.name_IDs = ["*"]  # the licence and names, as the whole font carries them
    options.name_languages = ["*"]
    options.glyph_names = True  # fpdf2 subsets again by glyph name
    options.notdef_outline = True
    for whole, page in (
        ("DejaVuSans.ttf", "DejaVuSans-Page.ttf"),
        ("DejaVuSans-Bold.ttf", "DejaVuSans-Bold-Page.ttf"),
    ):
        font = ttLib.TTFont(FONTS / whole, recalcTimestamp=False)
        cutter = subset.Subsetter(options)
        cutter.populate(unicodes=unicodes)
        cutter.subset(font)
        font.save(FONTS / page)


if __name__ == "__main__":
    main()
