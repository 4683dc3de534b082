"""Multikey: public and secret keys as multicodec-prefixed bytes in multibase.

Spec: W3C Controlled Identifiers 1.0, section 2.2.2 "Multikey". ECDSA public keys are
SEC1-compressed; signatures are raw `r || s` (IEEE P1363), as Data Integrity requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from wallet.vc import multibase
from wallet.vc.errors import MalformedProof


class KeyType(StrEnum):
    ED25519 = "ed25519"
    P256 = "p256"
    P384 = "p384"


# multicodec varints: ed25519-pub 0xed, p256-pub 0x1200, p384-pub 0x1201,
# ed25519-priv 0x1300, p256-priv 0x1306, p384-priv 0x1307
_PUBLIC_HEADER = {
    KeyType.ED25519: b"\xed\x01",
    KeyType.P256: b"\x80\x24",
    KeyType.P384: b"\x81\x24",
}
_SECRET_HEADER = {
    KeyType.ED25519: b"\x80\x26",
    KeyType.P256: b"\x86\x26",
    KeyType.P384: b"\x87\x26",
}
_PUBLIC_LENGTH = {KeyType.ED25519: 32, KeyType.P256: 33, KeyType.P384: 49}
_CURVE = {KeyType.P256: ec.SECP256R1, KeyType.P384: ec.SECP384R1}
_HASH = {KeyType.P256: hashes.SHA256, KeyType.P384: hashes.SHA384}
_SCALAR_BYTES = {KeyType.P256: 32, KeyType.P384: 48}


def _split_header(data: bytes, headers: dict[KeyType, bytes]) -> tuple[KeyType, bytes]:
    for key_type, header in headers.items():
        if data.startswith(header):
            return key_type, data[len(header) :]
    raise MalformedProof("unsupported multikey type")


@dataclass(frozen=True)
class PublicKey:
    key_type: KeyType
    raw: bytes  # 32 bytes for Ed25519, SEC1-compressed point for ECDSA

    @classmethod
    def from_multikey(cls, value: object) -> PublicKey:
        return cls.from_multicodec(multibase.decode(value))

    @classmethod
    def from_multicodec(cls, data: bytes) -> PublicKey:
        key_type, raw = _split_header(data, _PUBLIC_HEADER)
        if len(raw) != _PUBLIC_LENGTH[key_type]:
            raise MalformedProof(f"{key_type} public key has the wrong length")
        key = cls(key_type, raw)
        key._load()  # reject points that are not on the curve now, not at verify time
        return key

    def multicodec(self) -> bytes:
        return _PUBLIC_HEADER[self.key_type] + self.raw

    def multikey(self) -> str:
        return multibase.encode_base58btc(self.multicodec())

    def _load(self) -> ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey:
        try:
            if self.key_type is KeyType.ED25519:
                return ed25519.Ed25519PublicKey.from_public_bytes(self.raw)
            return ec.EllipticCurvePublicKey.from_encoded_point(_CURVE[self.key_type](), self.raw)
        except ValueError as exc:
            raise MalformedProof(f"invalid {self.key_type} public key") from exc

    def verify(self, signature: bytes, data: bytes) -> bool:
        """ECDSA hashes `data` with the curve's hash (SHA-256 for P-256, SHA-384 for P-384)."""
        key = self._load()
        try:
            if isinstance(key, ed25519.Ed25519PublicKey):
                key.verify(signature, data)
            else:
                size = _SCALAR_BYTES[self.key_type]
                if len(signature) != 2 * size:
                    return False
                r = int.from_bytes(signature[:size], "big")
                s = int.from_bytes(signature[size:], "big")
                key.verify(encode_dss_signature(r, s), data, ec.ECDSA(_HASH[self.key_type]()))
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class KeyPair:
    public: PublicKey
    _secret: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey

    @classmethod
    def generate(cls, key_type: KeyType) -> KeyPair:
        if key_type is KeyType.ED25519:
            return cls._from_private(key_type, ed25519.Ed25519PrivateKey.generate())
        return cls._from_private(key_type, ec.generate_private_key(_CURVE[key_type]()))

    @classmethod
    def from_ed25519_seed(cls, seed: bytes) -> KeyPair:
        """A deterministic Ed25519 key (RFC 8032 section 5.1.5) from 32 secret bytes."""
        return cls._from_private(
            KeyType.ED25519, ed25519.Ed25519PrivateKey.from_private_bytes(seed)
        )

    @classmethod
    def from_secret_multikey(cls, value: object) -> KeyPair:
        key_type, raw = _split_header(multibase.decode(value), _SECRET_HEADER)
        secret: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
        try:
            if key_type is KeyType.ED25519:
                # some tools append the public key to the 32-byte seed
                secret = ed25519.Ed25519PrivateKey.from_private_bytes(raw[:32])
            else:
                secret = ec.derive_private_key(int.from_bytes(raw, "big"), _CURVE[key_type]())
        except ValueError as exc:
            raise MalformedProof(f"invalid {key_type} secret key") from exc
        return cls._from_private(key_type, secret)

    @classmethod
    def _from_private(
        cls, key_type: KeyType, secret: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
    ) -> KeyPair:
        if isinstance(secret, ed25519.Ed25519PrivateKey):
            raw = secret.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        else:
            raw = secret.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
        return cls(PublicKey(key_type, raw), secret)

    def secret_multikey(self) -> str:
        if isinstance(self._secret, ed25519.Ed25519PrivateKey):
            raw = self._secret.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        else:
            size = _SCALAR_BYTES[self.public.key_type]
            raw = self._secret.private_numbers().private_value.to_bytes(size, "big")
        return multibase.encode_base58btc(_SECRET_HEADER[self.public.key_type] + raw)

    def sign(self, data: bytes) -> bytes:
        """Deterministic (RFC 6979) ECDSA, as the ECDSA cryptosuites recommend."""
        if isinstance(self._secret, ed25519.Ed25519PrivateKey):
            return self._secret.sign(data)
        key_type = self.public.key_type
        der = self._secret.sign(data, ec.ECDSA(_HASH[key_type](), deterministic_signing=True))
        r, s = decode_dss_signature(der)
        size = _SCALAR_BYTES[key_type]
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    def __repr__(self) -> str:  # never let the secret reach a log line
        return f"KeyPair({self.public.key_type}, {self.public.multikey()})"
