"""The commands scripts rely on, run as real processes: round trips for every suite, and
exit codes 0 / 1 / 2 with the reason named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.support import wallet
from wallet import cli

SAMPLE = ROOT / "assets" / "samples" / "teamwork-badge.json"


def verify_json(path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = wallet("verify", "--json", *extra, path, check=False)
    return result.returncode, json.loads(result.stdout)


@pytest.mark.parametrize(
    ("key_type", "suite"),
    [
        ("ed25519", "eddsa-rdfc-2022"),
        ("p256", "ecdsa-rdfc-2019"),
        ("p384", "ecdsa-rdfc-2019"),
        ("p256", "ecdsa-sd-2023"),
    ],
)
def test_issue_then_verify(tmp_path: Path, key_type: str, suite: str) -> None:
    key_file = tmp_path / "key.json"
    did = wallet("keys", "new", "--type", key_type, "--out", key_file).stdout.strip()
    assert did.startswith("did:key:z")
    assert key_file.stat().st_mode & 0o777 == 0o600
    signed = tmp_path / "signed.json"
    wallet("issue", "--key", key_file, "--suite", suite, "--out", signed, SAMPLE)
    document = json.loads(signed.read_text())
    assert document["issuer"]["id"] == did
    assert document["issuer"]["name"] == "Community Skills Collective"  # other fields kept
    assert document["proof"]["cryptosuite"] == suite
    code, report = verify_json(signed)
    assert code == 0, report
    assert report["verified"] is True
    assert {c["id"] for c in report["checks"]} == {
        "structure",
        "signature",
        "issuer",
        "validity",
        "status",
    }
    assert all(set(c) >= {"id", "ok", "message"} for c in report["checks"])


def test_derive_reveals_only_what_was_asked(tmp_path: Path) -> None:
    key_file = tmp_path / "key.json"
    wallet("keys", "new", "--type", "p256", "--out", key_file)
    base = tmp_path / "base.json"
    wallet("issue", "--key", key_file, "--suite", "ecdsa-sd-2023", "--out", base, SAMPLE)
    derived = tmp_path / "derived.json"
    wallet("derive", "--reveal", "/credentialSubject/name", "--out", derived, base)
    document = json.loads(derived.read_text())
    subject = document["credentialSubject"]
    assert subject["name"] == "Amina Diallo"
    assert "criteria" not in subject["achievement"]  # not revealed
    assert subject["achievement"]["id"] == "https://example.org/achievements/teamwork"  # mandatory
    code, report = verify_json(derived)
    assert code == 0, report
    structure = next(c for c in report["checks"] if c["id"] == "structure")
    assert "withheld" in structure["message"]


def test_explicit_mandatory_pointers(tmp_path: Path) -> None:
    key_file = tmp_path / "key.json"
    wallet("keys", "new", "--type", "p256", "--out", key_file)
    base = tmp_path / "base.json"
    wallet(
        "issue",
        "--key",
        key_file,
        "--suite",
        "ecdsa-sd-2023",
        "--mandatory",
        "/issuer,/validFrom,/credentialSubject/achievement",
        "--out",
        base,
        SAMPLE,
    )
    derived = tmp_path / "derived.json"
    wallet("derive", "--reveal", "/name", "--out", derived, base)
    document = json.loads(derived.read_text())
    assert document["name"] == "Teamwork Badge"
    assert document["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert verify_json(derived)[0] == 0


def test_expired_and_not_yet_valid_exit_1(tmp_path: Path) -> None:
    key_file = tmp_path / "key.json"
    wallet("keys", "new", "--type", "ed25519", "--out", key_file)
    badge = json.loads(SAMPLE.read_text())
    badge["validUntil"] = "2027-01-01T00:00:00Z"
    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(json.dumps(badge))
    signed = tmp_path / "signed.json"
    wallet("issue", "--key", key_file, "--suite", "eddsa-rdfc-2022", "--out", signed, unsigned)
    assert verify_json(signed, "--now", "2026-06-01T00:00:00Z")[0] == 0
    code, report = verify_json(signed, "--now", "2028-01-01T00:00:00Z")
    assert code == 1
    assert next(c for c in report["checks"] if c["id"] == "validity")["message"].startswith(
        "Expired"
    )
    code, report = verify_json(signed, "--now", "2025-01-01T00:00:00Z")
    assert code == 1
    human = wallet("verify", "--now", "2025-01-01T00:00:00Z", signed, check=False).stdout
    assert "NOT VERIFIED" in human and "Not valid until 15 Jan 2026" in human


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    # `wallet` alone prints help; `python -m wallet` alone starts the app (wallet/__main__.py).
    assert cli.main([]) == 0
    assert "keys" in capsys.readouterr().out
