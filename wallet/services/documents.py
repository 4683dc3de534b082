"""Read credential files without trusting their size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wallet.vc import json_document
from wallet.vc.errors import InputTooLarge
from wallet.vc.rdfc import DEFAULT_LIMITS, Limits


def read_json_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Reads at most one byte past the limit, so a huge file costs nothing to refuse."""
    with path.open("rb") as handle:
        data = handle.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise InputTooLarge(
            f"{path.name} is larger than the {limits.max_bytes:,}-byte limit for a document"
        )
    return json_document.parse(data, limits)
