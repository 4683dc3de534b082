"""Faults during sync: connections cut at random points (mid-push and mid-pull) and the
server killed with SIGKILL, many times over. Nothing is lost, nothing is duplicated, and
a sync after a fault re-sends at most one batch."""

from __future__ import annotations

import contextlib
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.test_sync import second_device
from tests.test_vault import as_source, distinctive_badge, new_backpack
from wallet.bench import figures as bench
from wallet.bench.app import free_port
from wallet.protocol.sync import SyncError
from wallet.services.learner.backpack import CREDENTIAL, Backpack
from wallet.services.sync import client as sync

PER_ROUND = 60  # two push batches per round; pulls grow to many batches
ROUNDS = 9


class CuttingProxy:
    """Forwards TCP to the server, and cuts a connection after a chosen number of bytes, or
    just after the server has answered (the answer is lost, the work is done)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.cut_after: int | None = None
        self.drop_next_response = False
        self.drop_answer_to: bytes | None = None  # a request line start, e.g. b"POST /v1/push"
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            budget = [self.cut_after]
            threading.Thread(
                target=self._pipe, args=(client, upstream, budget, False), daemon=True
            ).start()
            threading.Thread(
                target=self._pipe, args=(upstream, client, budget, True), daemon=True
            ).start()

    def _pipe(
        self, source: socket.socket, sink: socket.socket, budget: list[int | None], answers: bool
    ) -> None:
        try:
            while data := source.recv(65536):
                if not answers and self.drop_answer_to and self.drop_answer_to in data:
                    self.drop_answer_to = None
                    self.drop_next_response = True
                if answers and self.drop_next_response:
                    self.drop_next_response = False
                    break
                if budget[0] is not None:
                    budget[0] -= len(data)
                    if budget[0] <= 0:
                        break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):  # shutdown wakes the other direction's blocked recv
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()


class Server:
    def __init__(self, data: Path, host: str = "127.0.0.1") -> None:
        self.data, self.host, self.port, self.process = data, host, free_port(), None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wallet",
                "--wallet",
                str(self.data),
                "serve",
                "--host",
                self.host,
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("server did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def sync_with_faults(
    pack: Backpack,
    url: str,
    proxy: CuttingProxy,
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
        assert retry.already_held <= sync.BATCH, "a sync after a fault re-sent more than one batch"
    return failed


def test_cuts_and_kills_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    server = Server(tmp_path / "server")
    server.start()
    proxy = CuttingProxy(server.port)
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
    proxy = CuttingProxy(server.port)
    url = f"http://127.0.0.1:{proxy.port}"
    laptop, _ = new_backpack(tmp_path / "laptop")
    sync.SyncClient(laptop, url).sync()  # registered, header uploaded
    list(laptop.import_sources(as_source(f"{i}.json", distinctive_badge(i)) for i in range(120)))
    proxy.drop_answer_to = b"POST /v1/push"
    with contextlib.suppress(SyncError):
        sync.SyncClient(laptop, url).sync()
    assert len(laptop.vault.outbox()) == 120  # the client could not know the batch landed
    retry = sync.SyncClient(laptop, url).sync()
    assert retry.already_held == sync.BATCH  # exactly the one batch, and no more
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
