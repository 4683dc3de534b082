"""The suite registry in vc/proofs.py, built from each suite module's `Suite` record: every
suite signs with the keys it names and no other, verifies what it signed, and a suite or
option it does not have is refused by name."""

from __future__ import annotations

import pytest

from tests.conftest import NOW, sample_badge
from wallet.vc import proofs
from wallet.vc.data_integrity import resolve_offline, split_proofs
from wallet.vc.errors import MalformedProof, UnknownCryptosuite
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.rdfc import DEFAULT_LIMITS


def test_the_signing_suites_keep_their_order_and_the_legacy_suites_only_verify() -> None:
    assert proofs.SIGNING_SUITES == (
        "eddsa-rdfc-2022",
        "ecdsa-rdfc-2019",
        "ecdsa-sd-2023",
        "eddsa-jcs-2022",
        "ecdsa-jcs-2019",
    )
    legacy = [suite for suite in proofs.SUITES if suite.sign is None]
    assert [suite.name for suite in legacy] == [
        "Ed25519Signature2020",
        "Ed25519Signature2018",
        "eddsa-2022",
    ]
    for name in ("Ed25519Signature2020", "Ed25519Signature2018", "eddsa-2022"):
        with pytest.raises(UnknownCryptosuite):
            proofs.sign(sample_badge(), KeyPair.generate(KeyType.ED25519), name)


@pytest.mark.parametrize(
    ("suite", "key_type"),
    [(suite.name, key_type) for suite in proofs.SUITES if suite.sign for key_type in KeyType],
)
def test_each_suite_signs_with_its_key_types_only(suite: str, key_type: KeyType) -> None:
    registered = next(s for s in proofs.SUITES if s.name == suite)
    key = KeyPair.generate(key_type)
    if key_type not in registered.key_types:
        with pytest.raises(MalformedProof):
            proofs.sign(sample_badge(), key, suite, created=NOW)
        return
    signed = proofs.sign(sample_badge(), key, suite, created=NOW)
    unsecured, [proof] = split_proofs(signed)
    assert (proof["type"], proof["cryptosuite"]) == (registered.proof_type, suite)
    assert proofs.verify_proof(unsecured, proof, resolve_offline(), DEFAULT_LIMITS).ok


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_mandatory_pointers_belong_to_ecdsa_sd_2023(suite: str) -> None:
    with pytest.raises(MalformedProof, match="no mandatory pointers"):
        proofs.sign(
            sample_badge(), KeyPair.generate(KeyType.ED25519), suite, mandatory_pointers=["/issuer"]
        )


def test_an_unknown_suite_is_refused_with_the_names_it_could_have_been() -> None:
    signed = proofs.sign(sample_badge(), KeyPair.generate(KeyType.ED25519), "eddsa-rdfc-2022")
    unsecured, [proof] = split_proofs(signed)
    with pytest.raises(UnknownCryptosuite) as refused:
        proofs.verify_proof(
            unsecured, {**proof, "cryptosuite": "eddsa-rdf-2022"}, resolve_offline(), DEFAULT_LIMITS
        )
    assert str(refused.value).endswith(", ".join(sorted(s.name for s in proofs.SUITES)))
