"""Which keys may verify a JWT, and whom each is shown to belong to.

A key is *bound* to a controller when the identifier itself carries it (did:key, did:jwk)
or when the injected `KeySource` (a cached DID document or JWKS) lists it for the issuer.
A `jwk` header alone binds nothing: anyone can put their own key there, so it verifies the
bytes but the issuer check then fails, unless the issuer's identifier or keys hold it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from wallet.vc import did_jwk, did_key
from wallet.vc.errors import UnusableInput
from wallet.vc.jose import Jws, KeySource
from wallet.vc.jwk import Jwk
from wallet.vc.multikey import PublicKey
from wallet.vc.verification import Check, Severity

# The signature and issuer checks' words, by code: the one place they are made.
# Each finding's catalog code (`reason.<code>`); the sentences live in the shells' catalogs.
_CODES = {
    "signature-ok": "token-signature.valid",
    "signature-bad": "token-signature.invalid",
    "signature-no-key": "token-signature.no-key",
    "issuer-ok": "issuer.signed",
    "issuer-other": "issuer.other-signer",
    "issuer-unbound": "issuer.unbound-key",
    "issuer-none": "issuer.unsigned",
}


def _check(check_id: str, ok: bool, code: str, **params: object) -> Check:
    return Check(check_id, _CODES[code], Severity.OK if ok else Severity.FAILURE, params)


@dataclass(frozen=True)
class Candidate:
    key: Jwk
    controller: str | None  # None: the key is not shown to belong to anyone


def self_describing(identifier: str) -> tuple[str, Jwk] | None:
    """(DID, key) for a did:key or did:jwk (with or without its fragment)."""
    if identifier.startswith(did_key.PREFIX):
        method = did_key.resolve(identifier)
        return (method.controller, Jwk.from_public_key(method.public_key)) if method else None
    return did_jwk.resolve(identifier)


def candidates(jws: Jws, issuer: str | None, keys: KeySource) -> list[Candidate]:
    kid = jws.kid
    if kid and kid.startswith("#") and issuer:  # a fragment relative to the issuer's DID
        kid = issuer + kid
    found: list[Candidate] = []
    if kid and (described := self_describing(kid)):
        found.append(Candidate(described[1], described[0]))
    elif issuer:
        found += [Candidate(key, issuer) for key in keys(issuer, kid)]
        if not kid and (described := self_describing(issuer)):
            found.append(Candidate(described[1], described[0]))
    header_key = jws.header_jwk()
    if header_key is not None and not any(c.key == header_key for c in found):
        bound = issuer is not None and (
            (self_describing(issuer) or (None, None))[1] == header_key
            or header_key in keys(issuer, None)
        )
        found.append(Candidate(header_key, issuer if bound else None))
    return found


def signer_checks(jws: Jws, issuer: str | None, keys: KeySource) -> tuple[Check, Check]:
    """The `signature` and `issuer` checks of a JWT-secured credential."""
    found = candidates(jws, issuer, keys)
    signer = next((c for c in found if jws.verified_by(c.key)), None)
    alg = jws.alg.value
    if signer is not None:
        signature = _check("signature", True, "signature-ok", alg=alg)
    elif not found:
        signature = _check("signature", False, "signature-no-key", kid=jws.kid or "none")
    else:
        signature = _check("signature", False, "signature-bad", alg=alg)
    if signer is None:
        return signature, _check("issuer", False, "issuer-none", issuer=issuer)
    if signer.controller is None:
        return signature, _check("issuer", False, "issuer-unbound", issuer=issuer)
    if signer.controller != issuer:
        other = _check("issuer", False, "issuer-other", signers=[signer.controller], issuer=issuer)
        return signature, other
    return signature, _check("issuer", True, "issuer-ok", issuer=issuer)


def _method_key(method: Any) -> Jwk | None:
    """A verification method's key: `publicKeyJwk`, or a Multikey `publicKeyMultibase`."""
    if not isinstance(method, dict):
        return None
    try:
        if "publicKeyJwk" in method:
            return Jwk.from_jwk(method["publicKeyJwk"])
        if "publicKeyMultibase" in method:
            return Jwk.from_public_key(PublicKey.from_multikey(method["publicKeyMultibase"]))
    except UnusableInput:
        return None
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _absolute(reference: str, base: str) -> str:
    return base + reference if reference.startswith("#") else reference


def keys_in(document: dict[str, Any], issuer: str, kid: str | None) -> list[Jwk]:
    """The keys a cached document names for `issuer` (under `kid`, when given): a DID
    document (its `assertionMethod` keys, only when its `id` is the issuer), a JWKS
    (`{"keys": [...]}`, matched on each key's `kid`), or JWT VC Issuer Metadata (`{"issuer",
    "jwks"}`, only when its `issuer` is the issuer)."""
    if "jwks" in document:
        if document.get("issuer") != issuer or not isinstance(document["jwks"], dict):
            return []
        document = document["jwks"]
    if isinstance(document.get("keys"), list):
        found = []
        for entry in document["keys"]:
            if not isinstance(entry, dict) or (kid is not None and entry.get("kid") != kid):
                continue
            with contextlib.suppress(UnusableInput):
                found.append(Jwk.from_jwk({k: v for k, v in entry.items() if k != "kid"}))
        return found
    if document.get("id") != issuer:
        return []
    methods = {
        _absolute(m["id"], issuer): m
        for m in _list(document.get("verificationMethod"))
        if isinstance(m, dict) and isinstance(m.get("id"), str)
    }
    found = []
    for reference in _list(document.get("assertionMethod")):
        method = (
            methods.get(_absolute(reference, issuer)) if isinstance(reference, str) else reference
        )
        method_id = _absolute(method.get("id", ""), issuer) if isinstance(method, dict) else None
        if kid is not None and method_id != _absolute(kid, issuer):
            continue
        if isinstance(method, dict) and method.get("controller", issuer) == issuer:
            key = _method_key(method)
            if key is not None:
                found.append(key)
    return found


def metadata_url(issuer: str) -> str | None:
    """Where an https issuer's JWT VC Issuer Metadata is (SD-JWT VC draft, "JWT VC Issuer
    Metadata Request": `/.well-known/jwt-vc-issuer` inserted between the host and the
    path of `iss`, a trailing `/` dropped); None for an issuer that is no such URL."""
    try:
        parts = urlsplit(issuer)
    except ValueError:
        return None
    if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
        return None
    return f"https://{parts.netloc}/.well-known/jwt-vc-issuer{parts.path.rstrip('/')}"


def source_from(documents: Mapping[str, dict[str, Any]]) -> KeySource:
    """A `KeySource` over cached documents by issuer (what the network side keeps)."""

    def keys(issuer: str, kid: str | None) -> list[Jwk]:
        document = documents.get(issuer)
        return keys_in(document, issuer, kid) if isinstance(document, dict) else []

    return keys
