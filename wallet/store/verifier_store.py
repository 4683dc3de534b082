"""What a verifier remembers between scans: presentations already seen (replay cache) and
the issuers it trusts. No credential content is kept, only digests and public DIDs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from wallet.store.errors import VaultCorrupt

DATABASE_NAME = "verifier.db"
REPLAY_WINDOW_SECONDS = 24 * 3600


class VerifierStore:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite_utils.Database(
                sqlite3.connect(directory / DATABASE_NAME, isolation_level=None)
            )
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db["seen"].create(
                {"digest": str, "seen_at": float, "expires": float}, pk="digest", if_not_exists=True
            )
            self.db["trusted_issuers"].create(
                {"did": str, "name": str}, pk="did", if_not_exists=True
            )
        except sqlite3.DatabaseError as exc:
            raise VaultCorrupt(f"{DATABASE_NAME} is not a readable verifier database") from exc

    def first_seen(self, digest: str, now: float) -> float | None:
        """Record a presentation; returns when it was first seen if this is a replay."""
        self.db.execute("DELETE FROM seen WHERE expires < ?", [now])
        row = self.db.execute("SELECT seen_at FROM seen WHERE digest = ?", [digest]).fetchone()
        if row is not None:
            return row[0]
        self.db.execute(
            "INSERT INTO seen (digest, seen_at, expires) VALUES (?, ?, ?)",
            [digest, now, now + REPLAY_WINDOW_SECONDS],
        )
        return None

    def trust(self, did: str, name: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO trusted_issuers (did, name) VALUES (?, ?)", [did, name]
        )

    def trusted_name(self, did: str) -> str | None:
        row = self.db.execute("SELECT name FROM trusted_issuers WHERE did = ?", [did]).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self.db.conn.close()
