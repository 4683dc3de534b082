"""HTTP/1.1 as this device speaks it, for the only two places that touch the network: the
sync client and the credential fetcher (`learner/fetching.py`). One set of connection rules:
a timeout on every socket operation, answers read a piece at a time and refused past a
size cap (gzip inflated 64 KB at a time, so a bomb costs the cap and no more), and every
failure a typed error with a code, never a traceback or a hang.
"""

from __future__ import annotations

import http.client
import ssl
import time
import zlib
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import SplitResult, urlsplit

READ_CHUNK = 64 * 1024


class ErrorFactory(Protocol):
    """(message, code, params) -> the caller's own error type: SyncError for the sync
    client, FetchError for the fetcher, so each keeps the codes its callers already know."""

    def __call__(self, message: str, code: str, /, **params: Any) -> Exception: ...


def split_url(url: str, *, schemes: tuple[str, ...], fail: ErrorFactory) -> SplitResult:
    """The URL's parts, when it is one of `schemes` and names a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise fail(f"not a usable URL: {url!r:.200}", "bad-url", url=url[:200]) from None
    if parts.scheme not in schemes or not parts.hostname:
        raise fail(f"not a usable URL: {url!r:.200}", "bad-url", url=url[:200])
    return parts


def connect(
    parts: SplitResult, *, timeout: float, ssl_context: ssl.SSLContext | None = None
) -> http.client.HTTPConnection:
    """A connection (not yet opened) to the URL's host. https verifies the server's
    certificate against `ssl_context` (the system's trust store by default); tests inject
    a context that trusts their own CA, never one that skips verification."""
    if parts.scheme == "https":
        context = ssl_context or ssl.create_default_context()
        return http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=timeout, context=context
        )
    return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)


def read_body(
    response: http.client.HTTPResponse,
    *,
    max_bytes: int,
    who: str,
    fail: ErrorFactory,
    count: Callable[[int], None] = lambda n: None,
    deadline: float | None = None,
) -> bytes:
    """The answer's body, inflated as it arrives when it is gzip'd, and refused once it
    passes `max_bytes` either way: memory stays bounded whatever the other side sends.
    `count` hears the bytes as they crossed the wire; `who` names the sender in messages.
    With a `deadline` (time.monotonic), a sender that trickles bytes to stay under the
    socket timeout is cut off at it."""
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip"):
        raise fail(f"{who} sent an unknown encoding {encoding!r}", "bad-encoding")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
    body = bytearray()
    read = response.read if deadline is None else response.read1
    while data := read(READ_CHUNK):
        count(len(data))
        if deadline is not None and time.monotonic() > deadline:
            raise fail(f"{who} took too long to answer", "too-slow")
        while data:  # inflated a piece at a time, however far one chunk would inflate
            if inflater is None:
                body += data
                break
            try:
                body += inflater.decompress(data, READ_CHUNK)
            except zlib.error:
                raise fail(f"{who} sent a damaged compressed answer", "bad-encoding") from None
            data = inflater.unconsumed_tail
            if len(body) > max_bytes:
                break
        if len(body) > max_bytes:
            raise fail(
                f"{who} sent an answer over {max_bytes:,} bytes", "too-large", limit=max_bytes
            )
    if inflater is not None and not inflater.eof:
        raise fail(f"{who} sent a truncated compressed answer", "bad-encoding")
    return bytes(body)
