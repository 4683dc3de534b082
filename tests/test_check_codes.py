"""Checks and errors are data (a code and params) that the shells put into words: every
code renders in every language with no key missing and no placeholder left, plurals
follow CLDR, dates and numbers follow the locale, the CLI's JSON carries code and params,
and verifications stored as English sentences before read in Spanish after the
migration (issue 15: "Checks become data", "Catalogs with plurals and locale formats")."""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NOW, ROOT
from tests.support import LIST_URL, PASSPHRASE, badge, status_list, wallet
from wallet.protocol import issuance_log, sync
from wallet.qr import errors as qr_errors
from wallet.services.issuer import organisation
from wallet.services.learner import backpack
from wallet.services.verifier import presentations
from wallet.services.verifier.history import VERIFICATION
from wallet.services.wallet import Wallet
from wallet.store import errors as store_errors
from wallet.store.schema import LEGACY_CHECKS
from wallet.ui.i18n import LANGUAGES, Catalog
from wallet.vc import data_integrity, presentation, trust_bundle, verification
from wallet.vc.bitstring_status_list import CachedStatusList
from wallet.vc.errors import UnusableInput

CHECK_CODES = sorted(
    {str(c) for c in verification.Code}
    | {str(c) for c in presentation.Code}
    | {str(c) for c in presentations.Code}
    | {str(c) for c in data_integrity.ProofCode}
    | {f"trust.{c}" for c in trust_bundle.TrustCode}
    | {"legacy"}
)
_ = (sync, qr_errors, organisation, backpack, issuance_log)  # define the typed errors below


def _subclasses(base: type) -> list[type]:
    found = [base]
    for sub in base.__subclasses__():
        found += _subclasses(sub)
    return found


ERROR_KINDS = sorted(
    {cls.kind for cls in _subclasses(UnusableInput) + _subclasses(store_errors.VaultError)}
    | {"unreadable"}  # an import whose file cannot be read (backpack.ImportResult)
)
DATE = "2026-12-01T14:05:00Z"


def _sample(name: str, spec: str, count: int) -> Any:
    """A value for a placeholder, by what its format spec says it is."""
    if spec in ("date", "datetime"):
        return DATE
    if spec == "ago":
        return 3 * 86_400
    if spec in ("list", "items"):
        return ["achievement.name", "achievement.criteria"]
    if spec == "sentences":
        return [{"code": "proof.valid", "params": {}}, {"code": "status.none", "params": {}}]
    if spec in ("purpose", "cleared"):
        return "revocation"
    if name == "reason":
        return {"code": "proof.unknown-key", "params": {"key": "did:key:z6Mk#z6Mk"}}
    if name == "bundle":
        return {"code": "trust.bundle-expired", "params": {"issued": 86_400, "expired": 7_200}}
    if name in ("count", "total", "bytes"):
        return count
    return f"Sample {name}"


def _params(text: str, count: int) -> dict[str, Any]:
    return {
        name: _sample(name, spec or "", count)
        for _, name, spec, _ in string.Formatter().parse(text)
        if name
    }


def _english(key: str) -> list[str]:
    """The English text of a key, or of each of its plural forms."""
    messages = json.loads((ROOT / "assets" / "locales" / "en.json").read_text(encoding="utf-8"))
    return [messages[k] for k in (key, f"{key}.one", f"{key}.other") if k in messages]


def _assert_rendered(text: str, language: str, key: str) -> None:
    assert text.strip(), (language, key)
    assert "{" not in text and "}" not in text, (language, key, text)
    assert "reason." not in text and "error." not in text, (language, key, text)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_every_check_code_renders_in_every_language(language: str, count: int) -> None:
    t = Catalog(language)
    for code in CHECK_CODES:
        [english, *_] = _english(f"reason.{code}")  # no key missing
        text = t.message(code, _params(english, count))
        _assert_rendered(text, language, code)
        assert text != code


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_every_error_code_renders_in_every_language(language: str, count: int) -> None:
    t = Catalog(language)
    assert len(ERROR_KINDS) > 20
    for kind in ERROR_KINDS:
        [english, *_] = _english(f"error.{kind}")
        _assert_rendered(t(f"error.{kind}", **_params(english, count)), language, kind)


