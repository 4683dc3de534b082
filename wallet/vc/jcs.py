"""RFC 8785 JSON Canonicalization Scheme, for the documents this wallet signs with JCS.

Keys sort by their UTF-16 code units (section 3.2.3); strings escape as ECMAScript's
JSON.stringify does, which is what `json.dumps(ensure_ascii=False)` writes. Numbers are
integers only: ECMAScript's float formatting (section 3.2.2.3) is not implemented, and a
float is refused rather than canonicalized differently from other implementations.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from wallet.vc.errors import MalformedInput

_SAFE_INTEGER = 2**53 - 1  # I-JSON (RFC 7493) integers, which every JCS peer reads exactly


def canonicalize(value: Any) -> bytes:
    return _serialize(value).encode("utf-8")


def digest(value: Any) -> str:
    """SHA-256 of the canonical form, in hex: the same JSON always hashes the same."""
    return hashlib.sha256(canonicalize(value)).hexdigest()


def _serialize(value: Any) -> str:
    if value is None or isinstance(value, bool | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        if abs(value) > _SAFE_INTEGER:
            raise MalformedInput(f"the integer {value} is too large for JSON canonicalization")
        return str(value)
    if isinstance(value, float):
        raise MalformedInput("JSON canonicalization here takes integers, not decimal numbers")
    if isinstance(value, list):
        return "[" + ",".join(_serialize(item) for item in value) + "]"
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise MalformedInput("JSON object keys must be strings")
        ordered = sorted(value, key=lambda key: key.encode("utf-16-be"))
        return "{" + ",".join(f"{_serialize(k)}:{_serialize(value[k])}" for k in ordered) + "}"
    raise MalformedInput(f"{type(value).__name__} is not a JSON value")
