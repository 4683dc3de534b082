"""Server storage in plain SQL: SQLite by default, PostgreSQL through a URL.

Everything is keyed by account (issuance logs by trainer, trust bundles by publisher) and
every operation touches one key inside one transaction, so it also runs on sharded engines
(Citus, CockroachDB, YugabyteDB) with that key as the distribution key (docs/scaling.md).
Records are opaque sealed blobs; log entries carry their payload sealed to the organisation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wallet.protocol import issuance_log
from wallet.protocol import sync as protocol
from wallet.protocol.sync import rank
from wallet.server.limits import DEFAULT, Limits, Rate
from wallet.store.vault import StoredRecord
from wallet.vc import jcs, trust_bundle


class StorageError(Exception):
    pass


class QuotaExceeded(StorageError):
    """An account, log or bundle series is full; `code` names which quota."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class RateLimited(StorageError):
    def __init__(self, retry_after: float) -> None:
        super().__init__("too many requests; retry later")
        self.retry_after = retry_after


class Replayed(StorageError):
    pass


_CURSOR = re.compile(r"([0-9]{1,18})\.[0-9a-f]{16}")
_POOL_SIZE = 10  # PostgreSQL connections per process, kept open between requests
_SCHEMA_ATTEMPTS = 10
_SWEEP_BATCH = 10_000  # rows a sweep deletes per transaction on PostgreSQL


def _lost_schema_race(error: Exception) -> bool:
    import psycopg.errors

    return isinstance(
        error,
        psycopg.errors.UniqueViolation
        | psycopg.errors.DuplicateTable
        | psycopg.errors.DuplicateObject,
    )


def _schema(blob: str) -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, seq BIGINT NOT NULL, header {blob})",
        "CREATE TABLE IF NOT EXISTS devices (did TEXT PRIMARY KEY, account TEXT NOT NULL)",
        (
            "CREATE TABLE IF NOT EXISTS records (account TEXT NOT NULL, id TEXT NOT NULL, "
            "kind TEXT NOT NULL, version BIGINT NOT NULL, created BIGINT NOT NULL, "
            f"updated BIGINT NOT NULL, deleted SMALLINT NOT NULL, blob {blob}, seq BIGINT NOT NULL, "
            "origin TEXT NOT NULL, PRIMARY KEY (account, id))"
        ),
        "CREATE INDEX IF NOT EXISTS records_by_seq ON records (account, seq)",
        (
            "CREATE TABLE IF NOT EXISTS nonces (device TEXT NOT NULL, nonce TEXT NOT NULL, "
            "expires BIGINT NOT NULL, PRIMARY KEY (device, nonce))"
        ),
        "CREATE INDEX IF NOT EXISTS nonces_by_expiry ON nonces (expires)",
        (  # token buckets shared by every process on this database; full_at: when it refills
            "CREATE TABLE IF NOT EXISTS rate_buckets (key TEXT PRIMARY KEY, "
            "tokens DOUBLE PRECISION NOT NULL, updated DOUBLE PRECISION NOT NULL, "
            "full_at DOUBLE PRECISION NOT NULL)"
        ),
        "CREATE INDEX IF NOT EXISTS rate_buckets_by_full_at ON rate_buckets (full_at)",
        (  # what each account holds, for its quotas; counted from records when missing
            "CREATE TABLE IF NOT EXISTS account_usage (account TEXT PRIMARY KEY, "
            "records BIGINT NOT NULL, bytes BIGINT NOT NULL)"
        ),
        (
            "CREATE TABLE IF NOT EXISTS issuance_logs (trainer TEXT NOT NULL, seq BIGINT NOT NULL, "
            "hash TEXT NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (trainer, seq))"
        ),
        (
            "CREATE TABLE IF NOT EXISTS bundles (publisher TEXT NOT NULL, sequence BIGINT NOT NULL, "
            "body TEXT NOT NULL, hashes TEXT NOT NULL, PRIMARY KEY (publisher, sequence))"
        ),
    ]


