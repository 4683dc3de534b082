"""Sealed records: every format ever written still opens, a blob cannot be read with
another format's dictionary, and today's dictionary fits today's reports (the sync bytes
that codes and params had cost, issue 19)."""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.conftest import sample_badge
from tests.support import as_source, new_backpack
from wallet.services.learner.backpack import CREDENTIAL
from wallet.store import sealing
from wallet.store.compression import DICTIONARY_2
from wallet.store.errors import VaultCorrupt

KEY = bytes(range(32))
AAD = sealing.associated_data("record-1", "credential", 3)


def format_2(plaintext: bytes, aad: bytes = AAD) -> bytes:
    """A blob as wallets sealed records before format 3."""
    nonce = os.urandom(12)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, DICTIONARY_2)
    compressed = deflate.compress(plaintext) + deflate.flush()
    return b"\x02" + nonce + AESGCM(KEY).encrypt(nonce, compressed, aad)


def test_a_record_sealed_in_format_2_still_opens() -> None:
    plaintext = json.dumps({"report": {"verified": True, "checks": []}}).encode()
    assert sealing.unseal(KEY, format_2(plaintext), AAD) == plaintext


def test_new_records_are_sealed_in_format_3() -> None:
    blob = sealing.seal(KEY, b'{"tags":[]}', AAD)
    assert blob[0] == 3
    assert sealing.unseal(KEY, blob, AAD) == b'{"tags":[]}'


@pytest.mark.parametrize("switched_to", [2, 4, 0])
def test_a_format_3_blob_cannot_be_read_as_another_format(switched_to: int) -> None:
    """The format byte picks the inflating dictionary, so it is bound into the associated
    data: a server that switched it could otherwise make the same authentic bytes inflate
    to other text."""
    blob = sealing.seal(KEY, b'{"credential":{"name":"Solar installer"}}', AAD)
    with pytest.raises(VaultCorrupt):
        sealing.unseal(KEY, bytes([switched_to]) + blob[1:], AAD)


def test_a_format_2_blob_switched_to_format_3_is_refused() -> None:
    blob = format_2(b'{"credential":{"name":"Solar installer"}}')
    with pytest.raises(VaultCorrupt):
        sealing.unseal(KEY, b"\x03" + blob[1:], AAD)


def test_a_card_stores_its_checks_without_derived_fields_and_seals_smaller_than_before(
    tmp_path: Path,
) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    list(pack.import_sources([as_source("badge.json", sample_badge())]))
    (record_id,) = pack.vault.ids(CREDENTIAL)
    payload = pack.vault.get(record_id, CREDENTIAL).payload
    checks = payload["report"]["checks"]
    assert checks and all("ok" not in c and "warning" not in c for c in checks)
    assert all(c.get("severity") != "ok" for c in checks)  # ok is the default, left out

    plaintext = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    today = sealing.seal(KEY, plaintext, AAD)
    assert sealing.unseal(KEY, today, AAD) == plaintext
    assert len(today) < len(format_2(plaintext))
