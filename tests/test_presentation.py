"""vc/presentation.py on its own: a VP's holder proofs, with no QR code, store or trust.

Signed and verified both ways (a verifier's challenge and domain, or created + expires),
and refused when made for another challenge or domain, expired, from the future, signed
for the wrong purpose, or changed anywhere after signing (a hypothesis property).
"""

from __future__ import annotations

import copy
from datetime import timedelta
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from tests.conftest import NOW, sample_badge
from tests.support import english
from wallet.services.issuer import signing as issuer
from wallet.vc import did_key, eddsa_rdfc_2022, multibase, presentation, proofs
from wallet.vc.data_integrity import canonical, split_proofs
from wallet.vc.errors import MalformedInput, UnusableInput
from wallet.vc.multikey import KeyPair, KeyType

CHALLENGE = "zchallenge-0123456789"


HOLDER = KeyPair.generate(KeyType.ED25519)
HOLDER_DID = did_key.did_for(HOLDER.public)


@cache
def credential() -> dict[str, Any]:
    badge = sample_badge()
    badge["credentialSubject"]["id"] = HOLDER_DID
    return issuer.issue(badge, KeyPair.generate(KeyType.ED25519), "eddsa-rdfc-2022", created=NOW)


def vp(**options: Any) -> dict[str, Any]:
    return presentation.sign([copy.deepcopy(credential())], [HOLDER], now=NOW, **options)


def test_a_vp_answering_a_challenge_and_domain_verifies_and_names_its_signer() -> None:
    document = vp(challenge=CHALLENGE, domain="employer.example")
    [proof] = split_proofs(document)[1]
    assert proof["proofPurpose"] == "authentication"
    assert "created" not in proof and "expires" not in proof  # the challenge is the freshness
    held = presentation.verify(document, now=NOW, challenge=CHALLENGE, domain="employer.example")
    assert held.signature.ok and held.freshness.ok, (held.signature, held.freshness)
    assert held.freshness.id == "challenge"
    assert held.signers == {HOLDER_DID}
    assert held.credentials == [credential()]


@pytest.mark.parametrize(
    ("challenge", "domain"),
    [("zanother-challenge", "employer.example"), (CHALLENGE, "other.example"), (CHALLENGE, None)],
)
def test_a_vp_made_for_another_challenge_or_domain_is_refused(
    challenge: str, domain: str | None
) -> None:
    document = vp(challenge=CHALLENGE, domain="employer.example")
    held = presentation.verify(document, now=NOW, challenge=challenge, domain=domain)
    assert held.signature.ok  # a genuine proof, just not for this verifier
    assert not held.freshness.ok
    assert english(held.freshness) == "It was not made for your challenge and domain."


def test_a_domain_without_a_challenge_is_refused_when_signing() -> None:
    with pytest.raises(MalformedInput):
        vp(domain="employer.example")


def test_a_one_way_vp_holds_for_its_lifetime_and_the_clock_skew_then_expires() -> None:
    document = vp()
    [proof] = split_proofs(document)[1]
    assert proof["created"] < proof["expires"]
    for later in (timedelta(0), presentation.ONE_WAY_LIFETIME + presentation.CLOCK_SKEW):
        held = presentation.verify(document, now=NOW + later)
        assert held.signature.ok and held.freshness.ok, (later, held.freshness)
    expired = presentation.verify(document, now=NOW + timedelta(minutes=8))
    assert expired.signature.ok and not expired.freshness.ok
    assert english(expired.freshness) == "It expired 3 minutes ago: ask for a fresh one."
    early = presentation.verify(document, now=NOW - timedelta(minutes=3))
    assert "made in the future" in english(early.freshness)


def test_a_one_way_proof_must_be_dated_and_short_lived() -> None:
    dated = {"created": "2026-06-01T00:00:00Z", "expires": "2026-06-01T01:00:00Z"}
    too_long = presentation.freshness([dated], None, None, NOW)
    assert not too_long.ok and "too long" in english(too_long)
    undated = presentation.freshness([{"expires": "2026-06-01T00:05:00Z"}], None, None, NOW)
    assert not undated.ok and "when it was made" in english(undated)


