"""Ed25519Signature2018 (W3C CCG Linked Data Proofs, legacy): verify only, for the JFF
plugfest badges and DCC credentials that still carry it.

The proof holds a detached JWS (RFC 7797, unencoded payload): `jws` is
BASE64URL(header) + ".." + BASE64URL(signature), the header `{"alg":"EdDSA","b64":false,
"crit":["b64"]}`. The signed bytes are ASCII(BASE64URL(header)) + "." + SHA-256 of the
canonical proof options (the proof without `jws`, in the document's context) + SHA-256 of
the canonical document, both canonicalized with RDFC-1.0 (URDNA2015).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from wallet.vc import multibase
from wallet.vc.data_integrity import (
    KeyResolver,
    ProofCode,
    ProofResult,
    Suite,
    canonical,
    check_created,
    resolve_method,
)
from wallet.vc.errors import MalformedInput, MalformedProof
from wallet.vc.multikey import KeyType
from wallet.vc.rdfc import Limits

PROOF_TYPE = "Ed25519Signature2018"
_KEY_TYPES = frozenset({KeyType.ED25519})


def _header(encoded: str) -> dict[str, Any]:
    try:
        header = json.loads(multibase.b64url_decode(encoded))
    except (ValueError, UnicodeDecodeError):
        raise MalformedProof("the proof's JWS header is not JSON") from None
    if not isinstance(header, dict):
        raise MalformedProof("the proof's JWS header is not a JSON object")
    return header


def verify(
    document: dict[str, Any], proof: dict[str, Any], resolver: KeyResolver, limits: Limits
) -> ProofResult:
    check_created(proof)
    jws = proof.get("jws")
    if not isinstance(jws, str) or jws.count(".") != 2:
        raise MalformedProof("an Ed25519Signature2018 proof needs a detached JWS")
    encoded_header, payload, encoded_signature = jws.split(".")
    if payload:
        raise MalformedProof("the proof's JWS must be detached (an empty payload)")
    header = _header(encoded_header)
    if header.get("alg") != "EdDSA" or header.get("b64") is not False:
        return ProofResult(False, ProofCode.JWS_FORM)
    if "b64" not in header.get("crit", []):
        return ProofResult(False, ProofCode.JWS_B64_CRITICAL)
    signature = multibase.b64url_decode(encoded_signature)
    method = resolve_method(proof, resolver, set(_KEY_TYPES))
    if isinstance(method, ProofResult):
        return method
    if "@context" not in document:
        raise MalformedInput("the document has no @context")
    options = {k: v for k, v in proof.items() if k != "jws"}
    options["@context"] = document["@context"]
    options_hash = hashlib.sha256(canonical(options, limits).text().encode()).digest()
    document_hash = hashlib.sha256(canonical(document, limits).text().encode()).digest()
    signed = encoded_header.encode("ascii") + b"." + options_hash + document_hash
    if method.public_key.verify(signature, signed):
        return ProofResult(True, ProofCode.VALID, method)
    return ProofResult(False, ProofCode.MISMATCH, method)


SUITE = Suite(PROOF_TYPE, None, _KEY_TYPES, verify)