def test_a_typed_error_says_its_sentence_in_the_users_language() -> None:
    waited = store_errors.TooManyAttempts(1)
    assert Catalog("en").error(waited) == "Too many wrong attempts. Wait 1 second and try again."
    assert "Attendez 1 seconde" in (Catalog("fr").error(waited) or "")
    missing = qr_errors.IncompleteSequence([2], 3)
    assert Catalog("es").error(missing) == (
        "Falta todavía 1 de 3 códigos QR. Escanea o elige todos los códigos juntos."
    )
    assert Catalog("id").error(ValueError("not typed")) is None  # the shell says "unexpected"


@pytest.mark.parametrize(
    ("language", "seconds", "expected"),
    [
        ("en", 30, "just now"),
        ("en", 60, "1 minute ago"),
        ("en", 120, "2 minutes ago"),
        ("en", 5 * 3_600, "5 hours ago"),
        ("en", 86_400, "1 day ago"),
        ("es", 60, "hace 1 minuto"),
        ("es", 300, "hace 5 minutos"),
        ("es", 3_600, "hace 1 hora"),
        ("fr", 86_400, "il y a 1 jour"),
        ("fr", 2 * 86_400, "il y a 2 jours"),
        ("fr", 0, "à l'instant"),
        ("id", 60, "1 menit yang lalu"),
        ("id", 5 * 86_400, "5 hari yang lalu"),
    ],
)
def test_relative_times_have_the_right_plural(language: str, seconds: int, expected: str) -> None:
    assert Catalog(language).ago(seconds) == expected


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 0, "0 optional claims revealed"),
        ("en", 1, "1 optional claim revealed"),
        ("en", 2, "2 optional claims revealed"),
        ("es", 1, "1 dato opcional mostrado"),
        ("es", 0, "0 datos opcionales mostrados"),
        ("fr", 0, "0 donnée facultative montrée"),  # CLDR fr: "one" is 0 and 1
        ("fr", 1, "1 donnée facultative montrée"),
        ("fr", 5, "5 données facultatives montrées"),
        ("id", 1, "1 data opsional ditampilkan"),
    ],
)
def test_counted_messages_follow_cldr_plurals(language: str, count: int, expected: str) -> None:
    assert Catalog(language)("share.bytes", count=count, bytes=321).startswith(expected)


def test_plural_rules_for_our_four_languages() -> None:
    forms = {lang: [Catalog(lang).locale.plural(n) for n in (0, 1, 2, 5)] for lang in LANGUAGES}
    assert forms == {
        "en": ["other", "one", "other", "other"],
        "es": ["other", "one", "other", "other"],
        "fr": ["one", "one", "other", "other"],
        "id": ["other", "other", "other", "other"],
    }


def test_dates_and_numbers_in_the_users_locale() -> None:
    dates = {lang: Catalog(lang).date(DATE) for lang in LANGUAGES}
    assert dates == {
        "en": "1 Dec 2026",
        "es": "1 dic 2026",
        "fr": "1 déc. 2026",
        "id": "1 Des 2026",
    }
    assert Catalog("en").datetime(DATE) == "1 Dec 2026, 2:05 pm"
    assert Catalog("fr").datetime(DATE) == "1 déc. 2026, 14:05"
    assert Catalog("id").datetime(DATE) == "1 Des 2026 14.05"
    numbers = {lang: Catalog(lang).number(5_242_888) for lang in LANGUAGES}
    assert numbers == {
        "en": "5,242,888",
        "es": "5.242.888",
        "fr": "5\u202f242\u202f888",
        "id": "5.242.888",
    }
    assert Catalog("fr")("reason.validity.until", end=DATE) == "Valable jusqu'au 1 déc. 2026."


def test_a_check_is_a_code_with_params_not_a_sentence() -> None:
    lists = {LIST_URL: CachedStatusList(status_list({5}), NOW - timedelta(days=2))}
    report = verification.verify_credential(badge(5), now=NOW, status_lists=lists.get)
    status = next(c for c in report.checks if c.id == "status")
    assert (status.code, status.params, status.severity) == (
        "status.revoked",
        {"age": 2 * 86_400},
        verification.Severity.FAILURE,
    )
    assert Catalog("es").check(status) == "Revocada por el emisor (lista obtenida hace 2 días)."
    assert Catalog("fr").check(status) == "Révoquée par l'émetteur (liste obtenue il y a 2 jours)."


