"""Sync the backpack with a server when a connection exists, in as few bytes as we can.

Push: the outbox (every local change, queued in the same transaction) goes up in batches
of sealed records; a batch leaves the outbox only once the server has accepted it, so an
interrupted sync re-sends at most that batch, and the server ignores what it already has.
Pull: records changed since our cursor come down in batches and are applied by the same
ranking the server uses (version, then update time, then digest), so devices converge.
Concurrent edits of one credential merge per field (tags by their own update time): the
pull runs before the push, so the other side's edit arrives while ours is still queued.

The server is untrusted: a pulled record is applied only if it opens under the data key
with its id, kind, version and deletion (tombstones are sealed too), never replaces a
record that stays on this device, and is neither dated far ahead of our clock nor older
than what we hold. A row that fails is skipped and counted (`SyncResult.refused`); an
answer that is too large, or a cursor that goes back, ends the sync with a named
`SyncError` before anything local changes.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wallet.protocol import sync as protocol
from wallet.protocol.sync import SyncError
from wallet.services import http as transport
from wallet.services.issuer.trainer import Trainer
from wallet.services.learner.backpack import CREDENTIAL, Backpack, merge_edits
from wallet.store import kdf, recovery
from wallet.store.errors import VaultCorrupt
from wallet.store.vault import DEVICE_KEY, LOCAL_KINDS, SYNC_ACCOUNT, StoredRecord, Vault
from wallet.store.verifier_store import VerifierStore
from wallet.vc import did_key, trust_bundle
from wallet.vc.multikey import KeyPair, KeyType

LOG_BATCH = 50  # issuance log entries per upload
_JSON = "application/json"
_LOG_UPLOADED = "log-uploaded"  # the last issuance log entry the server accepted
PULL_EVERY_SECONDS = 15 * 60  # with nothing to push, look for other devices' changes this often
# The largest answer a sync reads, as sent and once inflated: a registry's whole trust
# bundle. A pull batch of sealed records is far smaller; anything larger is refused.
MAX_ANSWER_BYTES = trust_bundle.MAX_BYTES
# How far ahead of our clock a record may be dated: devices sync only within
# MAX_CLOCK_SKEW_SECONDS of the server, but may have edited offline on a clock set wrong.
MAX_FUTURE_SECONDS = 24 * 3600
MAX_PULL_BATCHES = 1_000  # per sync: a server that always has "more" cannot keep us forever
_WHO = "the sync server"
# Pacing: a bucket like the server's for this device, slower and smaller, so a big sync
# keeps under the server's limit rather than running into it.
_PACE_PER_SECOND = 0.9 * protocol.DEVICE_REQUESTS_PER_SECOND
_PACE_BURST = protocol.DEVICE_BURST / 2
# A 429 is waited out: each Retry-After up to MAX_RETRY_AFTER_SECONDS, a request tried at
# most MAX_ATTEMPTS times, and one sync waiting MAX_WAITING_SECONDS in all before it gives
# up as "busy" (and its failure's backoff takes over).
MAX_RETRY_AFTER_SECONDS = 60.0
MAX_ATTEMPTS = 5
MAX_WAITING_SECONDS = 300.0
Progress = Callable[[str, int], None]
Sleep = Callable[[float], None]


@dataclass
class SyncResult:
    pushed: int = 0
    pulled: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    already_held: int = 0  # pushed records the server had already: the cost of a retry
    log_entries: int = 0  # issuance log entries uploaded for the trainer's organisation
    # pulled rows this device would not apply, by reason: "malformed" (not a record),
    # "local-only" (names a record that never leaves this device), "unsealed" (does not
    # open under our key with its id, kind, version and deletion: forged, or a bare
    # tombstone), "from-the-future", "older-than-held" (a rollback)
    refused: dict[str, int] = field(default_factory=dict)

    def refuse(self, code: str) -> None:
        self.refused[code] = self.refused.get(code, 0) + 1

    def to_json(self) -> dict[str, Any]:
        counts = asdict(self)
        del counts["already_held"]
        return counts


def backoff_seconds(failures: int, *, base: float = 2.0, cap: float = 900.0) -> float:
    """How long to wait after `failures` failed syncs in a row: exponential, with jitter so
    a classroom of phones that lost the network together do not retry together."""
    return random.uniform(0.5, 1.0) * min(cap, base * 2 ** max(0, failures - 1))


def _failures(vault: Vault) -> int:
    last = vault.sync_state("last") or {}
    return 0 if last.get("ok", True) else int(last.get("failures", 1))


def due(vault: Vault, now: float) -> bool:
    """Whether a background sync should run now: something waits in the outbox, or other
    devices may have written since the last sync; never before a failure's backoff ends."""
    last = vault.sync_state("last")
    if last is None:
        return True
    if not last["ok"]:
        return now >= last.get("retry_at", 0.0)
    return bool(vault.outbox()) or now - last["at"] >= PULL_EVERY_SECONDS


