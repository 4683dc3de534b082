"""AES-256-GCM sealing of records. The associated data binds a sealed blob to its record
id, kind and version, so blobs cannot be swapped between records or replayed as another
version. Plaintext is compressed first (raw DEFLATE with a preset dictionary of credential
structure, `compression.py`): credentials are verbose JSON, and every byte crosses the wire
when a wallet syncs."""

from __future__ import annotations

import os
import zlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wallet.store.compression import DICTIONARY
from wallet.store.errors import VaultCorrupt

_FORMAT = b"\x02"  # AES-256-GCM over raw DEFLATE with compression.DICTIONARY


def subkey(data_key: bytes, purpose: str) -> bytes:
    """Separate keys per purpose (records, fingerprints, backups) from the one data key."""
    return HKDF(hashes.SHA256(), 32, salt=None, info=f"learner-wallet/{purpose}".encode()).derive(
        data_key
    )


def associated_data(record_id: str, kind: str, version: int) -> bytes:
    return f"{record_id}\0{kind}\0{version}".encode()


def seal(key: bytes, plaintext: bytes, aad: bytes, *, level: int = 9) -> bytes:
    """`level` is deflate's: what is rewritten often and large (index pages) takes 1, about
    15 times faster than 9 on their text for a tenth more bytes; unseal reads any level."""
    nonce = os.urandom(12)
    deflate = zlib.compressobj(level, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, DICTIONARY)
    compressed = deflate.compress(plaintext) + deflate.flush()
    return _FORMAT + nonce + AESGCM(key).encrypt(nonce, compressed, aad)


def unseal(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if not blob or blob[:1] != _FORMAT or len(blob) < 29:
        raise VaultCorrupt("a stored record is damaged")
    try:
        compressed = AESGCM(key).decrypt(blob[1:13], blob[13:], aad)
        return zlib.decompressobj(-15, zdict=DICTIONARY).decompress(compressed)
    except (InvalidTag, zlib.error):
        raise VaultCorrupt("a stored record is damaged or was tampered with") from None


def wrap_key(kek: bytes, data_key: bytes, label: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, f"learner-wallet/wrap/{label}".encode())


def unwrap_key(kek: bytes, wrapped: bytes, label: str) -> bytes | None:
    try:
        return AESGCM(kek).decrypt(
            wrapped[:12], wrapped[12:], f"learner-wallet/wrap/{label}".encode()
        )
    except InvalidTag:
        return None
