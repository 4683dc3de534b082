"""did:jwk, resolved locally: the DID is the base64url of the public key's JWK, so no
network is involved. Its one verification method is `#0`.

Spec: did:jwk Method Specification (2022), section "Read".
"""

from __future__ import annotations

import json

from wallet.vc.errors import MalformedInput
from wallet.vc.jose import parse_json_object
from wallet.vc.jwk import Jwk, b64url_decode_strict
from wallet.vc.multibase import b64url_encode

PREFIX = "did:jwk:"
_MAX_DID = 4_096  # an RSA-8192 JWK fits; anything longer is not a key


def did_for(key: Jwk) -> str:
    text = json.dumps(key.to_jwk(), separators=(",", ":"))
    return PREFIX + b64url_encode(text.encode("utf-8"))


def resolve(did_url: str) -> tuple[str, Jwk] | None:
    """(the DID, its key) when `did_url` is a did:jwk or its `#0`; None for anything else."""
    if not did_url.startswith(PREFIX) or len(did_url) > _MAX_DID:
        return None
    did, _, fragment = did_url.partition("#")
    if fragment not in ("", "0"):
        return None
    try:
        jwk = parse_json_object(b64url_decode_strict(did[len(PREFIX) :]), "did:jwk")
        if jwk.get("use") == "enc":  # an encryption key verifies nothing
            return None
        return did, Jwk.from_jwk(jwk)
    except MalformedInput:
        return None
