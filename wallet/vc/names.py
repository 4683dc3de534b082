"""Comparing the names people read: two names a reader cannot tell apart compare equal.

A verifier decides "is this badge pretending to be from that organisation?" by name, so a
trailing space, a zero-width space, a fullwidth letter or a Cyrillic "a" (U+0430) in place
of a Latin one must not make a different name. `comparable` folds all of these away: NFKC
(UAX #15: fullwidth, ligatures, mathematical letters), no format characters (category Cf:
zero-width spaces and joiners, soft hyphens, bidi controls) nor other invisible ones
(variation selectors, the combining grapheme joiner, Hangul fillers), casefold, the
Cyrillic and Greek letters that look like Latin ones, and runs of whitespace as one space.

Not covered: look-alikes within Latin itself ("rn" for "m", "l" for "I", "0" for "O").
"""

from __future__ import annotations

import unicodedata

# UTS #39 confusables: Cyrillic and Greek letters that, after casefolding, look like a
# Latin letter in common fonts (the capital decides: CYRILLIC CAPITAL EN looks like "H", so
# its small form maps to "h").
_LATIN_LOOKALIKES = str.maketrans(
    {
        "\u0430": "a",  # cyrillic small letter a
        "\u0432": "b",  # cyrillic small letter ve
        "\u0435": "e",  # cyrillic small letter ie
        "\u04bb": "h",  # cyrillic small letter shha
        "\u043d": "h",  # cyrillic small letter en
        "\u0456": "i",  # cyrillic small letter byelorussian-ukrainian i
        "\u0458": "j",  # cyrillic small letter je
        "\u043a": "k",  # cyrillic small letter ka
        "\u04cf": "l",  # cyrillic small letter palochka
        "\u043c": "m",  # cyrillic small letter em
        "\u043e": "o",  # cyrillic small letter o
        "\u0440": "p",  # cyrillic small letter er
        "\u051b": "q",  # cyrillic small letter qa
        "\u0455": "s",  # cyrillic small letter dze
        "\u0441": "c",  # cyrillic small letter es
        "\u0442": "t",  # cyrillic small letter te
        "\u0443": "y",  # cyrillic small letter u
        "\u051d": "w",  # cyrillic small letter we
        "\u0445": "x",  # cyrillic small letter ha
        "\u0501": "d",  # cyrillic small letter komi de
        "\u03b1": "a",  # greek small letter alpha
        "\u03b2": "b",  # greek small letter beta
        "\u03b5": "e",  # greek small letter epsilon
        "\u03b6": "z",  # greek small letter zeta
        "\u03b7": "h",  # greek small letter eta
        "\u03b9": "i",  # greek small letter iota
        "\u03ba": "k",  # greek small letter kappa
        "\u03bc": "m",  # greek small letter mu
        "\u03bd": "n",  # greek small letter nu
        "\u03bf": "o",  # greek small letter omicron
        "\u03c1": "p",  # greek small letter rho
        "\u03c4": "t",  # greek small letter tau
        "\u03c5": "y",  # greek small letter upsilon
        "\u03c7": "x",  # greek small letter chi
        "\u0131": "i",  # latin small letter dotless i
        "\u0261": "g",  # latin small letter script g
    }
)


# Default-ignorable code points (Unicode's DerivedCoreProperties) that are not category Cf:
# invisible, yet NFKC keeps them.
_INVISIBLE = frozenset(
    [
        0x034F,
        0x115F,
        0x1160,
        0x17B4,
        0x17B5,
        0x3164,
        0xFFA0,
        *range(0x180B, 0x1810),
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),
    ]
)


def _visible(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) != "Cf" and ord(c) not in _INVISIBLE)


def comparable(name: str) -> str:
    """The form two names share when a reader would take them for the same name. NFKC runs
    again after removing invisible characters, which can keep an accent from composing."""
    text = unicodedata.normalize("NFKC", _visible(unicodedata.normalize("NFKC", name)))
    text = unicodedata.normalize("NFKC", text.casefold()).translate(_LATIN_LOOKALIKES)
    return " ".join(text.split())
