"""Every language says everything English says, with the same placeholders, and every
key the screens ask for exists."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from wallet.ui.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "assets" / "locales"


def _catalog(language: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{language}.json").read_text(encoding="utf-8"))


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
def test_translation_is_complete(language: str) -> None:
    english, translated = _catalog("en"), _catalog(language)
    assert set(translated) == set(english)
    for key, text in english.items():
        assert _placeholders(translated[key]) == _placeholders(text), key
        assert translated[key].strip(), key


def test_every_key_the_screens_use_exists() -> None:
    english = _catalog("en")
    used = set()
    for module in (ROOT / "wallet" / "ui").glob("*.py"):
        used |= set(re.findall(r'\bt\(\s*"([a-z_.-]+)"\s*[,)]', module.read_text(encoding="utf-8")))
    assert used, "no catalog keys found: the pattern no longer matches the screens"
    plural = {key.rsplit(".", 1)[0] for key in english if key.endswith(".other")}
    assert sorted(used - set(english) - plural) == []