class _Pace:
    """A token bucket the client keeps for itself: `wait` before each request."""

    def __init__(self, clock: Callable[[], float], sleep: Sleep) -> None:
        self._clock, self._sleep = clock, sleep
        self._tokens, self._at = _PACE_BURST, clock()

    def wait(self) -> None:
        now = self._clock()
        self._tokens = min(_PACE_BURST, self._tokens + max(0.0, now - self._at) * _PACE_PER_SECOND)
        self._at = now
        if self._tokens < 1:
            pause = (1 - self._tokens) / _PACE_PER_SECOND
            self._sleep(pause)
            self._tokens, self._at = 1.0, now + pause
        self._tokens -= 1

    def empty(self) -> None:
        """The server said slow down: from here on, no faster than the refill."""
        self._tokens = 0.0


def _retry_after(value: str | None, now: float) -> float:
    """Retry-After in seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP-date), within
    0..MAX_RETRY_AFTER_SECONDS; one second when it is missing or unreadable."""
    text = (value or "").strip()
    try:
        seconds = float(int(text))
    except (ValueError, OverflowError):
        try:
            seconds = email.utils.parsedate_to_datetime(text).timestamp() - now
        except (TypeError, ValueError, IndexError):
            seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class _Connection:
    """HTTP/1.1 to the sync server, counting every byte that crosses the wire, paced under
    the server's rate and waiting out its 429s."""

    def __init__(
        self,
        server: str,
        counts: SyncResult,
        clock: Callable[[], float],
        sleep: Sleep = time.sleep,
    ) -> None:
        try:
            parts = transport.split_url(server, schemes=("http", "https"), fail=SyncError)
        except SyncError:
            raise SyncError(f"not a sync server URL: {server!r}", "bad-url", url=server) from None
        self._http = transport.connect(parts, timeout=30)
        self._host = parts.netloc
        self._counts = counts
        self._clock = clock
        self._sleep = sleep
        self._pace = _Pace(clock, sleep)
        self._waited = 0.0

    def request(
        self,
        key: KeyPair | None,
        method: str,
        target: str,
        body: bytes = b"",
        content_type: str = protocol.CONTENT_TYPE,
        *,
        gzip_ok: bool = False,
    ) -> tuple[int, bytes]:
        """Signed by the device `key`; unsigned for what signs itself (logs, bundles).
        `gzip_ok` asks for a compressed answer (large JSON: a first trust bundle). A 429 is
        retried after its Retry-After, signed afresh, within this sync's waiting budget."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._pace.wait()
            status, data, retry_after = self._once(key, method, target, body, content_type, gzip_ok)
            if status != 429:
                return status, data
            pause = _retry_after(retry_after, self._clock())
            if attempt == MAX_ATTEMPTS or self._waited + pause > MAX_WAITING_SECONDS:
                break
            self._sleep(pause)
            self._waited += pause
            self._pace.empty()
        raise SyncError("the sync server is busy: too many requests for now", "busy")

    def _once(
        self,
        key: KeyPair | None,
        method: str,
        target: str,
        body: bytes,
        content_type: str,
        gzip_ok: bool,
    ) -> tuple[int, bytes, str | None]:
        headers = {
            "Host": self._host,
            "Content-Type": content_type,
            "Content-Length": str(len(body)),
        }
        if gzip_ok:
            headers["Accept-Encoding"] = "gzip"
        if key is not None:
            headers["Authorization"] = protocol.authorization(
                key, method, target, body, self._clock()
            )
        self._counts.bytes_sent += len(f"{method} {target} HTTP/1.1\r\n") + 2 + len(body)
        self._counts.bytes_sent += sum(len(f"{k}: {v}\r\n") for k, v in headers.items())
        try:
            self._http.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                self._http.putheader(name, value)
            self._http.endheaders(body)
            response = self._http.getresponse()
            self._counts.bytes_received += (
                len(f"HTTP/1.1 {response.status} {response.reason}\r\n")
                + 2
                + sum(len(f"{k}: {v}\r\n") for k, v in response.getheaders())
            )
            data = self._read(response)
        except (OSError, http.client.HTTPException) as error:
            self._http.close()
            raise SyncError(
                f"the sync server could not be reached: {error}", "unreachable", host=self._host
            ) from None
        except SyncError:
            self._http.close()  # the rest of the answer is still on the wire
            raise
        return response.status, data, response.getheader("Retry-After")

    def _read(self, response: http.client.HTTPResponse) -> bytes:
        def count(received: int) -> None:
            self._counts.bytes_received += received

        return transport.read_body(
            response, max_bytes=MAX_ANSWER_BYTES, who=_WHO, fail=SyncError, count=count
        )

    def close(self) -> None:
        self._http.close()


def _server_error(status: int, data: bytes) -> tuple[str, str]:
    """The server's own code and message for a refusal, when it sent them (a JSON body)."""
    try:
        answer = json.loads(data)
        code, message = answer["error"], answer["message"]
        if isinstance(code, str) and isinstance(message, str):
            return code, message[:200]
    except (ValueError, KeyError, TypeError, RecursionError):
        pass
    return "", f"HTTP {status}"


