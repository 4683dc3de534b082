"""Lists in constant time (issue 17): the first page, search and sort by name or date read a
bounded number of sealed index pages at any wallet size, the orders stay right through
inserts, renames, deletes and sync batches, and no name is left in SQLite in the clear."""

from __future__ import annotations

import copy
import shutil
import sqlite3
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import PASSPHRASE, as_source, distinctive_badge, new_backpack
from wallet.services.learner.backpack import CREDENTIAL, Backpack, card_for
from wallet.store import card_index
from wallet.store.card_index import CardIndex, Entry
from wallet.store.errors import RolledBack
from wallet.store.kdf import KdfParams
from wallet.store.vault import DATABASE_NAME, Vault

ROOT = Path(__file__).resolve().parent.parent
LEGACY_VAULT = ROOT / "tests" / "data" / "vault-c4f2b8d.db"  # made by c4f2b8d
LEGACY_PASSPHRASE = "legacy passphrase"


def _name(number: int) -> str:
    return f"Quokka handling level {(number * 7919) % 1000:03d}"  # not in insertion order


def _issued(number: int) -> str:
    return f"2025-{1 + (number * 31) % 12:02d}-{1 + (number * 17) % 28:02d}T00:00:00Z"


def _fill(pack: Backpack, start: int, count: int) -> None:
    """`count` realistic sealed credentials (one imported badge, renamed and re-dated),
    written as an import writes them, without signing and verifying each one."""
    if not pack.vault.ids(CREDENTIAL):
        list(pack.import_sources([as_source("first.json", distinctive_badge(0))]))
    model = pack.vault.get(pack.vault.ids(CREDENTIAL)[0], CREDENTIAL).payload
    for batch in range(start, start + count, 500):
        with pack.vault.transaction():
            entries = []
            for number in range(batch, min(batch + 500, start + count)):
                payload = copy.deepcopy(model)
                credential = payload["credential"]
                credential["id"] = f"urn:uuid:00000000-0000-4000-8000-{number:012d}"
                credential["credentialSubject"]["achievement"]["name"] = _name(number)
                credential["validFrom"] = _issued(number)
                record_id = pack.vault.fingerprint(credential["id"].encode())
                version = pack.vault.put(record_id, CREDENTIAL, payload)
                entries.append(card_for(record_id, version, payload))
            pack.index.upsert(entries)


class _Reads:
    """Counts, from SQLite's own trace, the index pages a call reads and whether it reads
    every id (a `SELECT id FROM records` without a LIMIT)."""

    def __init__(self, pack: Backpack) -> None:
        self.pages = 0
        self.every_id = False
        pack.vault.db.set_trace_callback(self._trace)

    def _trace(self, statement: str) -> None:
        if statement.startswith(
            ("SELECT version, blob FROM index_pages", "SELECT version, blob FROM index_order_pages")
        ):
            self.pages += 1
        elif statement.startswith("SELECT id FROM records") and (
            "LIMIT" not in statement or "LIMIT -1" in statement
        ):
            self.every_id = True
        elif statement.startswith("SELECT page, version, blob FROM index_pages"):
            self.pages += 10**6  # the whole index at once

    def __call__(self, operation: Any) -> int:
        self.pages, self.every_id = 0, False
        operation()
        assert not self.every_id, "read every id"
        return self.pages


def _reads_per_list(pack: Backpack) -> dict[str, int]:
    reads = _Reads(pack)
    return {
        "first page": reads(lambda: pack.list()),
        "page 3": reads(lambda: pack.list(page=3)),
        "by name": reads(lambda: pack.list(sort="name")),
        "by name, page 7": reads(lambda: pack.list(sort="name", page=7)),
        "by date": reads(lambda: pack.list(sort="issued")),
        "search": reads(lambda: pack.search("quokka")),
    }


