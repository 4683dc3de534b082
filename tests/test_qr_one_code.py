"""Issue 17: the standard presentation is one QR code, every time, in both modes; one-way
presentations carry a nonce; the LW1 v2 forms round-trip exactly and v1 codes still read."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import sample_badge
from tests.support import Clock, holder_with, verifier_for
from wallet.bench import qr as qr_bench
from wallet.qr import base45, compact, dictionary, frames, images
from wallet.qr.errors import PayloadError
from wallet.vc import cbor, ecdsa_sd_2023, multibase

MODES = {"challenge": True, "one-way": False}


def _sizes(badge: dict[str, Any], answers_challenge: bool) -> list[tuple[int, int]]:
    """(codes, version of the first) for each of 40 fresh presentations, as shown."""
    found = []
    for _ in range(qr_bench.SAMPLES):
        document = qr_bench.standard_presentation(badge, answers_challenge=answers_challenge)
        texts, _ = frames.texts_for(document)
        found.append((len(texts), qr_bench.version_for(len(texts[0]))))
        challenge = document["proof"].get("challenge")
        assert compact.decode(compact.encode(document), challenge).document == document
    return found


@pytest.mark.parametrize("mode", MODES)
def test_i17_the_sample_badge_is_one_v15_code_in_40_of_40(mode: str) -> None:
    sizes = _sizes(qr_bench.sample_badge(), MODES[mode])
    assert sizes == [(1, v) for _, v in sizes] and max(v for _, v in sizes) <= 15


@pytest.mark.parametrize("mode", MODES)
def test_i17_the_long_names_badge_is_one_code_up_to_v20_in_40_of_40(mode: str) -> None:
    sizes = _sizes(qr_bench.long_names_badge(), MODES[mode])
    assert sizes == [(1, v) for _, v in sizes] and max(v for _, v in sizes) <= 20


def test_i17_a_larger_single_code_is_rendered_and_read_back() -> None:
    document = qr_bench.standard_presentation(qr_bench.long_names_badge(), answers_challenge=False)
    [text], _ = frames.texts_for(document)
    png, version = images.render_png(text)
    assert 15 < version <= frames.LARGEST_SINGLE_VERSION
    assert images.decode_image(png) == [text]


def test_i17_one_code_up_to_v20_else_frames_at_v15() -> None:
    fits_20 = bytes(range(256)) * 3  # 768 bytes: 1155 characters, over v15, under v20
    [single] = frames.split(fits_20, frames.MAX_VERSION, frames.LARGEST_SINGLE_VERSION)
    assert single.startswith(compact.PREFIX)
    assert len(frames.split(fits_20, frames.MAX_VERSION)) == 2  # an explicit cap holds
    too_big = fits_20 * 2
    sequence = frames.split(too_big, frames.MAX_VERSION, frames.LARGEST_SINGLE_VERSION)
    assert len(sequence) > 1
    assert all(len(t) <= frames.alphanumeric_capacity(frames.MAX_VERSION) for t in sequence)
    assert frames.reassemble(sequence) == too_big


def test_i17_two_one_way_presentations_in_the_same_second_differ_and_both_verify(
    tmp_path: Path,
) -> None:
    clock = Clock()  # frozen: both are made, and scanned, in the same second
    pack, [record_id] = holder_with(tmp_path, "ecdsa-sd-2023", clock=clock)
    first, second = (
        pack.present([record_id], ["/credentialSubject/name"]).document for _ in range(2)
    )
    assert compact.to_text(first) != compact.to_text(second)
    verifier = verifier_for(tmp_path, clock)
    for document in (first, second):
        [text], _ = frames.texts_for(document)
        verdict = verifier.verify_texts([text], None, None)
        assert verdict.verdict == "valid", [c.id for c in verdict.checks if not c.ok]
    again = verifier.verify_texts(frames.texts_for(second)[0], None, None)
    assert "replay" in {c.id for c in again.checks if not c.ok}  # a true replay still is one
    assert first["proof"]["nonce"] != second["proof"]["nonce"]


# LW1 version 1 (main at 5a30d01) encoded this signed-looking sample badge.
_V1_TEXT = (
    "LW1X82NLO CO$EPZWQJ6M: T9.2%:7NQ9S2PA+5ND9PDF7QC+D3V7V8YP8OIP*O5S7SD9X1JGOJ2PK6+"
    "JDRO93P184IY5-G98U2Z/O5MGO/FWZ1622UVPWW40OH+538US M7GWVR65RX4Z92WWJ23DWZ6-"
    "MFX0D%NSLD5ZW0//R-0LW$3HKOFLA*:5RJ69APPJNL.3FKLS:55%L6+O/%3YTSYO0H-C/IL7XC-"
    "PP62QQ7J5-Q1:V9 N97CVCGL6P-$OB$O2BIVEGSICVGQ0GH3NVBHOM$050KQGO$.AEU7*O4H8B5$4-"
    "S2D-4/$S*9GZ1RKLB*ZBQHS6LJMP2*16H/5L004EN CO590Q51T1LH40VVP7QA7%E5WUORQU3L4J8RQ3"
    "HAEA.DZ%7OJ3KR2/Z2Y+CILT3Q2VR4KJA4H81KCH.EWFR$7C9.S$YI% "
    "OOH6ZM2QRHHD41OQDFP4+P9$PGUA4A00.CD*79+3T:9EIS RO3XH-*J.PGRF25D0PO3IOG%F8 /HZ "
    "B7EU1.N3P95SB0YG9-7VNTK03D7QQ3EG-RKDMM2R  BFUOWSF-VR$YU8*AM0P6JD-WNF:NCMF "
    "-TEZOEQV.R9R5705RI7GPMFG-3"
)
_V1_HOLDER = "did:key:z6MkqL5jc3uv3WSYyLzsdKpKvvip47B9ePuMxezJLr9m1Dtc"


def test_i17_codes_of_the_previous_format_still_decode() -> None:
    expected = sample_badge()
    expected["credentialSubject"]["id"] = _V1_HOLDER
    expected["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-01-15T09:00:00Z",
        "verificationMethod": f"{_V1_HOLDER}#{_V1_HOLDER.removeprefix('did:key:')}",
        "proofPurpose": "assertionMethod",
        "proofValue": "z3mEpJjb7V9NsdAdbi66EUTXVYRimp7ZdDABdxdPLbeFYdwQdnVQGs9ETgpB8yFBvsDmaxhcVUzN8"
        "HZypu3b5NfQz",
    }
    assert base45.decode(_V1_TEXT[3:])[0] >> 4 == 1
    assert compact.from_text(_V1_TEXT).document == expected
    assert compact.encode(expected)[0] >> 4 == compact.VERSION == 2
    assert compact.decode(compact.encode(expected)).document == expected


def test_i17_a_version_1_payload_with_a_version_2_form_is_refused() -> None:
    body = cbor.encode({1: bytes([17]) + b"\x05"})  # kind 17 (a decimal) came with v2
    with pytest.raises(PayloadError):
        compact.decode(bytes([0x10]) + body)
    assert compact.decode(bytes([0x20]) + body).document == {"id": "5"}


def _derived_value(indexes: list[int], labels: dict[int, bytes], statements: int) -> str:
    return ecdsa_sd_2023.DerivedProofValue(
        bytes(range(64)),
        b"\x80\x24\x02" + bytes(32),
        [bytes([n]) * 64 for n in range(statements)],
        {f"c14n{k}": "u" + multibase.b64url_encode(v) for k, v in labels.items()},
        indexes,
    ).serialize()


@given(
    st.lists(st.integers(0, 300), unique=True).map(sorted),
    st.dictionaries(st.integers(0, 500), st.binary(min_size=32, max_size=32), max_size=4),
    st.integers(0, 5),
)
def test_i17_derived_proof_values_round_trip_exactly(
    indexes: list[int], labels: dict[int, bytes], statements: int
) -> None:
    value = _derived_value(indexes, labels, statements)
    document = {"proof": {"proofValue": value}}
    packed = compact.encode(document)
    assert compact.decode(packed).document == document
    assert len(packed) < len(value) * 3 // 4 - 10 + len(indexes) // 8  # framing gone


def test_i17_unsorted_mandatory_indexes_travel_as_plain_bytes() -> None:
    value = _derived_value([3, 1], {}, 1)
    document = {"proof": {"proofValue": value}}
    assert compact.decode(compact.encode(document)).document == document


@given(st.text(alphabet="0123456789", min_size=1, max_size=25))
def test_i17_decimal_strings_round_trip_exactly(digits: str) -> None:
    document = {"statusListIndex": digits, "id": f"https://example.org/s#{digits}x"}
    assert compact.decode(compact.encode(document)).document == document


@given(st.integers(0, 2**32), st.integers(-(2**31), 2**31))
def test_i17_consecutive_times_round_trip_exactly(start: int, step: int) -> None:
    def at(seconds: int) -> str:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    later = max(0, start + step)
    document = {"proof": {"created": at(start), "expires": at(later)}, "validFrom": at(later)}
    assert compact.decode(compact.encode(document)).document == document


def test_i17_status_entry_ids_are_rebuilt_only_where_they_stand_for_one() -> None:
    entry = qr_bench.sample_badge()["credentialStatus"]
    odd = {**copy.deepcopy(entry), "id": entry["id"] + "0"}
    for document in ({"credentialStatus": entry}, {"credentialStatus": odd}):
        assert compact.decode(compact.encode(document)).document == document
    for misplaced in ({1: b"\x10"}, {8: b"\x10"}, {1: [b"\x10"]}):
        with pytest.raises(PayloadError):
            compact.decode(bytes([0x20]) + cbor.encode(misplaced))


def test_i17_a_proof_template_cannot_repeat_a_key() -> None:
    with pytest.raises(PayloadError):
        compact.decode(bytes([0x20]) + cbor.encode({-1: 0, 2: "Other"}))
    with pytest.raises(PayloadError):
        compact.decode(bytes([0x20]) + cbor.encode({-1: 99}))


def test_i17_a_bitmap_ending_in_zeros_is_refused() -> None:
    proof_value = bytes([14]) + bytes(64) + bytes(33) + b"\x01" + bytes(64) + b"\x00"
    assert compact.decode(bytes([0x20]) + cbor.encode({18: proof_value + b"\x01"})).document
    for damaged in (proof_value + b"\x01\x00", proof_value[:-40]):
        with pytest.raises(PayloadError):
            compact.decode(bytes([0x20]) + cbor.encode({18: damaged}))


def test_i17_the_bench_prints_the_distribution() -> None:
    lines = list(qr_bench.figures(samples=2))
    names = {name for name, _, _ in lines}
    for badge in ("sample", "long-names"):
        for mode in ("challenge", "one-way"):
            for figure in ("chars-min", "chars-max", "codes-max", "one-code", "version-max"):
                assert f"qr.standard-presentation.{badge}.{mode}.{figure}" in names
    assert all(isinstance(value, int) and unit for _, value, unit in lines)
    assert json.dumps(lines)


def test_i17_derived_proofs_the_compact_form_cannot_hold_travel_as_plain_bytes() -> None:
    """A negative label (no varint) or an index past the bitmap's bound: encoded as they
    are, and round-trip, rather than loop or allocate without bound."""
    for value in (
        _derived_value([0, 5000], {}, 1),
        multibase.encode_base64url(
            ecdsa_sd_2023.DERIVED_HEADER
            + cbor.encode([bytes(64), b"\x80\x24\x02" + bytes(32), [], {-1: bytes(32)}, [0]])
        ),
    ):
        document = {"proof": {"proofValue": value}}
        packed = compact.encode(document)
        assert compact.decode(packed).document == document


def test_i17_a_mandatory_index_bitmap_is_bounded() -> None:
    proof_value = bytes([14]) + bytes(64) + bytes(33) + b"\x00" + b"\x00" + bytes(512) + b"\x01"
    with pytest.raises(PayloadError):
        compact.decode(bytes([0x20]) + cbor.encode({18: proof_value}))


_TRICKY_STRINGS = st.sampled_from(
    [
        "0",
        "07",
        "42",
        "999999999999999999",
        "2026-06-01T00:00:00Z",
        "2026-06-01T00:05:00Z",
        "1969-12-31T23:59:59Z",
        "DataIntegrityProof",
        "eddsa-rdfc-2022",
        "authentication",
        "https://example.org/status/7",
        "https://example.org/status/7#42",
    ]
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | _TRICKY_STRINGS | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "cryptosuite",
                    "proofPurpose",
                    "created",
                    "expires",
                    "statusListIndex",
                    "statusListCredential",
                    "x",
                ]
            )
            | st.text(max_size=4),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@st.composite
def _shaped(draw: st.DrawFn) -> dict[str, Any]:
    """An object that may take a proof template or a status entry id, with other keys."""
    found = draw(st.dictionaries(st.sampled_from(["x", "created", "nonce"]), _JSON, max_size=3))
    if draw(st.booleans()):
        found.update(draw(st.sampled_from(dictionary.PROOF_TEMPLATES)))
    if draw(st.booleans()):
        index, list_url = draw(_TRICKY_STRINGS), draw(_TRICKY_STRINGS)
        found.update(statusListIndex=index, statusListCredential=list_url)
        found["id"] = f"{list_url}#{index}" if draw(st.booleans()) else draw(_TRICKY_STRINGS)
    return found


@given(st.dictionaries(st.sampled_from(["proof", "credentialStatus", "a"]), _JSON, max_size=3))
def test_i17_any_document_round_trips_exactly(document: dict[str, Any]) -> None:
    assert compact.decode(compact.encode(document)).document == document


@given(st.lists(_shaped(), min_size=1, max_size=3))
def test_i17_templated_and_status_shaped_objects_round_trip_exactly(
    objects: list[dict[str, Any]],
) -> None:
    document = {"proof": objects[0], "verifiableCredential": objects}
    assert compact.decode(compact.encode(document)).document == document
