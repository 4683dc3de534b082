"""Issue 14: the badges learners already have, verified offline where they can be and
online once where they must. The network is a local HTTPS server on 127.0.0.1 with a test
CA; nothing here reaches further."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from tests.conftest import NOW
from tests.support import (
    DCC_LIST_URL,
    Clock,
    as_source,
    dcc_credential,
    dcc_status_list,
    new_backpack,
    wallet,
)
from wallet.vc.multikey import KeyPair, KeyType

DCC_KEY = KeyPair.generate(KeyType.ED25519)


def _clock() -> Clock:
    clock = Clock()
    clock.now = NOW.timestamp()
    return clock


# --- status lists found by the URL they came from ----------------------------------------


def test_status_list_found_by_url_not_only_by_id_cli(tmp_path: Path) -> None:
    """The bug: a DCC list's `id` is not the URL its credentials name, so a list given by
    file was never found and a revoked credential showed "status unknown"."""
    document, cached = tmp_path / "dcc.json", tmp_path / "list.json"
    document.write_text(json.dumps(dcc_credential(DCC_KEY, 7)))
    cached.write_text(json.dumps(dcc_status_list(DCC_KEY, {7})))
    two_days_ago = (NOW - timedelta(days=2)).timestamp()
    os.utime(cached, (two_days_ago, two_days_ago))
    given = f"{DCC_LIST_URL}={cached}"
    result = wallet(
        "verify", "--now", NOW.isoformat(), "--status-list", given, document, check=False
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Revoked by the issuer (list fetched 2 days ago)." in result.stdout


def test_status_list_found_by_url_not_only_by_id_backpack(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w", _clock())
    pack.cache_status_list(dcc_status_list(DCC_KEY, {7}), NOW, url=DCC_LIST_URL)
    (result,) = pack.import_sources([as_source("dcc.json", dcc_credential(DCC_KEY, 7))])
    status = next(c for c in pack.show(result.id).report["checks"] if c["id"] == "status")
    assert not status["ok"] and status["message"].startswith("Revoked by the issuer")


def test_legacy_status_2021_clear_bit_verifies(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w", _clock())
    pack.cache_status_list(dcc_status_list(DCC_KEY, {7}), NOW, url=DCC_LIST_URL)
    (result,) = pack.import_sources([as_source("dcc.json", dcc_credential(DCC_KEY, 8))])
    assert result.status == "imported" and result.verified
