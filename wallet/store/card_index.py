"""An encrypted, paged index of small "cards", so listing and searching thousands of
credentials decrypts a few dozen pages instead of every record.

Each page seals up to PAGE_SIZE lines; a line is `id \\x1f sort key \\x1f search text
\\x1f card JSON`, so a search reads the search text without parsing any JSON. Pages are
rewritten in the same transaction as the records they describe, so they never disagree.

Rollback. Each card holds its record's version, so a record rolled back alone no longer
matches its card (Backpack.show). To roll back a record *with* its page, an attacker
holding the file would swap in an older sealed page. So each page is sealed with a version
in its associated data, taken from a generation counter that only grows, and the expected
version of every page sits in one sealed "index root" (meta `index_root`, AES-GCM under the
index key) rewritten in the same transaction. An older page, a deleted page, or a page
added back no longer matches the root; rolling back the root too turns every page written
since into a mismatch. What stays out of reach offline is rolling back the whole vault
file to an earlier copy: nothing inside one file can tell a whole old copy from the
current one. Pages sealed before the root existed carry version 1 until first rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from wallet.store import sealing
from wallet.store.errors import RolledBack, VaultCorrupt
from wallet.store.vault import Vault

PAGE_SIZE = 256
_SEPARATOR = "\x1f"
_ROOT = "index_root"
_ROOT_AAD = b"learner-wallet/index-root"
_LEGACY_VERSION = 1  # what pages sealed before the root carry (schema migration 3)


@dataclass(frozen=True)
class Entry:
    id: str
    sort_key: str
    search_text: str
    card: dict[str, Any]


def _clean(text: str) -> str:
    return " ".join(text.replace(_SEPARATOR, " ").split())


def _line(entry: Entry) -> str:
    card = json.dumps(entry.card, separators=(",", ":"), ensure_ascii=False)
    return _SEPARATOR.join(
        (
            entry.id,
            _clean(entry.sort_key),
            _clean(entry.search_text).lower(),
            card.replace("\n", " "),
        )
    )


class CardIndex:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    def _aad(self, page: int, version: int) -> bytes:
        return sealing.associated_data(f"page:{page}", "index", version)

    def _root(self) -> dict[str, Any]:
        """{"generation": n, "pages": {page: version}}: what every page must be now."""
        sealed = self.vault.meta(_ROOT)
        if sealed is None:  # a wallet from before the root: its pages are taken as they are
            versions = dict(self.vault.db.execute("SELECT page, version FROM index_pages"))
            homeless = self.vault.db.execute(
                "SELECT 1 FROM index_members WHERE page NOT IN (SELECT page FROM index_pages) "
                "LIMIT 1"
            ).fetchone()
            if homeless or any(v != _LEGACY_VERSION for v in versions.values()):
                raise RolledBack("the card index lost its root: the wallet was tampered with")
            return {
                "generation": _LEGACY_VERSION,
                "pages": {str(p): v for p, v in versions.items()},
            }
        try:
            root = json.loads(
                sealing.unseal(self.vault.key_for("index"), bytes.fromhex(sealed), _ROOT_AAD)
            )
        except (VaultCorrupt, ValueError, TypeError):
            raise RolledBack("the card index root is damaged") from None
        return root

    def _save_root(self, root: dict[str, Any]) -> None:
        data = json.dumps(root, separators=(",", ":")).encode()
        self.vault.set_meta(_ROOT, sealing.seal(self.vault.key_for("index"), data, _ROOT_AAD).hex())

    def _expected(self, root: dict[str, Any], page: int, version: int) -> None:
        expected = root["pages"].get(str(page))
        if expected != version:
            raise RolledBack(
                f"index page {page} is at version {version}, the index root says {expected}: "
                "the wallet was rolled back or tampered with"
            )

    def _text(self, root: dict[str, Any], page: int, version: int, blob: bytes) -> str:
        self._expected(root, page, version)
        return sealing.unseal(self.vault.key_for("index"), blob, self._aad(page, version)).decode()

    def _read(self, root: dict[str, Any], page: int) -> dict[str, str]:
        row = self.vault.db.execute(
            "SELECT version, blob FROM index_pages WHERE page = ?", [page]
        ).fetchone()
        if row is None:
            if str(page) in root["pages"]:
                raise RolledBack(f"index page {page} is missing: the wallet was tampered with")
            return {}
        text = self._text(root, page, row[0], row[1])
        return {line.split(_SEPARATOR, 1)[0]: line for line in text.split("\n") if line}

    def _write(self, root: dict[str, Any], page: int, lines: dict[str, str]) -> None:
        if not lines:
            self.vault.db.execute("DELETE FROM index_pages WHERE page = ?", [page])
            root["pages"].pop(str(page), None)
            return
        root["generation"] += 1
        version = root["pages"][str(page)] = root["generation"]
        blob = sealing.seal(
            self.vault.key_for("index"),
            "\n".join(lines.values()).encode(),
            self._aad(page, version),
        )
        self.vault.db.execute(
            "INSERT OR REPLACE INTO index_pages (page, count, version, blob) VALUES (?, ?, ?, ?)",
            [page, len(lines), version, blob],
        )

    def rebuild(self, entries: list[Entry]) -> None:
        """Hold exactly these entries, whatever the pages held before (a restore's index is
        derived again from its records). Call inside a transaction."""
        root = self._root()
        self.vault.db.execute("DELETE FROM index_pages")
        self.vault.db.execute("DELETE FROM index_members")
        self._save_root({"generation": root["generation"], "pages": {}})
        self.upsert(entries)

    def upsert(self, entries: list[Entry]) -> None:
        """Add or replace entries; new ones fill the last page. Call inside a transaction."""
        root = self._root()
        pages: dict[int, dict[str, str]] = {}
        members = (
            dict(
                self.vault.db.execute(
                    f"SELECT id, page FROM index_members WHERE id IN ({','.join('?' * len(entries))})",
                    [e.id for e in entries],
                ).fetchall()
            )
            if entries
            else {}
        )
        row = self.vault.db.execute(
            "SELECT page, count FROM index_pages ORDER BY page DESC LIMIT 1"
        ).fetchone()
        tail, tail_count = (row[0], row[1]) if row else (0, 0)
        for entry in entries:
            page = members.get(entry.id)
            if page is None:
                if tail_count >= PAGE_SIZE:
                    tail, tail_count = tail + 1, 0
                page = tail
                tail_count += 1
                self.vault.db.execute(
                    "INSERT INTO index_members (id, page) VALUES (?, ?)", [entry.id, page]
                )
            if page not in pages:
                pages[page] = self._read(root, page)
            pages[page][entry.id] = _line(entry)
        for page, lines in pages.items():
            self._write(root, page, lines)
        if pages:
            self._save_root(root)

    def remove(self, *record_ids: str) -> None:
        """Drop these entries, writing each page that held one once. Call inside a
        transaction."""
        marks = ",".join("?" * len(record_ids))
        rows = (
            self.vault.db.execute(
                f"SELECT id, page FROM index_members WHERE id IN ({marks})", list(record_ids)
            ).fetchall()
            if record_ids
            else []
        )
        if not rows:
            return
        root = self._root()
        pages: dict[int, dict[str, str]] = {}
        for record_id, page in rows:
            if page not in pages:
                pages[page] = self._read(root, page)
            pages[page].pop(record_id, None)
        for page, lines in pages.items():
            self._write(root, page, lines)
        self._save_root(root)
        self.vault.db.execute(f"DELETE FROM index_members WHERE id IN ({marks})", list(record_ids))

    def search(self, terms: list[str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, sort key, card) for entries whose search text holds every term."""
        wanted = [t.lower() for t in terms if t]
        root = self._root()
        rows = self.vault.db.execute(
            "SELECT page, version, blob FROM index_pages ORDER BY page"
        ).fetchall()
        if {str(page) for page, _, _ in rows} != set(root["pages"]):
            raise RolledBack("index pages are missing or added back: the wallet was tampered with")
        for page, version, blob in rows:
            text = self._text(root, page, version, blob)
            # search text is lower case, so a term missing from the whole page matches no line
            if not all(term in text for term in wanted):
                continue
            for line in text.split("\n"):
                record_id, sort_key, search_text, card = line.split(_SEPARATOR, 3)
                if all(term in search_text for term in wanted):
                    yield record_id, sort_key, json.loads(card)

    def cards(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The cards for these ids, reading only the pages that hold them."""
        if not ids:
            return {}
        rows = self.vault.db.execute(
            f"SELECT id, page FROM index_members WHERE id IN ({','.join('?' * len(ids))})", ids
        ).fetchall()
        found: dict[str, dict[str, Any]] = {}
        root = self._root()
        for page in {page for _, page in rows}:
            for record_id, line in self._read(root, page).items():
                if record_id in ids:
                    found[record_id] = json.loads(line.split(_SEPARATOR, 3)[3])
        return found

    def count(self) -> int:
        return self.vault.db.execute("SELECT COUNT(*) FROM index_members").fetchone()[0]
