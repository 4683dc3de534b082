"""Server storage in plain SQL: SQLite by default, PostgreSQL through a URL.

Everything is keyed by account and every operation touches one account inside one
transaction, so it also runs on sharded engines (Citus, CockroachDB, YugabyteDB) with
the account as the distribution key (docs/scaling.md). Records are opaque sealed blobs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wallet.services.sync_protocol import rank
from wallet.store.vault import StoredRecord


class StorageError(Exception):
    pass


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
        else:
            raise StorageError(
                f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://…"
            )
        try:
            self._create_schema()
        except (sqlite3.Error, OSError) as error:
            raise StorageError(f"cannot open the server database: {error}") from None

    def _create_schema(self) -> None:
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
            import psycopg

            connection: Any = psycopg.connect(self.url)
        else:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("BEGIN IMMEDIATE")
        try:
            yield _Connection(connection, self.postgres)
            connection.commit() if self.postgres else connection.execute("COMMIT")
        except BaseException:
            connection.rollback() if self.postgres else connection.execute("ROLLBACK")
            raise
        finally:
            connection.close()

    # --- devices and replay protection ------------------------------------------------------

    def register(self, account: str, device: str) -> None:
        with self._transaction() as db:
            owner = db.execute("SELECT account FROM devices WHERE did = ?", [device]).fetchone()
            if owner is not None and owner[0] != account:
                raise StorageError("this device belongs to another account")
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

    def first_use(self, device: str, nonce: str, now: int, window: int) -> bool:
        """False when this device already used this nonce: a replayed request."""
        with self._transaction() as db:
            db.execute("DELETE FROM nonces WHERE device = ? AND expires < ?", [device, now])
            cursor = db.execute(
                "INSERT INTO nonces (device, nonce, expires) VALUES (?, ?, ?) ON CONFLICT (device, nonce) DO NOTHING",
                [device, nonce, now + 2 * window],
            )
            return cursor.rowcount == 1

    # --- the wallet header (wrapped keys only) ----------------------------------------------

    def put_header(self, account: str, header: bytes) -> None:
        with self._transaction() as db:
            db.execute("UPDATE accounts SET header = ? WHERE id = ?", [header, account])

    def header(self, account: str) -> bytes | None:
        with self._transaction() as db:
            row = db.execute("SELECT header FROM accounts WHERE id = ?", [account]).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    # --- records ----------------------------------------------------------------------------

    def push(self, account: str, records: list[StoredRecord], origin: str) -> int:
        """Keep each record unless the server holds a higher-ranked version; a retried batch
        changes nothing. `origin` is the device that sent it. Returns how many changed."""
        changed = 0
        with self._transaction() as db:
            # one writer per account at a time (a row lock on PostgreSQL; SQLite already
            # holds its write lock), so the rank check and the write cannot interleave
            db.execute("UPDATE accounts SET seq = seq WHERE id = ?", [account])
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
        return changed

    def pull(
        self, account: str, after: int, limit: int, reader: str
    ) -> tuple[list[StoredRecord], int, bool]:
        """Records changed after `after`, except those the reader itself wrote last: it has
        them already. The cursor still moves past them."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, kind, version, created, updated, deleted, blob, seq, origin "
                "FROM records WHERE account = ? AND seq > ? ORDER BY seq LIMIT ?",
                [account, after, limit + 1],
            ).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        records = [
            StoredRecord(r[0], r[1], r[2], r[3], r[4], bool(r[5]), _bytes(r[6]))
            for r in rows
            if r[8] != reader
        ]
        return records, (rows[-1][7] if rows else after), more

    def cursor(self, account: str, seq: int) -> str:
        mac = hmac.new(self._cursor_key, f"{account}:{seq}".encode(), hashlib.sha256).hexdigest()[
            :16
        ]
        return f"{seq}.{mac}"

    def seq_of(self, account: str, cursor: str) -> int:
        if not cursor:
            return 0
        seq_text = cursor.partition(".")[0]
        if not seq_text.isdigit() or not hmac.compare_digest(
            self.cursor(account, int(seq_text)), cursor
        ):
            raise StorageError("this cursor does not belong to your account")
        return int(seq_text)


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
