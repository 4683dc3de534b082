"""Sync against the real server, started as `wallet serve` on 127.0.0.1 (SQLite)."""

from __future__ import annotations

import http.client
import json
import os
import time
from pathlib import Path

import pytest

from tests.support import (
    PASSPHRASE,
    SECRETS,
    Clock,
    as_source,
    contents,
    distinctive_badge,
    new_backpack,
    second_device,
)
from wallet.bench.app import free_port
from wallet.protocol import sync as protocol
from wallet.services.learner.backpack import Backpack
from wallet.services.sync import client as sync
from wallet.vc.multikey import KeyPair, KeyType


def server_bytes(data: Path, db_url: str) -> bytes:
    """Everything the server stored: its SQLite files, or a dump of its PostgreSQL tables."""
    if db_url.startswith("sqlite"):
        return b"".join(p.read_bytes() for p in data.iterdir() if p.is_file())
    import psycopg

    dumped = b""
    with psycopg.connect(db_url) as connection:
        for table in ("accounts", "devices", "records", "nonces", "server_meta"):
            for row in connection.execute(f"SELECT * FROM {table}").fetchall():
                dumped += repr(row).encode() + b"".join(
                    bytes(v) for v in row if isinstance(v, bytes | memoryview)
                )
    return dumped


def test_two_devices_converge(tmp_path: Path, server: tuple[str, Path, str]) -> None:
    url, _, _ = server
    laptop, words = new_backpack(tmp_path / "laptop")
    first = [
        r.id
        for r in laptop.import_sources(
            as_source(f"{i}.json", distinctive_badge(i)) for i in range(4)
        )
    ]
    sync.SyncClient(laptop, url).sync()
    phone = second_device(tmp_path, words, url)
    assert contents(phone) == contents(laptop)

    # both work offline: each imports something, each deletes something, the same tag edit
    laptop.import_sources([as_source("10.json", distinctive_badge(10))]).__next__()
    [added_on_phone] = list(phone.import_sources([as_source("11.json", distinctive_badge(11))]))
    laptop.delete(first[0])
    phone.delete(first[1])
    laptop.set_tags(first[2], ["from laptop"])
    phone.set_tags(first[3], ["from phone"])
    for _ in range(2):
        for device in (laptop, phone):
            sync.SyncClient(device, url).sync()
    assert contents(phone) == contents(laptop)
    assert len(contents(laptop)) == 4  # 4 + 2 added - 2 deleted
    assert added_on_phone.id in contents(laptop)
    assert laptop.show(first[3]).tags == ["from phone"]
    assert phone.show(first[2]).tags == ["from laptop"]
    assert [c["id"] for c in phone.search("pump #10")] != []  # the card index follows


def test_server_never_sees_plaintext(tmp_path: Path, server: tuple[str, Path, str]) -> None:
    url, data, db_url = server
    laptop, _ = new_backpack(tmp_path / "laptop")
    list(laptop.import_sources(as_source(f"{i}.json", distinctive_badge(i)) for i in range(3)))
    sync.SyncClient(laptop, url).sync()
    stored = server_bytes(data, db_url)
    assert len(stored) > 3 * 400
    for text in [*SECRETS, "Water systems", "Teamwork", PASSPHRASE]:
        assert text.encode() not in stored, text


def test_noop_sync_is_small_and_repeat_sync_sends_nothing(
    tmp_path: Path, server: tuple[str, Path, str]
) -> None:
    url, _, _ = server
    laptop, _ = new_backpack(tmp_path / "laptop")
    list(laptop.import_sources(as_source(f"{i}.json", distinctive_badge(i)) for i in range(3)))
    first = sync.SyncClient(laptop, url).sync()
    assert first.pushed == 3
    again = sync.SyncClient(laptop, url).sync()
    assert (again.pushed, again.pulled) == (0, 0)
    assert again.bytes_sent + again.bytes_received < 1024
    later = sync.SyncClient(laptop, url).sync()  # right after a push costs what later ones do
    assert again.bytes_sent + again.bytes_received == later.bytes_sent + later.bytes_received


