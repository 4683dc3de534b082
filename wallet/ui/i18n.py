"""User-facing text comes from `assets/locales/<language>.json`; a key missing from a
translation falls back to English, so a new string never shows up blank.

Both shells render through this module: the app in the user's language, the CLI in
English. The layers below hand over codes and params (a check's `reason.<code>`, an
error's `error.<code>`); here they become sentences, with plural forms, dates, numbers
and relative times in the language's own way.

Our four languages need little of CLDR: two plural rules, four month tables, three
number symbols. A hand-written table of them costs nothing to ship; Babel would bring
them with 33 MB of locale data and about 25 ms of import on a desktop (see
docs/ARCHITECTURE.md, "Text").
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import Any, Protocol

from wallet.assets import assets_dir

LANGUAGES = {"en": "English", "es": "Español", "fr": "Français", "id": "Bahasa Indonesia"}
DEFAULT = "en"
PLURAL_PARAM = "count"  # the param that chooses a plural message's form


def _one_is_1(n: float) -> str:
    # CLDR en, es: "one" is exactly 1 (no visible fraction digits)
    return "one" if n == 1 and float(n).is_integer() else "other"


def _one_is_0_or_1(n: float) -> str:
    # CLDR fr: "one" is i = 0,1 (0, 1 and 1.5 are all "one")
    return "one" if 0 <= n < 2 else "other"


def _other_only(n: float) -> str:
    return "other"  # CLDR id: no plural distinction


@dataclass(frozen=True)
class Locale:
    """What CLDR says of one language, for what we show: plural forms, medium dates
    ("d MMM y"), short times, and number symbols."""

    plural: Callable[[float], str]
    months: tuple[str, ...]
    time: str  # a format over hour, hour12, minute, ampm
    joiner: str  # between the date and the time
    group: str
    decimal: str
    ampm: tuple[str, str] = ("", "")


LOCALES = {
    "en": Locale(  # en-001, international English: "1 Dec 2026, 2:05 pm"
        _one_is_1,
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"),
        "{hour12}:{minute:02d} {ampm}",
        ", ",
        ",",
        ".",
        ("am", "pm"),
    ),
    "es": Locale(
        _one_is_1,
        ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
        "{hour}:{minute:02d}",
        ", ",
        ".",
        ",",
    ),
    "fr": Locale(
        _one_is_0_or_1,
        (
            "janv.",
            "févr.",
            "mars",
            "avr.",
            "mai",
            "juin",
            "juil.",
            "août",
            "sept.",
            "oct.",
            "nov.",
            "déc.",
        ),
        "{hour:02d}:{minute:02d}",
        ", ",
        "\u202f",  # a narrow no-break space
        ",",
    ),
    "id": Locale(
        _other_only,
        ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
        "{hour:02d}.{minute:02d}",
        " ",
        ".",
        ",",
    ),
}


@cache
def _messages(language: str) -> dict[str, str]:
    path = assets_dir() / "locales" / f"{language}.json"
    return json.loads(path.read_text(encoding="utf-8"))


class Coded(Protocol):
    """A check (or anything) that says what it found as a code and params."""

    @property
    def code(self) -> str: ...

    @property
    def params(self) -> dict[str, Any]: ...


class Catalog:
    def __init__(self, language: str | None = DEFAULT, zone: tzinfo | None = None) -> None:
        """`zone` is where dates and times are shown; None is this device's own zone (the
        process's, which `TZ` sets), read at each call so a change of zone shows at once."""
        self.language = language if language in LANGUAGES else DEFAULT
        self.locale = LOCALES[self.language]
        self.zone = zone
        self._formatter = _Formatter(self)

    def __call__(self, key: str, /, **values: object) -> str:
        """The message `key`. A plural message is kept as `key.one` / `key.other` (the
        forms CLDR gives the language) and chosen by the `count` param."""
        ours, english = _messages(self.language), _messages(DEFAULT)
        if key not in english and f"{key}.other" in english:
            count = values.get(PLURAL_PARAM)
            form = self.locale.plural(count if isinstance(count, int | float) else 0)
            key = f"{key}.{form}" if f"{key}.{form}" in english else f"{key}.other"
        text = ours.get(key) or english[key]
        return self._formatter.format(text, **values) if values else text

    def get(self, key: str, fallback: str) -> str:
        """For keys built from data (a claim's pointer, a check's id) that may have no text."""
        english = _messages(DEFAULT)
        return self(key) if key in english or f"{key}.other" in english else fallback

    # --- what the layers below hand over ------------------------------------------------

    def message(self, code: str, params: Mapping[str, Any] | None = None) -> str:
        """A finding (`reason.<code>`) in words; a code this catalog does not know (from a
        newer wallet) shows as itself rather than vanish."""
        key = f"reason.{code}"
        english = _messages(DEFAULT)
        if key not in english and f"{key}.other" not in english:
            return code
        return self(key, **dict(params or {}))

    def check(self, check: Coded) -> str:
        return self.message(check.code, check.params)

    def error(self, error: BaseException) -> str | None:
        """A typed error's sentence, filled by its params; None for an error no layer
        typed, which the shell reports as unexpected."""
        kind = getattr(error, "kind", None)
        if not isinstance(kind, str):
            return None
        return self.failure(kind, getattr(error, "params", {}), getattr(error, "code", None))

    def failure(
        self, kind: str, params: Mapping[str, Any] | None = None, code: object = None
    ) -> str | None:
        """A failure kept as data (an error, or the last sync's in the vault): a kind with
        several codes says each as `error.<kind>.<code>`, else `error.<kind>`."""
        english, params = _messages(DEFAULT), dict(params or {})
        for key in (f"error.{kind}.{code}", f"error.{kind}"):
            if key in english or f"{key}.other" in english:
                try:  # formatted even without params, so a missing one shows as KeyError
                    return self(key, **params) if params else self._formatter.format(self(key))
                except KeyError:  # a param the sentence needs is missing: say the kind's
                    continue
        return None

    # --- numbers, dates and times -------------------------------------------------------

    def number(self, value: float) -> str:
        whole, _, fraction = f"{value:,}".partition(".")
        whole = whole.replace(",", self.locale.group)
        return f"{whole}{self.locale.decimal}{fraction}" if fraction else whole

    def _moment(self, value: str | datetime) -> datetime:
        """The instant in the zone shown; one without a zone is UTC, as the layers write."""
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        if isinstance(value, str) and len(value) == len("2026-12-01"):
            return moment  # a calendar date, the same day in every zone
        return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(self.zone)

    def date(self, value: str | datetime) -> str:
        """CLDR's medium date, "d MMM y": 1 Dec 2026, 1 déc. 2026, 1 dic 2026, 1 Des 2026."""
        moment = self._moment(value)
        return f"{moment.day} {self.locale.months[moment.month - 1]} {moment.year}"

    def datetime(self, value: str | datetime) -> str:
        moment = self._moment(value)
        hour12 = moment.hour % 12 or 12
        ampm = self.locale.ampm[moment.hour >= 12]
        time = self.locale.time.format(
            hour=moment.hour, hour12=hour12, minute=moment.minute, ampm=ampm
        )
        return f"{self.date(moment)}{self.locale.joiner}{time}"

    def ago(self, seconds: float) -> str:
        """The one helper for relative times: "just now", "3 days ago", "il y a 1 jour"."""
        seconds = max(0, int(seconds))
        for key, size in (("time.days_ago", 86_400), ("time.hours_ago", 3_600)):
            if seconds >= size:
                return self(key, count=seconds // size)
        if seconds >= 60:
            return self("time.minutes_ago", count=seconds // 60)
        return self("time.just_now")


class _Formatter(string.Formatter):
    """Placeholders with a format spec say what the param is: `{end:date}`,
    `{at:datetime}`, `{age:ago}` (seconds), `{fields:list}`, `{problems:items}`,
    `{parts:sentences}` (nested messages), `{purpose:purpose}`, `{purpose:cleared}`; a bare one formats numbers in the locale and renders a
    nested `{"code", "params"}` message."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def format_field(self, value: Any, format_spec: str) -> str:
        t = self.catalog
        if format_spec == "date":
            return t.date(value)
        if format_spec == "datetime":
            return t.datetime(value)
        if format_spec == "ago":
            return t.ago(value)
        if format_spec == "list":
            return ", ".join(str(v) for v in value)
        if format_spec == "items":  # nested messages (a structure check's problems) or text
            return "; ".join(
                t.message(v["code"], v.get("params")) if isinstance(v, dict) else str(v)
                for v in value
            )
        if format_spec == "sentences":
            return " ".join(t.message(v["code"], v.get("params")) for v in value)
        if format_spec == "purpose":
            return t.get(f"purpose.{value}", str(value))
        if format_spec == "cleared":  # "Not revoked", "Not suspended", "Not flagged for …"
            return t.get(f"cleared.{value}", t("cleared.other", purpose=value))
        if isinstance(value, dict) and "code" in value:
            return t.message(value["code"], value.get("params"))
        if isinstance(value, int | float) and not isinstance(value, bool) and not format_spec:
            return t.number(value)
        return super().format_field(value, format_spec)