def test_issue17_lists_read_a_bounded_number_of_pages_at_any_size(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    _fill(pack, 1, 599)
    small = _reads_per_list(pack)
    _fill(pack, 600, 3400)
    large = _reads_per_list(pack)
    assert pack.list().total == 4000
    for what, count in large.items():
        assert count <= 4, f"{what} read {count} pages at 4,000 cards"
        assert count <= small[what] + 1, f"{what}: {small[what]} pages at 600, {count} at 4,000"


def test_issue17_sorted_pages_hold_the_true_order(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    _fill(pack, 1, 1200)
    everything = [card for _, _, card in pack.index.search([])]
    by_name = sorted(everything, key=lambda c: (c["name"].lower(), c["id"]))
    by_date = sorted(everything, key=lambda c: (c["issued"], c["id"]), reverse=True)
    for sort, expected in (("name", by_name), ("issued", by_date)):
        for page in (0, 1, 11, 23, 24):
            got = pack.list(sort=sort, page=page)
            assert got.total == len(expected)
            assert got.cards == expected[page * 50 : (page + 1) * 50]
    newest = pack.vault.ids(CREDENTIAL)
    assert [c["id"] for c in pack.list(page=2).cards] == newest[100:150]


def test_issue17_tag_filters_keep_their_order_and_total(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    _fill(pack, 1, 400)
    tagged = pack.vault.ids(CREDENTIAL)[::7]
    for record_id in tagged:
        pack.set_tags(record_id, ["seven"])
    recent = pack.list(tag="seven", page_size=20, page=1)
    assert recent.total == len(tagged)
    assert [c["id"] for c in recent.cards] == tagged[20:40]
    by_name = pack.list(tag="seven", sort="name", page_size=500).cards
    assert [c["name"].lower() for c in by_name] == sorted(c["name"].lower() for c in by_name)


def test_issue17_renames_deletes_and_sync_batches_keep_the_orders_right(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    _fill(pack, 1, 700)
    ids = pack.vault.ids(CREDENTIAL)
    with pack.vault.transaction():  # what a pulled batch does: refresh_cards once
        for record_id in ids[:300]:
            record = pack.vault.get(record_id, CREDENTIAL)
            payload = record.payload
            payload["credential"]["credentialSubject"]["achievement"]["name"] = "Aardvark"
            pack.vault.put(record_id, CREDENTIAL, payload)
        for record_id in ids[300:650]:
            pack.vault.delete(record_id)
        pack.refresh_cards(ids[:650])
    left = pack.list(sort="name", page_size=1000)
    assert left.total == len(ids) - 350 == pack.index.count()
    names = [c["name"] for c in left.cards]
    assert names[:300] == ["Aardvark"] * 300
    assert names[300:] == sorted(names[300:], key=str.lower)
    assert {c["id"] for c in left.cards} == set(ids[:300] + ids[650:])
    dated = pack.list(sort="issued", page_size=1000).cards
    assert [c["issued"] for c in dated] == sorted((c["issued"] for c in dated), reverse=True)
    reads = _Reads(pack)
    assert reads(lambda: pack.list(sort="name", page=4, page_size=50)) <= 3  # pages refilled


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["put", "drop"]), st.integers(0, 60), st.text("abcz ", max_size=3)
        ),
        max_size=40,
    )
)
def test_issue17_any_batches_keep_each_order_sorted_and_complete(
    tmp_path_factory: pytest.TempPathFactory, batches: list[tuple[str, int, str]]
) -> None:
    """Small pages (8 lines) so a few dozen cards split and merge many times."""
    vault, _ = Vault.create(
        tmp_path_factory.mktemp("w") / "w", PASSPHRASE, kdf_params=KdfParams.minimum()
    )
    index = CardIndex(vault)
    model: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(card_index, "PAGE_SIZE", 8)
        patch.setattr(card_index, "_MIN_FILL", 2)
        for step in range(0, len(batches), 5):
            with vault.transaction():
                puts: list[Entry] = []
                drops: list[str] = []
                for action, number, name in batches[step : step + 5]:
                    record_id = f"id{number:02d}"
                    if action == "put":
                        card = {"id": record_id, "name": name, "issued": f"{number % 7}"}
                        puts.append(Entry(record_id, name.lower(), name, card))
                        drops = [d for d in drops if d != record_id]
                    else:
                        drops.append(record_id)
                        puts = [p for p in puts if p.id != record_id]
                index.remove(*drops)
                index.upsert(puts)
                for record_id in drops:
                    model.pop(record_id, None)
                for entry in puts:
                    model[entry.id] = entry.card["name"]
            by_name, total = index.ordered("name", 0, 1000)
            assert total == len(model) == index.count()
            expected = sorted(model.items(), key=lambda item: (" ".join(item[1].split()), item[0]))
            assert [(c["id"], c["name"]) for c in by_name] == expected
            by_date, _ = index.ordered("issued", 0, 1000, descending=True)
            assert [c["issued"] for c in by_date] == sorted(
                (c["issued"] for c in by_date), reverse=True
            )
            for start in range(0, len(model), 3):
                assert index.ordered("name", start, 3)[0] == by_name[start : start + 3]
    vault.close()


def test_issue17_peak_memory_of_a_sorted_page_stays_flat(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")

    def peak() -> int:
        tracemalloc.start()
        pack.list(sort="name", page=2)
        pack.list()
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    _fill(pack, 1, 499)
    small = peak()
    _fill(pack, 500, 2500)
    assert peak() < max(2 * small, 1 << 20)


def test_issue17_no_name_or_date_lies_in_sqlite_in_the_clear(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    _fill(pack, 1, 300)
    pack.list(sort="name")
    pack.vault.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = (tmp_path / "w" / DATABASE_NAME).read_bytes().lower()
    assert b"quokka" not in raw and _issued(5).encode().lower() not in raw


def test_issue17_an_order_page_put_back_is_caught(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    _fill(pack, 1, 20)
    database = tmp_path / "w" / DATABASE_NAME
    pack.vault.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with sqlite3.connect(database) as db:
        old = db.execute("SELECT page, version, blob FROM index_order_pages").fetchall()
    pack.set_tags(pack.vault.ids(CREDENTIAL)[0], ["newer"])
    with sqlite3.connect(database) as db:
        live = db.execute("SELECT page FROM index_order_pages").fetchall()
        for (page,), (_, version, blob) in zip(live, old, strict=False):
            db.execute(
                "UPDATE index_order_pages SET version = ?, blob = ? WHERE page = ?",
                [version, blob, page],
            )
    with pytest.raises(RolledBack):
        pack.list(sort="name")


def test_issue17_a_wallet_from_before_the_orders_sorts_at_first_use(tmp_path: Path) -> None:
    (tmp_path / "w").mkdir()
    shutil.copy(LEGACY_VAULT, tmp_path / "w" / DATABASE_NAME)
    vault = Vault.open(tmp_path / "w")
    vault.unlock(LEGACY_PASSPHRASE)
    pack = Backpack(vault)
    everything = [card for _, _, card in pack.index.search([])]
    assert pack.list(sort="name").cards == sorted(
        everything, key=lambda c: (c["name"].lower(), c["id"])
    )
    assert pack.list().total == len(everything) > 0
