"""eddsa-jcs-2022: Ed25519 over JCS-canonical JSON (W3C VC-DI-EdDSA, section 3.3).

For documents that are plain signed JSON rather than linked data, such as the trust
bundle: no JSON-LD processing, so no context has to be bundled for them.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from wallet.vc import jcs, multibase
from wallet.vc.data_integrity import (
    DATA_INTEGRITY_PROOF,
    KeyResolver,
    ProofCode,
    ProofResult,
    Suite,
    check_created,
    resolve_method,
    whole_document,
)
from wallet.vc.errors import MalformedProof
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.rdfc import Limits

NAME = "eddsa-jcs-2022"


def hash_data(document: dict[str, Any], proof: dict[str, Any]) -> bytes:
    """3.3.4 and 3.3.5: the proof configuration (with the document's @context, if it has
    one) and the document, each JCS-canonicalized and hashed, configuration first."""
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in document:
        config["@context"] = document["@context"]
    return (
        hashlib.sha256(jcs.canonicalize(config)).digest()
        + hashlib.sha256(jcs.canonicalize(document)).digest()
    )


def sign(document: dict[str, Any], proof: dict[str, Any], key: KeyPair) -> dict[str, Any]:
    if key.public.key_type is not KeyType.ED25519:
        raise MalformedProof(f"{NAME} signs with Ed25519 keys only")
    signed = copy.deepcopy(document)
    signature = key.sign(hash_data(document, proof))
    signed["proof"] = {**proof, "proofValue": multibase.encode_base58btc(signature)}
    return signed


def verify(
    document: dict[str, Any], proof: dict[str, Any], resolver: KeyResolver, _: Limits
) -> ProofResult:
    check_created(proof)
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        raise MalformedProof("proofValue must be a base58btc multibase string ('z...')")
    method = resolve_method(proof, resolver, {KeyType.ED25519})
    if isinstance(method, ProofResult):
        return method
    if method.public_key.verify(multibase.decode(proof_value), hash_data(document, proof)):
        return ProofResult(True, ProofCode.VALID, method)
    return ProofResult(False, ProofCode.MISMATCH, method)


SUITE = Suite(
    DATA_INTEGRITY_PROOF, NAME, frozenset({KeyType.ED25519}), verify, whole_document(NAME, sign)
)
