"""Verify credentials offline, with whatever status lists this device has cached."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wallet.services.documents import read_json_file
from wallet.vc.bitstring_status_list import CachedStatusList
from wallet.vc.data_integrity import KeyResolver
from wallet.vc.errors import MalformedInput
from wallet.vc.verification import Report, StatusLists, verify_credential


def status_lists_from_files(items: list[str | Path]) -> StatusLists:
    """Status list credentials saved as files, each found by the URL it was fetched from
    (`URL=FILE`) and by its own `id`: a list's `id` need not be the URL a credential names
    (issue 14). The file's modification time stands for when it was fetched."""
    cache: dict[str, CachedStatusList] = {}
    for item in items:
        url, path = _url_and_file(str(item))
        credential = read_json_file(path)
        list_id = credential.get("id")
        if not isinstance(list_id, str) and url is None:
            raise MalformedInput(f"status list {path.name} has no id: give it as URL={path}")
        fetched = datetime.fromtimestamp(os.stat(path).st_mtime, UTC)
        cached = CachedStatusList(credential, fetched)
        for key in (list_id, url):
            if isinstance(key, str):
                cache[key] = cached
    return cache.get


def _url_and_file(item: str) -> tuple[str | None, Path]:
    if item.startswith(("https://", "http://")) and "=" in item:
        url, _, name = item.rpartition("=")  # a URL may hold "=" in its query; a file name rarely
        return url, Path(name)
    return None, Path(item)


def verify(
    document: dict[str, Any],
    *,
    now: datetime | None = None,
    status_lists: StatusLists | None = None,
    resolver: KeyResolver | None = None,
) -> Report:
    """`resolver`: keys beyond did:key, as this device cached them (never fetched here)."""
    return verify_credential(
        document, now=now or datetime.now(UTC), status_lists=status_lists, resolver=resolver
    )
