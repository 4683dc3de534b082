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

Orders. Sorting by name or by date must not decrypt every card, and names are secret, so
no sortable plaintext may sit in SQLite. Each order ("name", "issued") keeps its own
sealed pages (table `index_order_pages`) holding the whole line sorted by (key, id), and
the root holds each order's directory: for every page, in order, its number, version,
first (key, id) and count. A page of 50 is then found by adding up counts and read from
one to three pages; an insert, delete or rename finds its page by bisecting the
directory and rewrites only that page (split past PAGE_SIZE lines, merged with the next
below PAGE_SIZE / 4), so a batch (an import, a pulled sync batch) writes each touched page
once. The root grows by one short entry per page, about one 128th of a card per card.
"""

from __future__ import annotations

import bisect
import json
import math
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
ORDERS = ("name", "issued")
_KEY_CHARS = 64  # what orders sort by: a key's first characters, then the id
_PAGE_COMPRESSION = 1  # pages are rewritten at every batch: fast deflate (sealing.seal)
_MIN_FILL = PAGE_SIZE // 4  # a smaller ordered page is merged with the next one

# a directory entry: [page, version, first key, first id, count]
_PAGE, _VERSION, _FIRST_KEY, _FIRST_ID, _COUNT = range(5)
# An ordered page's line is `key \x1f id \x1f card`. Keys hold no character below \x1f, so
# lines sort as (key, id) pairs do, and "key \x1f id \x1f" (a position) finds its line.
_CONTROL = dict.fromkeys(range(0x20))


@dataclass(frozen=True)
class Entry:
    id: str
    sort_key: str
    search_text: str
    card: dict[str, Any]


def _clean(text: str) -> str:
    return " ".join(text.replace(_SEPARATOR, " ").split())


def _order_key(text: str) -> str:
    return _clean(text).translate(_CONTROL)[:_KEY_CHARS]


def _ordered_lines(line: str) -> dict[str, str]:
    """Each order's line for a card line (as the card pages hold it): keyed by its name
    (lower case) and by its issue date."""
    record_id, sort_key, _, card = line.split(_SEPARATOR, 3)
    keys = {"name": sort_key, "issued": str(json.loads(card).get("issued") or "")}
    return {
        order: _SEPARATOR.join((_order_key(key), record_id, card)) for order, key in keys.items()
    }


def _position(ordered_line: str) -> str:
    key, record_id, _ = ordered_line.split(_SEPARATOR, 2)
    return f"{key}{_SEPARATOR}{record_id}{_SEPARATOR}"


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
        self._last_root: tuple[str, dict[str, Any]] | None = None  # (sealed, opened)

    def _aad(self, page: int, version: int) -> bytes:
        return sealing.associated_data(f"page:{page}", "index", version)

    def _root(self, *, reading: bool = False) -> dict[str, Any]:
        """{"generation": n, "pages": {page: version}, "orders": ...}: what every page must
        be now. A reader, which changes nothing, gets the root opened last time when the
        sealed root is the same bytes; a writer gets its own copy."""
        sealed = self.vault.meta(_ROOT)
        if reading and self._last_root is not None and self._last_root[0] == sealed:
            return self._last_root[1]
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
        if reading:
            self._last_root = (sealed, root)
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
            level=_PAGE_COMPRESSION,
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
        self.vault.db.execute("DELETE FROM index_order_pages")
        self._save_root({"generation": root["generation"], "pages": {}, **_empty_orders()})
        self.upsert(entries)

    def upsert(self, entries: list[Entry]) -> None:
        """Add or replace entries; new ones fill the last page. Call inside a transaction."""
        entries = list({entry.id: entry for entry in entries}.values())  # the last one counts
        root = self._ordered_root()
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
        moves = _Moves()
        for entry in entries:
            page = members.get(entry.id)
            if page is None:
                if tail_count >= PAGE_SIZE:
                    tail, tail_count = tail + 1, 0
                page = tail
                tail_count += 1
                members[entry.id] = page
                self.vault.db.execute(
                    "INSERT INTO index_members (id, page) VALUES (?, ?)", [entry.id, page]
                )
            if page not in pages:
                pages[page] = self._read(root, page)
            line = _line(entry)
            moves.take_out(pages[page].get(entry.id))
            moves.put_in(line)
            pages[page][entry.id] = line
        for page, lines in pages.items():
            self._write(root, page, lines)
        if pages:
            moves.apply(self, root)
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
        root = self._ordered_root()
        pages: dict[int, dict[str, str]] = {}
        moves = _Moves()
        for record_id, page in rows:
            if page not in pages:
                pages[page] = self._read(root, page)
            moves.take_out(pages[page].pop(record_id, None))
        for page, lines in pages.items():
            self._write(root, page, lines)
        moves.apply(self, root)
        self._save_root(root)
        self.vault.db.execute(f"DELETE FROM index_members WHERE id IN ({marks})", list(record_ids))

    def search(self, terms: list[str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, sort key, card) for entries whose search text holds every term, oldest page
        first; each page is read only when the caller asks for more."""
        wanted = [t.lower() for t in terms if t]
        root = self._root(reading=True)
        pages = sorted(int(page) for page in root["pages"])
        stored = {page for (page,) in self.vault.db.execute("SELECT page FROM index_pages")}
        if stored != set(pages):
            raise RolledBack("index pages are missing or added back: the wallet was tampered with")
        for page in pages:
            version, blob = self.vault.db.execute(
                "SELECT version, blob FROM index_pages WHERE page = ?", [page]
            ).fetchone()
            text = self._text(root, page, version, blob)
            # search text is lower case, so a term missing from the whole page matches no line
            if not all(term in text for term in wanted):
                continue
            for line in text.split("\n"):
                record_id, sort_key, search_text, card = line.split(_SEPARATOR, 3)
                if all(term in search_text for term in wanted):
                    yield record_id, sort_key, json.loads(card)

    # --- orders ---------------------------------------------------------------------------

    def ordered(
        self, order: str, start: int, count: int, *, descending: bool = False
    ) -> tuple[list[dict[str, Any]], int]:
        """(cards start .. start + count of this order, how many cards there are), reading
        only the pages that hold them."""
        directory = self._readable_root()["orders"][order]
        total = sum(entry[_COUNT] for entry in directory)
        low, high = start, min(start + count, total)
        if descending:
            low, high = max(total - start - count, 0), max(total - start, 0)
        cards: list[dict[str, Any]] = []
        seen = 0
        for entry in directory:
            if seen >= high:
                break
            if seen + entry[_COUNT] > low:
                lines = self._order_text(order, entry).split("\n")
                for line in lines[max(low - seen, 0) : high - seen]:
                    cards.append(json.loads(line.split(_SEPARATOR, 2)[2]))
            seen += entry[_COUNT]
        if descending:
            cards.reverse()
        return cards, total

    def walk(self, order: str, *, descending: bool = False) -> Iterator[dict[str, Any]]:
        """Every card in this order, a page at a time (a filter that must see them all)."""
        directory = self._readable_root()["orders"][order]
        for entry in reversed(directory) if descending else directory:
            lines = self._order_text(order, entry).split("\n")
            for line in reversed(lines) if descending else lines:
                yield json.loads(line.split(_SEPARATOR, 2)[2])

    def total(self) -> int:
        """How many cards the index holds, from its sealed root (no row is counted)."""
        return sum(entry[_COUNT] for entry in self._readable_root()["orders"][ORDERS[0]])

    def _ordered_root(self) -> dict[str, Any]:
        """The root, with its orders: a wallet from before them has its card pages sorted
        once, here. Call inside a transaction."""
        root = self._root()
        if "orders" in root:
            return root
        root.update(_empty_orders())
        self.vault.db.execute("DELETE FROM index_order_pages")
        moves = _Moves()
        for page in sorted(int(p) for p in root["pages"]):
            for line in self._read(root, page).values():
                moves.put_in(line)
        moves.apply(self, root)
        self._save_root(root)
        return root

    def _readable_root(self) -> dict[str, Any]:
        root = self._root(reading=True)
        if "orders" in root:
            return root
        with self.vault.transaction():
            return self._ordered_root()

    def _order_aad(self, order: str, page: int, version: int) -> bytes:
        return sealing.associated_data(f"{order}:{page}", "index-order", version)

    def _order_text(self, order: str, entry: list[Any]) -> str:
        page, version = entry[_PAGE], entry[_VERSION]
        row = self.vault.db.execute(
            "SELECT version, blob FROM index_order_pages WHERE page = ?", [page]
        ).fetchone()
        if row is None or row[0] != version:
            raise RolledBack(
                f"{order} index page {page} is missing or not at version {version}: "
                "the wallet was rolled back or tampered with"
            )
        key = self.vault.key_for("index")
        return sealing.unseal(key, row[1], self._order_aad(order, page, version)).decode()

    def _order_lines(self, order: str, entry: list[Any]) -> list[str]:
        return self._order_text(order, entry).split("\n")

    def _write_order(self, root: dict[str, Any], order: str, lines: list[str]) -> list[list[Any]]:
        """Seal these sorted lines as one page, or several of at most PAGE_SIZE; each gets a
        new page number, so a row put back from before names a page no directory lists."""
        if not lines:
            return []
        size = math.ceil(len(lines) / math.ceil(len(lines) / PAGE_SIZE))
        written = []
        for start in range(0, len(lines), size):
            chunk = lines[start : start + size]
            page = root["next_page"]
            root["next_page"] += 1
            root["generation"] += 1
            version = root["generation"]
            key, aad = self.vault.key_for("index"), self._order_aad(order, page, version)
            blob = sealing.seal(key, "\n".join(chunk).encode(), aad, level=_PAGE_COMPRESSION)
            self.vault.db.execute(
                "INSERT INTO index_order_pages (page, version, blob) VALUES (?, ?, ?)",
                [page, version, blob],
            )
            first_key, first_id, _ = chunk[0].split(_SEPARATOR, 2)
            written.append([page, version, first_key, first_id, len(chunk)])
        return written

    def _reorder(
        self, root: dict[str, Any], order: str, removals: list[str], inserts: list[str]
    ) -> None:
        """Apply a batch (positions leaving, lines arriving) to one order, reading and
        rewriting each page it lands on once."""
        if not removals and not inserts:
            return
        directory: list[list[Any]] = root["orders"][order] or [[None, 0, "", "", 0]]
        firsts = [f"{e[_FIRST_KEY]}{_SEPARATOR}{e[_FIRST_ID]}{_SEPARATOR}" for e in directory]
        touched: dict[int, list[str]] = {}

        def page_of(position: str) -> int:
            # the last page starting at or before the position (the first page for less)
            number = max(bisect.bisect_right(firsts, position) - 1, 0)
            if number not in touched:
                entry = directory[number]
                touched[number] = [] if entry[_PAGE] is None else self._order_lines(order, entry)
            return number

        for position in removals:
            lines = touched[page_of(position)]
            found = bisect.bisect_left(lines, position)
            if found < len(lines) and lines[found].startswith(position):
                del lines[found]
        arriving: dict[int, list[str]] = {}
        for line in inserts:
            arriving.setdefault(page_of(line), []).append(line)
        for number, lines in arriving.items():
            touched[number] = sorted(touched[number] + lines)  # a sorted run, then arrivals
        rewritten: list[list[Any]] = []
        stale: list[int] = []
        carry: list[str] = []  # a small page's lines, all before the next page's
        for number, entry in enumerate(directory):
            if number not in touched and not carry:
                rewritten.append(entry)
                continue
            lines = carry + (
                touched[number] if number in touched else self._order_lines(order, entry)
            )
            if entry[_PAGE] is not None:
                stale.append(entry[_PAGE])
            if len(lines) < _MIN_FILL and number + 1 < len(directory):
                carry = lines
                continue
            carry = []
            rewritten.extend(self._write_order(root, order, lines))
        if stale:
            self.vault.db.execute(
                f"DELETE FROM index_order_pages WHERE page IN ({','.join('?' * len(stale))})",
                stale,
            )
        root["orders"][order] = rewritten

    def cards(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The cards for these ids, reading only the pages that hold them."""
        if not ids:
            return {}
        rows = self.vault.db.execute(
            f"SELECT id, page FROM index_members WHERE id IN ({','.join('?' * len(ids))})", ids
        ).fetchall()
        found: dict[str, dict[str, Any]] = {}
        wanted = set(ids)
        root = self._root(reading=True)
        for page in {page for _, page in rows}:
            for record_id, line in self._read(root, page).items():
                if record_id in wanted:
                    found[record_id] = json.loads(line.split(_SEPARATOR, 3)[3])
        return found

    def count(self) -> int:
        return self.vault.db.execute("SELECT COUNT(*) FROM index_members").fetchone()[0]


def _empty_orders() -> dict[str, Any]:
    return {"orders": {order: [] for order in ORDERS}, "next_page": 0}


class _Moves:
    """A batch's changes to the orders: the positions cards leave and the lines they take."""

    def __init__(self) -> None:
        self.removals: dict[str, list[str]] = {order: [] for order in ORDERS}
        self.inserts: dict[str, list[str]] = {order: [] for order in ORDERS}

    def take_out(self, line: str | None) -> None:
        if line is not None:
            for order, ordered in _ordered_lines(line).items():
                self.removals[order].append(_position(ordered))

    def put_in(self, line: str) -> None:
        for order, ordered in _ordered_lines(line).items():
            self.inserts[order].append(ordered)

    def apply(self, index: CardIndex, root: dict[str, Any]) -> None:
        for order in ORDERS:
            index._reorder(root, order, self.removals[order], self.inserts[order])
