"""JSON Pointer (RFC 6901), as ecdsa-sd-2023 uses it to name what is mandatory or revealed."""

from __future__ import annotations

import re
from typing import Any

from wallet.vc.errors import InvalidPointer

_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")  # RFC 6901 section 4: ASCII digits only


def parse(pointer: str) -> list[str | int]:
    """VC-DI-ECDSA 3.4.8 jsonPointerToPaths: numeric segments become array indexes."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise InvalidPointer(f"JSON pointer must start with '/': {pointer!r}")
    paths: list[str | int] = []
    for segment in pointer.split("/")[1:]:
        if "~" in segment:
            if any(
                segment[i + 1 : i + 2] not in ("0", "1") for i, c in enumerate(segment) if c == "~"
            ):
                raise InvalidPointer(f"invalid escape in JSON pointer {pointer!r}")
            paths.append(segment.replace("~1", "/").replace("~0", "~"))
        elif _ARRAY_INDEX.fullmatch(segment):
            paths.append(int(segment))
        else:
            paths.append(segment)
    return paths


def step(value: Any, path: str | int, pointer: str) -> Any:
    """One segment of a walk; a pointer that selects nothing is an error, never a skip."""
    if isinstance(value, list) and isinstance(path, int) and 0 <= path < len(value):
        return value[path]
    if isinstance(value, dict) and str(path) in value:
        return value[str(path)]
    raise InvalidPointer(f"JSON pointer {pointer} does not match the document")


def resolve(document: Any, pointer: str) -> Any:
    value = document
    for path in parse(pointer):
        value = step(value, path, pointer)
    return value