def _refuse_unless(status: int, data: bytes, ok: tuple[int, ...]) -> None:
    if status not in ok:
        code, message = _server_error(status, data)
        raise SyncError(
            f"the sync server refused: {message}", "refused", status=status, answer=code
        )


def _expect(status: int, data: bytes, *ok: int) -> Any:
    _refuse_unless(status, data, ok)
    try:
        return protocol.decode(data)
    except protocol.ProtocolError as error:
        raise _unreadable(f"an answer in a form we cannot read: {error}") from None


def _json(status: int, data: bytes, *ok: int) -> Any:
    _refuse_unless(status, data, ok)
    try:
        return json.loads(data) if data else None
    except (ValueError, RecursionError):
        raise _unreadable("something that is not JSON") from None


def _position(cursor: str) -> int:
    """How far our saved cursor has come; 0 for none (or one saved before this was checked)."""
    try:
        return protocol.cursor_position(cursor)
    except protocol.ProtocolError:
        return 0


def _unreadable(what: str) -> SyncError:
    return SyncError(f"the sync server sent {what}", "unreadable")


def _send_json(connection: _Connection, method: str, target: str, value: Any) -> tuple[int, bytes]:
    body = json.dumps(value, separators=(",", ":")).encode()
    return connection.request(None, method, target, body, _JSON)


def publish_bundle(server: str, bundle: dict[str, Any]) -> int:
    """An organisation or registry puts its newest bundle where verifiers sync."""
    publisher = bundle["header"]["publisher"]
    with closing(_Connection(server, SyncResult(), time.time)) as connection:
        header_first = {"header": bundle["header"], **bundle}  # the server checks it first
        answer = _json(
            *_send_json(connection, "PUT", f"/v1/bundles/{publisher}", header_first), 200
        )
    sequence = answer.get("sequence") if isinstance(answer, dict) else None
    if type(sequence) is not int:
        raise _unreadable("no sequence for the bundle it took")
    return sequence