def test_a_proof_set_names_each_distinct_holder_key_once() -> None:
    other = KeyPair.generate(KeyType.ED25519)
    document = presentation.sign(
        [credential()], [HOLDER, other, HOLDER], now=NOW, challenge=CHALLENGE
    )
    assert len(split_proofs(document)[1]) == 2
    held = presentation.verify(document, now=NOW, challenge=CHALLENGE)
    assert held.signature.ok
    assert held.signers == {HOLDER_DID, did_key.did_for(other.public)}


def test_an_assertion_proof_on_a_presentation_is_not_the_holders() -> None:
    """Data Integrity 2.2: a verifier names the purpose it expects; an issuer-style proof
    copied onto a VP says nothing about who shows it."""
    unsecured = {k: v for k, v in vp().items() if k != "proof"}
    options = proofs.proof_options(HOLDER, eddsa_rdfc_2022.NAME, created=NOW)
    document = eddsa_rdfc_2022.sign(unsecured, options, HOLDER)
    held = presentation.verify(document, now=NOW)
    assert not held.signature.ok and held.signers == frozenset()
    assert "not 'authentication'" in english(held.signature)


def test_an_unsigned_presentation_or_a_non_presentation() -> None:
    unsigned = {k: v for k, v in vp().items() if k != "proof"}
    held = presentation.verify(unsigned, now=NOW)
    assert not held.signature.ok and held.signers == frozenset()
    with pytest.raises(MalformedInput):
        presentation.verify(credential(), now=NOW)
    with pytest.raises(MalformedInput):
        presentation.verify({**unsigned, "verifiableCredential": []}, now=NOW)


def test_a_replayed_proof_has_the_same_signed_digest_whatever_its_signature_encoding() -> None:
    document = vp(challenge=CHALLENGE)
    unsecured, [proof] = split_proofs(document)
    digest = presentation.signed_digest(unsecured, proof, [proof])
    signature = multibase.decode(proof["proofValue"])
    reencoded = {**proof, "proofValue": multibase.encode_base64url(signature)}
    assert presentation.signed_digest(unsecured, reencoded, [reencoded]) == digest
    changed = {**unsecured, "id": "urn:uuid:another"}
    assert presentation.signed_digest(changed, proof, [proof]) != digest


Path = tuple[str | int, ...]


def leaves(value: Any, prefix: Path = ()) -> list[Path]:
    """Every scalar in the document, @context excluded (tested by the suites' vectors)."""
    if isinstance(value, dict):
        items = [(k, v) for k, v in value.items() if k != "@context"]
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return [prefix]
    return [path for key, child in items for path in leaves(child, (*prefix, key))]


def put(document: Any, path: Path, value: Any) -> None:
    for step in path[:-1]:
        document = document[step]
    document[path[-1]] = value


def get(document: Any, path: Path) -> Any:
    for step in path:
        document = document[step]
    return document


ONE_WAY = vp()
ONE_WAY_SIGNERS = frozenset({HOLDER_DID})
PATHS = leaves(ONE_WAY)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(PATHS),
    value=st.text(max_size=12) | st.integers(-5, 5) | st.booleans(),
)
def test_any_change_to_what_the_holder_signed_breaks_the_holder_signature(
    path: Path, value: Any
) -> None:
    """Judged apart from the verifier: a change to the proof itself, or one that changes
    the canonical N-Quads of the unsecured presentation, must fail the holder's signature
    (or be refused as unusable); a change the canonical form does not see must not."""
    assume(get(ONE_WAY, path) != value)
    tampered = copy.deepcopy(ONE_WAY)
    put(tampered, path, value)
    try:
        in_proof = path[0] == "proof"
        signed_changed = in_proof or (
            canonical(split_proofs(tampered)[0]).text()
            != canonical(split_proofs(ONE_WAY)[0]).text()
        )
        held = presentation.verify(tampered, now=NOW)
    except UnusableInput:
        event("refused as unusable")
        return  # refused by name: never a pass
    event("signature broken" if signed_changed else "not a change to what was signed")
    assert held.signature.ok is not signed_changed, (path, value, held.signature)
    assert held.signers == (frozenset() if signed_changed else ONE_WAY_SIGNERS)
