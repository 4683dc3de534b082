"""W3C VC-DI-ECDSA ecdsa-sd-2023 known answers, for both published examples.

The vectors were made with deterministic ECDSA (RFC 6979), as ours is, so with the
published HMAC key and proof-scoped key even the base proofValue is reproduced exactly.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import load_json, read_text
from wallet.vc import ecdsa_sd_2023 as sd
from wallet.vc.data_integrity import canonical, proof_configuration, resolve_offline, split_proofs
from wallet.vc.jsonld import to_rdf
from wallet.vc.multikey import KeyPair
from wallet.vc.rdfc import DEFAULT_LIMITS

BASE = ("vectors", "w3c-vc-di-ecdsa", "TestVectors")
EXAMPLES = {"prc": "prCredSelective.json", "employ": "employSelective.json"}
MANDATORY = {"prc": "prCredMandatory.json", "employ": "employMandatory.json"}


def vector(example: str, name: str) -> Any:
    return load_json(*BASE, "ecdsa-sd-2023", example, name)


def as_map(value: dict[str, Any]) -> dict[int, str]:
    assert value["dataType"] == "Map"
    return {int(k): v for k, v in value["value"]}


def material() -> tuple[bytes, KeyPair, KeyPair]:
    keys = load_json(*BASE, "ecdsa-sd-2023", "SDKeyMaterial.json")
    return (
        bytes.fromhex(keys["hmacKeyString"]),
        KeyPair.from_secret_multikey(keys["baseKeyPair"]["secretKeyMultibase"]),
        KeyPair.from_secret_multikey(keys["proofKeyPair"]["secretKeyMultibase"]),
    )


def base_input(example: str) -> tuple[dict[str, Any], dict[str, Any]]:
    # vectors/README: prCredUnsigned.json was edited after the vectors were made, so the
    # prc input is the signed base document without its proof (employ matches either way)
    document, [proof] = split_proofs(vector(example, "addSignedSDBase.json"))
    return document, proof


@pytest.mark.parametrize("example", EXAMPLES)
def test_base_proof_intermediates(example: str) -> None:
    hmac_key, issuer_key, proof_key = material()
    document, proof = base_input(example)
    mandatory_pointers = load_json(*BASE, MANDATORY[example])
    options = {k: v for k, v in proof.items() if k != "proofValue"}

    config = proof_configuration(options, document)
    assert config == vector(example, "addProofConfig.json")
    assert canonical(config).text() == read_text(
        *BASE, "ecdsa-sd-2023", example, "addProofConfigCanon.txt"
    )
    assert canonical(document).nquads == vector(example, "addBaseDocCanon.json")

    grouped = sd.canonicalize_and_group(
        document, sd.create_hmac_label_map_factory(hmac_key), {"mandatory": mandatory_pointers}
    )
    assert grouped.nquads == vector(example, "addBaseDocHMACCanon.json")
    transform = vector(example, "addBaseTransform.json")
    assert grouped.groups["mandatory"].matching == as_map(transform["mandatory"])
    assert grouped.groups["mandatory"].non_matching == as_map(transform["nonMandatory"])

    hashes = vector(example, "addHashData.json")
    assert sd.proof_hash(document, options, DEFAULT_LIMITS).hex() == hashes["proofHash"]
    mandatory_hash = sd.hash_mandatory(grouped.groups["mandatory"].matching.values())
    assert mandatory_hash.hex() == hashes["mandatoryHash"]

    value = sd.create_base_proof_value(
        document,
        options,
        issuer_key,
        mandatory_pointers,
        hmac_key=hmac_key,
        proof_scoped_key=proof_key,
    )
    raw = vector(example, "addRawBaseSignatureInfo.json")
    assert value.base_signature.hex() == raw["baseSignature"]
    assert value.signatures == [bytes.fromhex(s) for s in raw["signatures"]]
    assert value.serialize() == proof["proofValue"]
    assert sd.BaseProofValue.parse(proof["proofValue"]) == value


@pytest.mark.parametrize("example", EXAMPLES)
def test_derived_proof_intermediates(example: str) -> None:
    signed = vector(example, "addSignedSDBase.json")
    document, proof = base_input(example)
    selective = load_json(*BASE, EXAMPLES[example])
    base = sd.BaseProofValue.parse(proof["proofValue"])
    recovered = vector(example, "derivedRecoveredBaseData.json")
    assert base.hmac_key.hex() == recovered["hmacKey"]
    assert [s.hex() for s in base.signatures] == recovered["signatures"]
    assert base.mandatory_pointers == recovered["mandatoryPointers"]

    groups_vector = vector(example, "derivedAllGroupData.json")
    grouped = sd.canonicalize_and_group(
        document,
        sd.create_hmac_label_map_factory(base.hmac_key),
        {
            "mandatory": base.mandatory_pointers,
            "selective": selective,
            "combined": base.mandatory_pointers + selective,
        },
    )
    assert grouped.nquads == groups_vector["nquads"]
    assert sorted(grouped.label_map.values()) == sorted(
        v for _, v in groups_vector["labelMap"]["value"]
    )
    for name, group in grouped.groups.items():
        expected = groups_vector["groups"][name]
        assert group.matching == as_map(expected["matching"])
        assert group.non_matching == as_map(expected["nonMatching"])
        assert sum(len(t) for t in group.deskolemized.values()) == len(
            expected["deskolemizedNQuads"]
        )
    indexes = vector(example, "derivedGroupIndexes.json")
    assert list(grouped.groups["combined"].matching) == indexes["combinedIndexes"]
    assert list(grouped.groups["mandatory"].matching) == indexes["mandatoryIndexes"]
    assert list(grouped.groups["mandatory"].non_matching) == indexes["nonMandatoryIndexes"]
    assert list(grouped.groups["selective"].matching) == indexes["selectiveIndexes"]

    disclosure = sd.create_disclosure_data(document, proof, selective)
    data = vector(example, "derivedDisclosureData.json")
    assert disclosure.value.base_signature.hex() == data["baseSignature"]
    assert [s.hex() for s in disclosure.value.signatures] == data["signatures"]
    assert disclosure.value.label_map == dict(data["labelMap"]["value"])
    assert disclosure.value.mandatory_indexes == data["mandatoryIndexes"]
    adjusted = vector(example, "derivedAdjSignatures.json")["filteredSignatures"]
    assert [s.hex() for s in disclosure.value.signatures] == adjusted
    adj_mandatory = vector(example, "derivedAdjMandatoryIndexes.json")["adjMandatoryIndexes"]
    assert disclosure.value.mandatory_indexes == adj_mandatory
    assert disclosure.reveal_document == vector(example, "derivedUnsignedReveal.json")

    # the whole derived document, proofValue included, is byte-for-byte the published one
    assert sd.derive(signed, selective) == vector(example, "derivedRevealDocument.json")


@pytest.mark.parametrize("example", EXAMPLES)
def test_published_derived_document_verifies(example: str) -> None:
    document, proof = split_proofs(vector(example, "derivedRevealDocument.json"))
    [proof] = proof
    parsed = sd.DerivedProofValue.parse(proof["proofValue"])
    expected = vector(example, "verifyDerivedProofValue.json")
    assert parsed.base_signature.hex() == expected["baseSignature"]
    assert [s.hex() for s in parsed.signatures] == expected["signatures"]
    assert parsed.label_map == dict(expected["labelMap"])
    assert parsed.mandatory_indexes == expected["mandatoryIndexes"]

    nquads, _ = sd.label_replacement_canonicalize(
        to_rdf(document), sd.create_label_map_factory(parsed.label_map), DEFAULT_LIMITS
    )
    assert nquads == vector(example, "verifyNQuads.json")
    verify_data = vector(example, "verifyCreateVerifyData.json")
    mandatory = [q for i, q in enumerate(nquads) if i in parsed.mandatory_indexes]
    non_mandatory = [q for i, q in enumerate(nquads) if i not in parsed.mandatory_indexes]
    assert non_mandatory == verify_data["nonMandatory"]
    assert sd.hash_mandatory(mandatory).hex() == verify_data["mandatoryHash"]
    assert sd.proof_hash(document, proof, DEFAULT_LIMITS).hex() == verify_data["proofHash"]

    result = sd.verify(document, proof, resolve_offline(), DEFAULT_LIMITS)
    assert result.ok, result.code


@pytest.mark.parametrize("example", EXAMPLES)
def test_base_proof_verifies_for_the_holder(example: str) -> None:
    document, proof = base_input(example)
    assert sd.verify(document, proof, resolve_offline(), DEFAULT_LIMITS).ok
    tampered = {**document, "validUntil": "2099-01-01T00:00:00Z"}
    assert not sd.verify(tampered, proof, resolve_offline(), DEFAULT_LIMITS).ok
