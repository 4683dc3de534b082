"""Which proof suite handles which proof, and the proof options every new proof starts with."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from wallet.vc import (
    did_key,
    ecdsa_jcs_2019,
    ecdsa_rdfc_2019,
    ecdsa_sd_2023,
    ed25519_signature_2018,
    ed25519_signature_2020,
    eddsa_2022,
    eddsa_jcs_2022,
    eddsa_rdfc_2022,
    open_badges,
    vc_data_model,
)
from wallet.vc.data_integrity import (
    DATA_INTEGRITY_PROOF,
    KeyResolver,
    ProofCode,
    ProofResult,
    Signer,
    Suite,
    format_datetime,
    with_proof_context,
)
from wallet.vc.errors import MalformedProof, UnknownCryptosuite
from wallet.vc.multikey import KeyPair
from wallet.vc.rdfc import Limits

# Every suite this wallet knows, in the order `wallet issue --suite` offers those it signs with.
SUITES: tuple[Suite, ...] = (
    eddsa_rdfc_2022.SUITE,
    ecdsa_rdfc_2019.SUITE,
    ecdsa_sd_2023.SUITE,
    eddsa_jcs_2022.SUITE,
    ecdsa_jcs_2019.SUITE,
    ed25519_signature_2020.SUITE,
    ed25519_signature_2018.SUITE,  # legacy, verify only
    eddsa_2022.SUITE,  # eddsa-rdfc-2022 under its draft name, verify only
)
_BY_PROOF = {(suite.proof_type, suite.cryptosuite): suite for suite in SUITES}
_SIGNERS = {suite.name: (suite.key_types, suite.sign) for suite in SUITES if suite.sign}
SIGNING_SUITES = tuple(_SIGNERS)


def suite_name(proof: dict[str, Any]) -> str:
    return str(proof.get("cryptosuite") or proof.get("type"))


def verify_proof(
    document: dict[str, Any],
    proof: dict[str, Any],
    resolver: KeyResolver,
    limits: Limits,
    purpose: str = "assertionMethod",
) -> ProofResult:
    """Dispatch on (type, cryptosuite). An unknown pair is refused by name, never guessed:
    real files carry typos such as `eddsa-rdf-2022`."""
    proof_type = proof.get("type")
    cryptosuite = proof.get("cryptosuite")
    if not isinstance(proof_type, str) or not isinstance(cryptosuite, str | None):
        raise MalformedProof("a proof's type and cryptosuite must each be one string")
    suite = _BY_PROOF.get((proof_type, cryptosuite))
    if suite is None:
        raise UnknownCryptosuite(
            f"unknown proof suite {cryptosuite or proof_type!r}: this wallet verifies "
            + ", ".join(sorted(known.name for known in SUITES)),
            str(cryptosuite or proof_type),
        )
    if proof.get("proofPurpose") != purpose:
        params = {"purpose": str(proof.get("proofPurpose")), "expected": purpose}
        return ProofResult(False, ProofCode.PURPOSE, params=params)
    return suite.verify(document, proof, resolver, limits)


def proof_options(
    key: KeyPair,
    suite: str,
    *,
    created: datetime | None = None,
    purpose: str = "assertionMethod",
    verification_method: str | None = None,
) -> dict[str, Any]:
    """`verification_method` names the key in the issuer's DID document (a did:web issuer);
    by default it is the key's own did:key."""
    _signer(suite, key)
    return {
        "type": DATA_INTEGRITY_PROOF,
        "cryptosuite": suite,
        "created": format_datetime(created or datetime.now(UTC)),
        "verificationMethod": verification_method or did_key.verification_method_id(key.public),
        "proofPurpose": purpose,
    }


def sign(
    document: dict[str, Any],
    key: KeyPair,
    suite: str,
    *,
    mandatory_pointers: list[str] | None = None,
    created: datetime | None = None,
    verification_method: str | None = None,
) -> dict[str, Any]:
    """Issue a credential: add one proof to an unsigned document the data model allows
    (VCDM 2.0 section 2.1: a conforming issuer never signs a non-conforming document;
    `vc_data_model.NonConformingCredential` names each problem). Only ecdsa-sd-2023 takes
    mandatory pointers; the other suites refuse them rather than silently ignore them."""
    if "proof" in document:
        raise MalformedProof("the document already has a proof; sign the unsecured document")
    vc_data_model.refuse_nonconforming(open_badges.conformance_problems(document))
    options = proof_options(key, suite, created=created, verification_method=verification_method)
    return _signer(suite, key)(with_proof_context(document), options, key, mandatory_pointers or [])


def _signer(suite: str, key: KeyPair) -> Signer:
    """How the suite signs, refused by name when we cannot sign with it or not this key."""
    if suite not in _SIGNERS:
        raise UnknownCryptosuite(
            f"cannot sign with {suite!r}; choose one of {SIGNING_SUITES}", suite
        )
    key_types, signer = _SIGNERS[suite]
    if key.public.key_type not in key_types:
        raise MalformedProof(f"{suite} cannot sign with a {key.public.key_type} key")
    return signer
