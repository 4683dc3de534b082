"""How every endpoint answers what it refuses, for the sync server and the VC-API alike: a
JSON `{error, message}` with its 4xx status, never an exception the server did not expect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from wallet.server.inputs import Refused
from wallet.server.storage import QuotaExceeded
from wallet.vc.errors import UnusableInput

Endpoint = Callable[[Request], Awaitable[Response]]


def error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def refusals(endpoint: Endpoint) -> Endpoint:
    """Refusals, full quotas and unusable input as their 4xx; a client that left gets
    nothing more."""

    async def answer(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Refused as refused:
            return error(refused.status, refused.code, refused.message, refused.headers)
        except QuotaExceeded as full:
            return error(403, full.code, str(full))
        except UnusableInput as unusable:
            return error(400, unusable.kind, str(unusable))
        except ClientDisconnect:
            return Response(status_code=400)

    return answer
