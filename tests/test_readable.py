"""Issue 15's remainder: what reaches a user is a code with params, said by the catalog in
the user's language, with times in the device's zone and numbers in the locale's form."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.support import PASSPHRASE, new_backpack
from wallet.bench.app import free_port
from wallet.protocol.sync import SyncError
from wallet.services.issuer.trainer import NotRevocable, Trainer
from wallet.services.legacy_checks import upgrade_check
from wallet.services.sync import client as sync
from wallet.ui.i18n import LANGUAGES, Catalog
from wallet.vc.errors import InputTooLarge

ENGLISH = Catalog("en")
SAMPLES: dict[str, Any] = {
    "url": "ftp://example.org",
    "host": "sync.example.org",
    "publisher": "did:key:z6MkPublisher",
    "status": 403,
    "answer": "forbidden",
    "limit": 1_000_000,
    "name": "Borehole pump care",
    "path": "badge.json",
}


def _cli(directory: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "wallet"]
    if directory is not None:
        command += ["--wallet", str(directory)]
    return subprocess.run(
        [*command, *args],
        env={**os.environ, "WALLET_PASSPHRASE": PASSPHRASE},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _no_english_in(text: str, language: str) -> None:
    assert "{" not in text and "}" not in text, text
    if language != "en":
        for word in ("sync server", "could not", "Your data", "refused", "bytes;"):
            assert word not in text, (language, text)


# --- sync errors ------------------------------------------------------------------------


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_sync_error_code_has_its_own_sentence_in_every_language(language: str) -> None:
    t = Catalog(language)
    sentences = set()
    for code in SyncError.CODES:
        text = t.error(SyncError("developer detail", code, **SAMPLES))
        assert text is not None and "developer detail" not in text, code
        _no_english_in(text, language)
        sentences.add(text)
    assert len(sentences) == len(SyncError.CODES)  # each says what happened to it


def test_sync_error_detail_is_params_not_english(tmp_path: Path) -> None:
    """It was `{"detail": "the sync server could not be reached: [Errno 111] ..."}`, shown
    in English in every language, and stored in English for Settings."""
    pack, _ = new_backpack(tmp_path / "w")
    port = free_port()  # nothing listens there
    with pytest.raises(SyncError) as failed:
        sync.SyncClient(pack, f"http://127.0.0.1:{port}").sync()
    error = failed.value
    assert (error.code, error.params) == ("unreachable", {"host": f"127.0.0.1:{port}"})
    spanish = Catalog("es").error(error) or ""
    assert f"127.0.0.1:{port}" in spanish and "Errno" not in spanish
    assert spanish == Catalog("es")("error.sync.unreachable", host=f"127.0.0.1:{port}")
    last = pack.vault.sync_state("last")
    assert (last["code"], last["params"]) == ("unreachable", {"host": f"127.0.0.1:{port}"})
    french = Catalog("fr").failure("sync", last["params"], last["code"])
    assert french == Catalog("fr").error(error)


def test_a_stored_sync_failure_from_an_older_wallet_still_renders() -> None:
    """State kept before params: only a code (and English) there, never a crash."""
    assert Catalog("id").failure("sync", None, "busy") == Catalog("id")("error.sync.busy")
    assert Catalog("id").failure("sync", None, "unreachable") == Catalog("id")("error.sync")
    assert Catalog("id").failure("sync", None, "unexpected") == Catalog("id")("error.sync")


def test_a_server_refusal_shows_its_status_not_its_words() -> None:
    error = SyncError("the sync server refused: go away", "refused", status=429, answer="x")
    assert "go away" not in (ENGLISH.error(error) or "")
    assert "HTTP 429" in (ENGLISH.error(error) or "")


# --- the CLI's error lines --------------------------------------------------------------


def test_cli_error_is_the_catalog_sentence_without_a_bracketed_detail(tmp_path: Path) -> None:
    missing = tmp_path / "absent.json"
    shown = _cli(None, "verify", str(missing))
    assert shown.returncode == 2
    sentence = ENGLISH("error.file.missing", path=str(missing))
    assert shown.stderr == f"wallet: error: {sentence}\n"
    scripted = _cli(None, "verify", "--json", str(missing))
    answer = json.loads(scripted.stdout)
    assert answer["code"] == "file.missing" and answer["params"] == {"path": str(missing)}
    assert answer["message"] == sentence and "No such file" in answer["error"]


def test_cli_too_large_names_the_limit_in_the_locale(tmp_path: Path) -> None:
    """It was "(the document is 5,242,888 bytes; the limit is 1,000,000)" after the
    sentence; the limit is now a param, a number each language writes its own way."""
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({"description": "x" * 1_100_000}))
    shown = _cli(None, "verify", str(path))
    assert shown.returncode == 2
    assert shown.stderr == f"wallet: error: {ENGLISH('error.too_large.bytes', limit=1_000_000)}\n"
    assert "1,000,000" in shown.stderr and "(" not in shown.stderr
    error = InputTooLarge("detail", "bytes", 1_000_000)
    assert "1.000.000" in (Catalog("es").error(error) or "")
    assert "1\u202f000\u202f000" in (Catalog("fr").error(error) or "")


# --- times in the device's zone ---------------------------------------------------------


def test_datetime_is_shown_in_the_devices_zone_not_utc() -> None:
    jakarta = timezone(timedelta(hours=7))
    at = "2026-12-01T20:05:00Z"
    assert Catalog("en", zone=jakarta).datetime(at) == "2 Dec 2026, 3:05 am"
    assert Catalog("id", zone=jakarta).datetime(at) == "2 Des 2026 03.05"
    assert Catalog("fr", zone=timezone(timedelta(hours=-5))).datetime(at) == "1 déc. 2026, 15:05"
    assert Catalog("en", zone=jakarta).date(at) == "2 Dec 2026"
    assert Catalog("en", zone=jakarta).date("2026-12-01") == "1 Dec 2026"  # a calendar day


def test_the_process_zone_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """No zone given: the device's own (here set by TZ, POSIX form, no tz database)."""
    monkeypatch.setenv("TZ", "WIB-7")
    time.tzset()
    try:
        assert Catalog("en").datetime("2026-12-01T20:05:00+00:00") == "2 Dec 2026, 3:05 am"
        message = Catalog("en")("reason.replay.seen", at="2026-12-01T20:05:00Z")
        assert "2 Dec 2026, 3:05 am" in message
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


