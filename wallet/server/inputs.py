"""What the server reads from a request, checked before anything uses it: a body within its
size and pace (read from the ASGI stream, so a chunked body is cut off at the cap too), JSON
within a depth and as Unicode text, numbers and identifiers the database can hold.

Every refusal is a `Refused` carrying a 4xx status, a code and a reason; nothing a client
sends may reach the handlers as an exception the server did not expect (a 500).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, overload

import anyio
from starlette.requests import ClientDisconnect, Request

from wallet.protocol.sync import SignedBy
from wallet.server.limits import Limits
from wallet.store.vault import StoredRecord

MAX_SQL_INTEGER = 2**63 - 1  # BIGINT on both engines
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII digits only: str.isdigit() takes "²" and "٣"
_DID_KEY = re.compile(r"did:key:z[1-9A-HJ-NP-Za-km-z]+")  # base58btc multibase
_NONCE = re.compile(r"[0-9A-Za-z_-]+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BUNDLE_START = re.compile(rb'\s*\{\s*"header"\s*:\s*')


class Refused(Exception):
    """A request the server answers with `status` (4xx), `code` and a plain reason."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


@overload
def whole_number(text: str | None, name: str, default: int) -> int: ...
@overload
def whole_number(text: str | None, name: str, default: None = None) -> int | None: ...
def whole_number(text: str | None, name: str, default: int | None = None) -> int | None:
    """A query parameter that must be an ASCII whole number a BIGINT column can hold."""
    if text is None:
        return default
    if not _DIGITS.fullmatch(text) or int(text) > MAX_SQL_INTEGER:
        raise Refused(400, f"bad-{name}", f"{name} must be a whole number below 2^63")
    return int(text)


def did_key(text: str, limits: Limits, what: str) -> str:
    """A did:key named in a path or a signature: short and base58, before any decoding."""
    if len(text) > limits.max_did_chars or not _DID_KEY.fullmatch(text):
        raise Refused(400, f"bad-{what}", f"the {what} must be a did:key")
    return text


def signature_fields(signed: SignedBy, limits: Limits) -> None:
    """The device and nonce are stored and looked up: bound them before they are."""
    if len(signed.did) > limits.max_did_chars or not _DID_KEY.fullmatch(signed.did):
        raise Refused(401, "bad-device", "the request is not signed by a did:key")
    if len(signed.nonce) > limits.max_nonce_chars or not _NONCE.fullmatch(signed.nonce):
        raise Refused(
            401,
            "bad-nonce",
            f"the nonce must be 1 to {limits.max_nonce_chars} letters, digits, '-' or '_'",
        )


def records(found: list[StoredRecord]) -> list[StoredRecord]:
    """Sealed records as the database holds them: 64-bit numbers, text without NUL."""
    for record in found:
        if max(record.version, record.created, record.updated) > MAX_SQL_INTEGER:
            raise Refused(400, "bad-body", "record numbers must be below 2^63")
        if "\x00" in record.id or "\x00" in record.kind:
            raise Refused(400, "bad-body", "record ids and kinds cannot hold NUL characters")
    return found


def parse_json(data: bytes, limits: Limits) -> Any:
    """JSON as RFC 8259 reads it, as text every layer below can encode (no lone surrogates)
    and hash without recursing too deep (at most `max_json_depth`). Numbers too large for
    JCS are refused where entries are hashed. Runs off the event loop for large bodies."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise Refused(400, "bad-json", "the JSON is nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, bad UTF-8, an integer of 4,300+ digits
        reason = error.msg if isinstance(error, json.JSONDecodeError) else "unreadable text"
        raise Refused(400, "bad-json", f"the body is not JSON: {reason}") from None
    check_json(value, limits)
    return value


def check_json(value: Any, limits: Limits) -> None:
    max_depth = limits.max_json_depth
    pending = [(value, 1)]  # a loop, not recursion: depth is what is being checked
    while pending:
        item, depth = pending.pop()
        if depth > max_depth:
            raise Refused(400, "bad-json", f"the JSON is nested more than {max_depth} deep")
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise Refused(400, "bad-json", "the JSON holds a lone surrogate, not text")
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, dict):
            pending.extend((key, depth + 1) for key in item)
            pending.extend((child, depth + 1) for child in item.values())


class Body:
    """A request body read from the ASGI stream as it arrives. Refused with 413 as soon as
    it passes `limit` (declared or counted, chunked or not) and with 408 when it falls
    behind `body_grace_seconds` + size / `body_min_bytes_per_second` (a trickle)."""

    def __init__(self, request: Request, limit: int, limits: Limits) -> None:
        declared = request.headers.get("content-length")
        if declared is not None and (not _DIGITS.fullmatch(declared) or int(declared) > limit):
            raise self._too_large(limit)
        self._receive = request.receive
        self._limit, self._limits = limit, limits
        self._started = time.monotonic()
        self.buffered = bytearray()
        self.complete = False

    @staticmethod
    def _too_large(limit: int) -> Refused:
        return Refused(413, "too-large", f"this request's body is limited to {limit:,} bytes")

    async def read_more(self) -> None:
        """One more chunk into `buffered`, within the size and pace limits."""
        allowed = (
            self._started
            + self._limits.body_grace_seconds
            + len(self.buffered) / self._limits.body_min_bytes_per_second
        )
        with anyio.move_on_after(max(0.0, allowed - time.monotonic())) as waited:
            message = await self._receive()
        if waited.cancelled_caught:
            raise Refused(
                408,
                "too-slow",
                f"the body must arrive at {self._limits.body_min_bytes_per_second:,.0f} "
                "bytes per second or faster",
            )
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        self.buffered += message.get("body", b"")
        if len(self.buffered) > self._limit:
            raise self._too_large(self._limit)
        self.complete = not message.get("more_body", False)

    async def read_all(self) -> bytes:
        while not self.complete:
            await self.read_more()
        return bytes(self.buffered)


async def bundle_header(body: Body, limits: Limits) -> dict[str, Any]:
    """A bundle's signed header, read from the start of its body before the rest arrives,
    so a bundle nobody signed costs its header's bytes, not 16 MB."""
    tried = 0
    while True:
        size = len(body.buffered)
        if body.complete or size >= limits.max_bundle_header_bytes or size >= 2 * tried + 1024:
            tried = size  # parse again only as the buffer doubles: O(n log n), not O(n^2)
            header = _leading_header(bytes(body.buffered[: limits.max_bundle_header_bytes]))
            if header is not None:
                return header
            if body.complete or size >= limits.max_bundle_header_bytes:
                raise Refused(
                    400,
                    "header-first",
                    "a trust bundle starts with its signed header, "
                    f"within {limits.max_bundle_header_bytes:,} bytes",
                )
        await body.read_more()


def _leading_header(prefix: bytes) -> dict[str, Any] | None:
    start = _BUNDLE_START.match(prefix)
    if start is None:
        return None
    text = prefix[start.end() :].decode("utf-8", errors="replace")
    try:
        header, _ = json.JSONDecoder().raw_decode(text)
    except (ValueError, RecursionError):
        return None
    return header if isinstance(header, dict) else None
