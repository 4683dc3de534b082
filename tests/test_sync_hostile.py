"""The untrusted server stays harmless (issue 13), seen from the device.

We play the malicious server for real: `ServerRows` rewrites the rows a real `wallet serve`
keeps in its SQLite file between syncs, and `Liar` is a small HTTP server on 127.0.0.1 in
front of it that forwards every request and rewrites the answers it is told to. Whatever
they do, nothing held on the device is lost, the device says what it refused and why,
and the next honest sync works."""

from __future__ import annotations

import dataclasses
import gzip
import http.client
import http.server
import json
import sqlite3
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support import (
    PASSPHRASE,
    Clock,
    Server,
    as_source,
    contents,
    distinctive_badge,
    new_backpack,
    second_device,
)
from wallet.protocol import sync as protocol
from wallet.services.learner.backpack import CREDENTIAL, HOLDER_KEY, Backpack
from wallet.services.sync import client as sync
from wallet.store import vault as vault_module
from wallet.store.errors import VaultCorrupt
from wallet.store.vault import DEVICE_KEY, SYNC_ACCOUNT, StoredRecord, Vault
from wallet.vc import did_key, trust_bundle
from wallet.vc.multikey import KeyPair, KeyType

Answer = tuple[int, dict[str, str], bytes]
Lie = Callable[[str, str, Answer], Answer | None]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real server for the module; every test has its own wallet, so its own account."""
    running = Server(tmp_path_factory.mktemp("server"))
    running.start()
    yield running
    running.kill()


class ServerRows:
    """The server's own storage, opened behind its back."""

    def __init__(self, server: Server, pack: Backpack) -> None:
        self.path = server.data / "server.db"
        self.account = sync.account_did(pack.vault)

    def rows(self) -> dict[str, list[Any]]:
        with sqlite3.connect(self.path) as db:
            found = db.execute(
                "SELECT id, kind, version, created, updated, deleted, blob FROM records "
                "WHERE account = ?",
                [self.account],
            ).fetchall()
        return {row[0]: list(row) for row in found}

    def write(self, *rows: list[Any]) -> None:
        """Each row replaces (or adds) the server's copy at a new position, written by no
        device, so every device of the account pulls it next."""
        with sqlite3.connect(self.path) as db:
            for row in rows:
                seq = db.execute(
                    "UPDATE accounts SET seq = seq + 1 WHERE id = ? RETURNING seq", [self.account]
                ).fetchone()[0]
                db.execute(
                    "INSERT OR REPLACE INTO records (account, id, kind, version, created, "
                    "updated, deleted, blob, seq, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [self.account, *row, seq, "the server itself"],
                )


class Liar:
    """An HTTP server on 127.0.0.1 that forwards to the real one, and lets a test rewrite
    any answer: `lie(method, path, (status, headers, body))` returns a new one, or None."""

    def __init__(self, upstream_port: int) -> None:
        self.lie: Lie = lambda method, path, answer: None
        liar = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                passed = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream.request(self.command, self.path, body=body, headers=passed)
                response = upstream.getresponse()
                kept = ("content-type", "content-encoding", "etag")
                answer = (
                    response.status,
                    {k: v for k, v in response.getheaders() if k.lower() in kept},
                    response.read(),
                )
                upstream.close()
                status, headers, data = liar.lie(self.command, self.path, answer) or answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _forward

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def liar(server: Server) -> Iterator[Liar]:
    lying = Liar(server.port)
    yield lying
    lying.close()


def url(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}"


def clock_now() -> Clock:
    clock = Clock()
    clock.now = time.time()  # requests are signed with it, and the server checks the time
    return clock


def synced_backpack(
    directory: Path, server_url: str, count: int = 3
) -> tuple[Backpack, list[str], str]:
    """A wallet with `count` credentials, synced to `server_url`; its ids and words."""
    pack, words = new_backpack(directory, clock_now())
    imported = pack.import_sources(
        as_source(f"{i}.json", distinctive_badge(i)) for i in range(count)
    )
    ids = [r.id for r in imported]
    client(pack, server_url).sync()
    return pack, ids, words


