"""A big first sync (issue 17): the pull skips the device's own records on the server, the
client waits out a 429 for as long as Retry-After says (a fake clock and sleep at the
network edge, a real server on 127.0.0.1), and a pulled batch writes each card index page
once. Speed itself is `wallet bench`'s (sync.first-5000-credentials, sync.join-5000-…)."""

from __future__ import annotations

import email.utils
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import (
    Clock,
    as_source,
    contents,
    distinctive_badge,
    in_thread,
    new_backpack,
    new_did,
    postgres_database,
    second_device,
)
from wallet.protocol import sync as protocol
from wallet.protocol.sync import SyncError
from wallet.server.app import create_app
from wallet.server.limits import Limits, Rate
from wallet.server.storage import ServerStore
from wallet.services.learner.backpack import Backpack
from wallet.services.sync import client as sync
from wallet.store.vault import StoredRecord


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerStore]:
    if request.param == "sqlite":
        yield ServerStore(f"sqlite:///{tmp_path / 'server.db'}")
        return
    databases = postgres_database()
    yield ServerStore(next(databases))
    next(databases, None)


def _records(prefix: str, count: int) -> list[StoredRecord]:
    return [
        StoredRecord(f"{prefix}{n}", "credential", 1, 1_000, 1_000, False, os.urandom(400))
        for n in range(count)
    ]


def test_own_records_are_not_pulled_back(store: ServerStore) -> None:
    """A device that pushed 1,200 records, with another device's 3 among them, gets those 3
    in one pull, and a cursor past everything: not 3 pages walking through its own."""
    account, laptop, phone = new_did(), new_did(), new_did()
    for device in (laptop, phone):
        store.register(account, device)
    ours = _records("ours-", 1_200)
    store.push(account, ours[:600], laptop)
    store.push(account, _records("theirs-", 3), phone)
    store.push(account, ours[600:], laptop)
    records, last, more = store.pull(account, 0, protocol.MAX_PULL_RECORDS, laptop)
    assert [r.id for r in records] == ["theirs-0", "theirs-1", "theirs-2"]
    assert more is False and last == 1_203  # past our own, which come back no more
    assert store.pull(account, last, protocol.MAX_PULL_RECORDS, laptop) == ([], last, False)
    # the other device gets all of them, batch by batch, each within the byte budget
    after, seen = 0, []
    while True:
        batch, after, more = store.pull(account, after, protocol.MAX_PULL_RECORDS, phone)
        assert sum(map(protocol.row_bytes, batch)) <= protocol.BATCH_BYTES
        seen += [r.id for r in batch]
        if not more:
            break
    assert seen == [r.id for r in ours]


class FakeTime(Clock):
    """The clock both sides read, and the client's sleep, which only moves it on."""

    def __init__(self) -> None:
        super().__init__()
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _server(tmp_path: Path, clock: FakeTime, rate: Rate) -> Iterator[str]:
    store = ServerStore(f"sqlite:///{tmp_path / 'server.db'}")
    app = create_app(store, clock=clock, limits=Limits(device_rate=rate))
    with in_thread(app) as port:
        yield f"http://127.0.0.1:{port}"


def _backpack_with(tmp_path: Path, count: int) -> Backpack:
    pack, _ = new_backpack(tmp_path / "laptop")
    list(pack.import_sources(as_source(f"{i}.json", distinctive_badge(i)) for i in range(count)))
    return pack


def test_a_429_is_retried_after_its_retry_after(tmp_path: Path) -> None:
    """Two requests at once, then one every 4 s: a sync of several requests meets 429s and
    waits exactly what each Retry-After says, and finishes."""
    clock = FakeTime()
    pack = _backpack_with(tmp_path, 3)
    for url in _server(tmp_path, clock, Rate(0.25, 2.0)):
        result = sync.SyncClient(pack, url, clock=clock, sleep=clock.sleep).sync()
    assert result.pushed == 3 and pack.vault.outbox() == []
    assert pack.vault.sync_state("last")["ok"] is True
    assert clock.slept and set(clock.slept) == {4.0}  # what the server asked, each time


def test_a_server_that_stays_busy_ends_the_sync_within_its_budget(tmp_path: Path) -> None:
    """Retry-After is honoured up to a bound, a request is tried a bounded number of times,
    and the whole sync waits no longer than its budget; then the sync's backoff takes over."""
    clock = FakeTime()
    pack = _backpack_with(tmp_path, 1)
    for url in _server(tmp_path, clock, Rate(0.0001, 2.0)):  # Retry-After: 10,000 s
        with pytest.raises(SyncError) as refused:
            sync.SyncClient(pack, url, clock=clock, sleep=clock.sleep).sync()
    assert refused.value.code == "busy"
    assert max(clock.slept) <= sync.MAX_RETRY_AFTER_SECONDS
    assert len(clock.slept) < sync.MAX_ATTEMPTS
    assert sum(clock.slept) <= sync.MAX_WAITING_SECONDS
    last = pack.vault.sync_state("last")
    assert last["code"] == "busy" and last["retry_at"] > clock.now


