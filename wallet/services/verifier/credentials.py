"""What a verifier does with credentials handed to it as files: read one in any format we
hold, verify it by its format, and the status lists given beside it (`--status-list`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wallet.vc import clr, envelopes, jose, open_badges_v2, sd_jwt_vc
from wallet.vc.bitstring_status_list import CachedStatusList
from wallet.vc.data_integrity import KeyResolver
from wallet.vc.envelopes import Enveloped
from wallet.vc.errors import MalformedInput
from wallet.vc.jose import KeySource, no_keys
from wallet.vc.json_document import read_json_file
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


def read_credential_file(path: Path) -> dict[str, Any] | Enveloped:
    """A JSON credential, or a VC-JWT / SD-JWT VC token (`.jwt`, `.jws`, `.sd-jwt` files)."""
    with path.open("rb") as handle:
        head = handle.read(jose.MAX_TOKEN_BYTES + 1)
    if (token := envelopes.detect(head)) is not None:
        return token
    return read_json_file(path)


def verify(
    document: dict[str, Any] | Enveloped,
    *,
    now: datetime | None = None,
    status_lists: StatusLists | None = None,
    resolver: KeyResolver | None = None,
    keys: KeySource = no_keys,
    signing_keys: Callable[[str], open_badges_v2.SigningKey | None] | None = None,
) -> Report:
    """Any credential we hold, by its format: embedded proofs or a token (VC-JWT, SD-JWT VC,
    a signed Open Badges 2.0 assertion); a CLR 2.0 record with each credential nested in it.
    `resolver`, `keys` and `signing_keys` give the issuer keys beyond did:key (cached DID
    documents and OB 2.0 keys, never fetched here): `resolver` for embedded proofs, `keys`
    for a token's `kid`, `signing_keys` for an OB 2.0 assertion's `creator`."""
    moment = now or datetime.now(UTC)

    def one(held: dict[str, Any] | Enveloped) -> Report:
        if isinstance(held, Enveloped):
            return envelopes.verify(
                held, now=moment, keys=keys, status_lists=status_lists, signing_keys=signing_keys
            )
        return verify_credential(held, now=moment, status_lists=status_lists, resolver=resolver)

    report = one(document)
    if isinstance(document, dict) and clr.is_clr(
        document
    ):  # a learner record: each credential in it verified as itself
        return Report(report.checks + clr.nested_checks(document, one))
    return report


def verify_presented_sd_jwt(
    token: str, *, nonce: str, audience: str, now: datetime | None = None, keys: KeySource = no_keys
) -> Report:
    """An SD-JWT VC presentation: the holder's key-binding JWT must answer this nonce and
    audience."""
    return sd_jwt_vc.verify(
        token,
        now=now or datetime.now(UTC),
        keys=keys,
        require_key_binding=True,
        nonce=nonce,
        audience=audience,
    )
