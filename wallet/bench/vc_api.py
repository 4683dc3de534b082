"""`wallet bench`'s VC-API figure: how many credentials a `wallet serve` process verifies
per second for 50 concurrent clients, and the 95th percentile of their waits.

The server runs in a process of its own (the clients' threads would otherwise share its
interpreter lock), with the per-address rate lifted: the clients all come from 127.0.0.1,
and what is measured is the verifier, not the limiter."""

from __future__ import annotations

import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wallet.bench import app as app_bench

CLIENTS = 50
REQUESTS_EACH = 8
_SERVER = """
import sys
from dataclasses import replace
from wallet.server import serve
from wallet.server.limits import DEFAULT, Rate
from wallet.server.storage import ServerStore
limits = replace(DEFAULT, vc_api_rate=Rate(1e9, 1e9))
serve.run(ServerStore(sys.argv[1]), "127.0.0.1", int(sys.argv[2]), limits)
"""


def _started(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/vc-api/manifest.json")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the VC-API server did not start") from None
            time.sleep(0.05)


def verify_load(port: int, credential: dict[str, Any]) -> tuple[list[float], float]:
    """Each client keeps one connection and verifies `REQUESTS_EACH` times; every answer
    must be 200. Returns the latencies (seconds) and the elapsed time."""
    body = json.dumps({"verifiableCredential": credential}).encode()
    headers = {"Content-Type": "application/json"}
    latencies: list[float] = []
    lock = threading.Lock()

    def client(_: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        try:
            for _ in range(REQUESTS_EACH):
                start = time.perf_counter()
                connection.request("POST", "/credentials/verify", body, headers)
                response = connection.getresponse()
                answer = response.read()
                if response.status != 200:
                    raise AssertionError(f"verify answered {response.status}: {answer[:300]!r}")
                with lock:
                    latencies.append(time.perf_counter() - start)
        finally:
            connection.close()

    return latencies, app_bench.in_parallel(client, CLIENTS)


def run(credential: dict[str, Any]) -> Iterator[tuple[str, float, str]]:
    port = app_bench.free_port()
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{Path(folder) / 'server.db'}"
        process = subprocess.Popen(
            [sys.executable, "-c", _SERVER, database, str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _started(port, process)
            latencies, elapsed = verify_load(port, credential)
        finally:
            process.terminate()
            process.wait(timeout=10)
    name = f"vc-api.verify.eddsa-rdfc-2022-{CLIENTS}-clients"
    yield f"{name}.throughput", len(latencies) / elapsed, "requests/s"
    yield f"{name}.p95", statistics.quantiles(latencies, n=20)[-1] * 1000, "ms"
