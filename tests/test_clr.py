"""Issue 14, CLR 2.0: a `ClrCredential` is verified, and so is every credential nested in
it, each as itself: the registrar's signature over the record does not vouch for a badge
it wraps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import NOW
from tests.support import as_source, clr_course, clr_record, english, new_backpack, wallet
from wallet.services.verifier import credentials as verifier
from wallet.vc import clr


def _forged() -> dict[str, Any]:
    """A course credential changed after its issuer signed it."""
    forged = clr_course("Welding", 2)
    forged["credentialSubject"]["achievement"]["name"] = "Structural welding (advanced)"
    return forged


def test_clr_record_and_every_nested_credential_verified() -> None:
    record = clr_record([clr_course("Teamwork", 1), clr_course("Welding", 2)])
    report = verifier.verify(record, now=NOW)
    assert report.verified, report.to_json()
    checks = {c.id: c for c in report.checks}
    assert checks["signature"].ok
    assert english(checks["nested-1"]) == english(
        {"code": clr.NESTED_VERIFIED, "params": {"name": "Teamwork"}}
    )
    assert checks["nested-2"].ok
    assert clr.achievements(record) == [
        ("Teamwork", "Community Skills Collective"),
        ("Welding", "Community Skills Collective"),
    ]


def test_clr_wrapping_a_forged_credential_is_not_verified(tmp_path: Path) -> None:
    """The registrar's signature is valid (it signed the forged badge as data); the badge's
    own proof is not, and the record says which one."""
    record = clr_record([clr_course("Teamwork", 1), _forged()])
    report = verifier.verify(record, now=NOW)
    checks = {c.id: c for c in report.checks}
    assert checks["signature"].ok and checks["nested-1"].ok
    assert not checks["nested-2"].ok and not report.verified
    assert english(checks["nested-2"]).startswith("Structural welding (advanced): not verified.")
    pack, _ = new_backpack(tmp_path / "w")
    (result,) = pack.import_sources([as_source("transcript.json", record)])
    assert result.status == "imported"
    assert result.state is not None and result.state["state"] == "cannot-verify"
    assert result.state["reasons"] == ["nested-not-verified"]


def test_clr_nested_entry_that_is_not_a_credential_cannot_be_read() -> None:
    record = clr_record([clr_course("Teamwork", 1), "not a credential"])
    checks = {c.id: c for c in verifier.verify(record, now=NOW).checks}
    assert checks["nested-2"].code == clr.NESTED_UNREADABLE and not checks["nested-2"].ok


def test_clr_with_too_many_nested_credentials_is_refused_as_unsafe(tmp_path: Path) -> None:
    course = clr_course("Teamwork", 1)
    record = clr_record([course] * (clr.MAX_NESTED + 1), signed=False)  # too alike to sign
    pack, _ = new_backpack(tmp_path / "w")
    (result,) = pack.import_sources([as_source("huge-transcript.json", record)])
    assert result.status == "refused" and result.kind == "processing_limit", result


def test_cli_verify_names_each_nested_credential(tmp_path: Path) -> None:
    path = tmp_path / "transcript.json"
    path.write_text(json.dumps(clr_record([clr_course("Teamwork", 1), _forged()])))
    shown = wallet("verify", "--now", NOW.isoformat(), path, check=False)
    assert "Teamwork: verified." in shown.stdout
    assert "Structural welding (advanced): not verified." in shown.stdout
    assert shown.returncode != 0