_PAGE_WRITE = re.compile(
    r"INSERT OR REPLACE INTO index_pages \(page, count, version, blob\) VALUES \((\d+), \d+, (\d+),"
)


def _trace_page_writes(pack: Backpack) -> list[dict[tuple[int, int], None]]:
    """Fills with the (page, version) of every index page each of the vault's transactions
    writes, from SQLite's own trace; a write is traced again for each trigger it fires,
    with the same version, so it counts once."""
    transactions: list[dict[tuple[int, int], None]] = []

    def trace(statement: str) -> None:
        if statement.startswith("BEGIN"):
            transactions.append({})
        elif found := _PAGE_WRITE.match(statement):
            transactions[-1][int(found[1]), int(found[2])] = None

    pack.vault.db.set_trace_callback(trace)
    return transactions


def _each_page_once(transactions: list[dict[tuple[int, int], None]]) -> int:
    """How many page writes there were, once it is checked that no transaction wrote one
    page twice."""
    for written in transactions:
        pages = [page for page, _ in written]
        assert len(pages) == len(set(pages)), f"pages written more than once: {pages}"
    return sum(map(len, transactions))


def test_a_pulled_batch_writes_each_index_page_once(
    tmp_path: Path, server: tuple[str, Path, str]
) -> None:
    url, _, _ = server
    laptop, words = new_backpack(tmp_path / "laptop")
    sync.SyncClient(laptop, url).sync()
    phone = second_device(tmp_path, words, url)
    total = 600  # more than two pages of 256 cards, over several batches
    list(laptop.import_sources(as_source(f"{i}.json", distinctive_badge(i)) for i in range(total)))
    sync.SyncClient(laptop, url).sync()

    written = _trace_page_writes(phone)
    result = sync.SyncClient(phone, url).sync()
    assert result.pulled == total
    batches = sum(1 for pages in written if pages)
    assert batches > 1 and _each_page_once(written) <= 2 * batches  # a batch spans 1-2 pages
    assert phone.index.count() == total and contents(phone) == contents(laptop)

    written = _trace_page_writes(laptop)
    assert laptop.reverify_all() == (total, 0)
    assert _each_page_once(written) < total // 10


@settings(deadline=None)  # a loaded CI machine; the bound is what is asserted
@given(st.text(max_size=40) | st.integers(-(10**30), 10**30).map(str) | st.none())
def test_retry_after_is_read_within_bounds(value: str | None) -> None:
    """Whatever a server (or a liar in front of it) puts in Retry-After, the wait is a
    number of seconds between 0 and the cap."""
    seconds = sync._retry_after(value, 1_780_000_000.0)
    assert 0.0 <= seconds <= sync.MAX_RETRY_AFTER_SECONDS


def test_retry_after_reads_both_forms() -> None:
    now = 1_780_000_000.0
    assert sync._retry_after("7", now) == 7.0
    assert sync._retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == 30.0
    assert sync._retry_after("soon", now) == 1.0


@settings(deadline=None)
@given(st.lists(st.integers(0, 3 * protocol.BATCH_BYTES), max_size=40))
def test_batches_keep_order_and_stay_within_bytes(sizes: list[int]) -> None:
    records = [
        StoredRecord(f"r{n}", "credential", 1, 0, 0, False, b"x" * size)
        for n, size in enumerate(sizes)
    ]
    batches = list(protocol.batches(records))
    assert [r for batch in batches for r in batch] == records
    for batch in batches:
        assert batch and (
            len(batch) == 1 or sum(map(protocol.row_bytes, batch)) <= protocol.BATCH_BYTES
        )


def test_a_wallet_larger_than_the_servers_burst_syncs_and_joins(tmp_path: Path) -> None:
    """The first sync that failed with "too many requests" (issue 17), at a size a test can
    afford: a server granting a burst of 5 requests, a wallet needing several times that.
    The client waits out each 429 for real (Retry-After: 1) and then paces itself; a second
    device joins everything with the words alone."""
    store = ServerStore(f"sqlite:///{tmp_path / 'server.db'}")
    app = create_app(store, limits=Limits(device_rate=Rate(2.0, 5.0)))
    laptop, words = new_backpack(tmp_path / "laptop")
    total = 400
    list(laptop.import_sources(as_source(f"{i}.json", distinctive_badge(i)) for i in range(total)))
    assert len(list(protocol.batches(laptop.vault.outbox()))) > 3
    with in_thread(app) as port:
        url = f"http://127.0.0.1:{port}"
        slept: list[float] = []

        def sleep(seconds: float) -> None:  # real time, and a note of each wait
            slept.append(seconds)
            time.sleep(seconds)

        assert sync.SyncClient(laptop, url, sleep=sleep).sync().pushed == total
        assert 1.0 in slept  # it did meet a 429, and waited what Retry-After said
        phone = second_device(tmp_path, words, url)
    assert contents(phone) == contents(laptop)