def everything(pack: Backpack) -> dict[str, StoredRecord]:
    """What the device holds, sealed: every record and tombstone as it is stored."""
    return {r.id: r for r in pack.vault.stored()}


def client(pack: Backpack, server_url: str) -> sync.SyncClient:
    return sync.SyncClient(pack, server_url, clock=pack.vault._clock)


def still_syncs(pack: Backpack, server_url: str) -> None:
    """Later syncs work: a new credential goes up, and a sync after it finds nothing new."""
    number = 100 + len(pack.vault.ids(CREDENTIAL))
    list(pack.import_sources([as_source("new.json", distinctive_badge(number))]))
    assert client(pack, server_url).sync().pushed == 1
    again = client(pack, server_url).sync()
    assert (again.pushed, again.refused) == (0, {})


# --- H1: forged deletes ----------------------------------------------------------------------


def test_h1_forged_tombstones_delete_nothing(tmp_path: Path, server: Server) -> None:
    """Bare tombstones (deleted, no seal) for every credential and holder key, a real
    tombstone moved onto another record, and a live record's blob relabelled deleted."""
    pack, ids, _ = synced_backpack(tmp_path / "laptop", url(server), count=4)
    holder = pack.new_holder_key()
    pack.delete(ids[3])  # a genuine, sealed tombstone for the server to misuse
    client(pack, url(server)).sync()
    before = everything(pack)
    rows = ServerRows(server, pack)
    held = rows.rows()
    bare = [
        [i, kind, version + 1, created, updated + 1, 1, None]
        for i, kind, version, created, updated, _, _ in held.values()
        if i != ids[3]
    ]
    moved = [*held[ids[3]]]
    moved[0], moved[2] = holder, held[holder][2] + 1  # ids[3]'s sealed tombstone, on the key
    relabelled = [*held[ids[1]]]
    relabelled[4], relabelled[5] = relabelled[4] + 1, 1  # ranks higher, its live blob kept
    rows.write(*bare, moved, relabelled)

    result = client(pack, url(server)).sync()

    assert everything(pack) == before  # nothing lost, nothing changed
    assert len(contents(pack)) == 3 and pack.holder_key(holder)
    assert result.refused == {"unsealed": len(bare)}  # moved and relabelled replace two
    still_syncs(pack, url(server))


def test_h1_local_only_records_are_never_touched_whatever_kind_is_named(
    tmp_path: Path, server: Server
) -> None:
    """The server names device_key and sync_account as credentials (and as themselves):
    on c4f2b8d that deleted the device key and the account seed, wedging sync for good."""
    pack, _, _ = synced_backpack(tmp_path / "laptop", url(server))
    before = everything(pack)
    device, account = sync._device_key(pack.vault), sync.account_did(pack.vault)
    rows = ServerRows(server, pack)
    now = int(time.time() * 1000)
    key = pack.vault.stored_record(DEVICE_KEY)
    forged = [
        [[i, CREDENTIAL, 99, now, now, 1, None] for i in (DEVICE_KEY, SYNC_ACCOUNT)],
        # the device key's own sealed blob, said to be a credential; the seed, as itself
        [
            [key.id, CREDENTIAL, key.version + 1, now, now, 0, key.blob],
            [SYNC_ACCOUNT, SYNC_ACCOUNT, 99, now, now, 1, None],
        ],
    ]
    for rows_of_lies in forged:
        rows.write(*rows_of_lies)
        result = client(pack, url(server)).sync()

        assert everything(pack) == before
        assert sync._device_key(pack.vault).public == device.public
        assert sync.account_did(pack.vault) == account
        assert result.refused == {"local-only": 2}
    still_syncs(pack, url(server))


