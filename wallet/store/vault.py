"""The vault: one SQLite file whose records are sealed under a random data key.

Plaintext columns are ids, kinds, versions and timestamps only. The data key is wrapped
twice in the header: by an Argon2id key from the passphrase, and by a key from the
recovery secret. Changing the passphrase re-wraps the key; no record is rewritten.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wallet.store import kdf, recovery, sealing
from wallet.store.errors import (
    NoVault,
    RecordNotFound,
    TooManyAttempts,
    VaultCorrupt,
    VaultExists,
    VaultLocked,
    WrongPassphrase,
    WrongRecoveryWords,
)
from wallet.store.schema import migrate

DATABASE_NAME = "wallet.db"
SYNC_ACCOUNT = "sync_account"
DEVICE_KEY = "device_key"
LOCAL_KINDS = frozenset({SYNC_ACCOUNT, DEVICE_KEY})  # never leave this device
_FREE_ATTEMPTS = 2
_MAX_DELAY_SECONDS = 300.0

Clock = Callable[[], float]


@dataclass(frozen=True)
class Record:
    id: str
    kind: str
    version: int
    created: float
    updated: float
    payload: dict[str, Any]


@dataclass(frozen=True)
class StoredRecord:
    """A record as it sits on disk: what backups and sync carry, still sealed."""

    id: str
    kind: str
    version: int
    created: int  # milliseconds since the epoch
    updated: int
    deleted: bool
    blob: bytes | None

    def row(self) -> list[Any]:
        """The columns in table order: what backups (and later sync) carry."""
        return [
            self.id,
            self.kind,
            self.version,
            self.created,
            self.updated,
            int(self.deleted),
            self.blob,
        ]


def _recovery_kek(secret: bytes, salt: bytes) -> bytes:
    # 128 random bits need no stretching; HKDF only separates this key from any other use
    return HKDF(hashes.SHA256(), 32, salt=salt, info=b"learner-wallet/recovery").derive(secret)


class Vault:
    """Open with `Vault.open` (locked) or `Vault.create` (unlocked)."""

    def __init__(self, directory: Path, clock: Clock) -> None:
        self.directory = directory
        self.path = directory / DATABASE_NAME
        self._clock = clock
        self._data_key: bytes | None = None
        self._subkeys: dict[str, bytes] = {}
        try:
            # Not tied to the opening thread: the app moves slow work to a worker thread.
            # Callers still use one vault from one thread at a time (wallet/ui/context.py).
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db = sqlite_utils.Database(connection)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")  # a reported import must survive power loss
            migrate(self.db)
        except sqlite3.DatabaseError as exc:
            raise VaultCorrupt(f"{self.path.name} is not a readable wallet database") from exc

    # --- lifecycle --------------------------------------------------------------------------

    @classmethod
    def exists(cls, directory: Path) -> bool:
        return (directory / DATABASE_NAME).exists()

    @classmethod
    def create(
        cls,
        directory: Path,
        passphrase: str,
        *,
        kdf_params: kdf.KdfParams | None = None,
        clock: Clock = time.time,
    ) -> tuple[Vault, str]:
        """A new, unlocked vault and its recovery words (shown once, never stored)."""
        if cls.exists(directory):
            raise VaultExists(f"a wallet already exists in {directory}")
        directory.mkdir(parents=True, exist_ok=True)
        vault = cls(directory, clock)
        data_key = os.urandom(32)
        secret = recovery.new_secret()
        vault._write_header(data_key, passphrase, kdf_params or kdf.calibrate(), secret)
        vault._data_key = data_key
        vault._remember_account(secret)
        return vault, recovery.to_words(secret)

    @classmethod
    def from_header(
        cls, directory: Path, header: dict[str, Any], *, clock: Clock = time.time
    ) -> Vault:
        """An empty, locked vault sharing a backup's header (so its keys open it)."""
        if cls.exists(directory):
            raise VaultExists(f"a wallet already exists in {directory}")
        directory.mkdir(parents=True, exist_ok=True)
        vault = cls(directory, clock)
        vault._set_meta("header", header)
        vault.header()
        return vault

    def discard(self) -> None:
        """Remove a vault that never held anything (a failed restore)."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            (self.directory / (DATABASE_NAME + suffix)).unlink(missing_ok=True)

    @classmethod
    def open(cls, directory: Path, *, clock: Clock = time.time) -> Vault:
        if not cls.exists(directory):
            raise NoVault(f"no wallet in {directory}: run `wallet init` first")
        vault = cls(directory, clock)
        vault.header()  # fail now, not at unlock, if the header is unreadable
        return vault

    def close(self) -> None:
        self.lock()
        self.db.conn.close()

    @property
    def unlocked(self) -> bool:
        return self._data_key is not None

    def lock(self) -> None:
        self._data_key = None
        self._subkeys.clear()

    def unlock(self, passphrase: str) -> None:
        """Wrong passphrases earn a growing wait, so guessing at the app is slow too."""
        attempts = self._meta("attempts") or {"failures": 0, "retry_after": 0.0}
        wait = attempts["retry_after"] - self._clock()
        if wait > 0:
            raise TooManyAttempts(wait)
        header = self.header()
        params = kdf.KdfParams.from_json(header["kdf"])
        data_key = sealing.unwrap_key(
            params.derive(passphrase), bytes.fromhex(header["by_passphrase"]), "passphrase"
        )
        if data_key is None:
            failures = attempts["failures"] + 1
            delay = 0.0 if failures <= _FREE_ATTEMPTS else 2.0 ** (failures - _FREE_ATTEMPTS)
            retry_after = self._clock() + min(delay, _MAX_DELAY_SECONDS)
            self._set_meta("attempts", {"failures": failures, "retry_after": retry_after})
            raise WrongPassphrase("wrong passphrase")
        if attempts["failures"]:
            self._set_meta("attempts", {"failures": 0, "retry_after": 0.0})
        self._data_key = data_key

    def unlock_with_recovery(self, words: str) -> None:
        header = self.header()
        secret = recovery.from_words(words)
        kek = _recovery_kek(secret, bytes.fromhex(header["recovery_salt"]))
        data_key = sealing.unwrap_key(kek, bytes.fromhex(header["by_recovery"]), "recovery")
        if data_key is None:
            raise WrongRecoveryWords("those recovery words do not open this wallet")
        self._data_key = data_key
        self._remember_account(secret)

    def _remember_account(self, secret: bytes) -> None:
        """The sync account key comes from the recovery secret, which is never stored; keep
        the derived seed, sealed, so this device can sync without the words."""
        if not self.has(SYNC_ACCOUNT):
            with self.transaction():
                self.put(SYNC_ACCOUNT, SYNC_ACCOUNT, {"seed": recovery.account_seed(secret).hex()})

    def change_passphrase(
        self, new_passphrase: str, kdf_params: kdf.KdfParams | None = None
    ) -> None:
        """Re-wrap the data key; records stay as they are."""
        header = self.header()
        params = kdf_params or kdf.calibrate()
        header["kdf"] = params.to_json()
        header["by_passphrase"] = sealing.wrap_key(
            params.derive(new_passphrase), self._key(), "passphrase"
        ).hex()
        with self.transaction():
            self._set_meta("header", header)
            self._set_meta("attempts", {"failures": 0, "retry_after": 0.0})

    def header(self) -> dict[str, Any]:
        header = self._meta("header")
        if not isinstance(header, dict) or header.get("format") != 1:
            raise VaultCorrupt("the wallet header is missing or damaged")
        try:  # every field unlock reads, so a damaged one is this error and not a crash
            kdf.KdfParams.from_json(header["kdf"])
            for name in ("by_passphrase", "recovery_salt", "by_recovery"):
                bytes.fromhex(header[name])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise VaultCorrupt("the wallet header is missing or damaged") from None
        return header

    def _write_header(
        self, data_key: bytes, passphrase: str, params: kdf.KdfParams, secret: bytes
    ) -> None:
        salt = os.urandom(16)
        header = {
            "format": 1,
            "kdf": params.to_json(),
            "by_passphrase": sealing.wrap_key(
                params.derive(passphrase), data_key, "passphrase"
            ).hex(),
            "recovery_salt": salt.hex(),
            "by_recovery": sealing.wrap_key(
                _recovery_kek(secret, salt), data_key, "recovery"
            ).hex(),
        }
        self._set_meta("header", header)

    # --- records ----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _key(self) -> bytes:
        if self._data_key is None:
            raise VaultLocked("the wallet is locked")
        return self._data_key

    def key_for(self, purpose: str) -> bytes:
        """A subkey of the data key for one purpose (fingerprints, backups, the index)."""
        key = self._subkeys.get(purpose)
        if key is None:
            key = self._subkeys[purpose] = sealing.subkey(self._key(), purpose)
        return key

    def fingerprint(self, data: bytes) -> str:
        """A keyed digest: equal content gives equal ids without revealing the content."""
        digest = hmac.new(self.key_for("fingerprint"), data, hashlib.sha256).digest()
        return base64.b32encode(digest[:20]).decode().lower()

    def seal(self, record_id: str, kind: str, version: int, payload: dict[str, Any]) -> bytes:
        aad = sealing.associated_data(record_id, kind, version)
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return sealing.seal(self.key_for("records"), data, aad)

    def unseal(self, record_id: str, kind: str, version: int, blob: bytes) -> dict[str, Any]:
        aad = sealing.associated_data(record_id, kind, version)
        return json.loads(sealing.unseal(self.key_for("records"), blob, aad))

    def put(self, record_id: str, kind: str, payload: dict[str, Any]) -> int:
        """Insert or replace; returns the new version. Call inside `transaction()`."""
        now = int(self._clock() * 1000)
        row = self.db.execute(
            "SELECT version, created FROM records WHERE id = ?", [record_id]
        ).fetchone()
        version = row[0] + 1 if row else 1
        created = row[1] if row else now
        # an upsert, not a replace: the row keeps its rowid, which orders same-instant imports
        self.db.execute(
            "INSERT INTO records (id, kind, version, created, updated, deleted, blob) "
            "VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, "
            "version = excluded.version, updated = excluded.updated, deleted = 0, "
            "blob = excluded.blob",
            [record_id, kind, version, created, now, self.seal(record_id, kind, version, payload)],
        )
        self._queue(record_id, kind, version)
        return version

    def _queue(self, record_id: str, kind: str, version: int) -> None:
        if kind not in LOCAL_KINDS:
            self.db.execute(
                "INSERT INTO outbox (id, version) VALUES (?, ?) "
                "ON CONFLICT(id) DO UPDATE SET version = excluded.version",
                [record_id, version],
            )

    def get(self, record_id: str, kind: str) -> Record:
        row = self.db.execute(
            "SELECT version, created, updated, blob FROM records "
            "WHERE id = ? AND kind = ? AND deleted = 0",
            [record_id, kind],
        ).fetchone()
        if row is None:
            raise RecordNotFound(f"no {kind} with id {record_id}")
        version, created, updated, blob = row
        payload = self.unseal(record_id, kind, version, blob)
        return Record(record_id, kind, version, created / 1000, updated / 1000, payload)

    def has(self, record_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM records WHERE id = ? AND deleted = 0", [record_id]
        ).fetchone()
        return row is not None

    def delete(self, record_id: str) -> None:
        """Keep a tombstone (id, kind, a new version, no blob) so a delete can sync."""
        now = int(self._clock() * 1000)
        row = self.db.execute(
            "UPDATE records SET deleted = 1, blob = NULL, version = version + 1, updated = ? "
            "WHERE id = ? AND deleted = 0 RETURNING kind, version",
            [now, record_id],
        ).fetchone()
        if row is None:
            raise RecordNotFound(f"no record with id {record_id}")
        self._queue(record_id, row[0], row[1])

    def ids(self, kind: str, *, newest_first: bool = True) -> list[str]:
        order = "DESC" if newest_first else "ASC"
        rows = self.db.execute(
            f"SELECT id FROM records WHERE kind = ? AND deleted = 0 "
            f"ORDER BY created {order}, rowid {order}",
            [kind],
        )
        return [r[0] for r in rows]

    def stored(self) -> Iterator[StoredRecord]:
        """Every record and tombstone, sealed, in a stable order."""
        rows = self.db.execute(
            "SELECT id, kind, version, created, updated, deleted, blob FROM records ORDER BY id"
        )
        for row in rows:
            yield StoredRecord(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6])

    def stored_record(self, record_id: str) -> StoredRecord | None:
        row = self.db.execute(
            "SELECT id, kind, version, created, updated, deleted, blob FROM records WHERE id = ?",
            [record_id],
        ).fetchone()
        return (
            StoredRecord(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6])
            if row
            else None
        )

    def outbox(self) -> list[StoredRecord]:
        """Changes not yet accepted by the sync server, oldest first."""
        rows = self.db.execute("SELECT id FROM outbox ORDER BY rowid").fetchall()
        return [r for (record_id,) in rows if (r := self.stored_record(record_id)) is not None]

    def queued(self, record_id: str) -> bool:
        return (
            self.db.execute("SELECT 1 FROM outbox WHERE id = ?", [record_id]).fetchone() is not None
        )

    def sent(self, records: list[StoredRecord]) -> None:
        """The server accepted these; forget them unless they changed again meanwhile."""
        with self.transaction():
            for record in records:
                self.db.execute(
                    "DELETE FROM outbox WHERE id = ? AND version = ?", [record.id, record.version]
                )

    def sync_state(self, name: str) -> Any:
        return self._meta(f"sync:{name}")

    def set_sync_state(self, name: str, value: Any) -> None:
        self._set_meta(f"sync:{name}", value)

    def put_stored(self, record: StoredRecord) -> None:
        """Write a sealed record as it is (restore, sync); it must open under our key."""
        if record.blob is not None:
            self.unseal(record.id, record.kind, record.version, record.blob)
        self.db.execute(
            "INSERT OR REPLACE INTO records (id, kind, version, created, updated, deleted, blob) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            record.row(),
        )

    # --- plaintext metadata -----------------------------------------------------------------

    def _meta(self, key: str) -> Any:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
            return json.loads(row[0]) if row else None
        except (sqlite3.DatabaseError, ValueError) as exc:
            raise VaultCorrupt("the wallet database is damaged") from exc

    def _set_meta(self, key: str, value: Any) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, json.dumps(value)]
        )

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
