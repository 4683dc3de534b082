"""W3C VC-DI-ECDSA ecdsa-rdfc-2019 known answers (P-256 and P-384): ECDSA is randomised in
general, so the published signatures must verify and our canonical forms must match."""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import load_json, read_text
from wallet.vc import ecdsa_rdfc_2019
from wallet.vc.data_integrity import (
    canonical,
    proof_configuration,
    rdfc_hash_data,
    resolve_offline,
    split_proofs,
)
from wallet.vc.did_key import resolve
from wallet.vc.multikey import KeyPair
from wallet.vc.rdfc import DEFAULT_LIMITS

BASE = ("vectors", "w3c-vc-di-ecdsa", "TestVectors")
CASES = [
    ("ecdsa-rdfc-2019-p256", (), "P256", "sha256"),
    ("ecdsa-rdfc-2019-p256", ("employ",), "P256", "sha256"),
    ("ecdsa-rdfc-2019-p384", (), "P384", "sha384"),
    ("ecdsa-rdfc-2019-p384", ("employ",), "P384", "sha384"),
]


@pytest.mark.parametrize(("suite", "sub", "curve", "hash_name"), CASES)
def test_published_intermediates_and_signature(
    suite: str, sub: tuple[str, ...], curve: str, hash_name: str
) -> None:
    folder = (*BASE, suite, *sub)
    signed = load_json(*folder, f"signedECDSA{curve}.json")
    document, [proof] = split_proofs(signed)
    config = load_json(*folder, f"proofConfigECDSA{curve}.json")
    assert proof_configuration(proof, document) == config
    assert canonical(config).text() == read_text(*folder, f"proofCanonECDSA{curve}.txt")
    config_hash = hashlib.new(hash_name, canonical(config).text().encode()).hexdigest()
    assert config_hash == read_text(*folder, f"proofHashECDSA{curve}.txt").strip()

    # The published signature verifies over the published combined hash...
    method = resolve(proof["verificationMethod"])
    assert method is not None
    combined = bytes.fromhex(read_text(*folder, f"combinedHashECDSA{curve}.txt").strip())
    signature = bytes.fromhex(read_text(*folder, f"sigHexECDSA{curve}.txt").strip())
    assert method.public_key.verify(signature, combined)

    result = ecdsa_rdfc_2019.verify(document, proof, resolve_offline(), DEFAULT_LIMITS)
    if (suite, sub) == ("ecdsa-rdfc-2019-p384", ("employ",)):
        # ...but this signed JSON was edited after signing: its type is now
        # "EmploymentAuthorizationDocumentCredential" where the published canonical
        # document says "EmploymentAuthorizationDocument". Rejecting it is correct.
        assert canonical(document).text() != read_text(*folder, f"canonDocECDSA{curve}.txt")
        assert not result.ok
        return
    assert canonical(document).text() == read_text(*folder, f"canonDocECDSA{curve}.txt")
    assert rdfc_hash_data(document, config, hash_name, DEFAULT_LIMITS) == combined
    assert result.ok, result.code


@pytest.mark.parametrize("curve", ["p256", "p384"])
def test_sign_and_verify_round_trip(curve: str) -> None:
    key = KeyPair.from_secret_multikey(
        load_json(*BASE, f"{curve}KeyPair.json")["secretKeyMultibase"]
    )
    document = load_json(*BASE, "unsigned.json")
    config = load_json(*BASE, f"ecdsa-rdfc-2019-{curve}", f"proofConfigECDSA{curve.upper()}.json")
    options = {k: v for k, v in config.items() if k != "@context"}
    signed = ecdsa_rdfc_2019.sign(document, options, key)
    unsecured, [proof] = split_proofs(signed)
    assert ecdsa_rdfc_2019.verify(unsecured, proof, resolve_offline(), DEFAULT_LIMITS).ok


