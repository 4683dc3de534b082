"""Which proof suite handles which proof, and the proof options every new proof starts with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from wallet.vc import (
    did_key,
    ecdsa_rdfc_2019,
    ecdsa_sd_2023,
    ed25519_signature_2020,
    eddsa_jcs_2022,
    eddsa_rdfc_2022,
)
from wallet.vc.data_integrity import (
    DATA_INTEGRITY_PROOF,
    KeyResolver,
    ProofResult,
    format_datetime,
)
from wallet.vc.errors import MalformedProof, UnknownCryptosuite
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.rdfc import Limits

Verifier = Callable[[dict[str, Any], dict[str, Any], KeyResolver, Limits], ProofResult]

_VERIFIERS: dict[tuple[str, str | None], Verifier] = {
    (DATA_INTEGRITY_PROOF, eddsa_rdfc_2022.NAME): eddsa_rdfc_2022.verify,
    (DATA_INTEGRITY_PROOF, eddsa_jcs_2022.NAME): eddsa_jcs_2022.verify,
    (DATA_INTEGRITY_PROOF, ecdsa_rdfc_2019.NAME): ecdsa_rdfc_2019.verify,
    (DATA_INTEGRITY_PROOF, ecdsa_sd_2023.NAME): ecdsa_sd_2023.verify,
    (ed25519_signature_2020.PROOF_TYPE, None): ed25519_signature_2020.verify,
}

SIGNING_SUITES = (
    eddsa_rdfc_2022.NAME,
    ecdsa_rdfc_2019.NAME,
    ecdsa_sd_2023.NAME,
    eddsa_jcs_2022.NAME,
)
_SUITE_KEYS = {
    eddsa_rdfc_2022.NAME: {KeyType.ED25519},
    eddsa_jcs_2022.NAME: {KeyType.ED25519},
    ecdsa_rdfc_2019.NAME: {KeyType.P256, KeyType.P384},
    ecdsa_sd_2023.NAME: {KeyType.P256},
}


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
    verifier = _VERIFIERS.get((proof_type, cryptosuite))
    if verifier is None:
        raise UnknownCryptosuite(
            f"unknown proof suite {cryptosuite or proof_type!r}: this wallet verifies "
            + ", ".join(sorted((*SIGNING_SUITES, ed25519_signature_2020.PROOF_TYPE)))
        )
    if proof.get("proofPurpose") != purpose:
        return ProofResult(
            False, f"The proof is for {proof.get('proofPurpose')!r}, not {purpose!r}."
        )
    return verifier(document, proof, resolver, limits)


def proof_options(
    key: KeyPair, suite: str, *, created: datetime | None = None, purpose: str = "assertionMethod"
) -> dict[str, Any]:
    if suite not in SIGNING_SUITES:
        raise UnknownCryptosuite(f"cannot sign with {suite!r}; choose one of {SIGNING_SUITES}")
    if key.public.key_type not in _SUITE_KEYS[suite]:
        raise MalformedProof(f"{suite} cannot sign with a {key.public.key_type} key")
    return {
        "type": DATA_INTEGRITY_PROOF,
        "cryptosuite": suite,
        "created": format_datetime(created or datetime.now(UTC)),
        "verificationMethod": did_key.verification_method_id(key.public),
        "proofPurpose": purpose,
    }


def sign(
    document: dict[str, Any],
    key: KeyPair,
    suite: str,
    *,
    mandatory_pointers: list[str] | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """Add one proof to an unsigned document. Only ecdsa-sd-2023 takes mandatory pointers;
    the other suites refuse them rather than silently ignore them."""
    if "proof" in document:
        raise MalformedProof("the document already has a proof; sign the unsecured document")
    options = proof_options(key, suite, created=created)
    if suite == ecdsa_sd_2023.NAME:
        return ecdsa_sd_2023.sign(document, options, key, mandatory_pointers or [])
    if mandatory_pointers:
        raise MalformedProof(f"{suite} has no mandatory pointers; they belong to ecdsa-sd-2023")
    if suite == eddsa_rdfc_2022.NAME:
        return eddsa_rdfc_2022.sign(document, options, key)
    if suite == eddsa_jcs_2022.NAME:
        return eddsa_jcs_2022.sign(document, options, key)
    return ecdsa_rdfc_2019.sign(document, options, key)