def test_h1_a_row_without_a_blob_or_malformed_is_skipped_and_the_rest_applies(
    tmp_path: Path, server: Server
) -> None:
    """A live row with no blob, and rows that are not records at all: on c4f2b8d either
    made every later sync fail. Now each is counted and the genuine change beside it lands."""
    pack, ids, words = synced_backpack(tmp_path / "laptop", url(server))
    phone = second_device(tmp_path, words, url(server))
    pack.set_tags(ids[0], ["changed on the laptop"])
    client(pack, url(server)).sync()
    rows = ServerRows(server, pack)
    held = rows.rows()
    blobless = [*held[ids[1]]]
    blobless[2], blobless[6] = blobless[2] + 1, None
    text_version = [*held[ids[2]]]
    text_version[2] = "seven"
    control_id = [*held[ids[2]]]
    control_id[0] = "evil\0id"
    rows.write(blobless, text_version, control_id)
    before = everything(phone)

    result = client(phone, url(server)).sync()

    assert phone.show(ids[0]).tags == ["changed on the laptop"]  # the genuine change
    changed = {i for i in before if everything(phone)[i] != before[i]}
    assert changed == {ids[0]}
    assert len(contents(phone)) == 3
    assert result.refused == {"unsealed": 1, "malformed": 2}
    still_syncs(phone, url(server))


# --- the server lies about time, order and account -----------------------------------------


def test_records_from_the_future_are_refused(tmp_path: Path, server: Server) -> None:
    """The same sealed record, dated ten years ahead so it would win every tie for good."""
    pack, ids, _ = synced_backpack(tmp_path / "laptop", url(server))
    before = everything(pack)
    rows = ServerRows(server, pack)
    future = [*rows.rows()[ids[0]]]
    future[4] += 10 * 365 * 24 * 3600 * 1000
    created = [*rows.rows()[ids[1]]]
    created[3] = created[4] = future[4]
    rows.write(future, created)

    result = client(pack, url(server)).sync()

    assert everything(pack) == before
    assert result.refused == {"from-the-future": 2}
    still_syncs(pack, url(server))


def test_a_version_older_than_held_is_refused(tmp_path: Path, server: Server) -> None:
    """The server rolls a record back to a version the device has already replaced."""
    pack, ids, _ = synced_backpack(tmp_path / "laptop", url(server))
    rows = ServerRows(server, pack)
    old = rows.rows()[ids[0]]
    pack.set_tags(ids[0], ["kept"])
    client(pack, url(server)).sync()
    before = everything(pack)
    rows.write(old)

    result = client(pack, url(server)).sync()

    assert result.refused == {"older-than-held": 1}
    assert everything(pack) == before and pack.show(ids[0]).tags == ["kept"]


def test_another_account_is_refused_by_name(tmp_path: Path, liar: Liar) -> None:
    pack, _ = new_backpack(tmp_path / "w", clock_now())
    list(pack.import_sources([as_source("a.json", distinctive_badge(1))]))
    stranger = did_key.did_for(KeyPair.generate(KeyType.ED25519).public)

    def other_account(method: str, path: str, answer: Answer) -> Answer | None:
        if path == "/v1/devices":
            return 200, answer[1], protocol.encode({"account": stranger})
        return None

    liar.lie = other_account
    sync._device_key(pack.vault)  # made on a first sync anyway
    before = everything(pack)
    with pytest.raises(protocol.SyncError) as refused:
        client(pack, liar.url).sync()
    assert refused.value.code == "wrong-account"
    assert everything(pack) == before and len(pack.vault.outbox()) == 1
    assert pack.vault.sync_state("registered") is None
    assert pack.vault.sync_state("last")["code"] == "wrong-account"


def _pull_answer(path: str, answer: Answer) -> dict[str, Any] | None:
    return protocol.decode(answer[2]) if path.startswith("/v1/pull") and answer[0] == 200 else None


