"""What a verifier remembers between scans: presentations already seen (replay cache) and
the issuers it trusts, by hand or through pinned trust bundles. No credential content is
kept, only digests, public DIDs and the bundles' public trust data."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from wallet.store.errors import VaultCorrupt

DATABASE_NAME = "verifier.db"
REPLAY_WINDOW_SECONDS = 24 * 3600
_TABLES = {
    "seen": '"digest" TEXT PRIMARY KEY, "seen_at" REAL, "expires" REAL',
    "trusted_issuers": '"did" TEXT PRIMARY KEY, "name" TEXT',
    "trust_bundles": '"publisher" TEXT PRIMARY KEY, "document" TEXT',
}


class VerifierStore:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(directory / DATABASE_NAME, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            for table, columns in _TABLES.items():  # as sqlite-utils first declared them
                self.db.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({columns})')
        except sqlite3.DatabaseError as exc:
            raise VaultCorrupt(f"{DATABASE_NAME} is not a readable verifier database") from exc

    def first_seen_any(self, digests: list[str], now: float) -> float | None:
        """Record a presentation by the digests of what its proofs sign; returns when one of
        them was first seen if this is a replay."""
        self.db.execute("DELETE FROM seen WHERE expires < ?", [now])
        marks = ",".join("?" * len(digests))
        row = self.db.execute(
            f"SELECT MIN(seen_at) FROM seen WHERE digest IN ({marks})", digests
        ).fetchone()
        self.db.executemany(
            "INSERT OR IGNORE INTO seen (digest, seen_at, expires) VALUES (?, ?, ?)",
            [(digest, now, now + REPLAY_WINDOW_SECONDS) for digest in digests],
        )
        return row[0] if row else None

    def trust(self, did: str, name: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO trusted_issuers (did, name) VALUES (?, ?)", [did, name]
        )

    def trusted_name(self, did: str) -> str | None:
        row = self.db.execute("SELECT name FROM trusted_issuers WHERE did = ?", [did]).fetchone()
        return row[0] if row else None

    def trusted_issuers(self) -> list[tuple[str, str]]:
        """(did, name) of each issuer trusted by hand, by name."""
        rows = self.db.execute("SELECT did, name FROM trusted_issuers ORDER BY name, did")
        return [(did, name) for did, name in rows.fetchall()]

    def distrust(self, did: str) -> None:
        self.db.execute("DELETE FROM trusted_issuers WHERE did = ?", [did])

    def bundles(self) -> list[dict[str, Any]]:
        """The trust bundles this verifier pinned, each already verified when it was saved."""
        rows = self.db.execute("SELECT document FROM trust_bundles ORDER BY publisher").fetchall()
        return [json.loads(row[0]) for row in rows]

    def save_bundle(self, document: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO trust_bundles (publisher, document) VALUES (?, ?)",
            [document["header"]["publisher"], json.dumps(document, separators=(",", ":"))],
        )

    def close(self) -> None:
        self.db.close()