def test_wallet_verify_json_shows_code_params_and_message_on_every_check(tmp_path: Path) -> None:
    key_file, unsigned, signed = tmp_path / "key.json", tmp_path / "in.json", tmp_path / "vc.json"
    wallet("keys", "new", "--type", "ed25519", "--out", key_file)
    document = badge(7)
    document.pop("proof")
    document["validUntil"] = "2027-01-01T00:00:00Z"
    unsigned.write_text(json.dumps(document))
    wallet("issue", "--key", key_file, "--suite", "eddsa-rdfc-2022", "--out", signed, unsigned)
    result = wallet("verify", "--json", "--now", "2028-01-01T00:00:00Z", signed, check=False)
    checks = json.loads(result.stdout)["checks"]
    assert checks and all({"id", "code", "params", "severity", "message"} <= set(c) for c in checks)
    validity = next(c for c in checks if c["id"] == "validity")
    assert validity["code"] == "validity.expired"
    assert validity["params"] == {"end": "2027-01-01T00:00:00Z"}
    assert validity["message"] == "Expired on 1 Jan 2027."
    status = next(c for c in checks if c["id"] == "status")
    assert (status["code"], status["params"]) == ("status.unknown", {"purpose": "revocation"})


def _old_verdict() -> dict[str, Any]:
    """A verification as wallets before this version stored it: English sentences."""
    return {
        "at": "2026-11-28T10:00:00+00:00",
        "verified": False,
        "verdict": "invalid",
        "checks": [
            {"id": "holder-signature", "ok": True, "warning": False,
             "message": "Signed by the holder just now for this presentation."},
            {"id": "expiry", "ok": False, "warning": False,
             "message": "It expired 3 minutes ago: ask for a fresh one."},
            {"id": "credential.status", "ok": False, "warning": False,
             "message": "Revoked by the issuer (list fetched 2 days ago)."},
            {"id": "credential.validity", "ok": True, "warning": False,
             "message": "Valid until 2027-01-01."},
            {"id": "credential.trust", "ok": True, "warning": True,
             "message": "The issuer did:key:z6MkOld is not on your trusted list."},
            {"id": "credential.signature", "ok": True, "warning": False,
             "message": "eddsa-rdfc-2022: The signature is valid."},
            {"id": "credential.odd", "ok": True, "warning": False,
             "message": "A sentence no pattern knows."},
        ],
        "claims": [{"label": "Learner's name", "pointer": "/credentialSubject/name",
                    "value": "Amina Diallo"}],
    }  # fmt: skip


def test_history_stored_before_the_migration_renders_in_spanish_after_it(tmp_path: Path) -> None:
    session = Wallet(tmp_path)
    session.create(PASSPHRASE)
    vault = session.backpack.vault
    with vault.transaction():
        vault.put("old-verification", VERIFICATION, _old_verdict())
    vault.db.execute("PRAGMA user_version = 4")  # as the wallet was before migration 5
    session.lock()

    again = Wallet(tmp_path)
    again.unlock(PASSPHRASE)  # migration 5 notes the work; the unlock does it
    stored = again.backpack.vault.get("old-verification", VERIFICATION)
    assert all("code" in c and "message" not in c for c in stored.payload["checks"])
    assert not again.backpack.vault.meta(LEGACY_CHECKS)

    [entry] = again.history.entries()
    spanish = Catalog("es")
    said = {c.id: spanish.check(c) for c in entry.verdict.checks}
    assert said == {
        "holder-signature": "Firmada por su titular ahora mismo para esta presentación.",
        "expiry": "Caducó hace 3 minutos: pide una nueva.",
        "credential.status": "Revocada por el emisor (lista obtenida hace 2 días).",
        "credential.validity": "Válida hasta el 1 ene 2027.",
        "credential.trust": "El emisor did:key:z6MkOld no está en tu lista de confianza.",
        "credential.signature": "eddsa-rdfc-2022: La firma es válida.",
        "credential.odd": "A sentence no pattern knows.",  # kept as written, never lost
    }
    assert entry.verdict.verdict is verification.Outcome.INVALID
    assert entry.at == datetime(2026, 11, 28, 10, tzinfo=UTC)
    assert [c.value for c in entry.verdict.claims] == ["Amina Diallo"]
    assert [c.warning for c in entry.verdict.checks].count(True) == 1