def test_a_cursor_going_back_is_refused_and_nothing_is_applied(
    tmp_path: Path, server: Server, liar: Liar
) -> None:
    pack, _, words = synced_backpack(tmp_path / "laptop", liar.url)
    phone = second_device(tmp_path, words, url(server))
    list(phone.import_sources([as_source("p.json", distinctive_badge(50))]))
    client(phone, url(server)).sync()
    client(pack, liar.url).sync()  # the laptop's cursor moves past the phone's first record
    list(phone.import_sources([as_source("q.json", distinctive_badge(51))]))
    client(phone, url(server)).sync()
    cursor = pack.vault.sync_state("cursor")
    assert protocol.cursor_position(cursor) > 1
    before = everything(pack)

    def backwards(method: str, path: str, answer: Answer) -> Answer | None:
        pulled = _pull_answer(path, answer)
        if pulled is None:
            return None
        pulled["cursor"] = "1." + pulled["cursor"].partition(".")[2]
        return answer[0], answer[1], protocol.encode(pulled)

    liar.lie = backwards
    with pytest.raises(protocol.SyncError) as refused:
        client(pack, liar.url).sync()
    assert refused.value.code == "cursor-backwards"
    assert everything(pack) == before and pack.vault.sync_state("cursor") == cursor

    liar.lie = lambda method, path, answer: None
    assert client(pack, liar.url).sync().pulled >= 1
    assert contents(pack) == contents(phone)


def test_a_cursor_for_another_account_costs_a_full_pull_not_the_sync(
    tmp_path: Path, server: Server, liar: Liar
) -> None:
    """A cursor handed over from another account: the device cannot check the server's MAC,
    so it keeps it; the honest server then refuses it, and the device starts over once."""
    stranger, _, _ = synced_backpack(tmp_path / "stranger", url(server), count=8)
    foreign = stranger.vault.sync_state("cursor")
    pack, _, words = synced_backpack(tmp_path / "laptop", liar.url)
    phone = second_device(tmp_path, words, url(server))

    def foreign_cursor(method: str, path: str, answer: Answer) -> Answer | None:
        pulled = _pull_answer(path, answer)
        if pulled is None:
            return None
        pulled["cursor"] = foreign
        return answer[0], answer[1], protocol.encode(pulled)

    liar.lie = foreign_cursor
    client(pack, liar.url).sync()
    assert pack.vault.sync_state("cursor") == foreign
    list(phone.import_sources([as_source("p.json", distinctive_badge(60))]))
    client(phone, url(server)).sync()
    before = everything(pack)
    liar.lie = lambda method, path, answer: None

    again = client(pack, liar.url).sync()

    assert again.refused == {} and again.pulled >= 1
    assert contents(pack) == contents(phone)
    assert all(everything(pack)[i] == before[i] for i in before)