# --- revoking what cannot be revoked ----------------------------------------------------


def test_revoking_an_own_name_badge_is_refused_not_marked(tmp_path: Path) -> None:
    """The service marked it "revoked" though no list could ever say so; only the UI
    refused. Now the service refuses, with a code the catalog says, and keeps it active."""
    pack, _ = new_backpack(tmp_path / "w")
    trainer = Trainer(pack.vault)
    trainer.set_up("Amina")
    template = trainer.save_template("Pump care", "Services a pump.", "Seen.").id
    issued = trainer.issue(template, "Learner").entry
    with pytest.raises(NotRevocable) as refused:
        trainer.revoke(issued.id)
    assert refused.value.code == "own-name"
    assert [e.revoked for e in trainer.log()] == [None]
    for language in LANGUAGES:
        text = Catalog(language).error(refused.value) or ""
        assert "Pump care" in text and text != Catalog(language)("error.not_revocable", name="x")
    pack.vault.close()

    shown = _cli(tmp_path / "w", "trainer", "revoke", issued.credential_id)
    assert shown.returncode == 2
    sentence = ENGLISH("error.not_revocable.own-name", name="Pump care")
    assert shown.stderr == f"wallet: error: {sentence}\n"


# --- stored checks' old sentences, read by one table ------------------------------------

OLD_SENTENCES = [
    (
        (
            "Not suspended (list fetched 5 minutes ago). Out of date: trust bundle issued 4 days"
            " ago, expired 1 day ago."
        ),
        "status.out-of-date",
        {"purpose": "suspension", "age": 300, "expired": 86_400},
    ),
    (
        "Not flagged for message (list fetched 1 hour ago).",
        "status.clear",
        {"purpose": "message", "age": 3_600},
    ),
    (
        "Holder's ecdsa-sd-2023: The signing key did:key:z6Mk#z6Mk is not known on this device.",
        "holder-signature.proof",
        {
            "suite": "ecdsa-sd-2023",
            "reason": {"code": "proof.unknown-key", "params": {"key": "did:key:z6Mk#z6Mk"}},
        },
    ),
    (
        (
            "Claims to be from Guild, but the key belongs to Other (trust bundle issued 2 days ago,"
            " expired 1 day ago)."
        ),
        "trust.name-mismatch",
        {
            "claimed": "Guild",
            "name": "Other",
            "bundle": {
                "code": "trust.bundle-expired",
                "params": {"issued": 172_800, "expired": 86_400},
            },
        },
    ),
    (
        "Well-formed Open Badge 3.0; the holder withheld achievement.name, achievement.criteria.",
        "structure.withheld",
        {"kind": "Open Badge 3.0", "fields": ["achievement.name", "achievement.criteria"]},
    ),
    (
        "This exact presentation was already shown at 2026-12-01 14:05 UTC.",
        "replay.seen",
        {"at": "2026-12-01T14:05:00Z"},
    ),
    ("It expired 7 minutes ago: ask for a fresh one.", "expiry.expired", {"age": 420}),
    (
        "ecdsa-sd-2023: something new",
        "signature.proof",
        {
            "suite": "ecdsa-sd-2023",
            "reason": {"code": "legacy", "params": {"text": "something new"}},
        },
    ),
    ("A sentence from a future wallet", "legacy", {"text": "A sentence from a future wallet"}),
]


@pytest.mark.parametrize(("sentence", "code", "params"), OLD_SENTENCES)
def test_old_sentences_read_back_into_codes(sentence: str, code: str, params: Any) -> None:
    """The same codes and params as the per-pattern parsers gave (checked on all 61 forms
    when the tables became one)."""
    upgraded = upgrade_check({"id": "x", "ok": True, "message": sentence})
    assert (upgraded["code"], upgraded["params"]) == (code, params)
