"""Compact JWS (RFC 7515) for the credential formats that wrap a JWT: VC-JOSE-COSE, OB 3.0's
JWT proof format, SD-JWT and its key-binding JWT.

Parsing is strict and bounded because a token is untrusted input: a size limit, canonical
base64url, JSON objects without duplicate members, an algorithm from a short allow-list
(never `none`, never a MAC), and no `crit` extensions (we understand none, RFC 7515 section
4.1.11). Which key verifies a token is the caller's business: `KeySource` is the one place a
DID document cache or JWKS plugs in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from wallet.vc.errors import InputTooLarge, MalformedInput, UnusableInput
from wallet.vc.jwk import Alg, Jwk, JwkError, b64url_decode_strict
from wallet.vc.multibase import b64url_encode
from wallet.vc.multikey import KeyPair, KeyType

MAX_TOKEN_BYTES = 1_000_000
MAX_HEADER_BYTES = 8_192
MAX_DEPTH = 64  # JSON nesting: deep enough for any credential, shallow for every recursion

# Why a token is unusable, by code; the one place its English words are made.
_MESSAGES = {
    "too-large": "the token is {size:,} bytes; the limit is {limit:,}",
    "not-compact": "not a compact JWS: expected three base64url parts separated by dots",
    "b64-malformed": "a part of the token is not base64url",
    "header-too-large": "the token's header is larger than {limit:,} bytes",
    "json-malformed": "the token's {part} is not a JSON object",
    "json-duplicate": "the token's {part} names {member!r} twice",
    "json-too-deep": "the token's {part} is nested more than {limit} levels deep",
    "alg-missing": "the token names no signature algorithm",
    "alg-none": "the token is unsigned (alg none)",
    "alg-refused": "the signature algorithm {alg!r} is not accepted (only {allowed})",
    "crit": "the token requires extensions this wallet does not implement: {names}",
    "header-malformed": "the token's {member!r} header is malformed",
}


# The refusals a learner can do something about have their own sentence (`error.<kind>`);
# the rest read as a malformed token.
_KINDS = {"alg-none": "token_unsigned", "alg-refused": "token_algorithm", "crit": "token_extension"}


class JoseError(MalformedInput):
    """A token we cannot use: `code` names the refusal, `kind` and `params` are what the
    catalogs translate, and the message is the developer's detail."""

    def __init__(self, code: str, **params: Any) -> None:
        # past InputTooLarge's own __init__ (JoseTooLarge is one): our code and params stand
        UnusableInput.__init__(self, _MESSAGES[code].format(**params))
        self.code = code
        self.kind = _KINDS.get(code, MalformedInput.kind)
        self.params = params


class JoseTooLarge(JoseError, InputTooLarge):
    pass


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def parse_json_object(data: bytes, part: str) -> dict[str, Any]:
    """A JSON object, refusing duplicate members (RFC 7515 section 5.2 step 4 lets us) and
    what `json_document` refuses (NaN, huge integers, lone surrogates)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                raise JoseError("json-duplicate", part=part, member=key)
            result[key] = value
        return result

    try:
        value = json.loads(
            data.decode("utf-8"), object_pairs_hook=pairs, parse_constant=_refuse_constant
        )
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # lone surrogates fail here
    except (UnicodeError, ValueError, RecursionError):
        raise JoseError("json-malformed", part=part) from None
    if not isinstance(value, dict):
        raise JoseError("json-malformed", part=part)
    check_depth(value, part)
    return value


def check_depth(value: Any, part: str) -> None:
    """Iteratively, so the check itself cannot run out of stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise JoseError("json-too-deep", part=part, limit=MAX_DEPTH)
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, depth + 1) for child in children)


def _b64(text: str) -> bytes:
    try:
        return b64url_decode_strict(text)
    except JwkError:
        raise JoseError("b64-malformed") from None


@dataclass(frozen=True)
class Jws:
    header: dict[str, Any]
    payload: bytes
    signing_input: bytes  # ASCII(BASE64URL(header) || "." || BASE64URL(payload))
    signature: bytes

    @property
    def alg(self) -> Alg:
        return Alg(self.header["alg"])

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None

    def claims(self) -> dict[str, Any]:
        return parse_json_object(self.payload, "payload")

    def header_jwk(self) -> Jwk | None:
        """The key in a `jwk` header. It proves nothing about who signed until something ties
        it to the issuer (a did:jwk or did:key issuer holding it, or the issuer's keys)."""
        if "jwk" not in self.header:
            return None
        return Jwk.from_jwk(self.header["jwk"])

    def verified_by(self, key: Jwk) -> bool:
        return key.verify(self.alg, self.signature, self.signing_input)


