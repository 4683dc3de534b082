"""Catching a rolled-back record: a sealed digest of what every row must be now.

An attacker holding the vault file (a stolen phone's storage, a copy) cannot forge a
record, but can put back an older sealed copy of one: an earlier version of a setting, a
key, a credential together with its index page. Each of those still opens under the data
key. So the vault keeps one sealed `state` in meta: a generation counter and a digest over
every row's (id, kind, version, update time, tombstone) and every index page's (page,
version). The digest is a XOR of keyed BLAKE2b values under a subkey of the data key (a
keyed set hash): without the key no one can tell which other set of rows has the same
digest, and the XOR lets each change adjust it without reading the others.

Keeping it current touches no write path: temporary triggers (they live in this connection
only, never in the file) report each row written or removed to `Tracker.touch`, and
`Vault.transaction` seals the new digest into meta in the same transaction, just before
COMMIT. Unlocking recomputes the digest from the plaintext columns (one pass, no record
is decrypted) and compares it with the sealed one.

What one file cannot catch: the whole file put back to an earlier copy (state and rows
together). A vault whose header is format 2 must have a state; an older vault gets one on
its first unlock (trust on first use). Format-2 headers wrap the data key under other
labels, so a format-2 header cannot be edited into a format-1 one to skip the check.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from wallet.store import sealing

STATE_KEY = "state"
_AAD = b"learner-wallet/state"
_FUNCTION = "learner_wallet_touch"
_ROWS = {
    "records": "'r', {row}.id, {row}.kind, {row}.version, {row}.updated, {row}.deleted",
    "index_pages": "'p', {row}.page, {row}.version, NULL, NULL, NULL",
}


@dataclass(frozen=True)
class State:
    generation: int
    digest: int

    def seal(self, key: bytes) -> str:
        data = json.dumps({"generation": self.generation, "digest": f"{self.digest:064x}"})
        return sealing.seal(key, data.encode(), _AAD).hex()

    @classmethod
    def unseal(cls, key: bytes, sealed: object) -> State:
        """Raises ValueError, TypeError or KeyError (VaultCorrupt from sealing) when not ours."""
        if not isinstance(sealed, str):
            raise TypeError("no sealed state")
        data = json.loads(sealing.unseal(key, bytes.fromhex(sealed), _AAD))
        return cls(int(data["generation"]), int(data["digest"], 16))


def element(key: bytes, *fields: object) -> int:
    # keyed BLAKE2b is a MAC (RFC 7693 section 2.9) and a fifth of HMAC's cost per row
    text = "\0".join("" if f is None else str(f) for f in fields)
    return int.from_bytes(hashlib.blake2b(text.encode(), key=key, digest_size=32).digest(), "big")


def digest_of(connection: sqlite3.Connection, key: bytes) -> int:
    """The digest of every row as it is in the file now."""
    digest = 0
    for row in connection.execute("SELECT 'r', id, kind, version, updated, deleted FROM records"):
        digest ^= element(key, *row)
    for row in connection.execute("SELECT 'p', page, version, NULL, NULL, NULL FROM index_pages"):
        digest ^= element(key, *row)
    return digest


class Tracker:
    """The XOR of rows written and removed in the open transaction."""

    def __init__(self, connection: sqlite3.Connection, key: Callable[[], bytes]) -> None:
        self.pending = 0
        self._key = key
        connection.create_function(_FUNCTION, 6, self.touch)
        connection.execute("PRAGMA recursive_triggers = ON")  # REPLACE fires delete triggers
        for table, columns in _ROWS.items():
            for event, rows in (
                ("INSERT", ["NEW"]),
                ("DELETE", ["OLD"]),
                ("UPDATE", ["OLD", "NEW"]),
            ):
                calls = " ".join(f"SELECT {_FUNCTION}({columns.format(row=row)});" for row in rows)
                connection.execute(
                    f"CREATE TEMP TRIGGER IF NOT EXISTS state_{table}_{event.lower()} "
                    f"AFTER {event} ON main.{table} BEGIN {calls} END"
                )

    def touch(self, *fields: object) -> None:
        self.pending ^= element(self._key(), *fields)
