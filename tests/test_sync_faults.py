"""Faults during sync: connections cut at random points (mid-push and mid-pull) and the
server killed with SIGKILL, many times over. Nothing is lost, nothing is duplicated, and
a sync after a fault re-sends at most one batch."""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from tests.support import (
    Proxy,
    Server,
    as_source,
    distinctive_badge,
    new_backpack,
    second_device,
)
from wallet.bench import figures as bench
from wallet.protocol import sync as protocol
from wallet.protocol.sync import SyncError
from wallet.services.learner.backpack import CREDENTIAL, Backpack
from wallet.services.sync import client as sync

PER_ROUND = 60  # two push batches per round; pulls grow to many batches
ROUNDS = 9


def sync_with_faults(
    pack: Backpack,
    url: str,
    proxy: Proxy,
    server: Server,
    rng: random.Random,
    prepare: Callable[[int], None],
) -> int:
    """Each round: give the device work (`prepare`), sync through a cut connection or a
    killed server, then sync cleanly; that clean sync may re-send at most one batch the
    server already held. Returns how many faulted syncs failed, so we know faults landed."""
    failed = 0
    for number in range(ROUNDS):
        prepare(number)
        largest = max(map(len, protocol.batches(pack.vault.outbox())), default=0)
        killer = None
        if rng.random() < 0.6:
            proxy.cut_after = rng.randint(500, 40_000)
        else:
            killer = threading.Timer(rng.uniform(0.02, 0.25), server.kill)
            killer.start()
        try:
            sync.SyncClient(pack, url).sync()
        except SyncError:
            failed += 1
        if killer is not None:
            killer.join()
            server.start()
        proxy.cut_after = None
        retry = sync.SyncClient(pack, url).sync()
        assert retry.already_held <= largest, "a sync after a fault re-sent more than one batch"
    return failed


def test_cuts_and_kills_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    server = Server(tmp_path / "server")
    server.start()
    proxy = Proxy(server.port)
    url = f"http://127.0.0.1:{proxy.port}"
    laptop, words = new_backpack(tmp_path / "laptop")

    def more_credentials(number: int) -> None:
        first = number * PER_ROUND
        sources = (
            as_source(f"{i}.json", distinctive_badge(i)) for i in range(first, first + PER_ROUND)
        )
        list(laptop.import_sources(sources))

    assert sync_with_faults(laptop, url, proxy, server, rng, more_credentials) >= ROUNDS // 3
    assert laptop.vault.outbox() == []
    total = ROUNDS * PER_ROUND

    phone = second_device(tmp_path, words, f"http://127.0.0.1:{server.port}")

    def pull_everything_again(number: int) -> None:
        phone.vault.set_sync_state("cursor", "")

    assert sync_with_faults(phone, url, proxy, server, rng, pull_everything_again) >= ROUNDS // 3
    mine = {i: laptop.vault.stored_record(i).version for i in laptop.vault.ids(CREDENTIAL)}
    theirs = {i: phone.vault.stored_record(i).version for i in phone.vault.ids(CREDENTIAL)}
    assert mine == theirs and len(mine) == total  # nothing lost
    assert phone.index.count() == total
    with sqlite3.connect(tmp_path / "server" / "server.db") as db:
        rows = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT id) FROM records WHERE kind = ?", [CREDENTIAL]
        ).fetchone()
        assert rows == (total, total)  # nothing duplicated
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    server.kill()


def test_a_lost_answer_costs_exactly_one_batch(tmp_path: Path) -> None:
    """The worst case: the server commits a batch and the answer never arrives."""
    server = Server(tmp_path / "server")
    server.start()
    proxy = Proxy(server.port)
    url = f"http://127.0.0.1:{proxy.port}"
    laptop, _ = new_backpack(tmp_path / "laptop")
    sync.SyncClient(laptop, url).sync()  # registered, header uploaded
    list(laptop.import_sources(as_source(f"{i}.json", distinctive_badge(i)) for i in range(120)))
    first, *rest = protocol.batches(laptop.vault.outbox())
    assert rest  # batches are sized by bytes: 120 credentials make more than one
    proxy.drop_answer_to = b"POST /v1/push"
    with contextlib.suppress(SyncError):
        sync.SyncClient(laptop, url).sync()
    assert len(laptop.vault.outbox()) == 120  # the client could not know the batch landed
    retry = sync.SyncClient(laptop, url).sync()
    assert retry.already_held == len(first)  # exactly the one batch, and no more
    assert retry.pushed == 120 and laptop.vault.outbox() == []
    server.kill()


def test_load_loses_no_writes(tmp_path: Path) -> None:
    """100 clients doing 20 syncs each against one server."""
    server = Server(tmp_path / "server")
    server.start()
    load = bench.sync_load(f"http://127.0.0.1:{server.port}", tmp_path, clients=100, rounds=20)
    assert len(load.latencies) == 100 * 20
    with sqlite3.connect(tmp_path / "server" / "server.db") as db:
        for account, written in load.written.items():
            held = {
                row[0]
                for row in db.execute(
                    "SELECT id FROM records WHERE account = ? AND kind = 'holder_key'", [account]
                )
            }
            assert held == written  # every write arrived, once
    server.kill()
