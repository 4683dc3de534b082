"""Starlette application for `wallet serve`.

Endpoints (CBOR bodies, every request signed by a device; see protocol/sync.py):
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
The W3C VC-API (verify, derive, issue; JSON): wallet/server/vc_api.py.
Errors are JSON: {"error": code, "message": text}; a broken log adds "position".
What a client may send, how fast and how much: wallet/server/limits.py; every refusal is a
4xx with a reason (inputs.Refused), never a 500.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wallet.protocol import issuance_log
from wallet.protocol import sync as protocol
from wallet.protocol.sync import ProtocolError, SignedBy
from wallet.server import answers, inputs, vc_api
from wallet.server.answers import Endpoint
from wallet.server.inputs import Refused
from wallet.server.limits import DEFAULT, Limits, Rate
from wallet.server.storage import (
    QuotaExceeded,
    RateLimited,
    Replayed,
    ServerStore,
    StorageError,
)
from wallet.vc import did_key, trust_bundle
from wallet.vc.errors import UnusableInput

MAX_PULL = protocol.MAX_PULL_RECORDS


Handler = Callable[..., Awaitable[Response]]


def _cbor(value: object) -> Response:
    return Response(protocol.encode(value), media_type=protocol.CONTENT_TYPE)


def create_app(
    store: ServerStore,
    *,
    clock: Callable[[], float] = time.time,
    limits: Limits = DEFAULT,
    vc: vc_api.VcApi | None = None,
) -> Starlette:
    last_sweep = [-math.inf]  # this process's; every process sweeps everyone's rows

    async def limited(call: Callable[[], object]) -> object:
        try:
            return await run_in_threadpool(call)
        except RateLimited as slow:
            raise Refused(
                429,
                "slow-down",
                "too many requests; retry later",
                {"Retry-After": str(math.ceil(slow.retry_after))},
            ) from None

    def address(request: Request) -> str:
        return f"address:{request.client.host if request.client else ''}"

    async def throttled(request: Request) -> None:
        """Requests no device signs (logs, bundles) are limited per client address."""
        await limited(lambda: store.take([(address(request), limits.address_rate)], clock()))

    async def verified(request: Request, limit: int) -> tuple[SignedBy, bytes]:
        """The signature header is checked before any body is read, so an unsigned request
        costs nothing; then the body within `limit`, then the signature over it."""
        try:
            signed = protocol.parse_authorization(request.headers.get("authorization"))
        except ProtocolError as error:
            raise Refused(401, "unsigned", str(error)) from None
        inputs.signature_fields(signed, limits)
        if abs(clock() - signed.timestamp) > protocol.MAX_CLOCK_SKEW_SECONDS:
            raise Refused(401, "clock", "the request time is too far from the server's")
        method = did_key.resolve(signed.did)
        body = await inputs.Body(request, limit, limits).read_all()
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        message = protocol.string_to_sign(
            request.method, target, body, signed.timestamp, signed.nonce
        )
        if method is None or not method.public_key.verify(signed.signature, message):
            raise Refused(401, "bad-signature", "the request signature does not verify")
        return signed, body

    async def admitted(
        signed: SignedBy, buckets: list[tuple[str, Rate]], *, registered: bool = True
    ) -> str | None:
        """Only a request whose signature verified gets here, so only it is counted and
        only its nonce is stored (storage.admit)."""
        now = clock()
        if now - last_sweep[0] >= limits.sweep_every_seconds:
            last_sweep[0] = now
            await run_in_threadpool(store.sweep, now)
        buckets = [(f"device:{signed.did}", limits.device_rate), *buckets]
        try:
            account = await limited(
                lambda: store.admit(
                    signed.did,
                    signed.nonce,
                    now,
                    protocol.MAX_CLOCK_SKEW_SECONDS,
                    buckets,
                    registered=registered,
                )
            )
        except Replayed:
            raise Refused(401, "replayed", "this request was already received") from None
        if registered and account is None:
            raise Refused(403, "unknown-device", "register this device first")
        return account  # type: ignore[return-value]

    def signed(*, limit: int = limits.max_body_bytes) -> Callable[[Handler], Endpoint]:
        """Run a handler only for a properly signed request, with (device, account, body)."""

        def wrap(handler: Handler) -> Endpoint:
            @answers.refusals
            async def endpoint(request: Request) -> Response:
                checked, body = await verified(request, limit)
                account = await admitted(checked, [])
                return await handler(request, checked.did, account, body)

            return endpoint

        return wrap

    @answers.refusals
    async def devices(request: Request) -> Response:
        checked, body = await verified(request, limits.max_body_bytes)
        device = checked.did
        try:
            claim = protocol.decode(body)
            account, attestation = claim["account"], claim["attestation"]
        except (ProtocolError, KeyError, TypeError):
            return answers.error(400, "bad-body", "expected {account, attestation}")
        account_key = (
            did_key.resolve(account)
            if isinstance(account, str) and len(account) <= limits.max_did_chars
            else None
        )
        if (
            account_key is None
            or not isinstance(attestation, bytes)
            or not account_key.public_key.verify(
                attestation, protocol.DEVICE_ATTESTATION + device.encode()
            )
        ):
            return answers.error(
                403, "bad-attestation", "the account key did not authorise this device"
            )
        await admitted(  # registrations are also limited per address: new keys cost nothing
            checked, [(f"register:{address(request)}", limits.registration_rate)], registered=False
        )
        try:
            await run_in_threadpool(store.register, account, device, limits)
        except QuotaExceeded:
            raise
        except StorageError as error:
            return answers.error(409, "conflict", str(error))
        return _cbor({"account": account})

    @signed(limit=limits.max_header_bytes)
    async def header(request: Request, _device: str, account: str, body: bytes) -> Response:
        if request.method == "PUT":
            await run_in_threadpool(store.put_header, account, body)
            return _cbor({"stored": len(body)})
        stored = await run_in_threadpool(store.header, account)
        return (
            answers.error(404, "no-header", "no wallet header yet")
            if stored is None
            else Response(stored)
        )

    @signed()
    async def push(request: Request, device: str, account: str, body: bytes) -> Response:
        try:
            records = inputs.records(protocol.records(protocol.decode(body)))
        except ProtocolError as error:
            return answers.error(400, "bad-body", str(error))
        changed = await run_in_threadpool(store.push, account, records, device, limits)
        return _cbor({"accepted": len(records), "changed": changed})

    @signed()
    async def pull(request: Request, device: str, account: str, _body: bytes) -> Response:
        limit = inputs.whole_number(request.query_params.get("limit"), "limit", MAX_PULL)
        try:
            after = store.seq_of(account, request.query_params.get("cursor", ""))
        except StorageError as error:
            return answers.error(400, "bad-cursor", str(error))
        records, last, more = await run_in_threadpool(
            store.pull, account, after, max(min(limit, MAX_PULL), 1), device
        )
        return _cbor(
            {"records": protocol.rows(records), "cursor": store.cursor(account, last), "more": more}
        )

    @answers.refusals
    async def logs(request: Request) -> Response:
        trainer = inputs.did_key(request.path_params["trainer"], limits, "trainer")
        await throttled(request)
        if request.method == "GET":
            after = inputs.whole_number(request.query_params.get("after"), "after", 0)
            entries = await run_in_threadpool(store.log_entries, trainer, after, MAX_PULL)
            return JSONResponse({"entries": entries})
        data = await inputs.Body(request, limits.max_body_bytes, limits).read_all()
        body = await run_in_threadpool(inputs.parse_json, data, limits)
        uploaded = body.get("entries") if isinstance(body, dict) else None
        if not isinstance(uploaded, list):
            return answers.error(400, "bad-body", "expected {entries: [...]}")
        try:
            added = await run_in_threadpool(store.append_log, trainer, uploaded, limits)
        except issuance_log.LogBroken as error:
            return JSONResponse(
                {"error": "log-broken", "message": str(error), "position": error.position},
                status_code=409,
            )
        except UnusableInput as error:
            return answers.error(400, "bad-log", str(error))
        return JSONResponse({"added": added})

    @answers.refusals
    async def bundles(request: Request) -> Response:
        publisher = inputs.did_key(request.path_params["publisher"], limits, "publisher")
        await throttled(request)
        if request.method == "PUT":
            return await put_bundle(request, publisher)
        since = inputs.whole_number(request.query_params.get("since"), "since")
        found = await run_in_threadpool(store.bundle_since, publisher, since)
        if found is None:
            return answers.error(404, "no-bundle", f"no trust bundle from {publisher}")
        if isinstance(found, int):
            return Response(status_code=304, headers={"ETag": f'"{found}"'})
        sequence = found["header"]["sequence"]
        return Response(
            json.dumps(found, separators=(",", ":")),
            media_type="application/json",
            headers={"ETag": f'"{sequence}"'},
        )

    async def put_bundle(request: Request, publisher: str) -> Response:
        """The signed header first, as it arrives: a bundle its publisher did not sign, or
        one older than held, is refused before the rest of up to 16 MB is read or parsed;
        the rest is parsed off the event loop."""
        body = inputs.Body(request, limits.max_bundle_bytes, limits)
        head = await inputs.bundle_header(body, limits)
        inputs.check_json(head, limits)
        try:
            await run_in_threadpool(trust_bundle.verify_header, head, publisher)
        except UnusableInput as error:
            return answers.error(400, "bad-bundle", str(error))
        newest = await run_in_threadpool(store.newest_bundle, publisher)
        if newest is not None and head["sequence"] <= newest:
            return answers.error(
                409, "stale-bundle", f"the server already holds bundle {newest} from {publisher}"
            )
        data = await body.read_all()
        bundle = await run_in_threadpool(inputs.parse_json, data, limits)
        try:
            sequence = await run_in_threadpool(store.put_bundle, publisher, bundle, limits)
        except UnusableInput as error:
            return answers.error(400, "bad-bundle", str(error))
        except QuotaExceeded:
            raise
        except StorageError as error:
            return answers.error(409, "stale-bundle", str(error))
        return JSONResponse({"sequence": sequence})

    return Starlette(
        middleware=[Middleware(GZipMiddleware, minimum_size=1000)],  # only when asked for
        routes=[
            Route("/v1/logs/{trainer}", logs, methods=["GET", "POST"]),
            Route("/v1/bundles/{publisher}", bundles, methods=["GET", "PUT"]),
            Route("/v1/devices", devices, methods=["POST"]),
            Route("/v1/header", header, methods=["GET", "PUT"]),
            Route("/v1/push", push, methods=["POST"]),
            Route("/v1/pull", pull, methods=["GET"]),
            *vc_api.routes(vc or vc_api.VcApi(), store, limits, clock),
        ],
    )