def fetch_log(server: str, trainer: str, after: int = 0) -> list[dict[str, Any]]:
    """A trainer's uploaded log entries after `after`, for its organisation to read."""
    entries: list[dict[str, Any]] = []
    with closing(_Connection(server, SyncResult(), time.time)) as connection:
        while True:
            target = f"/v1/logs/{trainer}?after={after}"
            answer = _json(*connection.request(None, "GET", target), 200)
            page = answer.get("entries") if isinstance(answer, dict) else None
            if not isinstance(page, list):
                raise _unreadable("a log page that is not a list of entries")
            if not page:
                return entries
            seqs = [e["seq"] for e in page if isinstance(e, dict) and type(e.get("seq")) is int]
            if len(seqs) != len(page) or seqs != sorted(set(seqs)) or seqs[0] <= after:
                raise _unreadable("log entries out of order")  # and a page that never ends
            entries += page
            after = seqs[-1]


def _account_key(vault: Vault) -> KeyPair:
    seed = vault.get(SYNC_ACCOUNT, SYNC_ACCOUNT).payload["seed"]
    return KeyPair.from_ed25519_seed(bytes.fromhex(seed))


def account_did(vault: Vault) -> str:
    """The sync account this wallet belongs to, as the server knows it."""
    return did_key.did_for(_account_key(vault).public)


def _device_key(vault: Vault) -> KeyPair:
    if vault.has(DEVICE_KEY):
        return KeyPair.from_secret_multikey(
            vault.get(DEVICE_KEY, DEVICE_KEY).payload["secretKeyMultibase"]
        )
    key = KeyPair.generate(KeyType.ED25519)
    with vault.transaction():
        vault.put(DEVICE_KEY, DEVICE_KEY, {"secretKeyMultibase": key.secret_multikey()})
    return key


def _register(connection: _Connection, device: KeyPair, account: KeyPair) -> None:
    """The server must answer for the account we named: a device never syncs into another."""
    ours = did_key.did_for(account.public)
    attestation = account.sign(
        protocol.DEVICE_ATTESTATION + did_key.did_for(device.public).encode()
    )
    claim = protocol.encode({"account": ours, "attestation": attestation})
    answer = _expect(*connection.request(device, "POST", "/v1/devices", claim), 200)
    if not isinstance(answer, dict) or answer.get("account") != ours:
        raise SyncError("the sync server answered for another account", "wrong-account")


