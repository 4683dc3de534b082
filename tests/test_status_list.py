"""Bitstring Status List v1.0 against a local cache: revoked and suspended fail, unknown
warns (never a silent pass), and the list's age is reported."""

from __future__ import annotations

import gzip
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import NOW
from tests.support import LIST_URL, badge, english, status_list, wallet
from wallet.vc import bitstring_status_list as bsl
from wallet.vc.bitstring_status_list import CachedStatusList, StatusEntry
from wallet.vc.errors import MalformedProof
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.verification import verify_credential


def status_check(document: dict[str, Any], cached: dict[str, Any] | None):
    lists = {LIST_URL: CachedStatusList(cached, NOW - timedelta(days=2))} if cached else {}
    report = verify_credential(document, now=NOW, status_lists=lists.get)
    return report, next(c for c in report.checks if c.id == "status")


def test_revoked_bit_fails() -> None:
    report, check = status_check(badge(5), status_list({5}))
    assert not report.verified
    assert not check.ok
    assert english(check) == "Revoked by the issuer (list fetched 2 days ago)."


def test_clear_bit_passes_and_reports_age() -> None:
    report, check = status_check(badge(6), status_list({5}))
    assert report.verified
    assert check.ok and not check.warning
    assert english(check) == "Not revoked (list fetched 2 days ago)."


def test_suspension() -> None:
    _, check = status_check(badge(9, "suspension"), status_list({9}, purpose="suspension"))
    assert not check.ok and english(check).startswith("Suspended by the issuer")


def test_no_cached_list_is_a_visible_warning() -> None:
    report, check = status_check(badge(5), None)
    assert check.ok and check.warning
    assert "Status unknown" in english(check)
    assert report.warnings == [check]


def test_list_from_another_issuer_is_not_trusted() -> None:
    _, check = status_check(badge(5), status_list({5}, key=KeyPair.generate(KeyType.ED25519)))
    assert check.ok and check.warning
    assert "not the issuer" in english(check)


def test_tampered_list_fails() -> None:
    cached = status_list(set())
    cached["credentialSubject"]["encodedList"] = status_list({5})["credentialSubject"][
        "encodedList"
    ]
    _, check = status_check(badge(5), cached)
    assert not check.ok
    assert "signature is not valid" in english(check)


def test_list_without_multibase_prefix_is_accepted() -> None:
    cached = status_list({5}, encode=lambda bits: bsl.encode_bitstring(bits)[1:])
    _, check = status_check(badge(5), cached)
    assert english(check).startswith("Revoked")


def test_short_list_and_wrong_purpose_are_unusable() -> None:
    with pytest.raises(MalformedProof, match="fewer than 131072"):
        status_check(badge(5), status_list({5}, entries=8 * 1024))
    with pytest.raises(MalformedProof, match="not a revocation list"):
        status_check(badge(5), status_list({5}, purpose="suspension"))


def test_index_zero_is_the_leftmost_bit() -> None:
    bits = bytes([0b1000_0000]) + bytes(bsl.MIN_ENTRIES // 8 - 1)
    first, second = (StatusEntry("revocation", i, 1, LIST_URL) for i in (0, 1))
    assert bsl.read_status(bits, first) == 1
    assert bsl.read_status(bits, second) == 0
    two_bit = StatusEntry("message", 0, 2, LIST_URL)
    assert bsl.read_status(bytes([0b1000_0000]) + bytes(2 * bsl.MIN_ENTRIES // 8), two_bit) == 2


def test_gzip_bomb_is_refused() -> None:
    bomb = bsl.multibase.encode_base64url(gzip.compress(bytes(64 * 1024 * 1024)))
    with pytest.raises(MalformedProof, match="16 MiB"):
        bsl.expand_bitstring(bomb)


def test_cli_status_list_file(tmp_path: Path) -> None:
    document, cached = tmp_path / "badge.json", tmp_path / "list.json"
    document.write_text(json.dumps(badge(5)))
    cached.write_text(json.dumps(status_list({5})))
    two_days_ago = (NOW - timedelta(days=2)).timestamp()
    os.utime(cached, (two_days_ago, two_days_ago))
    result = wallet(
        "verify", "--now", NOW.isoformat(), "--status-list", cached, document, check=False
    )
    assert result.returncode == 1
    assert "Revoked by the issuer (list fetched 2 days ago)." in result.stdout
    result = wallet("verify", "--now", NOW.isoformat(), document, check=False)
    assert result.returncode == 0
    assert "warn  status" in result.stdout


@given(
    st.sampled_from(["revocation", "suspension", "message"]),
    st.integers(0, 10**18 - 1),
    st.integers(1, 8),
    st.text(min_size=1, max_size=40),
)
def test_a_status_entry_written_reads_back_the_same(
    purpose: str, index: int, size: int, url: str
) -> None:
    entry = StatusEntry(purpose, index, size, url)
    assert StatusEntry.parse(entry.to_json()) == entry
