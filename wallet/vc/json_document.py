"""Parse untrusted JSON (RFC 8259) within a size budget, before any JSON-LD work starts."""

from __future__ import annotations

import json
from typing import Any

from wallet.vc.errors import InputTooLarge, MalformedInput
from wallet.vc.rdfc import DEFAULT_LIMITS, Limits


def parse(data: bytes | str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    size = len(data.encode() if isinstance(data, str) else data)
    if size > limits.max_bytes:
        raise InputTooLarge(f"the document is {size:,} bytes; the limit is {limits.max_bytes:,}")
    try:
        document = json.loads(data)
    except UnicodeDecodeError:
        raise MalformedInput("the document is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise MalformedInput(f"not JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise MalformedInput("the JSON is nested too deeply") from None
    if not isinstance(document, dict):
        raise MalformedInput("expected a JSON object")
    return document
