"""Four `wallet serve` processes on one PostgreSQL, as a deployment behind a load balancer
runs them: one rate limiter and one nonce table for all (they live in the database), and
no write lost or duplicated when every connection may land on another process."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import Device, Proxy, postgres_database
from wallet.bench import figures as bench
from wallet.server.limits import DEFAULT

BURST, PER_SECOND = DEFAULT.device_rate.burst, DEFAULT.device_rate.per_second
FLOOD = 600  # quicker than the refill on any machine that runs the tests


@pytest.fixture
def four_processes(tmp_path: Path) -> Iterator[tuple[list[int], str]]:
    databases = postgres_database()
    db_url = next(databases)
    with bench.serve_processes(db_url, tmp_path / "server", 4) as urls:
        yield [int(url.rsplit(":", 1)[1]) for url in urls], db_url
    next(databases, None)


def accepted_in_a_flood(device: Device, ports: list[int], requests: int) -> tuple[int, float]:
    """How many of `requests` quick signed requests, spread over `ports`, got through."""
    connections = {port: http.client.HTTPConnection("127.0.0.1", port) for port in ports}
    accepted, start = 0, time.monotonic()
    try:
        for number in range(requests):
            device.port = ports[number % len(ports)]
            status, _ = device.request("GET", "/v1/header", connection=connections[device.port])
            assert status in (404, 429)  # no header yet, or slow down
            accepted += status == 404
    finally:
        for connection in connections.values():
            connection.close()
    return accepted, time.monotonic() - start


def test_one_limiter_holds_across_four_processes(four_processes: tuple[list[int], str]) -> None:
    ports, _ = four_processes
    across, alone = Device(ports[0]), Device(ports[0])
    across.register()
    alone.register()
    spread, spread_time = accepted_in_a_flood(across, ports, FLOOD)
    single, single_time = accepted_in_a_flood(alone, ports[:1], FLOOD)
    # each gets the burst and what refilled while it ran; per-process buckets would let
    # the spread client through 4 bursts
    for accepted, elapsed in ((spread, spread_time), (single, single_time)):
        assert BURST - 1 <= accepted <= BURST + PER_SECOND * elapsed + 1


def test_200_clients_by_20_syncs_on_four_processes_lose_and_duplicate_nothing(
    four_processes: tuple[list[int], str], tmp_path: Path
) -> None:
    import psycopg

    ports, db_url = four_processes
    balancer = Proxy(*ports)
    try:
        load = bench.sync_load(
            f"http://127.0.0.1:{balancer.port}", tmp_path, clients=200, rounds=20
        )
    finally:
        balancer.close()
    assert len(load.latencies) == 200 * 20
    assert balancer.connections >= 200 * 20  # a connection per sync, each to the next process
    with psycopg.connect(db_url) as db:
        for account, written in load.written.items():
            rows = db.execute(
                "SELECT id, seq FROM records WHERE account = %s AND kind = 'holder_key'",
                [account],
            ).fetchall()
            assert {row[0] for row in rows} == written  # every write arrived
            assert len(rows) == len(written) == 20  # once
            (seqs, distinct) = db.execute(
                "SELECT count(*), count(DISTINCT seq) FROM records WHERE account = %s",
                [account],
            ).fetchone()
            assert seqs == distinct  # no change numbered twice, so a pull misses none