def looks_like_compact(text: str) -> bool:
    """Cheap sniffing for import: three dot-separated parts, a JSON header first."""
    return text.count(".") == 2 and text.startswith("eyJ") and " " not in text.strip()


def parse(token: str, *, max_bytes: int = MAX_TOKEN_BYTES) -> Jws:
    if len(token) > max_bytes:
        raise JoseTooLarge("too-large", size=len(token), limit=max_bytes)
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not parts[2]:
        raise JoseError("not-compact")
    if len(parts[0]) > MAX_HEADER_BYTES * 4 // 3 + 4:
        raise JoseTooLarge("header-too-large", limit=MAX_HEADER_BYTES)
    header = parse_json_object(_b64(parts[0]), "header")
    _check_header(header)
    payload = _b64(parts[1])
    signature = _b64(parts[2])
    return Jws(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def _check_header(header: dict[str, Any]) -> None:
    alg = header.get("alg")
    if alg is None:
        raise JoseError("alg-missing")
    if isinstance(alg, str) and alg.lower() == "none":
        raise JoseError("alg-none")
    if alg not in set(Alg):
        allowed = ", ".join(a.value for a in Alg)
        raise JoseError("alg-refused", alg=str(alg)[:40], allowed=allowed)
    if "crit" in header:  # RFC 7515 4.1.11: we must refuse extensions we do not understand
        names = header["crit"]
        shown = ", ".join(map(str, names)) if isinstance(names, list) else str(names)
        raise JoseError("crit", names=shown[:200])
    for member in ("typ", "cty", "kid"):
        if member in header and not isinstance(header[member], str):
            raise JoseError("header-malformed", member=member)


class Signer(Protocol):
    """What signs a token: an algorithm and raw JWS signature bytes."""

    @property
    def alg(self) -> Alg: ...

    def sign(self, data: bytes) -> bytes: ...


_KEY_ALG = {KeyType.ED25519: Alg.EDDSA, KeyType.P256: Alg.ES256, KeyType.P384: Alg.ES384}


@dataclass(frozen=True)
class KeyPairSigner:
    """Our own keys: Ed25519 (EdDSA), P-256 (ES256), P-384 (ES384). `KeyPair.sign` already
    gives raw R || S with the curve's hash, which is JWS's ECDSA form (RFC 7518 3.4)."""

    key: KeyPair

    @property
    def alg(self) -> Alg:
        return _KEY_ALG[self.key.public.key_type]

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data)

    def jwk(self) -> Jwk:
        return Jwk.from_public_key(self.key.public)


@dataclass(frozen=True)
class RsaSigner:
    """RS256, which OB 3.0 names as the minimum; our wallet holds no RSA keys, issuers do."""

    key: rsa.RSAPrivateKey

    @property
    def alg(self) -> Alg:
        return Alg.RS256

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def jwk(self) -> Jwk:
        return Jwk(Alg.RS256, self.key.public_key())


def _encode_json(value: dict[str, Any]) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return b64url_encode(text.encode("utf-8"))


def sign(header: dict[str, Any], payload: dict[str, Any], signer: Signer) -> str:
    """A compact JWS; `alg` comes from the signer, whatever the header says."""
    head = _encode_json({**header, "alg": signer.alg.value})
    body = _encode_json(payload)
    signature = signer.sign(f"{head}.{body}".encode("ascii"))
    return f"{head}.{body}.{b64url_encode(signature)}"


# Where keys come from for a token whose `kid` is not self-describing (did:web, an https
# JWKS): (issuer, kid) -> the public keys that issuer controls under that kid (every key of
# the issuer when kid is None). An empty list means "not known here" and is never an error.
# The network side (did:web, JWKS) implements this over its cache; it never fetches at verify.
KeySource = Callable[[str, str | None], list[Jwk]]


def no_keys(_issuer: str, _kid: str | None) -> list[Jwk]:
    return []
