"""did:web: a DID whose document lives at an https URL on the issuer's own domain.

Spec: did:web Method Specification (W3C CCG), section 3.2 "Read (Resolve)": the
method-specific id is a domain, an optional port percent-encoded (`%3A`), and optional
path segments separated by `:`; it maps to `https://domain[:port]/path/did.json`, or to
`/.well-known/did.json` when there is no path. The document's `id` must be the DID.

A verification method may also be an https URL (Controlled Identifiers 1.0, section 2.1:
a controller document at that URL, whose `id` is the URL): 1EdTech's own samples name
keys so. Both are "web controllers" here, read the same way.

Pure: this module maps DIDs to URLs and reads documents; fetching and caching them is
the services' job (`services/learner/fetching.py`), once, when connectivity exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from wallet.vc import multibase
from wallet.vc.did_key import VerificationMethod
from wallet.vc.errors import MalformedInput, MalformedProof
from wallet.vc.multikey import PublicKey

PREFIX = "did:web:"
MAX_DOCUMENT_BYTES = 256 * 1024  # far above any real DID document (a few KB)
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+")
_ED25519_MULTICODEC = b"\xed\x01"  # multicodec varints: ed25519-pub, p256-pub, p384-pub
_JWK_CURVES = {"P-256": (32, b"\x80\x24"), "P-384": (48, b"\x81\x24")}


class NotDidWeb(MalformedInput):
    """A did:web identifier that does not follow the method's syntax."""


def is_did_web(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def did_of(did_url: str) -> str:
    """The DID of a DID URL (`did:web:example.com#key-1` -> `did:web:example.com`)."""
    return did_url.split("#", 1)[0].split("?", 1)[0]


def controller_of(method_id: object) -> str | None:
    """The web controller (a did:web DID, or an https controller document's URL) whose
    document holds this verification method's key; None for anything else (did:key)."""
    if not isinstance(method_id, str):
        return None
    if is_did_web(method_id):
        return did_of(method_id)
    if method_id.startswith("https://"):
        return method_id.split("#", 1)[0]
    return None


def location(controller: str) -> str:
    """Where a web controller's document is fetched from."""
    return document_url(controller) if is_did_web(controller) else controller


def document_url(did: str) -> str:
    """Section 3.2 step 1-6: the https URL of the DID's document."""
    if not is_did_web(did) or did != did_of(did):
        raise NotDidWeb(f"not a did:web DID: {did!r:.200}")
    host_part, *path = did[len(PREFIX) :].split(":")
    host, _, port = unquote(host_part).partition(":")
    if not _HOST.fullmatch(host) or ".." in host or (port and not _port(port)):
        raise NotDidWeb(f"did:web names no usable host: {did!r:.200}")
    if any(not _SEGMENT.fullmatch(s) or unquote(s) in (".", "..") for s in path):
        raise NotDidWeb(f"did:web has an unusable path: {did!r:.200}")
    authority = f"{host}:{port}" if port else host
    location = "/".join(path) if path else ".well-known"
    return f"https://{authority}/{location}/did.json"


def _port(text: str) -> bool:
    return text.isascii() and text.isdigit() and 0 < int(text) < 65536


@dataclass(frozen=True)
class DidDocument:
    did: str
    methods: dict[str, VerificationMethod]  # by absolute id: the keys allowed to assert

    def fingerprints(self) -> dict[str, str]:
        """Method id -> its key as a multikey: what a cache pins, to notice a changed key."""
        return {method_id: m.public_key.multikey() for method_id, m in self.methods.items()}


def parse_document(did: str, document: Any) -> DidDocument:
    """The keys `document` lets `did` assert credentials with (its `assertionMethod`, by
    reference or embedded). Keys of unknown types are skipped, not fatal: a document may
    hold keys for other purposes."""
    if not isinstance(document, dict) or document.get("id") != did:
        raise MalformedInput(f"the DID document is not {did}'s own (its id differs)")
    declared = {}
    for entry in _as_list(document.get("verificationMethod")):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            declared[_absolute(did, entry["id"])] = entry
    methods = {}
    for entry in _as_list(document.get("assertionMethod")):
        if isinstance(entry, str):
            method_id, method = _absolute(did, entry), declared.get(_absolute(did, entry))
        elif isinstance(entry, dict) and isinstance(entry.get("id"), str):
            method_id, method = _absolute(did, entry["id"]), entry
        else:
            continue
        if method is None or method.get("controller", did) != did:
            continue
        key = _public_key(method)
        if key is not None:
            methods[method_id] = VerificationMethod(method_id, did, key)
    return DidDocument(did, methods)


def _absolute(did: str, method_id: str) -> str:
    return did + method_id if method_id.startswith("#") else method_id


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _public_key(method: dict[str, Any]) -> PublicKey | None:
    """Multikey and Ed25519VerificationKey2020 (`publicKeyMultibase`), JsonWebKey2020 and
    JsonWebKey (`publicKeyJwk`), Ed25519VerificationKey2018 (`publicKeyBase58`)."""
    try:
        if isinstance(method.get("publicKeyMultibase"), str):
            return PublicKey.from_multikey(method["publicKeyMultibase"])
        if isinstance(method.get("publicKeyJwk"), dict):
            return public_key_from_jwk(method["publicKeyJwk"])
        if isinstance(method.get("publicKeyBase58"), str):
            raw = multibase.b58decode(method["publicKeyBase58"])
            return PublicKey.from_multicodec(_ED25519_MULTICODEC + raw)
    except (MalformedProof, ValueError):
        return None
    return None


def public_key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """RFC 8037 (OKP Ed25519) and RFC 7518 section 6.2 (EC P-256, P-384) public JWKs."""
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
        raw = multibase.b64url_decode(str(jwk.get("x", "")))
        return PublicKey.from_multicodec(_ED25519_MULTICODEC + raw)
    curve = _JWK_CURVES.get(str(jwk.get("crv")))
    if jwk.get("kty") == "EC" and curve is not None:
        size, header = curve
        x = multibase.b64url_decode(str(jwk.get("x", "")))
        y = multibase.b64url_decode(str(jwk.get("y", "")))
        if len(x) != size or len(y) != size:
            raise MalformedProof("JWK coordinates have the wrong length")
        # SEC1 compressed point: 02 or 03 by the parity of y, then x; checked on the curve
        return PublicKey.from_multicodec(header + bytes([2 + (y[-1] & 1)]) + x)
    raise MalformedProof("unsupported JWK key type")