def raw(
    url: str, method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict]:
    host = url.removeprefix("http://")
    connection = http.client.HTTPConnection(host, timeout=10)
    connection.request(method, target, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, {}


def signed(
    key: KeyPair, method: str, target: str, body: bytes = b"", *, when: float | None = None
) -> dict[str, str]:
    return {"Authorization": protocol.authorization(key, method, target, body, when or time.time())}


def registered_device(tmp_path: Path, url: str) -> tuple[KeyPair, Backpack]:
    pack, _ = new_backpack(tmp_path / f"dev{time.monotonic_ns()}")
    sync.SyncClient(pack, url).sync()
    return sync._device_key(pack.vault), pack


def test_bad_requests_are_refused_clearly(tmp_path: Path, server: tuple[str, Path, str]) -> None:
    url, _, _ = server
    device, _ = registered_device(tmp_path, url)
    assert raw(url, "GET", "/v1/pull")[0] == 401  # unsigned
    headers = signed(device, "GET", "/v1/pull")
    assert raw(url, "GET", "/v1/pull", headers=headers)[0] == 200
    status, body = raw(url, "GET", "/v1/pull", headers=headers)  # the same request again
    assert (status, body["error"]) == (401, "replayed")
    stranger = KeyPair.generate(KeyType.ED25519)
    forged = signed(stranger, "GET", "/v1/pull")
    forged["Authorization"] = forged["Authorization"].replace(
        protocol.did_key.did_for(stranger.public), protocol.did_key.did_for(device.public)
    )
    assert raw(url, "GET", "/v1/pull", headers=forged)[1]["error"] == "bad-signature"
    old = signed(device, "GET", "/v1/pull", when=time.time() - 3600)
    assert raw(url, "GET", "/v1/pull", headers=old)[1]["error"] == "clock"
    assert (
        raw(url, "GET", "/v1/pull", headers=signed(stranger, "GET", "/v1/pull"))[1]["error"]
        == "unknown-device"
    )
    garbage = os.urandom(300)
    status, body = raw(
        url, "POST", "/v1/push", garbage, signed(device, "POST", "/v1/push", garbage)
    )
    assert (status, body["error"]) == (400, "bad-body")
    huge = b"\0" * 1_100_000
    assert raw(url, "POST", "/v1/push", huge, signed(device, "POST", "/v1/push", huge))[0] == 413


def test_another_accounts_cursor_is_refused(tmp_path: Path, server: tuple[str, Path, str]) -> None:
    url, _, _ = server
    pack, _ = new_backpack(tmp_path / "first")
    list(pack.import_sources([as_source("a.json", distinctive_badge(1))]))
    for _ in range(2):  # the second pull moves the cursor past what the first push wrote
        sync.SyncClient(pack, url).sync()
    cursor = pack.vault.sync_state("cursor")
    assert not cursor.startswith("0.")
    other, _ = registered_device(tmp_path, url)
    for stolen in (cursor, "7.0000000000000000"):
        target = f"/v1/pull?cursor={stolen}"
        status, body = raw(url, "GET", target, headers=signed(other, "GET", target))
        assert (status, body["error"]) == (400, "bad-cursor")


def test_unreachable_server_is_a_clear_error_and_changes_nothing(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    list(pack.import_sources([as_source("a.json", distinctive_badge(1))]))
    with pytest.raises(protocol.SyncError, match="could not be reached"):
        sync.SyncClient(pack, f"http://127.0.0.1:{free_port()}").sync()
    assert len(pack.vault.outbox()) == 1
    assert pack.vault.sync_state("last")["ok"] is False


def test_backoff_grows_and_is_capped() -> None:
    delays = [sync.backoff_seconds(n) for n in range(1, 20)]
    assert delays[0] <= 2 and max(delays) <= 900
    assert sync.backoff_seconds(6) > sync.backoff_seconds(1)


def test_background_sync_is_due_for_changes_pulls_and_after_backoff(
    tmp_path: Path, server: tuple[str, Path, str]
) -> None:
    url, _, _ = server
    clock = Clock()
    clock.now = time.time()  # requests are signed with it, and the server checks the time
    pack, _ = new_backpack(tmp_path / "w", clock)

    assert sync.due(pack.vault, clock())  # never synced
    sync.SyncClient(pack, url, clock=clock).sync()
    assert not sync.due(pack.vault, clock())  # nothing to push, pulled just now
    list(pack.import_sources([as_source("a.json", distinctive_badge(1))]))
    assert sync.due(pack.vault, clock())  # a change waits in the outbox
    sync.SyncClient(pack, url, clock=clock).sync()
    assert not sync.due(pack.vault, clock() + sync.PULL_EVERY_SECONDS - 1)
    assert sync.due(pack.vault, clock() + sync.PULL_EVERY_SECONDS)  # look for others' changes

    gone = f"http://127.0.0.1:{free_port()}"
    retries = []
    for failures in (1, 2, 3):
        with pytest.raises(protocol.SyncError):
            sync.SyncClient(pack, gone, clock=clock).sync()
        last = pack.vault.sync_state("last")
        assert last["failures"] == failures
        assert not sync.due(pack.vault, clock())  # backing off
        retries.append(last["retry_at"] - clock())
        assert sync.due(pack.vault, last["retry_at"])
    assert retries[0] < retries[2]  # the backoff grows
    sync.SyncClient(pack, url, clock=clock).sync()
    assert pack.vault.sync_state("last")["ok"] and not sync.due(pack.vault, clock())


def test_one_credential_edited_on_two_devices_keeps_both_edits(
    tmp_path: Path, server: tuple[str, Path, str]
) -> None:
    """The phone re-checks a badge while the laptop tags it, both offline. Whichever edit
    ranks lower must not vanish: the device that holds an unsent edit when the other's
    arrives merges the two, field by field, before it pushes."""
    url, _, _ = server
    laptop_clock = Clock()
    laptop, words = new_backpack(tmp_path / "laptop", laptop_clock)
    [badge] = [r.id for r in laptop.import_sources([as_source("b.json", distinctive_badge(1))])]
    sync.SyncClient(laptop, url).sync()
    phone = second_device(tmp_path, words, url)
    phone_checked_before = phone.show(badge).checked

    phone.reverify_all()  # a newer report (the phone runs on the real clock) ...
    laptop_clock.now = time.time() + 200  # ... at an earlier time than the laptop's tag edit
    laptop.unlock(PASSPHRASE)  # the jump in time locked it
    laptop.set_tags(badge, ["from laptop"])

    sync.SyncClient(laptop, url).sync()
    sync.SyncClient(phone, url).sync()
    sync.SyncClient(laptop, url).sync()

    for device in (laptop, phone):
        held = device.show(badge)
        assert held.tags == ["from laptop"]
        assert held.checked > phone_checked_before
