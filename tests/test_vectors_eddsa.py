"""W3C VC-DI-EdDSA known answers: every intermediate, and the exact proofValue."""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import load_json, read_text
from wallet.vc import eddsa_rdfc_2022, multibase
from wallet.vc.data_integrity import (
    canonical,
    proof_configuration,
    rdfc_hash_data,
    resolve_offline,
    split_proofs,
)
from wallet.vc.multikey import KeyPair
from wallet.vc.rdfc import DEFAULT_LIMITS

BASE = ("vectors", "w3c-vc-di-eddsa", "TestVectors")
EXAMPLES = [("eddsa-rdfc-2022",), ("eddsa-rdfc-2022", "employ")]


@pytest.mark.parametrize("example", EXAMPLES, ids="/".join)
def test_eddsa_rdfc_2022_intermediates_and_signature(example: tuple[str, ...]) -> None:
    folder = (*BASE, *example)
    signed = load_json(*folder, "signedDataInt.json")
    document, [proof] = split_proofs(signed)
    config = load_json(*folder, "proofConfigDataInt.json")
    assert proof_configuration(proof, document) == config

    canonical_document = canonical(document).text()
    canonical_config = canonical(config).text()
    assert canonical_document == read_text(*folder, "canonDocDataInt.txt")
    assert canonical_config == read_text(*folder, "proofCanonDataInt.txt")
    document_hash = hashlib.sha256(canonical_document.encode()).hexdigest()
    config_hash = hashlib.sha256(canonical_config.encode()).hexdigest()
    assert document_hash == read_text(*folder, "docHashDataInt.txt").strip()
    assert config_hash == read_text(*folder, "proofHashDataInt.txt").strip()
    combined = rdfc_hash_data(document, config, "sha256", DEFAULT_LIMITS)
    assert combined.hex() == read_text(*folder, "combinedHashDataInt.txt").strip()

    key = KeyPair.from_secret_multikey(load_json(*BASE, "keyPair.json")["privateKeyMultibase"])
    signature = key.sign(combined)
    assert signature.hex() == read_text(*folder, "sigHexDataInt.txt").strip()
    assert (
        multibase.encode_base58btc(signature) == read_text(*folder, "sigBTC58DataInt.txt").strip()
    )

    # Ed25519 is deterministic: re-signing reproduces the published document exactly
    unsigned_proof = {k: v for k, v in proof.items() if k != "proofValue"}
    assert eddsa_rdfc_2022.sign(document, unsigned_proof, key) == signed
    assert eddsa_rdfc_2022.verify(document, proof, resolve_offline(), DEFAULT_LIMITS).ok


def test_ed25519_signature_2020_vector_verifies() -> None:
    from wallet.vc import ed25519_signature_2020

    folder = (*BASE, "Ed25519Signature2020")
    document, [proof] = split_proofs(load_json(*folder, "signedEdSig.json"))
    config = proof_configuration(proof, document)
    assert config == load_json(*folder, "proofConfigEdSig.json")
    assert canonical(document).text() == read_text(*folder, "canonDocEdSig.txt")
    assert canonical(config).text() == read_text(*folder, "proofCanonEdSig.txt")
    combined = rdfc_hash_data(document, config, "sha256", DEFAULT_LIMITS)
    assert combined.hex() == read_text(*folder, "combinedHashEdSig.txt").strip()
    result = ed25519_signature_2020.verify(document, proof, resolve_offline(), DEFAULT_LIMITS)
    assert result.ok, result.code


@pytest.mark.parametrize(
    ("name", "proofs"),
    [("signedProofSet1.json", 1), ("signedProofSet2.json", 2), ("signedProofChain2.json", 4)],
)
def test_proof_sets_and_chains_verify_every_proof(name: str, proofs: int) -> None:
    from tests.conftest import NOW
    from wallet.vc.verification import verify_credential

    report = verify_credential(load_json(*BASE, "proof-set-chain", name), now=NOW)
    signatures = [c for c in report.checks if c.id.startswith("signature")]
    assert len(signatures) == proofs
    assert all(c.ok for c in signatures), signatures


def test_eddsa_jcs_2022_intermediates_and_signature() -> None:
    from wallet.vc import eddsa_jcs_2022, jcs

    folder = (*BASE, "eddsa-jcs-2022")
    signed = load_json(*folder, "signedJCS.json")
    document, [proof] = split_proofs(signed)
    config = load_json(*folder, "proofConfigJCS.json")
    assert jcs.canonicalize(document).decode() == read_text(*folder, "canonDocJCS.txt").strip()
    assert jcs.canonicalize(config).decode() == read_text(*folder, "proofCanonJCS.txt").strip()
    unsigned_proof = {k: v for k, v in proof.items() if k != "proofValue"}
    combined = eddsa_jcs_2022.hash_data(document, unsigned_proof)
    assert combined.hex() == read_text(*folder, "combinedHashJCS.txt").strip()
    key = KeyPair.from_secret_multikey(load_json(*BASE, "keyPair.json")["privateKeyMultibase"])
    assert key.sign(combined).hex() == read_text(*folder, "sigHexJCS.txt").strip()
    assert eddsa_jcs_2022.sign(document, unsigned_proof, key) == signed
    assert eddsa_jcs_2022.verify(document, proof, resolve_offline(), DEFAULT_LIMITS).ok
    tampered = {**document, "validFrom": "2024-01-01T00:00:00Z"}
    assert not eddsa_jcs_2022.verify(tampered, proof, resolve_offline(), DEFAULT_LIMITS).ok


def test_the_jcs_signer_sets_the_proofs_context_to_the_documents() -> None:
    """VC-DI-EdDSA "Create Proof (eddsa-jcs-2022)" step 2, as for ecdsa-jcs-2019: given
    proof options without @context, the signer copies the document's into the proof and
    reproduces the published signed vector. A document without @context (the trust
    bundle's header) gets none."""
    from wallet.vc import eddsa_jcs_2022

    signed = load_json(*BASE, "eddsa-jcs-2022", "signedJCS.json")
    document, [proof] = split_proofs(signed)
    options = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
    key = KeyPair.from_secret_multikey(load_json(*BASE, "keyPair.json")["privateKeyMultibase"])
    assert eddsa_jcs_2022.sign(document, options, key) == signed
    plain = {k: v for k, v in document.items() if k != "@context"}
    assert "@context" not in eddsa_jcs_2022.sign(plain, options, key)["proof"]
