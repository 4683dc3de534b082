"""The sync server under hostile clients (issue 13): raw sockets and http.client against a
real server on 127.0.0.1, `wallet serve` where the defaults are what is tested, and the
same app in a thread where a fake clock or small quotas are."""

from __future__ import annotations

import contextlib
import http.client
import json
import select
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NOW
from tests.support import (
    Device,
    in_thread,
    new_did,
    send,
)
from wallet.bench.app import free_port
from wallet.protocol import sync as protocol
from wallet.vc import did_key, trust_bundle
from wallet.vc.multikey import KeyPair, KeyType


def refused(answer: tuple[int, Any], status: int, code: str | None = None) -> None:
    """A 4xx with a named error and a reason, never a 500."""
    got, body = answer
    assert got == status, answer
    assert isinstance(body, dict) and body.get("message"), answer
    if code is not None:
        assert body["error"] == code, answer


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


# --- raw sockets: bodies that stream, or trickle -------------------------------------------


def read_answer(sock: socket.socket) -> tuple[int, dict[str, Any]]:
    sock.setblocking(True)
    sock.settimeout(30)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", 0))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(lines[0].split()[1]), json.loads(rest[:length]) if length else {}


def stream_until_answered(
    port: int, request_head: str, *, prefix: bytes = b"", most: int = 48_000_000
) -> tuple[int, dict[str, Any], int, bool]:
    """A chunked body (`prefix`, then spaces) sent until the server answers or `most`
    bytes went; returns (status, answer, bytes sent, answered before the body ended)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(request_head.encode() + b"Transfer-Encoding: chunked\r\n\r\n")
    piece = b" " * 65536
    pending = memoryview(b"%x\r\n%s\r\n" % (len(prefix), prefix) if prefix else b"")
    sent, answered = 0, False
    sock.setblocking(False)
    while True:
        if not pending:
            if sent >= most:
                break
            pending = memoryview(b"%x\r\n%s\r\n" % (len(piece), piece))
        readable, writable, _ = select.select([sock], [sock], [], 10)
        if readable:
            answered = True
            break
        if writable:
            try:
                count = sock.send(pending)
            except OSError:
                answered = True  # the server closed; its answer is waiting
                break
            sent += count
            pending = pending[count:]
    if not answered:
        sock.setblocking(True)
        sock.sendall(bytes(pending) + b"0\r\n\r\n")
    try:
        status, answer = read_answer(sock)
    finally:
        sock.close()
    return status, answer, sent, answered


def signed_head(device: Device, method: str, target: str) -> str:
    return (
        f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {device.authorization(method, target, b'')}\r\n"
    )


@pytest.fixture
def sqlite_serve(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """`wallet serve` on SQLite with its default limits, as deployed."""
    port, data = free_port(), tmp_path / "server"
    process = subprocess.Popen(
        [sys.executable, "-m", "wallet", "--wallet", str(data), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port, data / "server.db"
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.parametrize(
    ("method", "target", "signed"),
    [
        ("POST", "/v1/devices", True),
        ("PUT", "/v1/header", True),
        ("POST", "/v1/push", True),
        ("GET", "/v1/pull", True),
        ("POST", "/v1/logs/{did}", False),
    ],
)
def test_h2_a_chunked_body_is_cut_off_at_the_cap_on_every_endpoint(
    sqlite_serve: tuple[int, Path], method: str, target: str, signed: bool
) -> None:
    port, _ = sqlite_serve
    device = Device(port)
    device.register()
    target = target.format(did=new_did())
    head = (
        signed_head(device, method, target)
        if signed
        else f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    )
    status, answer, sent, answered = stream_until_answered(port, head)
    assert answered and status == 413 and answer["error"] == "too-large"
    assert sent < 16_000_000  # the cap is 1 MB; loopback buffers hold a few more


def test_h2_an_unsigned_chunked_body_is_refused_before_it_is_read(
    sqlite_serve: tuple[int, Path],
) -> None:
    port, _ = sqlite_serve
    head = "POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    status, answer, _, answered = stream_until_answered(port, head)
    assert answered and status == 401 and answer["error"] == "unsigned"


def test_h2_a_declared_length_over_the_cap_is_refused_unread(
    sqlite_serve: tuple[int, Path],
) -> None:
    port, _ = sqlite_serve
    device = Device(port)
    device.register()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            (signed_head(device, "POST", "/v1/push") + "Content-Length: 50000000\r\n\r\n").encode()
        )
        assert read_answer(sock)[0] == 413


# --- M3: a bundle's signed header before the rest ------------------------------------------


def signed_bundle(key: KeyPair, sequence: int) -> dict[str, Any]:
    return trust_bundle.sign_bundle({}, key, sequence, NOW, NOW + timedelta(days=90))


def bundle_head(publisher: str) -> str:
    return f"PUT /v1/bundles/{publisher} HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def test_m3_a_bundle_header_nobody_signed_is_refused_before_the_rest_arrives(
    sqlite_serve: tuple[int, Path],
) -> None:
    port, _ = sqlite_serve
    key = KeyPair.generate(KeyType.ED25519)
    publisher = did_key.did_for(key.public)
    forged = signed_bundle(key, 1)["header"] | {"sequence": 2}  # the signature no longer holds
    prefix = b'{"header":' + json.dumps(forged).encode() + b',"entries":{"a":"'
    status, answer, _, answered = stream_until_answered(port, bundle_head(publisher), prefix=prefix)
    assert answered and (status, answer["error"]) == (400, "bad-bundle")
    assert "signature" in answer["message"]


def test_m3_a_stale_bundle_is_refused_before_the_rest_arrives(
    sqlite_serve: tuple[int, Path],
) -> None:
    port, _ = sqlite_serve
    key = KeyPair.generate(KeyType.ED25519)
    publisher = did_key.did_for(key.public)
    first = signed_bundle(key, 1)
    assert send(port, "PUT", f"/v1/bundles/{publisher}", json.dumps(first).encode()) == (
        200,
        {"sequence": 1},
    )
    prefix = b'{"header":' + json.dumps(first["header"]).encode() + b',"entries":{"a":"'
    status, answer, _, answered = stream_until_answered(port, bundle_head(publisher), prefix=prefix)
    assert answered and (status, answer["error"]) == (409, "stale-bundle")


def test_m3_a_bundle_must_start_with_its_header(sqlite_serve: tuple[int, Path]) -> None:
    port, _ = sqlite_serve
    key = KeyPair.generate(KeyType.ED25519)
    publisher = did_key.did_for(key.public)
    bundle = signed_bundle(key, 1)
    backwards = json.dumps({"entries": bundle["entries"], "header": bundle["header"]})
    refused(send(port, "PUT", f"/v1/bundles/{publisher}", backwards.encode()), 400, "header-first")
    status, answer, _, answered = stream_until_answered(port, bundle_head(publisher))
    assert answered and (status, answer["error"]) == (400, "header-first")


# --- M2: nonces ----------------------------------------------------------------------------


def nonce_rows(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return db.execute("SELECT count(*) FROM nonces").fetchone()[0]


def test_m2_an_unregistered_flood_stores_no_nonce(sqlite_serve: tuple[int, Path]) -> None:
    port, database = sqlite_serve
    stranger = Device(port)
    with contextlib.closing(http.client.HTTPConnection("127.0.0.1", port)) as connection:
        for _ in range(50):
            refused(stranger.request("GET", "/v1/header", connection=connection), 403)
    bad_signature = {"Authorization": stranger.authorization("GET", "/v1/pull", b"")}
    refused(send(port, "GET", "/v1/header", headers=bad_signature), 401, "bad-signature")
    assert nonce_rows(database) == 0


def test_m2_a_nonce_is_bounded(sqlite_serve: tuple[int, Path]) -> None:
    port, database = sqlite_serve
    device = Device(port)
    device.register()
    refused(device.request("GET", "/v1/header", nonce="a" * 10_000), 401, "bad-nonce")
    refused(device.request("GET", "/v1/header", nonce="a;b"), 401, "bad-nonce")
    assert device.request("GET", "/v1/header", nonce="f" * 64)[0] == 404  # no header yet
    assert nonce_rows(database) == 2  # the registration's and the last one


def test_m2_old_nonces_and_buckets_expire_for_everyone(tmp_path: Path) -> None:
    from tests.support import Clock
    from wallet.server.app import create_app
    from wallet.server.storage import ServerStore

    clock = Clock()
    store = ServerStore(f"sqlite:///{tmp_path / 'server.db'}")
    with in_thread(create_app(store, clock=clock)) as port:
        quiet, busy = Device(port, clock), Device(port, clock)
        quiet.register()
        busy.register()
        assert quiet.request("GET", "/v1/header")[0] == 404
        clock.now += 2 * protocol.MAX_CLOCK_SKEW_SECONDS + 61  # the quiet one never returns
        assert busy.request("GET", "/v1/header")[0] == 404
    with contextlib.closing(sqlite3.connect(tmp_path / "server.db")) as db:
        devices = {row[0] for row in db.execute("SELECT device FROM nonces")}
        buckets = {row[0] for row in db.execute("SELECT key FROM rate_buckets")}
    assert devices == {busy.did}
    assert buckets == {f"device:{busy.did}"}


# --- L2: what used to be a 500 -------------------------------------------------------------


def test_l2_numbers_and_text_the_database_cannot_hold_are_400s(
    server: tuple[str, Path, str],
) -> None:
    port = port_of(server[0])
    device = Device(port)
    device.register()
    for field in (2, 3, 4):  # version, created, updated
        row: list[Any] = ["id-1", "credential", 1, 1, 1, 0, b"sealed"]
        row[field] = 2**63
        refused(device.request("POST", "/v1/push", protocol.encode([row])), 400, "bad-body")
    nul = ["id\x00", "credential", 1, 1, 1, 0, b"sealed"]
    refused(device.request("POST", "/v1/push", protocol.encode([nul])), 400, "bad-body")
    refused(device.request("GET", "/v1/pull?cursor=%C3%A9.0"), 400, "bad-cursor")
    refused(device.request("GET", f"/v1/pull?limit={2**63}"), 400, "bad-limit")
    publisher = new_did()
    for since in ("9" * 4_301, str(2**63), "%C2%B2", "-1"):
        refused(send(port, "GET", f"/v1/bundles/{publisher}?since={since}"), 400, "bad-since")
    refused(send(port, "GET", f"/v1/logs/{publisher}?after={2**63}"), 400, "bad-after")
    refused(send(port, "GET", "/v1/logs/did:key:z%00"), 400, "bad-trainer")
    refused(send(port, "GET", "/v1/bundles/nobody"), 400, "bad-publisher")


def test_l2_deep_json_and_lone_surrogates_are_400s(
    server: tuple[str, Path, str],
) -> None:
    port = port_of(server[0])
    trainer = new_did()
    deep = b'{"entries":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    refused(send(port, "POST", f"/v1/logs/{trainer}", deep), 400, "bad-json")
    shallow_but_deep = b'{"entries":[' + b"[" * 40 + b"]" * 40 + b"]}"
    refused(send(port, "POST", f"/v1/logs/{trainer}", shallow_but_deep), 400, "bad-json")
    entry = {"trainer": trainer, "seq": 1, "prev": "", "signature": "zz", "note": "\ud800"}
    lone = json.dumps({"entries": [entry]}).encode()
    refused(send(port, "POST", f"/v1/logs/{trainer}", lone), 400, "bad-json")
    raw = lone.replace(b"\\ud800", "\ud800".encode("utf-8", "surrogatepass"))
    refused(send(port, "POST", f"/v1/logs/{trainer}", raw), 400, "bad-json")
    bundle = b'{"header":' + b"[" * 100_000
    refused(send(port, "PUT", f"/v1/bundles/{trainer}", bundle), 400, "header-first")


# --- L5: slow bodies, rates and quotas -----------------------------------------------------


def test_l5_a_trickled_body_gets_408(sqlite_serve: tuple[int, Path]) -> None:
    port, _ = sqlite_serve
    device = Device(port)
    device.register()
    for head in (
        signed_head(device, "POST", "/v1/push"),
        f"POST /v1/logs/{new_did()} HTTP/1.1\r\nHost: 127.0.0.1\r\n",
    ):
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall((head + "Content-Length: 1000\r\n\r\n").encode())
            answered = False
            for _ in range(60):  # a byte each half second: 30 s; the limit allows ~10
                if select.select([sock], [], [], 0.5)[0]:
                    answered = True
                    break
                sock.sendall(b" ")
            assert answered
            status, answer = read_answer(sock)
            assert (status, answer["error"]) == (408, "too-slow")


def test_l5_logs_and_bundles_are_rate_limited(sqlite_serve: tuple[int, Path]) -> None:
    port, _ = sqlite_serve
    did = new_did()
    targets = [f"/v1/logs/{did}", f"/v1/bundles/{did}"]
    accepted, limited, start = 0, set(), time.monotonic()
    with contextlib.closing(http.client.HTTPConnection("127.0.0.1", port)) as connection:
        for number in range(4_000):  # both endpoints, from one address, until both say 429
            connection.request("GET", targets[number % 2])
            response = connection.getresponse()
            body = json.loads(response.read())
            if response.status == 429:
                assert body["error"] == "slow-down" and int(response.getheader("Retry-After")) >= 1
                limited.add(number % 2)
                if len(limited) == 2:
                    break
            else:
                accepted += 1
        else:
            pytest.fail("4,000 requests from one address and not limited on both endpoints")
    assert accepted <= 200 + 20 * (time.monotonic() - start) + 1  # burst + refill


def test_l5_a_device_is_rate_limited(tmp_path: Path) -> None:
    """A bucket that refills too slowly to matter within the test, so the limit shows
    however fast this machine answers (at the default 20/s, a loaded machine's answers
    come slower than the refill)."""
    from dataclasses import replace

    from wallet.server.app import create_app
    from wallet.server.limits import DEFAULT, Rate
    from wallet.server.storage import ServerStore

    burst = 30
    limits = replace(DEFAULT, device_rate=Rate(per_second=0.01, burst=float(burst)))
    store = ServerStore(f"sqlite:///{tmp_path / 'server.db'}")
    with in_thread(create_app(store, limits=limits)) as port:
        device = Device(port)
        device.register()  # one request of the burst
        with contextlib.closing(http.client.HTTPConnection("127.0.0.1", port)) as connection:
            statuses = [
                device.request("GET", "/v1/header", connection=connection)[0]
                for _ in range(burst + 10)
            ]
    assert statuses.count(404) == burst - 1  # no header yet: each admitted request is a 404
    assert set(statuses[burst - 1 :]) == {429}


def test_l5_quotas_are_named_refusals(tmp_path: Path) -> None:
    from dataclasses import replace

    from wallet.server.app import create_app
    from wallet.server.limits import DEFAULT
    from wallet.server.storage import ServerStore

    limits = replace(
        DEFAULT,
        max_records_per_account=3,
        max_record_bytes_per_account=1_000,
        max_devices_per_account=2,
        max_log_entries=2,
        max_bundle_versions=2,
        max_header_bytes=100,
    )
    store = ServerStore(f"sqlite:///{tmp_path / 'server.db'}")
    with in_thread(create_app(store, limits=limits)) as port:
        device = Device(port)
        device.register()

        def push(*rows: list[Any]) -> tuple[int, Any]:
            return device.request("POST", "/v1/push", protocol.encode(list(rows)))

        def row(name: str, size: int, version: int = 1) -> list[Any]:
            return [name, "credential", version, 1, 1, 0, b"x" * size]

        assert push(row("a", 10), row("b", 10), row("c", 10))[0] == 200
        refused(push(row("d", 10)), 403, "quota-records")
        assert push(row("a", 10, version=2))[0] == 200  # a new version of a held record
        refused(push(row("a", 990, version=3)), 403, "quota-bytes")
        refused(device.request("PUT", "/v1/header", b"h" * 101), 413, "too-large")
        second, third = Device(port), Device(port)
        second.account = third.account = device.account
        second.register()
        with pytest.raises(AssertionError):
            third.register()
        attestation = device.account.sign(protocol.DEVICE_ATTESTATION + third.did.encode())
        claim = {"account": did_key.did_for(device.account.public), "attestation": attestation}
        refused(third.request("POST", "/v1/devices", protocol.encode(claim)), 403, "quota-devices")

        from tests.support import chain

        key = KeyPair.generate(KeyType.P256)
        trainer, entries = did_key.did_for(key.public), chain(key, 3)
        target = f"/v1/logs/{trainer}"
        assert send(port, "POST", target, json.dumps({"entries": entries[:2]}).encode())[0] == 200
        refused(
            send(port, "POST", target, json.dumps({"entries": entries}).encode()), 403, "quota-log"
        )

        publisher_key = KeyPair.generate(KeyType.ED25519)
        publisher = did_key.did_for(publisher_key.public)
        for sequence in (1, 2):
            body = json.dumps(signed_bundle(publisher_key, sequence)).encode()
            assert send(port, "PUT", f"/v1/bundles/{publisher}", body)[0] == 200
        body = json.dumps(signed_bundle(publisher_key, 3)).encode()
        refused(send(port, "PUT", f"/v1/bundles/{publisher}", body), 403, "quota-bundle-versions")


def closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(30)  # a timeout raises: the server kept the connection open
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_l5_trickled_headers_and_silent_connections_are_closed(
    sqlite_serve: tuple[int, Path],
) -> None:
    port, _ = sqlite_serve
    with (
        socket.create_connection(("127.0.0.1", port)) as silent,
        socket.create_connection(("127.0.0.1", port)) as trickling,
    ):
        trickling.sendall(b"GET /v1/pull HTTP/1.1\r\n")
        for _ in range(60):  # a header line each half second: 30 s; the limit allows 10
            if select.select([trickling], [], [], 0.5)[0]:
                break
            try:
                trickling.sendall(b"X-Slow: 1\r\n")
            except OSError:
                break
        assert closed_by_server(trickling) and closed_by_server(silent)
    assert send(port, "GET", "/v1/header")[0] == 401  # and the server still answers
