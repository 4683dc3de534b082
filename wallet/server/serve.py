"""`wallet serve`: the app under uvicorn, with what uvicorn does not bound itself.

uvicorn closes an idle keep-alive connection, but waits for ever on a connection that
opens and trickles its request headers (slowloris) or sends nothing at all. Here every
connection must complete a request's headers within `header_seconds` of opening or of its
previous answer; the body then has its own pace (inputs.Body).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from wallet.server.app import create_app
from wallet.server.limits import DEFAULT, Limits
from wallet.server.storage import ServerStore
from wallet.server.vc_api import VcApi

MAX_CONNECTIONS = 1_000  # past this uvicorn answers 503: memory stays bounded


def headers_in_time(protocol: type[asyncio.Protocol], seconds: float) -> type[asyncio.Protocol]:
    """`protocol` (uvicorn's httptools or h11 one) closing connections whose headers are
    late. Both start a new request cycle once a request's headers are complete, so a
    connection is late when its cycle is still the one it had when the timer started."""

    class HeadersInTime(protocol):  # type: ignore[misc, valid-type]
        _headers_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._await_headers()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._await_headers()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._headers_timer is not None:
                self._headers_timer.cancel()
            super().connection_lost(exc)

        def _await_headers(self) -> None:
            if self._headers_timer is not None:
                self._headers_timer.cancel()
            self._headers_timer = self.loop.call_later(seconds, self._late, self.cycle)

        def _late(self, cycle: object) -> None:
            if self.cycle is cycle and not self.transport.is_closing():
                self.transport.close()

    return HeadersInTime


def run(
    store: ServerStore,
    host: str,
    port: int,
    limits: Limits = DEFAULT,
    *,
    vc: VcApi | None = None,
    tls: tuple[Path, Path] | None = None,
) -> None:
    """`tls` is (certificate, key), PEM files: then https only."""
    protocol = headers_in_time(AutoHTTPProtocol, limits.header_seconds)
    uvicorn.run(
        create_app(store, limits=limits, vc=vc),
        host=host,
        port=port,
        http=protocol,
        limit_concurrency=MAX_CONNECTIONS,
        log_level="warning",
        ssl_certfile=tls[0] if tls else None,
        ssl_keyfile=tls[1] if tls else None,
    )
