"""Parse untrusted JSON (RFC 8259) within a size budget, before any JSON-LD work starts.

Python's parser accepts more than RFC 8259 allows, and some of it breaks later steps:
`NaN` and `Infinity` (not JSON numbers), integers too long for `int()` to read (over
4,300 digits), and lone surrogate escapes such as `"\\ud800"` (not Unicode text: they fail
when the text is hashed or stored). Each is refused here, by name.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from wallet.vc.errors import InputTooLarge, MalformedInput
from wallet.vc.rdfc import DEFAULT_LIMITS, Limits


def _refuse_constant(name: str) -> Any:
    raise MalformedInput(f"{name} is not a JSON number (RFC 8259 section 6)")


def parse(data: bytes | str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    size = len(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    if size > limits.max_bytes:
        raise InputTooLarge(
            f"the document is {size:,} bytes; the limit is {limits.max_bytes:,}",
            "bytes",
            limits.max_bytes,
        )
    try:
        document = json.loads(data, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise MalformedInput("the document is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise MalformedInput(f"not JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise MalformedInput("the JSON is nested too deeply") from None
    except ValueError:  # int() refuses numbers over sys.get_int_max_str_digits() digits
        raise InputTooLarge(
            "the document holds a number with too many digits",
            "digits",
            sys.get_int_max_str_digits(),
        ) from None
    if not isinstance(document, dict):
        raise MalformedInput("expected a JSON object")
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedInput("the document holds a lone surrogate (\\ud800-\\udfff)") from None
    return document


def read_json_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """A JSON document from a file (a credential, a status list, an authorisation). Reads
    at most one byte past the limit, so a huge file costs nothing to refuse."""
    with path.open("rb") as handle:
        data = handle.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise InputTooLarge(
            f"{path.name} is larger than the {limits.max_bytes:,}-byte limit for a document",
            "bytes",
            limits.max_bytes,
        )
    return parse(data, limits)
