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
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wallet.services import issuance_log
from wallet.services.sync_protocol import rank
from wallet.store.vault import StoredRecord
from wallet.vc import jcs, trust_bundle


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

    # --- issuance logs (one chain per trainer key) -------------------------------------------

    def append_log(self, trainer: str, entries: list[dict[str, Any]]) -> int:
        """Add what extends the held chain; entries already held are skipped if identical
        (a retried upload), and anything else raises LogBroken at its position."""
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
            fresh = []
            for entry in entries:
                seq = entry.get("seq") if isinstance(entry, dict) else None
                if isinstance(seq, int) and seq in held and not fresh:
                    if not hmac.compare_digest(held[seq], jcs.digest(entry)):
                        raise issuance_log.LogBroken(seq, "it differs from the entry already held")
                    continue
                fresh.append(entry)
            issuance_log.check_continues(trainer, head, fresh)
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

    def put_bundle(self, publisher: str, bundle: dict[str, Any]) -> int:
        """Keep a newer full bundle, verified against its publisher's key; returns its
        sequence. Older versions keep their entry hashes so updates can be deltas."""
        checked = trust_bundle.apply(None, bundle, publisher)
        sequence = checked["header"]["sequence"]
        with self._transaction() as db:
            row = db.execute(
                "SELECT max(sequence) FROM bundles WHERE publisher = ?", [publisher]
            ).fetchone()
            if row[0] is not None and sequence <= row[0]:
                raise StorageError(f"the server already holds bundle {row[0]} from {publisher}")
            db.execute(
                "INSERT INTO bundles (publisher, sequence, body, hashes) VALUES (?, ?, ?, ?)",
                [
                    publisher,
                    sequence,
                    json.dumps(checked, separators=(",", ":")),
                    json.dumps(trust_bundle.hashes(checked["entries"])),
                ],
            )
            db.execute(  # the newest holds the entries; the others need only their hashes
                "UPDATE bundles SET body = '' WHERE publisher = ? AND sequence < ?",
                [publisher, sequence],
            )
        return sequence

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
            old = db.execute(
                "SELECT hashes FROM bundles WHERE publisher = ? AND sequence = ?",
                [publisher, since if since is not None else -1],
            ).fetchone()
        bundle = json.loads(newest[1])
        if old is None:
            return bundle
        return trust_bundle.delta(json.loads(old[0]), bundle, since)


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
