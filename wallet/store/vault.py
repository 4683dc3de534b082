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
import math
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wallet.store import kdf, recovery, rollback, sealing
from wallet.store.errors import (
    EmptyPassphrase,
    NoVault,
    RecordNotFound,
    RolledBack,
    TooManyAttempts,
    VaultCorrupt,
    VaultExists,
    VaultLocked,
    WrongPassphrase,
    WrongRecoveryWords,
)
from wallet.store.schema import UNSEALED_TOMBSTONES, migrate

DATABASE_NAME = "wallet.db"
SYNC_ACCOUNT = "sync_account"
DEVICE_KEY = "device_key"
LOCAL_KINDS = frozenset({SYNC_ACCOUNT, DEVICE_KEY})  # never leave this device; ids = kinds
TOMBSTONE: dict[str, Any] = {"deleted": True}  # what a tombstone seals: no record's payload
_FREE_ATTEMPTS = 2
_MAX_DELAY_SECONDS = 300.0
_NO_FAILURES = {"failures": 0, "retry_after": 0.0}
_FORMAT = 2  # 2: the sealed rollback state is required (rollback.py)
# Format 2 wraps under other labels, so a format-2 header edited to read 1 opens nothing.
_WRAP_LABELS = {1: ("passphrase", "recovery"), 2: ("passphrase/2", "recovery/2")}
_STORED_PAGE = 500  # records `Vault.stored` reads per statement
_RESTORING = ".restoring-"  # `.NAME.restoring-XXXX` beside the wallet: a restore under way

Clock = Callable[[], float]
Timer = Callable[[], float]  # seconds, for how long an unlock's key derivation takes here


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


def require_passphrase(passphrase: str) -> None:
    """An empty passphrase would make the Argon2id wrap a formality."""
    if not passphrase.strip():
        raise EmptyPassphrase("a passphrase is required: it may not be empty")


def _private_directory(directory: Path) -> None:
    """The wallet's folder is the user's alone (0700) when we are the ones creating it."""
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700)
        directory.chmod(0o700)  # mkdir's mode is masked by the umask; say it exactly


def _private_file(path: Path) -> None:
    """Create the database file 0600 before SQLite opens it: SQLite gives its -wal and -shm
    files the database file's mode, so all three stay private. Older files are tightened."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        for suffix in ("", "-wal", "-shm"):
            sibling = path.with_name(path.name + suffix)
            if sibling.exists() and sibling.stat().st_mode & 0o077:
                sibling.chmod(0o600)


def _recovery_kek(secret: bytes, salt: bytes) -> bytes:
    # 128 random bits need no stretching; HKDF only separates this key from any other use
    return HKDF(hashes.SHA256(), 32, salt=salt, info=b"learner-wallet/recovery").derive(secret)


def checked_header(header: object) -> dict[str, Any]:
    """A header as stored or as a backup or the server hands it: every field of the right
    shape, the Argon2id parameters within bounds (KdfParametersRefused names the one that
    is not), before any of it is used."""
    if not isinstance(header, dict) or header.get("format") not in _WRAP_LABELS:
        raise VaultCorrupt("the wallet header is missing or damaged")
    kdf.KdfParams.from_json(header.get("kdf"))
    for field in ("by_passphrase", "recovery_salt", "by_recovery"):
        if not _is_hex(header.get(field)):
            raise VaultCorrupt(f"the wallet header's {field} is damaged")
    return header


def _is_hex(value: object) -> bool:
    try:
        return isinstance(value, str) and bool(bytes.fromhex(value))
    except ValueError:
        return False


def _new_header(
    data_key: bytes, passphrase: str, params: kdf.KdfParams, secret: bytes
) -> dict[str, Any]:
    salt = os.urandom(16)
    by_passphrase, by_recovery = _WRAP_LABELS[_FORMAT]
    return {
        "format": _FORMAT,
        "kdf": params.to_json(),
        "by_passphrase": sealing.wrap_key(params.derive(passphrase), data_key, by_passphrase).hex(),
        "recovery_salt": salt.hex(),
        "by_recovery": sealing.wrap_key(_recovery_kek(secret, salt), data_key, by_recovery).hex(),
    }


class _Rows:
    """A statement's rows, read in full while the connection's lock was held."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._rows = iter(cursor.fetchall())
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid
        self.description = cursor.description

    def fetchone(self) -> Any:
        return next(self._rows, None)

    def fetchall(self) -> list[Any]:
        return list(self._rows)

    def __iter__(self) -> Iterator[Any]:
        return self._rows