class SyncClient:
    def __init__(
        self,
        backpack: Backpack,
        server: str,
        *,
        clock: Callable[[], float] = time.time,
        progress: Progress | None = None,
        trust: VerifierStore | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.backpack = backpack
        self.vault = backpack.vault
        self.server = server
        self._clock = clock
        self._sleep = sleep
        self._progress = progress or (lambda stage, count: None)
        self._trust = trust

    def sync(self) -> SyncResult:
        result = SyncResult()
        connection = _Connection(self.server, result, self._clock, self._sleep)
        try:
            device = _device_key(self.vault)
            if self.vault.sync_state("registered") != self.server:
                _register(connection, device, _account_key(self.vault))
                with self.vault.transaction():  # another server may lack our header and log
                    for name in ("header", _LOG_UPLOADED):
                        self.vault.set_sync_state(name, None)
                    self.vault.set_sync_state("registered", self.server)
            self.vault.seal_old_tombstones()
            self._push_header(connection, device)
            # Pull first: a record changed here and there is merged while our change still
            # waits in the outbox; pushed first, a lower-ranked edit would be dropped unmerged.
            self._pull(connection, device, result)
            self._push(connection, device, result)
            if result.pushed:  # step the cursor past what we just wrote, so the next
                self._pull(connection, device, result)  # no-op sync costs one small page
            self._upload_log(connection, result)
            if self._trust is not None:
                self._refresh_bundles(connection, self._trust)
            self.vault.set_sync_state("last", {"at": self._clock(), "ok": True})
        except Exception as error:  # any failure is kept, shown and retried after backoff
            now, failures = self._clock(), _failures(self.vault) + 1
            # only our own messages are kept: another's might quote a secret
            code, params, detail = (
                (error.code, error.params, str(error))
                if isinstance(error, SyncError)
                else ("unexpected", {}, f"unexpected {type(error).__name__}")
            )
            self.vault.set_sync_state(
                "last",
                {
                    "at": now,
                    "ok": False,
                    "error": detail,
                    "code": code,
                    "params": params,
                    "failures": failures,
                    "retry_at": now + backoff_seconds(failures),
                },
            )
            raise
        finally:
            connection.close()
        return result

    def _push_header(self, connection: _Connection, device: KeyPair) -> None:
        """The header holds only wrapped keys; a second device needs it to open the records."""
        header = json.dumps(self.vault.header(), sort_keys=True).encode()
        if self.vault.sync_state("header") == header.decode():
            return
        _expect(*connection.request(device, "PUT", "/v1/header", header), 200)
        self.vault.set_sync_state("header", header.decode())

    def _push(self, connection: _Connection, device: KeyPair, result: SyncResult) -> None:
        for batch in protocol.batches(self.vault.outbox()):
            body = protocol.encode(protocol.rows(batch))
            answer = _expect(*connection.request(device, "POST", "/v1/push", body), 200)
            changed = answer.get("changed") if isinstance(answer, dict) else None
            if type(changed) is not int or not 0 <= changed <= len(batch):
                raise _unreadable("no count of the records it took")
            self.vault.sent(batch)  # only now: a cut connection re-sends this batch, no more
            result.pushed += len(batch)
            result.already_held += len(batch) - changed
            self._progress("push", result.pushed)

    def _upload_log(self, connection: _Connection, result: SyncResult) -> None:
        """A trainer's signed issuance log goes up to the organisation, after what the
        server already took; a batch counts as sent only once the server accepted it."""
        trainer = Trainer(self.vault)
        head = trainer.chain_head()
        if head is None:
            return
        pending = trainer.chain_after(self.vault.sync_state(_LOG_UPLOADED) or 0)
        for start in range(0, len(pending), LOG_BATCH):
            batch = pending[start : start + LOG_BATCH]
            target = f"/v1/logs/{head['trainer']}"
            _json(*_send_json(connection, "POST", target, {"entries": batch}), 200)
            self.vault.set_sync_state(_LOG_UPLOADED, batch[-1]["seq"])
            result.log_entries += len(batch)

    def _refresh_bundles(self, connection: _Connection, trust: VerifierStore) -> None:
        """Each pinned trust bundle: an update since the version held, or nothing (304).
        A bundle that does not verify is refused and the one held stays."""
        for held in trust.bundles():
            publisher, sequence = held["header"]["publisher"], held["header"]["sequence"]
            target = f"/v1/bundles/{publisher}?since={sequence}"
            status, data = connection.request(None, "GET", target, content_type=_JSON, gzip_ok=True)
            if status in (304, 404):
                continue
            try:
                trust.save_bundle(trust_bundle.apply(held, _json(status, data, 200), publisher))
            except trust_bundle.BundleError as error:
                raise SyncError(
                    f"the trust bundle from {publisher} was refused: {error}",
                    "bundle-refused",
                    publisher=publisher,
                ) from None

    def _pull(self, connection: _Connection, device: KeyPair, result: SyncResult) -> None:
        restarted = False
        for _ in range(MAX_PULL_BATCHES):
            cursor = self.vault.sync_state("cursor") or ""
            status, data = connection.request(
                device, "GET", f"/v1/pull?cursor={cursor}&limit={protocol.MAX_PULL_RECORDS}"
            )
            if status == 400 and _server_error(status, data)[0] == "bad-cursor" and not restarted:
                # the server does not know our cursor: another server, one that lost its
                # data, or a cursor a liar handed us. Pull from the start, once (what we hold
                # ranks equal and is skipped), and offer it everything on the next push.
                with self.vault.transaction():
                    self.vault.set_sync_state("cursor", "")
                    self.vault.queue_everything()
                restarted = True
                continue
            answer = _expect(status, data, 200)
            try:
                rows, next_cursor, more = answer["records"], answer["cursor"], answer["more"]
                position = protocol.cursor_position(next_cursor)
                if not isinstance(rows, list) or not isinstance(more, bool):
                    raise protocol.ProtocolError("records or more of the wrong type")
            except (KeyError, TypeError, protocol.ProtocolError) as error:
                raise _unreadable(f"a malformed batch: {error}") from None
            held = _position(cursor)
            if position < held or (more and position == held):
                raise SyncError(
                    "the sync server's cursor went back or stood still", "cursor-backwards"
                )
            with self.vault.transaction():
                credentials: list[str] = []  # whose cards change: the index once per batch
                for row in rows:
                    refusal = self._apply(row, credentials)
                    if refusal is None:
                        result.pulled += 1
                    else:
                        result.refuse(refusal)
                self.backpack.refresh_cards(credentials)
                self.vault.set_sync_state("cursor", next_cursor)
            self._progress("pull", result.pulled)
            if not more:
                return

    def _apply(self, row: Any, credentials: list[str]) -> str | None:
        """Apply one pulled row, or say why not (a `SyncResult.refused` code); a refused row
        changes nothing. Cheap checks first: a re-pull of what we hold decrypts nothing. A
        credential applied is added to `credentials`, whose cards the caller refreshes."""
        try:
            remote = protocol.record(row)
        except protocol.ProtocolError:
            return "malformed"
        if remote.kind in LOCAL_KINDS or self.vault.local_only(remote.id):
            return "local-only"
        if max(remote.created, remote.updated) > (self._clock() + MAX_FUTURE_SECONDS) * 1000:
            return "from-the-future"
        local = self.vault.stored_record(remote.id)
        if local is not None and protocol.rank(local) == protocol.rank(remote):
            return None  # held already
        try:
            self.vault.open_stored(remote)
        except VaultCorrupt:
            return "unsealed"
        if local is not None and protocol.rank(local) > protocol.rank(remote):
            return "older-than-held"
        unpushed = local if local is not None and self.vault.queued(remote.id) else None
        self.vault.put_stored(remote)
        if (
            unpushed is not None
            and not remote.deleted
            and not unpushed.deleted
            and remote.kind == CREDENTIAL
        ):
            self._merge(remote, unpushed)  # both sides changed it: keep each side's newer fields
        if remote.kind == CREDENTIAL:
            credentials.append(remote.id)
        return None

    def _merge(self, remote: StoredRecord, local: StoredRecord) -> None:
        ours = self.vault.unseal(local.id, local.kind, local.version, local.blob or b"")
        theirs = self.vault.unseal(remote.id, remote.kind, remote.version, remote.blob or b"")
        self.vault.put(remote.id, remote.kind, merge_edits(ours, theirs))


def join(directory: Path, words: str, passphrase: str, server: str) -> tuple[Backpack, SyncResult]:
    """A second device: reach the account with the recovery words, fetch the wallet header
    (wrapped keys), open it with the words, set this device's passphrase, then sync down."""
    result = SyncResult()
    connection = _Connection(server, result, time.time)
    account = KeyPair.from_ed25519_seed(recovery.account_seed(recovery.from_words(words)))
    device = KeyPair.generate(KeyType.ED25519)
    try:
        _register(connection, device, account)
        status, data = connection.request(device, "GET", "/v1/header")
        if status == 404:
            raise SyncError("the server holds no wallet for these recovery words", "no-wallet")
        header = _json(status, data, 200)
    finally:
        connection.close()
    vault = Vault.from_header(directory, header)
    vault.unlock_with_recovery(words)
    vault.change_passphrase(passphrase, kdf.calibrate())
    with vault.transaction():
        vault.put(DEVICE_KEY, DEVICE_KEY, {"secretKeyMultibase": device.secret_multikey()})
    vault.set_sync_state("registered", server)
    backpack = Backpack(vault)
    pulled = SyncClient(backpack, server).sync()
    pulled.bytes_sent += result.bytes_sent
    pulled.bytes_received += result.bytes_received
    return backpack, pulled
