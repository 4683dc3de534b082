"""An encrypted, paged index of small "cards", so listing and searching thousands of
credentials decrypts a few dozen pages instead of every record.

Each page seals up to PAGE_SIZE lines; a line is `id \\x1f sort key \\x1f search text
\\x1f card JSON`, so a search reads the search text without parsing any JSON. Pages are
rewritten in the same transaction as the records they describe, so they never disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from wallet.store import sealing
from wallet.store.vault import Vault

PAGE_SIZE = 256
_SEPARATOR = "\x1f"


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

    def _aad(self, page: int) -> bytes:
        return sealing.associated_data(f"page:{page}", "index", 1)

    def _text(self, page: int, blob: bytes) -> str:
        return sealing.unseal(self.vault.key_for("index"), blob, self._aad(page)).decode()

    def _read(self, page: int) -> dict[str, str]:
        row = self.vault.db.execute(
            "SELECT blob FROM index_pages WHERE page = ?", [page]
        ).fetchone()
        if row is None:
            return {}
        text = self._text(page, row[0])
        return {line.split(_SEPARATOR, 1)[0]: line for line in text.split("\n") if line}

    def _write(self, page: int, lines: dict[str, str]) -> None:
        if not lines:
            self.vault.db.execute("DELETE FROM index_pages WHERE page = ?", [page])
            return
        blob = sealing.seal(
            self.vault.key_for("index"), "\n".join(lines.values()).encode(), self._aad(page)
        )
        self.vault.db.execute(
            "INSERT OR REPLACE INTO index_pages (page, count, blob) VALUES (?, ?, ?)",
            [page, len(lines), blob],
        )

    def upsert(self, entries: list[Entry]) -> None:
        """Add or replace entries; new ones fill the last page. Call inside a transaction."""
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
                pages[page] = self._read(page)
            pages[page][entry.id] = _line(entry)
        for page, lines in pages.items():
            self._write(page, lines)

    def remove(self, record_id: str) -> None:
        row = self.vault.db.execute(
            "SELECT page FROM index_members WHERE id = ?", [record_id]
        ).fetchone()
        if row is None:
            return
        lines = self._read(row[0])
        lines.pop(record_id, None)
        self._write(row[0], lines)
        self.vault.db.execute("DELETE FROM index_members WHERE id = ?", [record_id])

    def search(self, terms: list[str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, sort key, card) for entries whose search text holds every term."""
        wanted = [t.lower() for t in terms if t]
        for page, blob in self.vault.db.execute("SELECT page, blob FROM index_pages ORDER BY page"):
            text = self._text(page, blob)
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
        for page in {page for _, page in rows}:
            for record_id, line in self._read(page).items():
                if record_id in ids:
                    found[record_id] = json.loads(line.split(_SEPARATOR, 3)[3])
        return found

    def count(self) -> int:
        return self.vault.db.execute("SELECT COUNT(*) FROM index_members").fetchone()[0]
