"""Reading VPQR (CBOR-LD) codes shared from the DCC Learner Credential Wallet."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import NOW, load_json, read_text
from wallet.qr import base45, cbor_ld
from wallet.qr.errors import PayloadError
from wallet.vc.data_integrity import canonical
from wallet.vc.errors import UnusableInput
from wallet.vc.verification import verify_credential

NAMES = ["derived-ecdsa-sd-2023", "signed-eddsa-rdfc-2022", "signed-ecdsa-rdfc-2019"]


@pytest.mark.parametrize("name", NAMES)
def test_vpqr_vectors_decode_to_their_json_and_verify(name: str) -> None:
    decoded = cbor_ld.decode_text(read_text("vectors", "vpqr", f"{name}.txt").strip())
    published = load_json("vectors", "vpqr", f"{name}.json")
    assert canonical(decoded).text() == canonical(published).text()
    assert decoded == published
    report = verify_credential(decoded, now=NOW)
    assert [c.id for c in report.checks if not c.ok] == []


def test_not_vpqr() -> None:
    with pytest.raises(PayloadError, match="not a VPQR payload"):
        cbor_ld.decode_text("LW1ABC")
    with pytest.raises(PayloadError, match=r"CBOR-LD 1\.0"):
        cbor_ld.decode_text("VC1-R" + base45.encode(b"\xd8\x00\x00"))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_mutated_vpqr_fails_cleanly(data: st.DataObject) -> None:
    original = base45.decode(read_text("vectors", "vpqr", "derived-ecdsa-sd-2023.txt").strip()[5:])
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 3))):
        mutated[data.draw(st.integers(3, len(mutated) - 1))] = data.draw(st.integers(0, 255))
    with contextlib.suppress(UnusableInput):
        document = cbor_ld.decode(bytes(mutated))
        report = verify_credential(document, now=NOW)
        if bytes(mutated) != original:
            assert not report.verified or document == load_json(
                "vectors", "vpqr", "derived-ecdsa-sd-2023.json"
            )
