"""Encrypted backup: one file holding every record, still sealed, plus the header that
wraps the data key. It restores on a new device with the recovery words or the passphrase.

Layout: MAGIC, u32 length + header JSON, then u32 length + CBOR record frames, a zero
length, and an HMAC-SHA256 over everything before it. The MAC is checked before anything
is written, so a truncated or tampered backup changes nothing. The header's Argon2id
parameters cannot be MAC'd before they are used (they derive the MAC key), so they are
bounded first (vault.checked_header): an edited header is refused, never derived.

A backup carries no device identity (`device_key`): a restored wallet is a new device of
the same account, with its own key, registered on its next sync. Were it a clone, the
server would take it for the original and never hand it what the original pushes.

A restore builds the wallet beside its folder and renames it into place (Vault.restore),
so a restore killed half way leaves nothing that opens as a wallet.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wallet.store.errors import BackupCorrupt, VaultError
from wallet.store.vault import DEVICE_KEY, StoredRecord, Vault, checked_header
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
        if record.kind == DEVICE_KEY:
            continue
        body += _frame(cbor.encode(record.row()))
        count += 1
    body += _LENGTH.pack(0)
    body += hmac.new(vault.key_for("backup"), bytes(body), hashlib.sha256).digest()
    temporary = path.with_name(path.name + ".partial")
    temporary.unlink(missing_ok=True)  # a leftover may have another mode: start afresh
    descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(body)
        file.flush()
        os.fsync(file.fileno())
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
    try:
        checked_header(header)
    except VaultError as error:
        raise BackupCorrupt(f"the backup header is refused: {error}") from None
    return header, position


def with_kdf(data: bytes, change: dict[str, Any]) -> bytes:
    """The backup with its header's Argon2id parameters changed and its MAC left as it
    was: the hostile edit the tests and the bench make, which restoring must refuse before
    deriving anything."""
    header, position = read_header(data)
    header["kdf"].update(change)
    return MAGIC + _frame(json.dumps(header).encode()) + data[position:]


def _read_frame(data: bytes, position: int) -> tuple[bytes, int]:
    if position + _LENGTH.size > len(data):
        raise BackupCorrupt("the backup is truncated")
    (length,) = _LENGTH.unpack_from(data, position)
    start = position + _LENGTH.size
    if start + length > len(data):
        raise BackupCorrupt("the backup is truncated")
    return data[start : start + length], start + length


def restore_backup(
    data: bytes,
    directory: Path,
    unlock: Callable[[Vault], None],
    finish: Callable[[Vault], None] = lambda vault: None,
) -> Vault:
    """Create a vault in `directory` from a backup; `unlock` opens it (passphrase or words)
    and `finish` completes it (index, new passphrase) before it appears in `directory`.
    Nothing is kept unless every check passes."""
    header, position = read_header(data)
    if len(data) < position + _MAC_BYTES:
        raise BackupCorrupt("the backup is truncated")

    def fill(vault: Vault) -> None:
        unlock(vault)
        body, mac = data[:-_MAC_BYTES], data[-_MAC_BYTES:]
        expected = hmac.new(vault.key_for("backup"), body, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            raise BackupCorrupt("the backup is truncated or was tampered with")
        records, at = [], position
        while True:
            frame, at = _read_frame(body, at)
            if not frame:
                break
            records.append(_record(frame))
        if at != len(body):
            raise BackupCorrupt("the backup has data after its end marker")
        with vault.transaction():
            for record in records:
                if record.kind != DEVICE_KEY:  # older backups carried it: this is a new device
                    vault.put_stored(record)
        finish(vault)

    return Vault.restore(directory, header, fill)


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
