"""JSON Web Keys (RFC 7517) for the four JWS algorithms the wallet accepts (RFC 7518, RFC 8037).

A `Jwk` is always a public key: a JWK carrying a private member (`d`, `p`, `q`...) is refused,
since accepting one would mean someone published a secret. Each key says which algorithms it
verifies, so a token cannot pick an algorithm its key was never meant for (RS256 vs ES256).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from wallet.vc.errors import MalformedInput
from wallet.vc.multibase import b64url_encode
from wallet.vc.multikey import KeyType, PublicKey


class Alg(StrEnum):
    ES256 = "ES256"
    ES384 = "ES384"
    EDDSA = "EdDSA"
    RS256 = "RS256"


MIN_RSA_BITS = 2048  # RFC 7518 section 3.3
MAX_RSA_BITS = 8192  # bounds the cost of one verification
_PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
_EC = {"P-256": (ec.SECP256R1, 32, Alg.ES256), "P-384": (ec.SECP384R1, 48, Alg.ES384)}
_EC_HASH = {Alg.ES256: hashes.SHA256, Alg.ES384: hashes.SHA384}
_PEM_CURVES = {"secp256r1": Alg.ES256, "secp384r1": Alg.ES384}

PublicKeyObject = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class JwkError(MalformedInput):
    """A JWK we cannot use; `code` names why, for the catalogs."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_decode_strict(text: str) -> bytes:
    """RFC 7515 section 2: base64url without padding, every character from the alphabet and
    the unused bits zero, so one value has one encoding (the stdlib skips stray characters)."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise JwkError("b64-malformed", "not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise JwkError("b64-malformed", "not the canonical base64url encoding")
    return data


def _b64(value: Any, name: str) -> bytes:
    if not isinstance(value, str):
        raise JwkError("jwk-malformed", f"the key's {name!r} must be a base64url string")
    return b64url_decode_strict(value)


@dataclass(frozen=True)
class Jwk:
    alg: Alg  # the one algorithm this key verifies
    key: PublicKeyObject

    @classmethod
    def from_jwk(cls, jwk: Any) -> Jwk:
        if not isinstance(jwk, dict):
            raise JwkError("jwk-malformed", "a JWK must be a JSON object")
        if _PRIVATE_MEMBERS & jwk.keys():
            raise JwkError("jwk-private", "the key holds private key material: refused")
        kty, crv = jwk.get("kty"), jwk.get("crv")
        try:
            if kty == "OKP" and crv == "Ed25519":
                raw = _b64(jwk.get("x"), "x")
                return cls(Alg.EDDSA, ed25519.Ed25519PublicKey.from_public_bytes(raw))
            if kty == "EC" and crv in _EC:
                curve, size, alg = _EC[crv]
                x, y = _b64(jwk.get("x"), "x"), _b64(jwk.get("y"), "y")
                if len(x) != size or len(y) != size:
                    raise JwkError("jwk-malformed", f"{crv} coordinates must be {size} bytes")
                point = ec.EllipticCurvePublicNumbers(
                    int.from_bytes(x, "big"), int.from_bytes(y, "big"), curve()
                )
                return cls(alg, point.public_key())  # refuses points off the curve
            if kty == "RSA":
                n = int.from_bytes(_b64(jwk.get("n"), "n"), "big")
                e = int.from_bytes(_b64(jwk.get("e"), "e"), "big")
                if not MIN_RSA_BITS <= n.bit_length() <= MAX_RSA_BITS:
                    raise JwkError(
                        "jwk-rsa-size",
                        f"RSA keys must have {MIN_RSA_BITS} to {MAX_RSA_BITS} bits",
                    )
                return cls(Alg.RS256, rsa.RSAPublicNumbers(e, n).public_key())
        except ValueError as exc:
            raise JwkError("jwk-malformed", f"invalid {kty} key: {exc}") from None
        raise JwkError("jwk-unsupported", f"unsupported key type {kty!r} {crv or ''}".strip())

    @classmethod
    def from_pem(cls, text: Any) -> Jwk:
        """A PEM public key (an Open Badges 2.0 CryptographicKey's `publicKeyPem`), held to
        the rules a JWK of that type is held to."""
        try:
            loaded = serialization.load_pem_public_key(str(text).encode("ascii"))
        except (ValueError, UnicodeEncodeError, TypeError):
            raise JwkError("jwk-malformed", "not a PEM public key") from None
        if isinstance(loaded, rsa.RSAPublicKey):
            alg = Alg.RS256
        elif isinstance(loaded, ed25519.Ed25519PublicKey):
            alg = Alg.EDDSA
        elif isinstance(loaded, ec.EllipticCurvePublicKey) and loaded.curve.name in _PEM_CURVES:
            alg = _PEM_CURVES[loaded.curve.name]
        else:
            raise JwkError("jwk-unsupported", "unsupported PEM key type")
        return cls.from_jwk(cls(alg, loaded).to_jwk())

    @classmethod
    def from_public_key(cls, public: PublicKey) -> Jwk:
        """A multikey (did:key, a DID document's publicKeyMultibase) as a JWS key."""
        loaded = public._load()
        if public.key_type is KeyType.ED25519:
            return cls(Alg.EDDSA, loaded)
        return cls(Alg.ES256 if public.key_type is KeyType.P256 else Alg.ES384, loaded)

    def to_jwk(self) -> dict[str, str]:
        """Members in RFC 7638 order (lexicographic), so the thumbprint is the hash of this."""
        if isinstance(self.key, ed25519.Ed25519PublicKey):
            raw = self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(raw)}
        if isinstance(self.key, ec.EllipticCurvePublicKey):
            size = 32 if self.alg is Alg.ES256 else 48
            point = self.key.public_numbers()
            return {
                "crv": "P-256" if self.alg is Alg.ES256 else "P-384",
                "kty": "EC",
                "x": b64url_encode(point.x.to_bytes(size, "big")),
                "y": b64url_encode(point.y.to_bytes(size, "big")),
            }
        numbers = self.key.public_numbers()
        return {
            "e": b64url_encode(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
            "kty": "RSA",
            "n": b64url_encode(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
        }

    def thumbprint(self) -> str:
        """RFC 7638: SHA-256 over the required members, sorted, no whitespace."""
        text = json.dumps(self.to_jwk(), sort_keys=True, separators=(",", ":"))
        return b64url_encode(hashlib.sha256(text.encode("ascii")).digest())

    def public_key(self) -> PublicKey | None:
        """The same key as a multikey (what did:key and the vault's keyring hold); None for RSA."""
        if isinstance(self.key, ed25519.Ed25519PublicKey):
            raw = self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return PublicKey(KeyType.ED25519, raw)
        if isinstance(self.key, ec.EllipticCurvePublicKey):
            point = self.key.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
            return PublicKey(KeyType.P256 if self.alg is Alg.ES256 else KeyType.P384, point)
        return None

    def verify(self, alg: Alg, signature: bytes, data: bytes) -> bool:
        """False for a wrong signature and for an algorithm this key does not verify."""
        if alg is not self.alg:
            return False
        try:
            if isinstance(self.key, ed25519.Ed25519PublicKey):
                self.key.verify(signature, data)
            elif isinstance(self.key, ec.EllipticCurvePublicKey):
                size = 32 if alg is Alg.ES256 else 48
                if len(signature) != 2 * size:  # RFC 7518 section 3.4: raw R || S
                    return False
                r = int.from_bytes(signature[:size], "big")
                s = int.from_bytes(signature[size:], "big")
                der = encode_dss_signature(r, s)
                self.key.verify(der, data, ec.ECDSA(_EC_HASH[alg]()))
            else:
                self.key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Jwk) and self.to_jwk() == other.to_jwk()

    def __hash__(self) -> int:
        return hash(self.thumbprint())
