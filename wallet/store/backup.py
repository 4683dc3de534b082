"""Encrypted backup: one file holding every record, still sealed, plus the header that
wraps the data key. It restores on a new device with the recovery words or the passphrase.

Layout: MAGIC, u32 length + header JSON, then u32 length + CBOR record frames, a zero
length, and an HMAC-SHA256 over everything before it. The MAC is checked before anything
is written, so a truncated or tampered backup changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wallet.store.errors import BackupCorrupt
from wallet.store.vault import StoredRecord, Vault
from wallet.vc import cbor
from wallet.vc.errors import MalformedProof

MAGIC = b"LWBACKUP\x01"
_LENGTH = struct.Struct(">I")
_MAC_BYTES = 32


def _frame(data: bytes) -> bytes:
    return _LENGTH.pack(len(data)) + data


def write_backup(vault: Vault, path: Path) -> int:
    """Returns the number of records written. The file is replaced atomically."""
    body = bytearray(MAGIC)
    body += _frame(json.dumps(vault.header()).encode())
    count = 0
    for record in vault.stored():
        body += _frame(cbor.encode(record.row()))
        count += 1
    body += _LENGTH.pack(0)
    body += hmac.new(vault.key_for("backup"), bytes(body), hashlib.sha256).digest()
    temporary = path.with_name(path.name + ".partial")
    temporary.write_bytes(bytes(body))
    temporary.replace(path)
    return count


def read_header(data: bytes) -> tuple[dict[str, Any], int]:
    if not data.startswith(MAGIC):
        raise BackupCorrupt("this file is not a wallet backup")
    header_bytes, position = _read_frame(data, len(MAGIC))
    try:
        header = json.loads(header_bytes)
    except ValueError:
        raise BackupCorrupt("the backup header is damaged") from None
    if not isinstance(header, dict):
        raise BackupCorrupt("the backup header is damaged")
    return header, position


def _read_frame(data: bytes, position: int) -> tuple[bytes, int]:
    if position + _LENGTH.size > len(data):
        raise BackupCorrupt("the backup is truncated")
    (length,) = _LENGTH.unpack_from(data, position)
    start = position + _LENGTH.size
    if start + length > len(data):
        raise BackupCorrupt("the backup is truncated")
    return data[start : start + length], start + length


def restore_backup(data: bytes, directory: Path, unlock: Callable[[Vault], None]) -> Vault:
    """Create a vault in `directory` from a backup; `unlock` opens it (passphrase or words).
    Nothing is kept unless every check passes."""
    header, position = read_header(data)
    if len(data) < position + _MAC_BYTES:
        raise BackupCorrupt("the backup is truncated")
    vault = Vault.from_header(directory, header)
    try:
        unlock(vault)
        body, mac = data[:-_MAC_BYTES], data[-_MAC_BYTES:]
        expected = hmac.new(vault.key_for("backup"), body, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            raise BackupCorrupt("the backup is truncated or was tampered with")
        records = []
        while True:
            frame, position = _read_frame(body, position)
            if not frame:
                break
            records.append(_record(frame))
        if position != len(body):
            raise BackupCorrupt("the backup has data after its end marker")
        with vault.transaction():
            for record in records:
                vault.put_stored(record)
    except BaseException:
        vault.discard()
        raise
    return vault


def _record(frame: bytes) -> StoredRecord:
    try:
        record_id, kind, version, created, updated, deleted, blob = cbor.decode(frame)
    except (MalformedProof, ValueError, TypeError):
        raise BackupCorrupt("a record in the backup is damaged") from None
    if not (
        isinstance(record_id, str)
        and isinstance(kind, str)
        and all(isinstance(n, int) for n in (version, created, updated, deleted))
        and (blob is None or isinstance(blob, bytes))
    ):
        raise BackupCorrupt("a record in the backup has fields of the wrong type")
    return StoredRecord(record_id, kind, version, created, updated, bool(deleted), blob)