class _SharedConnection(sqlite3.Connection):
    """One connection the app's event loop and its worker both use (settings, a delete or
    a new holder key on the one, a sync on the other). `lock` is held for the whole of a
    transaction (`Vault.transaction`) and for each statement outside one, whose rows are
    read before it is released: no thread begins a transaction inside another's, runs a
    statement into it, or reads what it has not committed."""

    lock: threading.RLock

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        with self.lock:
            return _Rows(super().execute(sql, parameters))


def _sync_directory(directory: Path) -> None:
    """Make a rename in `directory` durable (POSIX: the entry lives in the directory)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class Vault:
    """Open with `Vault.open` (locked) or `Vault.create` (unlocked)."""

    def __init__(self, directory: Path, clock: Clock, timer: Timer = time.perf_counter) -> None:
        self.directory = directory
        self.path = directory / DATABASE_NAME
        self._clock = clock
        self._timer = timer
        self._data_key: bytes | None = None
        self._subkeys: dict[str, bytes] = {}
        self._state: rollback.State | None = None
        _private_file(self.path)
        try:
            # Not tied to the opening thread: the app's event loop and its worker share it,
            # one transaction or statement at a time (_SharedConnection).
            connection = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                factory=_SharedConnection,
            )
            connection.lock = self._lock = threading.RLock()
            self.db = connection
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")  # a reported import must survive power loss
            migrate(self.db)
            self._tracker = rollback.Tracker(connection, lambda: self.key_for("state"))
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
        require_passphrase(passphrase)
        if cls.exists(directory):
            raise VaultExists(f"a wallet already exists in {directory}")
        data_key = os.urandom(32)
        secret = recovery.new_secret()
        # the slow (and, on a device without Argon2id, failing) part comes before any file
        header = _new_header(data_key, passphrase, kdf_params or kdf.calibrate(), secret)
        _private_directory(directory)
        vault = cls(directory, clock)
        vault._set_meta("header", header)
        vault._set_meta("attempts", _NO_FAILURES)
        vault._data_key = data_key
        vault._state = rollback.State(0, 0)
        vault._set_meta(rollback.STATE_KEY, vault._state.seal(vault.key_for("state")))
        vault._remember_account(secret)
        return vault, recovery.to_words(secret)

    @staticmethod
    def new_header(
        passphrase: str, *, kdf_params: kdf.KdfParams | None = None
    ) -> tuple[dict[str, Any], str]:
        """The header of a wallet not written yet (a new data key wrapped by the passphrase
        and by new recovery words) and those words; `from_header` makes the vault later."""
        require_passphrase(passphrase)
        secret = recovery.new_secret()
        header = _new_header(os.urandom(32), passphrase, kdf_params or kdf.calibrate(), secret)
        return header, recovery.to_words(secret)

    @classmethod
    def from_header(
        cls, directory: Path, header: dict[str, Any], *, clock: Clock = time.time
    ) -> Vault:
        """An empty, locked vault sharing a backup's header (so its keys open it)."""
        if cls.exists(directory):
            raise VaultExists(f"a wallet already exists in {directory}")
        checked_header(header)  # the KDF bounded before anything is written
        _private_directory(directory)
        vault = cls(directory, clock)
        vault._set_meta("header", header)
        vault._set_meta("attempts", _NO_FAILURES)
        vault.header()
        return vault

    @classmethod
    def restore(
        cls,
        directory: Path,
        header: dict[str, Any],
        fill: Callable[[Vault], None],
        *,
        clock: Clock = time.time,
    ) -> Vault:
        """A vault built from `header` by `fill` (unlock, write records) in a scratch folder
        beside `directory`, then renamed into place: a restore killed half way leaves no
        wallet that opens, only a scratch folder that the next restore removes."""
        if cls.exists(directory):
            raise VaultExists(f"a wallet already exists in {directory}")
        parent = directory.absolute().parent
        parent.mkdir(parents=True, exist_ok=True)
        for leftover in parent.glob(f".{directory.name}{_RESTORING}*"):
            shutil.rmtree(leftover, ignore_errors=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{directory.name}{_RESTORING}", dir=parent))
        try:
            vault = cls.from_header(scratch, header, clock=clock)
            try:
                fill(vault)
                data_key = vault._key()
                vault.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in wallet.db
            finally:
                vault.close()
            _private_directory(directory)
            if cls.exists(directory):
                raise VaultExists(f"a wallet already exists in {directory}")
            os.replace(scratch / DATABASE_NAME, directory / DATABASE_NAME)
            _sync_directory(directory)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        restored = cls(directory, clock)
        restored._opened_with(data_key)
        return restored

    @classmethod
    def open(
        cls, directory: Path, *, clock: Clock = time.time, timer: Timer = time.perf_counter
    ) -> Vault:
        if not cls.exists(directory):
            raise NoVault(f"no wallet in {directory}: run `wallet init` first")
        vault = cls(directory, clock, timer)
        vault.header()  # fail now, not at unlock, if the header is unreadable
        return vault

    def close(self) -> None:
        self.lock()
        self.db.close()

    @property
    def unlocked(self) -> bool:
        return self._data_key is not None

    def lock(self) -> None:
        with self._lock:  # a transaction under way on another thread finishes first
            self._data_key = None
            self._state = None
            self._subkeys.clear()

    def serial(self) -> threading.RLock:
        """Hold it (`with vault.serial():`) for reads that must agree with each other, such
        as a record and its card: no other thread's transaction commits in between."""
        return self._lock

    def _opened_with(self, data_key: bytes) -> None:
        """Unlocked, once the rows are what the sealed state says (rollback.py)."""
        self._data_key = data_key
        try:
            key = self.key_for("state")
            actual = rollback.digest_of(self.db, key)
            sealed = self._meta(rollback.STATE_KEY)
            if sealed is None:
                if self.header()["format"] >= 2 and actual != 0:
                    raise RolledBack("the wallet lost its sealed state: it was tampered with")
                state = rollback.State(0, actual)  # an older wallet: its first state
                self._set_meta(rollback.STATE_KEY, state.seal(key))
            else:
                try:
                    state = rollback.State.unseal(key, sealed)
                except (VaultCorrupt, ValueError, KeyError, TypeError):
                    raise RolledBack("the wallet's sealed state is damaged") from None
                if not hmac.compare_digest(f"{state.digest:064x}", f"{actual:064x}"):
                    raise RolledBack(
                        "records are older or newer than the wallet's sealed state says: "
                        "it was rolled back or tampered with (restore a backup)"
                    )
        except BaseException:
            self.lock()
            raise
        self._state = state

    def _attempts(self) -> dict[str, Any]:
        """The back-off state. It sits in plaintext (a wrong passphrase gives no key to seal
        with), so a row that is missing or malformed counts as the longest wait: deleting
        it never earns free guesses. Every vault has the row from creation (or migration 3)."""
        attempts = self._meta("attempts")
        if (
            isinstance(attempts, dict)
            and type(attempts.get("failures")) is int
            and isinstance(attempts.get("retry_after"), int | float)
            and not isinstance(attempts.get("retry_after"), bool)
        ):
            return attempts
        attempts = {
            "failures": _FREE_ATTEMPTS + int(math.log2(_MAX_DELAY_SECONDS)) + 1,
            "retry_after": self._clock() + _MAX_DELAY_SECONDS,
        }
        self._set_meta("attempts", attempts)
        return attempts

    def unlock(self, passphrase: str) -> None:
        """Wrong passphrases earn a growing wait, so guessing at the app is slow too. An
        unlock whose key derivation took over a second on this device (parameters made on
        a faster one) re-wraps the data key under lighter parameters (`kdf.retuned`), so
        the next unlock here takes about half a second."""
        attempts = self._attempts()
        wait = attempts["retry_after"] - self._clock()
        if wait > 0:
            raise TooManyAttempts(min(wait, _MAX_DELAY_SECONDS))
        header = self.header()
        params = kdf.KdfParams.from_json(header["kdf"])
        label = _WRAP_LABELS[header["format"]][0]
        started = self._timer()
        derived = params.derive(passphrase)
        lighter = kdf.retuned(params, self._timer() - started)
        data_key = sealing.unwrap_key(derived, bytes.fromhex(header["by_passphrase"]), label)
        if data_key is None:
            failures = attempts["failures"] + 1
            delay = 0.0 if failures <= _FREE_ATTEMPTS else 2.0 ** (failures - _FREE_ATTEMPTS)
            retry_after = self._clock() + min(delay, _MAX_DELAY_SECONDS)
            self._set_meta("attempts", {"failures": failures, "retry_after": retry_after})
            raise WrongPassphrase("wrong passphrase")
        if attempts["failures"]:
            self._set_meta("attempts", _NO_FAILURES)
        self._opened_with(data_key)
        if lighter is not None:
            self._wrap_passphrase(passphrase, lighter)

    def unlock_with_recovery(self, words: str) -> None:
        header = self.header()
        secret = recovery.from_words(words)
        kek = _recovery_kek(secret, bytes.fromhex(header["recovery_salt"]))
        label = _WRAP_LABELS[header["format"]][1]
        data_key = sealing.unwrap_key(kek, bytes.fromhex(header["by_recovery"]), label)
        if data_key is None:
            raise WrongRecoveryWords("those recovery words do not open this wallet")
        self._opened_with(data_key)
        self._remember_account(secret)

    def wrap_for_device(self, device_key: bytes) -> bytes:
        """The data key wrapped by a key the platform keystore holds (biometric unlock)."""
        return sealing.wrap_key(device_key, self._key(), "device")

    def unlock_with_device_key(self, device_key: bytes, wrapped: bytes) -> None:
        data_key = sealing.unwrap_key(device_key, wrapped, "device")
        if data_key is None:
            raise WrongPassphrase("the device's key does not open this wallet")
        self._opened_with(data_key)

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
        require_passphrase(new_passphrase)
        self._wrap_passphrase(new_passphrase, kdf_params or kdf.calibrate())

    def _wrap_passphrase(self, passphrase: str, params: kdf.KdfParams) -> None:
        """The data key wrapped anew by `passphrase` under `params`; the failed attempts
        are forgotten with the old wrap."""
        header = self.header()
        header["kdf"] = params.to_json()
        header["by_passphrase"] = sealing.wrap_key(
            params.derive(passphrase), self._key(), _WRAP_LABELS[header["format"]][0]
        ).hex()
        with self.transaction():
            self._set_meta("header", header)
            self._set_meta("attempts", _NO_FAILURES)

    def header(self) -> dict[str, Any]:
        return checked_header(self._meta("header"))

    # --- records ----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all, with the sealed state that
        says what the rows now are (rollback.py). Other threads wait until it ends."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            self._tracker.pending = 0
            state = self._state
            try:
                yield
                if self._tracker.pending:
                    if self._state is None:
                        raise VaultLocked("the wallet is locked")
                    state = rollback.State(
                        self._state.generation + 1, self._state.digest ^ self._tracker.pending
                    )
                    self._set_meta(rollback.STATE_KEY, state.seal(self.key_for("state")))
            except BaseException:
                self._tracker.pending = 0
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
            self._tracker.pending = 0
            self._state = state

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
        """Keep a tombstone (id, kind, a new version) so a delete can sync. It is sealed like
        any record, so no one without the data key can forge or replay one."""
        row = self.db.execute(
            "SELECT kind, version FROM records WHERE id = ? AND deleted = 0", [record_id]
        ).fetchone()
        if row is None:
            raise RecordNotFound(f"no record with id {record_id}")
        self._bury(record_id, row[0], row[1] + 1)

    def _bury(self, record_id: str, kind: str, version: int) -> None:
        self.db.execute(
            "UPDATE records SET deleted = 1, blob = ?, version = ?, updated = ? WHERE id = ?",
            [
                self.seal(record_id, kind, version, TOMBSTONE),
                version,
                int(self._clock() * 1000),
                record_id,
            ],
        )
        self._queue(record_id, kind, version)

    def seal_old_tombstones(self) -> None:
        """Vaults before sealed tombstones kept a delete as a bare row, which other devices
        now refuse; seal each at a new version and queue it, so the delete syncs again."""
        if not self._meta(UNSEALED_TOMBSTONES):
            return
        rows = self.db.execute(
            "SELECT id, kind, version FROM records WHERE deleted = 1 AND blob IS NULL"
        ).fetchall()
        with self.transaction():
            for record_id, kind, version in rows:
                self._bury(record_id, kind, version + 1)
            self.db.execute("DELETE FROM meta WHERE key = ?", [UNSEALED_TOMBSTONES])

    def ids(
        self, kind: str, *, newest_first: bool = True, offset: int = 0, limit: int | None = None
    ) -> list[str]:
        """Ids of one kind by creation; `offset` and `limit` read one page of them (the
        index on kind, deleted, created serves it without touching the rest)."""
        order = "DESC" if newest_first else "ASC"
        rows = self.db.execute(
            f"SELECT id FROM records WHERE kind = ? AND deleted = 0 "
            f"ORDER BY created {order}, rowid {order} LIMIT ? OFFSET ?",
            [kind, -1 if limit is None else limit, offset],
        )
        return [r[0] for r in rows]

    def stored(self) -> Iterator[StoredRecord]:
        """Every record and tombstone, sealed, in a stable order, read a page at a time
        (each statement's rows are read whole: _SharedConnection)."""
        after = ""
        while rows := self.db.execute(
            "SELECT id, kind, version, created, updated, deleted, blob FROM records "
            "WHERE id > ? ORDER BY id LIMIT ?",
            [after, _STORED_PAGE],
        ).fetchall():
            for row in rows:
                yield StoredRecord(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6])
            after = rows[-1][0]

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

    def queue_everything(self) -> None:
        """Put every record and tombstone that may leave this device in the outbox: for a
        sync server that holds none of them yet."""
        self.db.execute(
            f"INSERT INTO outbox (id, version) SELECT id, version FROM records "
            f"WHERE kind NOT IN ({', '.join('?' * len(LOCAL_KINDS))}) ORDER BY rowid "
            "ON CONFLICT(id) DO UPDATE SET version = excluded.version",
            sorted(LOCAL_KINDS),
        )

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

    def local_only(self, record_id: str) -> bool:
        """Whether `record_id` is one of this device's own records, which nothing from
        outside may replace: judged by what the device holds, never by a kind it is told."""
        if record_id in LOCAL_KINDS:
            return True
        row = self.db.execute("SELECT kind FROM records WHERE id = ?", [record_id]).fetchone()
        return row is not None and row[0] in LOCAL_KINDS

    def open_stored(self, record: StoredRecord) -> dict[str, Any]:
        """The payload of a sealed record or tombstone, which must open under our key with
        its id, kind and version, and say deleted exactly when the row does (so a live
        blob cannot pass for a tombstone, nor a tombstone for a record). VaultCorrupt else."""
        if record.blob is None:
            raise VaultCorrupt("a record came without its sealed content")
        payload = self.unseal(record.id, record.kind, record.version, record.blob)
        if (payload == TOMBSTONE) != record.deleted:
            raise VaultCorrupt("a record's deletion does not match what was sealed")
        return payload

    def put_stored(self, record: StoredRecord) -> None:
        """Write a sealed record as it is (restore, sync); it must open under our key. The
        one exception is an old vault's bare tombstone (deleted, no blob), which only a
        backup carries, under its MAC; sync refuses it (`open_stored`)."""
        if not (record.deleted and record.blob is None):
            self.open_stored(record)
        self.db.execute(
            "INSERT OR REPLACE INTO records (id, kind, version, created, updated, deleted, blob) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            record.row(),
        )

    # --- plaintext metadata -----------------------------------------------------------------

    def meta(self, key: str) -> Any:
        """A metadata value (the card index keeps its sealed root here)."""
        return self._meta(key)

    def set_meta(self, key: str, value: Any) -> None:
        self._set_meta(key, value)

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
