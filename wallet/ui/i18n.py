"""User-facing text comes from `assets/locales/<language>.json`; a key missing from a
translation falls back to English, so a new string never shows up blank."""

from __future__ import annotations

import json
from functools import cache

from wallet.assets import assets_dir

LANGUAGES = {"en": "English", "es": "Español", "fr": "Français", "id": "Bahasa Indonesia"}
DEFAULT = "en"


@cache
def _messages(language: str) -> dict[str, str]:
    path = assets_dir() / "locales" / f"{language}.json"
    return json.loads(path.read_text(encoding="utf-8"))


class Catalog:
    def __init__(self, language: str | None = DEFAULT) -> None:
        self.language = language if language in LANGUAGES else DEFAULT

    def __call__(self, key: str, **values: object) -> str:
        text = _messages(self.language).get(key) or _messages(DEFAULT)[key]
        return text.format(**values) if values else text

    def get(self, key: str, fallback: str) -> str:
        """For keys built from data (a claim's pointer, a check's id) that may have no text."""
        return self(key) if key in _messages(DEFAULT) else fallback
