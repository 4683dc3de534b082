"""Starlette application for `wallet serve`.

Endpoints (CBOR bodies, every request signed by a device; see services/sync_protocol.py):
  POST /v1/devices   register the signing device to an account (account-key attestation)
  PUT  /v1/header    store the wallet header: wrapped keys only, for a second device
  GET  /v1/header
  POST /v1/push      a batch of sealed records; idempotent
  GET  /v1/pull      records changed after a cursor, in batches
JSON, and signed by their own content rather than by a device:
  POST /v1/logs/{trainer}         issuance log entries that extend the held chain
  GET  /v1/logs/{trainer}?after=N
  PUT  /v1/bundles/{publisher}    a newer trust bundle, signed by the publisher
  GET  /v1/bundles/{publisher}?since=N   an update from version N, whole, or 304
Errors are JSON: {"error": code, "message": text}; a broken log adds "position".
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wallet.server.storage import ServerStore, StorageError
from wallet.services import issuance_log
from wallet.services import sync_protocol as protocol
from wallet.services.sync_protocol import ProtocolError
from wallet.vc import did_key, trust_bundle
from wallet.vc.errors import UnusableInput

MAX_BODY_BYTES = 1_000_000
MAX_PULL = 500


Handler = Callable[..., Awaitable[Response]]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def _cbor(value: object) -> Response:
    return Response(protocol.encode(value), media_type=protocol.CONTENT_TYPE)


async def _bounded_body(request: Request, limit: int) -> bytes | Response:
    """The body, or 413 when it is larger than `limit` (declared or actual)."""
    if int(request.headers.get("content-length") or 0) <= limit:
        body = await request.body()
        if len(body) <= limit:
            return body
    return _error(413, "too-large", f"request bodies are limited to {limit} bytes")


@dataclass
class RateLimit:
    """A token bucket per device: bursts are fine, floods are not."""

    per_second: float = 5.0
    burst: float = 60.0
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, device: str, now: float) -> bool:
        tokens, last = self.buckets.get(device, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.per_second)
        if tokens < 1:
            self.buckets[device] = (tokens, now)
            return False
        self.buckets[device] = (tokens - 1, now)
        return True


def create_app(
    store: ServerStore, *, clock: Callable[[], float] = time.time, rate: RateLimit | None = None
) -> Starlette:
    limiter = rate or RateLimit()

    async def authenticated(
        request: Request, *, registered: bool = True
    ) -> tuple[str, str | None, bytes] | Response:
        body = await _bounded_body(request, MAX_BODY_BYTES)
        if isinstance(body, Response):
            return body
        try:
            signed = protocol.parse_authorization(request.headers.get("authorization"))
        except ProtocolError as error:
            return _error(401, "unsigned", str(error))
        now = clock()
        if abs(now - signed.timestamp) > protocol.MAX_CLOCK_SKEW_SECONDS:
            return _error(401, "clock", "the request time is too far from the server's")
        method = did_key.resolve(signed.did)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        message = protocol.string_to_sign(
            request.method, target, body, signed.timestamp, signed.nonce
        )
        if method is None or not method.public_key.verify(signed.signature, message):
            return _error(401, "bad-signature", "the request signature does not verify")
        if not limiter.allow(signed.did, now):
            return _error(429, "slow-down", "too many requests from this device; retry later")
        if not await run_in_threadpool(
            store.first_use, signed.did, signed.nonce, int(now), protocol.MAX_CLOCK_SKEW_SECONDS
        ):
            return _error(401, "replayed", "this request was already received")
        account = await run_in_threadpool(store.account_of, signed.did)
        if registered and account is None:
            return _error(403, "unknown-device", "register this device first")
        return signed.did, account, body

    def signed(
        *, registered: bool = True
    ) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
        """Run a handler only for a properly signed request, with (device, account, body)."""

        def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
            async def endpoint(request: Request) -> Response:
                checked = await authenticated(request, registered=registered)
                if isinstance(checked, Response):
                    return checked
                return await handler(request, *checked)

            return endpoint

        return wrap

    @signed(registered=False)
    async def devices(request: Request, device: str, _account: str | None, body: bytes) -> Response:
        try:
            claim = protocol.decode(body)
            account, attestation = claim["account"], claim["attestation"]
        except (ProtocolError, KeyError, TypeError):
            return _error(400, "bad-body", "expected {account, attestation}")
        account_key = did_key.resolve(account) if isinstance(account, str) else None
        if (
            account_key is None
            or not isinstance(attestation, bytes)
            or not account_key.public_key.verify(
                attestation, protocol.DEVICE_ATTESTATION + device.encode()
            )
        ):
            return _error(403, "bad-attestation", "the account key did not authorise this device")
        try:
            await run_in_threadpool(store.register, account, device)
        except StorageError as error:
            return _error(409, "conflict", str(error))
        return _cbor({"account": account})

    @signed()
    async def header(request: Request, _device: str, account: str, body: bytes) -> Response:
        if request.method == "PUT":
            await run_in_threadpool(store.put_header, account, body)
            return _cbor({"stored": len(body)})
        stored = await run_in_threadpool(store.header, account)
        return (
            _error(404, "no-header", "no wallet header yet") if stored is None else Response(stored)
        )

    @signed()
    async def push(request: Request, device: str, account: str, body: bytes) -> Response:
        try:
            records = protocol.records(protocol.decode(body))
        except ProtocolError as error:
            return _error(400, "bad-body", str(error))
        changed = await run_in_threadpool(store.push, account, records, device)
        return _cbor({"accepted": len(records), "changed": changed})

    @signed()
    async def pull(request: Request, device: str, account: str, _body: bytes) -> Response:
        try:
            after = store.seq_of(account, request.query_params.get("cursor", ""))
            limit = min(int(request.query_params.get("limit", MAX_PULL)), MAX_PULL)
        except StorageError as error:
            return _error(400, "bad-cursor", str(error))
        except ValueError:
            return _error(400, "bad-limit", "limit must be a whole number")
        records, last, more = await run_in_threadpool(
            store.pull, account, after, max(limit, 1), device
        )
        return _cbor(
            {"records": protocol.rows(records), "cursor": store.cursor(account, last), "more": more}
        )

    async def json_body(request: Request, limit: int = MAX_BODY_BYTES) -> object | Response:
        body = await _bounded_body(request, limit)
        if isinstance(body, Response):
            return body
        try:
            return json.loads(body)
        except ValueError:
            return _error(400, "bad-body", "the body is not JSON")

    async def logs(request: Request) -> Response:
        trainer = request.path_params["trainer"]
        if request.method == "GET":
            try:
                after = int(request.query_params.get("after", 0))
            except ValueError:
                return _error(400, "bad-after", "after must be a whole number")
            entries = await run_in_threadpool(store.log_entries, trainer, after, MAX_PULL)
            return JSONResponse({"entries": entries})
        body = await json_body(request)
        if isinstance(body, Response):
            return body
        entries = body.get("entries") if isinstance(body, dict) else None
        if not isinstance(entries, list):
            return _error(400, "bad-body", "expected {entries: [...]}")
        try:
            added = await run_in_threadpool(store.append_log, trainer, entries)
        except issuance_log.LogBroken as error:
            return JSONResponse(
                {"error": "log-broken", "message": str(error), "position": error.position},
                status_code=409,
            )
        except UnusableInput as error:
            return _error(400, "bad-log", str(error))
        return JSONResponse({"added": added})

    async def bundles(request: Request) -> Response:
        publisher = request.path_params["publisher"]
        if request.method == "PUT":
            body = await json_body(request, trust_bundle.MAX_BYTES)
            if isinstance(body, Response):
                return body
            try:
                sequence = await run_in_threadpool(store.put_bundle, publisher, body)
            except UnusableInput as error:
                return _error(400, "bad-bundle", str(error))
            except StorageError as error:
                return _error(409, "stale-bundle", str(error))
            return JSONResponse({"sequence": sequence})
        since_text = request.query_params.get("since")
        if since_text is not None and not since_text.isdigit():
            return _error(400, "bad-since", "since must be a bundle sequence number")
        found = await run_in_threadpool(
            store.bundle_since, publisher, int(since_text) if since_text else None
        )
        if found is None:
            return _error(404, "no-bundle", f"no trust bundle from {publisher}")
        if isinstance(found, int):
            return Response(status_code=304, headers={"ETag": f'"{found}"'})
        sequence = found["header"]["sequence"]
        return Response(
            json.dumps(found, separators=(",", ":")),
            media_type="application/json",
            headers={"ETag": f'"{sequence}"'},
        )

    return Starlette(
        middleware=[Middleware(GZipMiddleware, minimum_size=1000)],  # only when asked for
        routes=[
            Route("/v1/logs/{trainer}", logs, methods=["GET", "POST"]),
            Route("/v1/bundles/{publisher}", bundles, methods=["GET", "PUT"]),
            Route("/v1/devices", devices, methods=["POST"]),
            Route("/v1/header", header, methods=["GET", "PUT"]),
            Route("/v1/push", push, methods=["POST"]),
            Route("/v1/pull", pull, methods=["GET"]),
        ],
    )
