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

from wallet.store.compression import DICTIONARY_2, DICTIONARY_3
from wallet.store.errors import VaultCorrupt

# A blob's first byte names its format: AES-256-GCM over raw DEFLATE with that format's
# preset dictionary. Format 3 also binds that byte into the associated data, so a blob
# cannot be read with another format's dictionary (format 2 blobs open as they were).
_DICTIONARIES = {2: DICTIONARY_2, 3: DICTIONARY_3}
_FORMAT = 3


def subkey(data_key: bytes, purpose: str) -> bytes:
    """Separate keys per purpose (records, fingerprints, backups) from the one data key."""
    return HKDF(hashes.SHA256(), 32, salt=None, info=f"learner-wallet/{purpose}".encode()).derive(
        data_key
    )


def associated_data(record_id: str, kind: str, version: int) -> bytes:
    return f"{record_id}\0{kind}\0{version}".encode()


def _bound(form: int, aad: bytes) -> bytes:
    return aad if form == 2 else bytes([form]) + aad


def seal(key: bytes, plaintext: bytes, aad: bytes, *, level: int = 9) -> bytes:
    """`level` is deflate's: what is rewritten often and large (index pages) takes 1, about
    15 times faster than 9 on their text for a tenth more bytes; unseal reads any level."""
    nonce = os.urandom(12)
    deflate = zlib.compressobj(
        level, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, _DICTIONARIES[_FORMAT]
    )
    compressed = deflate.compress(plaintext) + deflate.flush()
    sealed = AESGCM(key).encrypt(nonce, compressed, _bound(_FORMAT, aad))
    return bytes([_FORMAT]) + nonce + sealed


def unseal(key: bytes, blob: bytes, aad: bytes) -> bytes:
    form = blob[0] if blob else 0
    if form not in _DICTIONARIES or len(blob) < 29:
        raise VaultCorrupt("a stored record is damaged")
    try:
        compressed = AESGCM(key).decrypt(blob[1:13], blob[13:], _bound(form, aad))
        return zlib.decompressobj(-15, zdict=_DICTIONARIES[form]).decompress(compressed)
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