def test_a_server_that_always_has_more_cannot_keep_the_device(
    tmp_path: Path, liar: Liar, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every pull answer says "more", with a cursor that creeps forward: the sync ends."""
    pack, _, _ = synced_backpack(tmp_path / "laptop", liar.url)
    monkeypatch.setattr(sync, "MAX_PULL_BATCHES", 5, raising=False)
    pulls = []

    def endless(method: str, path: str, answer: Answer) -> Answer | None:
        if not path.startswith("/v1/pull"):
            return None
        pulls.append(path)
        more = len(pulls) < 50  # c4f2b8d would go on for as long as we said "more"
        forever = {"records": [], "cursor": f"{1000 + len(pulls)}.abcd", "more": more}
        return 200, answer[1], protocol.encode(forever)

    liar.lie = endless
    client(pack, liar.url).sync()
    assert len(pulls) == 5


def test_a_push_answer_that_counts_nothing_is_refused_and_the_batch_stays(
    tmp_path: Path, liar: Liar
) -> None:
    pack, _, _ = synced_backpack(tmp_path / "laptop", liar.url)
    list(pack.import_sources([as_source("a.json", distinctive_badge(70))]))

    def nonsense(method: str, path: str, answer: Answer) -> Answer | None:
        if path == "/v1/push":
            return 200, answer[1], protocol.encode(["not", "an", "answer"])
        return None

    liar.lie = nonsense
    with pytest.raises(protocol.SyncError) as refused:
        client(pack, liar.url).sync()
    assert refused.value.code == "unreadable" and len(pack.vault.outbox()) == 1


def test_a_log_that_pages_forever_is_refused(liar: Liar) -> None:
    """The same page of entries again and again: reading an issuance log ends."""
    pages = []

    def same_page(method: str, path: str, answer: Answer) -> Answer | None:
        pages.append(path)
        if len(pages) > 20:  # what c4f2b8d would do forever
            return 500, {}, b""
        page = {"entries": [{"seq": 1}, {"seq": 2}]}
        return 200, {"Content-Type": "application/json"}, json.dumps(page).encode()

    liar.lie = same_page
    with pytest.raises(protocol.SyncError) as refused:
        sync.fetch_log(liar.url, "did:key:z6MkTrainer", 0)
    assert len(pages) == 2 and refused.value.code == "unreadable"


def test_moving_to_another_server_starts_afresh_there(tmp_path: Path, server: Server) -> None:
    """The new server does not know the old one's cursor: the device pulls from the start
    there, uploads its header again and offers it every record."""
    pack, _, words = synced_backpack(tmp_path / "laptop", url(server))
    elsewhere = Server(tmp_path / "elsewhere")
    elsewhere.start()
    try:
        moved = f"http://127.0.0.1:{elsewhere.port}"
        # the pull from the start there re-queues every record, and the push sends them
        assert client(pack, moved).sync().pushed >= 3
        phone = second_device(tmp_path, words, moved)  # needs the header there
        assert contents(phone) == contents(pack)
        list(phone.import_sources([as_source("a.json", distinctive_badge(80))]))
        client(phone, moved).sync()
        assert client(pack, moved).sync().pulled == 1  # what the phone added
        assert contents(phone) == contents(pack)
    finally:
        elsewhere.kill()


# --- M10: answers too large, compressed or not ----------------------------------------------

BOMB_BYTES = 64 * 1024 * 1024


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    return gzip.compress(bytes(BOMB_BYTES), compresslevel=9)


@pytest.mark.parametrize("shape", ["gzip-bomb", "plain"])
def test_m10_an_answer_too_large_is_refused_in_bounded_memory(
    tmp_path: Path, server: Server, liar: Liar, gzip_bomb: bytes, shape: str
) -> None:
    pack, _, _ = synced_backpack(tmp_path / "laptop", liar.url)
    before = everything(pack)
    cursor = pack.vault.sync_state("cursor")
    huge = (
        (200, {"Content-Encoding": "gzip", "Content-Type": protocol.CONTENT_TYPE}, gzip_bomb)
        if shape == "gzip-bomb"
        else (200, {"Content-Type": protocol.CONTENT_TYPE}, bytes(trust_bundle.MAX_BYTES + 1))
    )
    liar.lie = lambda method, path, answer: huge if path.startswith("/v1/pull") else None
    assert len(gzip_bomb) < 200_000  # what the server sends; it inflates to 64 MB

    tracemalloc.start()
    try:
        with pytest.raises(protocol.SyncError) as refused:
            client(pack, liar.url).sync()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < trust_bundle.MAX_BYTES + 8 * 1024 * 1024  # the cap and change, never 64 MB
    assert refused.value.code == "too-large"
    assert everything(pack) == before and pack.vault.sync_state("cursor") == cursor
    liar.lie = lambda method, path, answer: None
    client(pack, liar.url).sync()


# --- old vaults ------------------------------------------------------------------------------


def test_an_old_vaults_bare_tombstone_is_sealed_and_still_syncs(
    tmp_path: Path, server: Server
) -> None:
    """A vault from before sealed tombstones: its bare tombstone is sealed at a new version
    once unlocked, so the delete still reaches other devices, which now refuse bare ones."""
    pack, ids, words = synced_backpack(tmp_path / "laptop", url(server))
    phone = second_device(tmp_path, words, url(server))
    pack.delete(ids[0])
    pack.vault.db.execute("UPDATE records SET blob = NULL WHERE deleted = 1")  # as c4f2b8d did
    pack.vault.db.execute("PRAGMA user_version = 3")  # before sealed tombstones (_v4)
    directory, clock = pack.vault.directory, pack.vault._clock
    pack.vault.close()
    vault = Vault.open(directory, clock=clock)
    vault.unlock(PASSPHRASE)
    pack = Backpack(vault, clock=clock)

    client(pack, url(server)).sync()

    tombstone = pack.vault.stored_record(ids[0])
    assert tombstone.version == 3 and pack.vault.open_stored(tombstone) == vault_module.TOMBSTONE
    assert client(phone, url(server)).sync().refused == {}
    assert ids[0] not in contents(phone) and len(contents(phone)) == 2


def test_an_old_backup_with_bare_tombstones_still_restores(tmp_path: Path) -> None:
    from wallet.services.learner.backpack import restore

    pack, _ = new_backpack(tmp_path / "w")
    [kept, gone] = [
        r.id
        for r in pack.import_sources(as_source(f"{i}.json", distinctive_badge(i)) for i in range(2))
    ]
    pack.delete(gone)
    pack.vault.db.execute("UPDATE records SET blob = NULL WHERE deleted = 1")  # as c4f2b8d did
    pack.backup(tmp_path / "old.backup")
    restored = restore(
        (tmp_path / "old.backup").read_bytes(),
        tmp_path / "restored",
        lambda vault: vault.unlock(PASSPHRASE),
    )
    assert list(contents(restored)) == [kept]
    assert restored.vault.stored_record(gone).deleted


# --- properties: a pulled row is a record or refused, and any tampering is caught ----------

_ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.binary(max_size=8),
    lambda inner: st.lists(inner, max_size=8),
    max_leaves=16,
)


_NEAR_ROWS = st.lists(
    st.integers(-1, 2**54) | st.text(max_size=5) | st.none() | st.binary(max_size=4),
    min_size=7,
    max_size=7,
)


@given(_ANY | _NEAR_ROWS)
def test_a_pulled_row_is_a_record_or_refused_by_name(row: Any) -> None:
    try:
        record = protocol.record(row)
    except protocol.ProtocolError:
        return
    assert isinstance(record, StoredRecord) and record.row() == [*row[:5], int(row[5]), row[6]]


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Vault, list[StoredRecord]]:
    """A vault holding a credential and a tombstone, both sealed."""
    pack, _ = new_backpack(tmp_path_factory.mktemp("sealed"))
    [kept, gone] = [
        r.id
        for r in pack.import_sources(as_source(f"{i}.json", distinctive_badge(i)) for i in (1, 2))
    ]
    pack.delete(gone)
    return pack.vault, [pack.vault.stored_record(kept), pack.vault.stored_record(gone)]


@given(
    which=st.integers(0, 1),
    field=st.sampled_from(["id", "kind", "version", "deleted", "blob"]),
    flip=st.integers(0, 10_000),
)
def test_any_change_to_a_sealed_record_or_tombstone_is_caught(
    sealed: tuple[Vault, list[StoredRecord]], which: int, field: str, flip: int
) -> None:
    vault, records = sealed
    record = records[which]
    assert vault.open_stored(record) is not None
    blob = bytearray(record.blob)
    blob[flip % len(blob)] ^= 1 + flip % 255
    changed = {
        "id": {"id": records[1 - which].id},
        "kind": {"kind": HOLDER_KEY},
        "version": {"version": record.version + 1 + flip},
        "deleted": {"deleted": not record.deleted},
        "blob": {"blob": bytes(blob)},
    }[field]
    with pytest.raises(VaultCorrupt):
        vault.open_stored(dataclasses.replace(record, **changed))
