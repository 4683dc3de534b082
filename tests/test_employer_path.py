"""The employer's path, photo to verdict, without a reversal (issue 19): nothing rewrites a
check vc produced, trust is decided once, the verifier borrows nothing from the holder's
side, and the typed verdict reaches the screen typed."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import NOW, ROOT, sample_badge
from tests.support import english, verifier_for
from wallet.qr import compact, frames
from wallet.services.verifier.presentations import Verdict
from wallet.vc import trust_bundle
from wallet.vc.errors import MalformedInput
from wallet.vc.verification import Outcome

WALLET = ROOT / "wallet"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def test_the_verifier_borrows_nothing_from_the_holders_side() -> None:
    for path in (WALLET / "services" / "verifier").glob("*.py"):
        assert not any(name.startswith("wallet.services.learner") for name in _imports(path)), path


def test_no_screen_keys_on_the_verdicts_phrase() -> None:
    """Styles key on `Outcome` members; the phrase is the enum's value, not the screens'."""
    for path in (WALLET / "ui").glob("*.py"):
        assert "valid with warnings" not in path.read_text(encoding="utf-8"), path


def test_a_qr_holding_no_presentation_is_refused_once_by_the_standard(tmp_path: Path) -> None:
    """One check, in `vc.presentation`: the verifier no longer repeats it in its own words."""
    text = frames.split(compact.encode(sample_badge()), 40)
    with pytest.raises(MalformedInput, match="not a verifiable presentation"):
        verifier_for(tmp_path).verify_texts(text)


def test_trust_is_decided_once_hand_list_included() -> None:
    badge = sample_badge()
    issuer = badge["issuer"]["id"] if isinstance(badge["issuer"], dict) else badge["issuer"]
    trusted = trust_bundle.decide(badge, NOW, [], {issuer: "Community Skills"}.get)
    assert (trusted.code, trusted.ok, trusted.warning) == (
        trust_bundle.TrustCode.TRUSTED_BY_HAND,
        True,
        False,
    )
    assert english(trusted) == "Issued by Community Skills, which you trust."
    unknown = trust_bundle.decide(badge, NOW + timedelta(days=1), [], {}.get)
    assert (unknown.code, unknown.warning) == (trust_bundle.TrustCode.NOT_TRUSTED, True)


def test_a_verdict_round_trips_typed_through_its_stored_form() -> None:
    data = {
        "verified": True,
        "verdict": "valid with warnings",
        "checks": [
            {
                "id": "credential.trust",
                "code": "trust.not-trusted",
                "severity": "warning",
                "params": {"issuer": "did:key:z6Mk"},
            }
        ],
        "claims": [{"pointer": "/credentialSubject/name", "value": "Amina Diallo"}],
        "untrusted": [{"did": "did:key:z6Mk", "name": ""}],
    }
    verdict = Verdict.from_json(data)
    assert verdict.verdict is Outcome.WARNINGS and verdict.untrusted[0].did == "did:key:z6Mk"
    assert verdict.to_json() == data
    # as verdicts were stored before the derived fields were dropped (issue 19)
    spelled_out = {**data, "checks": [{**data["checks"][0], "ok": True, "warning": True}]}
    assert Verdict.from_json(spelled_out) == verdict