class ServerStore:
    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            self.path = Path(url[len("sqlite:///") :])
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.postgres = False
        elif url.startswith(("postgresql://", "postgres://")):
            self.postgres = True
            self._idle: list[Any] = []
            self._pool_lock = threading.Lock()
            self._in_use = threading.BoundedSemaphore(_POOL_SIZE)
        else:
            raise StorageError(
                f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://…"
            )
        try:
            self._create_schema()
        except (sqlite3.Error, OSError) as error:
            raise StorageError(f"cannot open the server database: {error}") from None

    def _create_schema(self) -> None:
        """Several processes starting on one new PostgreSQL database race to create the
        tables, and `CREATE TABLE IF NOT EXISTS` is not atomic there: the losers retry."""
        for attempt in range(_SCHEMA_ATTEMPTS):
            try:
                return self._try_create_schema()
            except Exception as error:
                if not (self.postgres and _lost_schema_race(error)):
                    raise
                if attempt == _SCHEMA_ATTEMPTS - 1:
                    raise StorageError(f"cannot create the server tables: {error}") from None
                time.sleep(0.05 * (attempt + 1))

    def _try_create_schema(self) -> None:
        with self._transaction() as db:
            for statement in _schema("BYTEA" if self.postgres else "BLOB"):
                db.execute(statement)
            row = db.execute("SELECT value FROM server_meta WHERE key = 'cursor-key'").fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO server_meta (key, value) VALUES ('cursor-key', ?) ON CONFLICT (key) DO NOTHING",
                    [secrets.token_hex(32)],
                )
        with self._transaction() as db:
            self._cursor_key = bytes.fromhex(
                db.execute("SELECT value FROM server_meta WHERE key = 'cursor-key'").fetchone()[0]
            )

    @contextmanager
    def _transaction(self) -> Iterator[_Connection]:
        if self.postgres:
            connection = self._pg_connection()
        else:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("BEGIN IMMEDIATE")
        reusable = False  # once committed or rolled back cleanly
        try:
            yield _Connection(connection, self.postgres)
            connection.commit() if self.postgres else connection.execute("COMMIT")
            reusable = True
        except BaseException:
            connection.rollback() if self.postgres else connection.execute("ROLLBACK")
            reusable = True
            raise
        finally:
            self._release(connection, reusable) if self.postgres else connection.close()

    def _pg_connection(self) -> Any:
        """An idle connection of this process, or a new one: a request costs a round trip,
        not a PostgreSQL backend start. At most _POOL_SIZE at once per process, so several
        processes stay within the server's max_connections (100 by default)."""
        self._in_use.acquire()
        try:
            with self._pool_lock:
                if self._idle:
                    return self._idle.pop()
            import psycopg

            return psycopg.connect(self.url)
        except BaseException:
            self._in_use.release()
            raise

    def _release(self, connection: Any, reusable: bool) -> None:
        try:
            with self._pool_lock:
                if reusable and not connection.closed:
                    self._idle.append(connection)
                    return
            connection.close()
        finally:
            self._in_use.release()

    # --- devices and replay protection ------------------------------------------------------

    def register(self, account: str, device: str, limits: Limits = DEFAULT) -> None:
        with self._transaction() as db:
            owner = db.execute("SELECT account FROM devices WHERE did = ?", [device]).fetchone()
            if owner is not None and owner[0] != account:
                raise StorageError("this device belongs to another account")
            if owner is None:
                (devices,) = db.execute(
                    "SELECT count(*) FROM devices WHERE account = ?", [account]
                ).fetchone()
                if devices >= limits.max_devices_per_account:
                    raise QuotaExceeded(
                        "quota-devices",
                        f"an account holds at most {limits.max_devices_per_account} devices",
                    )
            db.execute(
                "INSERT INTO accounts (id, seq) VALUES (?, 0) ON CONFLICT (id) DO NOTHING",
                [account],
            )
            db.execute(
                "INSERT INTO devices (did, account) VALUES (?, ?) ON CONFLICT (did) DO NOTHING",
                [device, account],
            )

    def account_of(self, device: str) -> str | None:
        with self._transaction() as db:
            row = db.execute("SELECT account FROM devices WHERE did = ?", [device]).fetchone()
        return row[0] if row else None

    def admit(
        self,
        device: str,
        nonce: str,
        now: float,
        window: int,
        buckets: list[tuple[str, Rate]],
        *,
        registered: bool = True,
    ) -> str | None:
        """The device's account, once a request whose signature verified may proceed: the
        device is registered (unless `registered` is False), each bucket has a token, and
        the nonce is new. A request that fails a check stores nothing, so a flood of
        unregistered or refused requests leaves no nonces (one transaction, every process).
        Raises RateLimited or Replayed; None means an unregistered device."""
        with self._transaction() as db:
            row = db.execute("SELECT account FROM devices WHERE did = ?", [device]).fetchone()
            if registered and row is None:
                return None
            self._take(db, buckets, now)
            cursor = db.execute(
                "INSERT INTO nonces (device, nonce, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (device, nonce) DO NOTHING",
                [device, nonce, int(now) + 2 * window],
            )
            if cursor.rowcount != 1:
                raise Replayed("this request was already received")
        return row[0] if row else None

    def take(self, buckets: list[tuple[str, Rate]], now: float) -> None:
        """A token from each bucket, or RateLimited (for requests no device signs)."""
        with self._transaction() as db:
            self._take(db, buckets, now)

    def _take(self, db: _Connection, buckets: list[tuple[str, Rate]], now: float) -> None:
        wait = 0.0
        for key, rate in sorted(buckets, key=lambda bucket: bucket[0]):  # one lock order
            # creates the bucket or locks the held one (a no-op update) and reads it, in one
            # statement: a sweep deleting it in between cannot leave nothing to read
            tokens, updated = db.execute(
                "INSERT INTO rate_buckets (key, tokens, updated, full_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET tokens = rate_buckets.tokens "
                "RETURNING tokens, updated",
                [key, rate.burst, now, now],
            ).fetchone()
            tokens = min(rate.burst, tokens + max(0.0, now - updated) * rate.per_second) - 1
            if tokens < 0:
                wait = max(wait, -tokens / rate.per_second)
            updated = max(updated, now)  # a process whose clock is behind refills nothing
            db.execute(
                "UPDATE rate_buckets SET tokens = ?, updated = ?, full_at = ? WHERE key = ?",
                [tokens, updated, updated + (rate.burst - tokens) / rate.per_second, key],
            )
        if wait:  # rolled back: a refused request takes nothing, and refilling is lazy
            raise RateLimited(wait)

    def sweep(self, now: float) -> None:
        """Forget every device's expired nonces and every bucket that has refilled. On
        PostgreSQL rows another transaction holds are skipped (SKIP LOCKED), so processes
        sweeping at once, or a request using a bucket, never wait on or deadlock a sweep."""
        for table, column, threshold in (
            ("nonces", "expires", int(now)),
            ("rate_buckets", "full_at", now),
        ):
            keys = "device, nonce" if table == "nonces" else "key"
            while True:
                with self._transaction() as db:
                    if self.postgres:
                        deleted = db.execute(
                            f"DELETE FROM {table} WHERE ({keys}) IN (SELECT {keys} FROM {table} "
                            f"WHERE {column} < ? LIMIT ? FOR UPDATE SKIP LOCKED)",
                            [threshold, _SWEEP_BATCH],
                        ).rowcount
                    else:
                        deleted = db.execute(
                            f"DELETE FROM {table} WHERE {column} < ?", [threshold]
                        ).rowcount
                if deleted < _SWEEP_BATCH:
                    break

    # --- the wallet header (wrapped keys only) ----------------------------------------------

    def put_header(self, account: str, header: bytes) -> None:
        with self._transaction() as db:
            db.execute("UPDATE accounts SET header = ? WHERE id = ?", [header, account])

    def header(self, account: str) -> bytes | None:
        with self._transaction() as db:
            row = db.execute("SELECT header FROM accounts WHERE id = ?", [account]).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    # --- records ----------------------------------------------------------------------------

    def push(
        self, account: str, records: list[StoredRecord], origin: str, limits: Limits = DEFAULT
    ) -> int:
        """Keep each record unless the server holds a higher-ranked version; a retried batch
        changes nothing. `origin` is the device that sent it. Returns how many changed.
        A batch that would take the account past its quotas is refused whole."""
        changed = 0
        with self._transaction() as db:
            # one writer per account at a time (a row lock on PostgreSQL; SQLite already
            # holds its write lock), so the rank check and the write cannot interleave
            db.execute("UPDATE accounts SET seq = seq WHERE id = ?", [account])
            count, size = self._usage(db, account)
            for record in records:
                existing = db.execute(
                    "SELECT version, updated, blob FROM records WHERE account = ? AND id = ?",
                    [account, record.id],
                ).fetchone()
                if existing is not None:
                    version, updated, blob = existing
                    held = StoredRecord(
                        record.id, record.kind, version, 0, updated, False, _bytes(blob)
                    )
                    if rank(held) >= rank(record):
                        continue
                    size -= len(blob or b"")
                else:
                    count += 1
                size += len(record.blob or b"")
                seq = db.execute(
                    "UPDATE accounts SET seq = seq + 1 WHERE id = ? RETURNING seq", [account]
                ).fetchone()[0]
                db.execute(
                    "INSERT INTO records (account, id, kind, version, created, updated, deleted, "
                    "blob, seq, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (account, id) DO UPDATE SET kind = excluded.kind, "
                    "version = excluded.version, created = excluded.created, "
                    "updated = excluded.updated, deleted = excluded.deleted, blob = excluded.blob, "
                    "seq = excluded.seq, origin = excluded.origin",
                    [account, *record.row(), seq, origin],
                )
                changed += 1
            _within_account_quota(count, size, limits)
            db.execute(
                "UPDATE account_usage SET records = ?, bytes = ? WHERE account = ?",
                [count, size, account],
            )
        return changed

    @staticmethod
    def _usage(db: _Connection, account: str) -> tuple[int, int]:
        """(records, bytes) the account holds; counted once from its records when a
        database from before quotas has no row yet."""
        row = db.execute(
            "SELECT records, bytes FROM account_usage WHERE account = ?", [account]
        ).fetchone()
        if row is not None:
            return row[0], row[1]
        count, size = db.execute(
            "SELECT count(*), coalesce(sum(length(blob)), 0) FROM records WHERE account = ?",
            [account],
        ).fetchone()
        db.execute(
            "INSERT INTO account_usage (account, records, bytes) VALUES (?, ?, ?)",
            [account, count, size],
        )
        return count, int(size)

    def pull(
        self,
        account: str,
        after: int,
        limit: int,
        reader: str,
        max_bytes: int = protocol.BATCH_BYTES,
    ) -> tuple[list[StoredRecord], int, bool]:
        """Records changed after `after`, except those the reader itself wrote last (it has
        them already), at most `limit` of them and `max_bytes` of rows (one at least). The
        query skips the reader's own, so a device that just pushed 5,000 records is not
        walked back through them a batch at a time; the cursor still moves past them."""
        with self._transaction() as db:
            # Read first: every record numbered up to it has committed, since pushes to an
            # account take its row in turn (PostgreSQL reads each statement's committed rows).
            row = db.execute("SELECT seq FROM accounts WHERE id = ?", [account]).fetchone()
            newest = row[0] if row else after
            rows = db.execute(
                "SELECT id, kind, version, created, updated, deleted, blob, seq "
                "FROM records WHERE account = ? AND seq > ? AND seq <= ? AND origin <> ? "
                "ORDER BY seq LIMIT ?",
                [account, after, newest, reader, limit + 1],
            ).fetchall()
        found = [StoredRecord(r[0], r[1], r[2], r[3], r[4], bool(r[5]), _bytes(r[6])) for r in rows]
        batch = next(protocol.batches(found[:limit], max_bytes), [])
        more = len(batch) < len(found)
        return batch, (rows[len(batch) - 1][7] if more else max(newest, after)), more

    def cursor(self, account: str, seq: int) -> str:
        mac = hmac.new(self._cursor_key, f"{account}:{seq}".encode(), hashlib.sha256).hexdigest()[
            :16
        ]
        return f"{seq}.{mac}"

    def seq_of(self, account: str, cursor: str) -> int:
        if not cursor:
            return 0
        found = _CURSOR.fullmatch(cursor)  # ASCII first: compare_digest refuses other text
        if found is None or not hmac.compare_digest(self.cursor(account, int(found[1])), cursor):
            raise StorageError("this cursor does not belong to your account")
        return int(found[1])

    # --- issuance logs (one chain per trainer key) -------------------------------------------

    def append_log(
        self, trainer: str, entries: list[dict[str, Any]], limits: Limits = DEFAULT
    ) -> int:
        """Add what extends the held chain; entries already held are skipped if identical
        (a retried upload), and anything else raises LogBroken at its position. A chain
        numbers its entries from 1, so the newest number is the log's length."""
        seqs = [  # what a held entry's number can be; anything else is a break, found below
            e["seq"]
            for e in entries
            if isinstance(e, dict) and isinstance(e.get("seq"), int) and 0 < e["seq"] < 2**53
        ]
        with self._transaction() as db:
            newest = db.execute(
                "SELECT entry FROM issuance_logs WHERE trainer = ? ORDER BY seq DESC LIMIT 1",
                [trainer],
            ).fetchone()
            head = json.loads(newest[0]) if newest else None
            held = {  # only this batch's range: an upload costs the batch, not the whole log
                seq: digest
                for seq, digest in db.execute(
                    "SELECT seq, hash FROM issuance_logs WHERE trainer = ? AND seq BETWEEN ? AND ?",
                    [trainer, min(seqs, default=0), max(seqs, default=0)],
                ).fetchall()
            }
            fresh: list[dict[str, Any]] = []
            for entry in entries:
                seq = entry.get("seq") if isinstance(entry, dict) else None
                if isinstance(seq, int) and seq in held and not fresh:
                    if not hmac.compare_digest(held[seq], jcs.digest(entry)):
                        raise issuance_log.LogBroken(seq, "it differs from the entry already held")
                    continue
                fresh.append(entry)
            issuance_log.check_continues(trainer, head, fresh)
            if fresh and fresh[-1]["seq"] > limits.max_log_entries:
                raise QuotaExceeded(
                    "quota-log", f"a trainer's log holds at most {limits.max_log_entries:,} entries"
                )
            for entry in fresh:
                db.execute(
                    "INSERT INTO issuance_logs (trainer, seq, hash, entry) VALUES (?, ?, ?, ?)",
                    [trainer, entry["seq"], jcs.digest(entry), json.dumps(entry)],
                )
        return len(fresh)

    def log_entries(self, trainer: str, after: int, limit: int) -> list[dict[str, Any]]:
        with self._transaction() as db:
            rows = db.execute(
                "SELECT entry FROM issuance_logs WHERE trainer = ? AND seq > ? ORDER BY seq LIMIT ?",
                [trainer, after, limit],
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    # --- trust bundles (one series per publisher) -------------------------------------------

    def put_bundle(self, publisher: str, bundle: dict[str, Any], limits: Limits = DEFAULT) -> int:
        """Keep a newer full bundle, verified against its publisher's key; returns its
        sequence. Older versions keep their entry hashes so updates can be deltas."""
        checked = trust_bundle.apply(None, bundle, publisher)
        sequence = checked["header"]["sequence"]
        body = json.dumps(checked, separators=(",", ":"))
        hashes = json.dumps(trust_bundle.hashes(checked["entries"]))
        with self._transaction() as db:
            newest, versions, held = db.execute(
                "SELECT max(sequence), count(*), coalesce(sum(length(hashes)), 0) "
                "FROM bundles WHERE publisher = ?",
                [publisher],
            ).fetchone()
            if newest is not None and sequence <= newest:
                raise StorageError(f"the server already holds bundle {newest} from {publisher}")
            if versions >= limits.max_bundle_versions:
                raise QuotaExceeded(
                    "quota-bundle-versions",
                    f"a publisher's series holds at most {limits.max_bundle_versions:,} versions",
                )
            if held + len(hashes) + len(body) > limits.max_bundle_series_bytes:
                raise QuotaExceeded(
                    "quota-bundle-bytes",
                    f"a publisher's series holds at most {limits.max_bundle_series_bytes:,} bytes",
                )
            db.execute(
                "INSERT INTO bundles (publisher, sequence, body, hashes) VALUES (?, ?, ?, ?)",
                [publisher, sequence, body, hashes],
            )
            db.execute(  # the newest holds the entries; the others need only their hashes
                "UPDATE bundles SET body = '' WHERE publisher = ? AND sequence < ?",
                [publisher, sequence],
            )
        return sequence

    def newest_bundle(self, publisher: str) -> int | None:
        """The sequence of the newest bundle held, to refuse a stale one before its body."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT max(sequence) FROM bundles WHERE publisher = ?", [publisher]
            ).fetchone()
        return row[0]

    def bundle_since(self, publisher: str, since: int | None) -> dict[str, Any] | int | None:
        """The newest bundle as an update from `since` when the server still has that
        version's hashes, else whole; its sequence alone when `since` is already newest;
        None when the publisher has none."""
        with self._transaction() as db:
            newest = db.execute(
                "SELECT sequence, body FROM bundles WHERE publisher = ? ORDER BY sequence DESC LIMIT 1",
                [publisher],
            ).fetchone()
            if newest is None:
                return None
            if since == newest[0]:
                return since
            old = None
            if since is not None:
                old = db.execute(
                    "SELECT hashes FROM bundles WHERE publisher = ? AND sequence = ?",
                    [publisher, since],
                ).fetchone()
        bundle = json.loads(newest[1])
        if since is None or old is None:
            return bundle
        return trust_bundle.delta(json.loads(old[0]), bundle, since)


def _within_account_quota(count: int, size: int, limits: Limits) -> None:
    if count > limits.max_records_per_account:
        raise QuotaExceeded(
            "quota-records",
            f"an account holds at most {limits.max_records_per_account:,} records",
        )
    if size > limits.max_record_bytes_per_account:
        raise QuotaExceeded(
            "quota-bytes",
            f"an account holds at most {limits.max_record_bytes_per_account:,} bytes of records",
        )


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)  # PostgreSQL returns memoryview


class _Connection:
    """DB-API connection with `?` placeholders on both engines."""

    def __init__(self, connection: Any, postgres: bool) -> None:
        self._connection = connection
        self._postgres = postgres

    def execute(self, sql: str, params: list[Any] | None = None) -> Any:
        if self._postgres:
            sql = sql.replace("?", "%s")
        return self._connection.execute(sql, params or [])
