"""Schema migrations, tracked in `PRAGMA user_version`. Each runs once, in a transaction.

sqlite-utils declares the tables; it is imported only when a migration has to run (a new
or older wallet), since importing it costs more than opening a wallet (it brings numpy
along where numpy is installed) and an up-to-date wallet needs none of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def _v1(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("records").create(
        {
            "id": str,
            "kind": str,
            "version": int,
            "created": int,
            "updated": int,
            "deleted": int,
            "blob": bytes,
        },
        pk="id",
        not_null={"kind", "version", "created", "updated", "deleted"},
        defaults={"deleted": 0},
    )
    db.table("records").create_index(["kind", "deleted", "created"])
    db.table("index_pages").create({"page": int, "count": int, "blob": bytes}, pk="page")
    db.table("index_members").create({"id": str, "page": int}, pk="id")
    db.table("index_members").create_index(["page"])


def _v2(db: sqlite_utils.Database) -> None:
    # records changed here and not yet accepted by the sync server
    db.table("outbox").create({"id": str, "version": int}, pk="id")


def _v3(db: sqlite_utils.Database) -> None:
    # index pages carry the vault generation they were sealed at (card_index.py); pages
    # sealed before carry 1, the version their associated data already names
    db.execute("ALTER TABLE index_pages ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
    # a missing back-off row now means the longest wait (vault.py), so give every
    # existing wallet its row; a new one writes it with its header
    db.execute(
        "INSERT INTO meta (key, value) SELECT 'attempts', ? WHERE EXISTS "
        "(SELECT 1 FROM meta WHERE key = 'header') "
        "AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'attempts')",
        ['{"failures": 0, "retry_after": 0.0}'],
    )


UNSEALED_TOMBSTONES = "unsealed-tombstones"  # a meta key: Vault.seal_old_tombstones has work


def _v4(db: sqlite_utils.Database) -> None:
    # Tombstones are sealed now (their blob seals vault.TOMBSTONE). Older ones are bare rows,
    # which need the data key to seal, so the vault does it once unlocked; here we only
    # note whether there is any such work.
    if db.execute("SELECT 1 FROM records WHERE deleted = 1 AND blob IS NULL").fetchone():
        db.execute("INSERT INTO meta (key, value) VALUES (?, 'true')", [UNSEALED_TOMBSTONES])


LEGACY_CHECKS = "legacy-checks"  # a meta key: services/legacy_checks.py has work


def _v5(db: sqlite_utils.Database) -> None:
    # Checks are codes and params now; verifications stored before hold English sentences,
    # which only an unlocked vault can read and rewrite (services/legacy_checks.py)
    if db.execute("SELECT 1 FROM records WHERE kind = 'verification' AND deleted = 0").fetchone():
        db.execute("INSERT INTO meta (key, value) VALUES (?, 'true')", [LEGACY_CHECKS])


def _v6(db: sqlite_utils.Database) -> None:
    # the card index's sorted pages (card_index.py), one sequence per order; which page
    # belongs to which order, and where, is sealed in the index root. An older wallet's
    # orders are built from its card pages the first time the index is used unlocked.
    db.execute(
        "CREATE TABLE IF NOT EXISTS index_order_pages "
        "(page INTEGER PRIMARY KEY, version INTEGER NOT NULL, blob BLOB NOT NULL)"
    )


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2, _v3, _v4, _v5, _v6]


def migrate(connection: sqlite3.Connection) -> None:
    current = connection.execute("PRAGMA user_version").fetchone()[0]
    if current >= len(MIGRATIONS):
        return
    import sqlite_utils

    db = sqlite_utils.Database(connection)
    for number, step in enumerate(MIGRATIONS[current:], start=current + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
