"""Status lists a verifier was handed as files (`wallet verify|scan --status-list`)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from wallet.services.learner.sources import read_json_file
from wallet.vc.bitstring_status_list import CachedStatusList
from wallet.vc.errors import MalformedInput
from wallet.vc.verification import StatusLists


def status_lists_from_files(paths: list[Path]) -> StatusLists:
    """Status list credentials saved as files, keyed by their `id`; the file's modification
    time stands for when it was fetched."""
    cache: dict[str, CachedStatusList] = {}
    for path in paths:
        credential = read_json_file(path)
        list_id = credential.get("id")
        if not isinstance(list_id, str):
            raise MalformedInput(f"status list {path.name} has no id")
        fetched = datetime.fromtimestamp(os.stat(path).st_mtime, UTC)
        cache[list_id] = CachedStatusList(credential, fetched)
    return cache.get