JCS_CASES = [("ecdsa-jcs-2019-p256", "P256", "p256"), ("ecdsa-jcs-2019-p384", "P384", "p384")]


@pytest.mark.parametrize(("suite", "curve", "key_name"), JCS_CASES)
def test_ecdsa_jcs_2019_intermediates_signature_and_round_trip(
    suite: str, curve: str, key_name: str
) -> None:
    """VC-DI-ECDSA 3.4: the published canonical forms, hashes and signature. Our ECDSA is
    deterministic (RFC 6979), as the vectors' were, so re-signing reproduces them."""
    from wallet.vc import ecdsa_jcs_2019, jcs, proofs
    from wallet.vc.data_integrity import jcs_hash_data

    signed = load_json(*BASE, suite, f"signedJCSECDSA{curve}.json")
    document, [proof] = split_proofs(signed)
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    config = load_json(*BASE, suite, f"proofConfigJCSECDSA{curve}.json")
    assert {**options, "@context": document["@context"]} == config
    assert (
        jcs.canonicalize(document).decode()
        == read_text(*BASE, suite, f"canonDocJCSECDSA{curve}.txt").strip()
    )
    assert (
        jcs.canonicalize(config).decode()
        == read_text(*BASE, suite, f"proofCanonJCSECDSA{curve}.txt").strip()
    )
    hash_name = "sha384" if curve == "P384" else "sha256"
    combined = jcs_hash_data(document, options, hash_name)
    assert combined.hex() == read_text(*BASE, suite, f"combinedHashJCSECDSA{curve}.txt").strip()
    assert proof["proofValue"] == read_text(*BASE, suite, f"sigBTC58JCSECDSA{curve}.txt").strip()
    assert proofs.verify_proof(document, proof, resolve_offline(), DEFAULT_LIMITS).ok

    key = KeyPair.from_secret_multikey(
        load_json(*BASE, f"{key_name}KeyPair.json")["secretKeyMultibase"]
    )
    assert ecdsa_jcs_2019.sign(document, options, key) == signed
    tampered = {**document, "name": "Another Credential"}
    assert not ecdsa_jcs_2019.verify(tampered, proof, resolve_offline(), DEFAULT_LIMITS).ok


@pytest.mark.parametrize(("suite", "curve", "key_name"), JCS_CASES)
def test_the_jcs_signer_sets_the_proofs_context_to_the_documents(
    suite: str, curve: str, key_name: str
) -> None:
    """VC-DI-ECDSA "Create Proof (ecdsa-jcs-2019)" step 2 (the W3C ECDSA suite's "set
    proof.@context to unsecuredDocument.@context"): given proof options without @context,
    the signer copies the document's in, and reproduces the published signed vector."""
    from wallet.vc import ecdsa_jcs_2019

    signed = load_json(*BASE, suite, f"signedJCSECDSA{curve}.json")
    document, [proof] = split_proofs(signed)
    options = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
    key = KeyPair.from_secret_multikey(
        load_json(*BASE, f"{key_name}KeyPair.json")["secretKeyMultibase"]
    )
    assert ecdsa_jcs_2019.sign(document, options, key) == signed


def test_a_jcs_proof_context_must_open_the_documents() -> None:
    """VC-DI-ECDSA 3.4.2 step 4: a proof's own @context must be the start of the
    document's, or the proof does not verify."""
    from wallet.vc import ecdsa_jcs_2019

    signed = load_json(*BASE, "ecdsa-jcs-2019-p256", "signedJCSECDSAP256.json")
    document, [proof] = split_proofs(signed)
    moved = {**document, "@context": list(reversed(document["@context"]))}
    assert not ecdsa_jcs_2019.verify(moved, proof, resolve_offline(), DEFAULT_LIMITS).ok
    without = {k: v for k, v in proof.items() if k != "@context"}  # then the document's
    assert ecdsa_jcs_2019.verify(document, without, resolve_offline(), DEFAULT_LIMITS).ok
