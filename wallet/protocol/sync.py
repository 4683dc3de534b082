"""The sync wire protocol, shared by the client (`services/sync/client.py`) and the server.

Every request carries `Authorization: LW-Device did=…, ts=…, nonce=…, sig=…`, an Ed25519
signature by the device's did:key over method, path and query, the body's SHA-256, the
time and a nonce. Bodies are CBOR (`application/cbor`): records travel as the rows the
vault stores, still sealed, so the server only ever holds ciphertext.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from wallet.store.vault import StoredRecord
from wallet.vc import cbor, did_key, multibase
from wallet.vc.errors import MalformedProof, UnusableInput
from wallet.vc.multikey import KeyPair

SCHEME = "LW-Device"
CONTENT_TYPE = "application/cbor"
MAX_CLOCK_SKEW_SECONDS = 300
DEVICE_ATTESTATION = b"learner-wallet/device:"  # signed by the account key, + device DID
# What one push or pull batch carries, counted in bytes, since a record's size varies
# (a badge with an image is many times one without). A 2G link (40 kbit/s) moves one in
# about 13 s, so a cut connection re-sends little, and a request's own ~600 bytes of
# headers stay under 1 % of it.
BATCH_BYTES = 64_000
_ROW_BYTES = 48  # a row's CBOR framing, version and times, besides its id, kind and blob
MAX_PULL_RECORDS = 500  # a pull answers at most this many records, however small
# What every server grants each signed device at least (server/limits.py): the client
# paces itself under it, and a server that grants less answers 429 with Retry-After.
DEVICE_REQUESTS_PER_SECOND = 20.0
DEVICE_BURST = 200


class ProtocolError(Exception):
    """A request or response that does not follow the protocol."""


class SyncError(UnusableInput):
    """The server could not be reached, refused, or answered what a device cannot accept;
    local data is untouched. `code` names which (the catalog's `error.sync.<code>`) and
    `params` fill its sentence; the message is a developer's detail, for logs."""

    kind = "sync"
    CODES = (
        "bad-encoding",
        "bad-url",
        "bundle-refused",
        "busy",
        "cursor-backwards",
        "no-wallet",
        "refused",
        "too-large",
        "unreachable",
        "unreadable",
        "wrong-account",
    )

    def __init__(self, message: str, code: str = "refused", /, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def string_to_sign(method: str, target: str, body: bytes, timestamp: int, nonce: str) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{target}\n{digest}\n{timestamp}\n{nonce}".encode()


def authorization(key: KeyPair, method: str, target: str, body: bytes, now: float) -> str:
    timestamp, nonce = int(now), secrets.token_hex(12)
    signature = key.sign(string_to_sign(method, target, body, timestamp, nonce))
    did = did_key.did_for(key.public)
    return f'{SCHEME} did="{did}", ts="{timestamp}", nonce="{nonce}", sig="{multibase.b64url_encode(signature)}"'


@dataclass(frozen=True)
class SignedBy:
    did: str
    timestamp: int
    nonce: str
    signature: bytes


def parse_authorization(value: str | None) -> SignedBy:
    if not value or not value.startswith(SCHEME + " "):
        raise ProtocolError("the request is not signed by a device")
    fields: dict[str, str] = {}
    for part in value[len(SCHEME) + 1 :].split(","):
        name, _, quoted = part.strip().partition("=")
        fields[name] = quoted.strip('"')
    try:
        return SignedBy(
            fields["did"],
            int(fields["ts"]),
            fields["nonce"],
            multibase.b64url_decode(fields["sig"]),
        )
    except (KeyError, ValueError, MalformedProof):
        raise ProtocolError("the request signature header is malformed") from None


def encode(value: Any) -> bytes:
    return cbor.encode(value)


def decode(body: bytes) -> Any:
    try:
        return cbor.decode(body, max_depth=4)
    except MalformedProof as error:
        raise ProtocolError(f"the body is not valid CBOR: {error}") from None


def rows(records: list[StoredRecord]) -> list[list[Any]]:
    return [record.row() for record in records]


def row_bytes(record: StoredRecord) -> int:
    """About what one record adds to a batch on the wire."""
    return len(record.blob or b"") + len(record.id) + len(record.kind) + _ROW_BYTES


def batches(
    records: Iterable[StoredRecord], max_bytes: int = BATCH_BYTES
) -> Iterator[list[StoredRecord]]:
    """Consecutive runs of `records` of at most `max_bytes` each, one record at least (a
    record larger than that goes alone): what a push sends and a pull answers at a time."""
    batch: list[StoredRecord] = []
    size = 0
    for record in records:
        cost = row_bytes(record)
        if batch and size + cost > max_bytes:
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += cost
    if batch:
        yield batch


def records(value: Any) -> list[StoredRecord]:
    """Every row, or ProtocolError for the first malformed one (what the server takes)."""
    if not isinstance(value, list):
        raise ProtocolError("expected a list of records")
    return [record(row) for row in value]


_LARGEST = 2**53  # versions and millisecond times fit in any JSON or SQL integer


def record(row: Any) -> StoredRecord:
    """One row as the vault stores it; ProtocolError when it is not one."""
    if not (isinstance(row, list) and len(row) == 7):
        raise ProtocolError("a record has the wrong number of fields")
    record_id, kind, version, created, updated, deleted, blob = row
    if not (
        _name(record_id, 200)
        and _name(kind, 40)
        and all(type(n) is int and 0 <= n < _LARGEST for n in (version, created, updated))
        and deleted in (0, 1)
        and (blob is None or isinstance(blob, bytes))
    ):
        raise ProtocolError("a record has fields of the wrong type")
    return StoredRecord(record_id, kind, version, created, updated, bool(deleted), blob)


def _name(value: Any, longest: int) -> bool:
    # no control characters: the sealed blob's associated data joins id and kind with NUL
    return isinstance(value, str) and 0 < len(value) <= longest and value.isprintable()


def cursor_position(cursor: Any) -> int:
    """How far a pull cursor (`SEQ.MAC`, made by the server for one account) has come; the
    MAC is the server's to check, the position is ours to see never goes back."""
    found = (
        re.fullmatch(r"([0-9]{1,16})\.[0-9a-f]{1,64}", cursor) if isinstance(cursor, str) else None
    )
    if found is None:
        raise ProtocolError("the pull cursor is malformed")
    return int(found[1])


def rank(record: StoredRecord) -> tuple[int, int, str]:
    """Which of two versions of a record wins: higher version, then later update, then the
    larger digest. Server and devices apply the same rule, so everyone converges."""
    digest = hashlib.sha256(record.blob or b"").hexdigest()
    return record.version, record.updated, digest
