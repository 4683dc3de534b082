"""Property tests for the small codecs under the proof suites: round trips, and untrusted
bytes only ever produce a value or a typed error."""

from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wallet.vc import cbor, json_pointer, multibase
from wallet.vc.ecdsa_sd_2023 import BaseProofValue, DerivedProofValue
from wallet.vc.errors import InvalidPointer, MalformedInput, MalformedProof
from wallet.vc.multikey import KeyPair, KeyType, PublicKey

cbor_values = st.recursive(
    st.integers(-(2**64), 2**64 - 1)
    | st.binary(max_size=80)
    | st.text(max_size=20)
    | st.floats(allow_nan=False)
    | st.booleans()
    | st.none(),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.integers(0, 1000) | st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=20,
)


@given(st.binary(max_size=200))
def test_base58_round_trip(data: bytes) -> None:
    assert multibase.decode(multibase.encode_base58btc(data)) == data


@given(st.binary(max_size=200))
def test_base64url_round_trip(data: bytes) -> None:
    encoded = multibase.encode_base64url(data)
    assert "=" not in encoded
    assert multibase.decode(encoded) == data


@given(st.text(max_size=40))
def test_multibase_decode_never_crashes(text: str) -> None:
    with contextlib.suppress(MalformedProof):
        multibase.decode(text)


@given(cbor_values)
def test_cbor_round_trip(value: object) -> None:
    assert cbor.decode(cbor.encode(value)) == value


def test_cbor_encoding_is_deterministic() -> None:
    # RFC 8949 4.2.1: shortest arguments, and map keys in the order of their encoding
    assert cbor.encode(23) == b"\x17"
    assert cbor.encode(24) == b"\x18\x18"
    assert cbor.encode(256) == b"\x19\x01\x00"
    assert cbor.encode({10: b"", 2: b"", 300: b""}) == b"\xa3\x02\x40\x0a\x40\x19\x01\x2c\x40"


@given(st.binary(max_size=120))
def test_cbor_decode_of_arbitrary_bytes_is_a_value_or_malformed(data: bytes) -> None:
    with contextlib.suppress(MalformedProof):
        cbor.decode(data)


def test_cbor_refuses_what_proof_values_never_hold() -> None:
    for data in (
        b"\xd8\x2a\x00",
        b"\xf9\x00",  # a truncated half-precision float
        b"\xfb\x00",
        b"\x9f\x00\xff",
        b"\x82\x00",
        b"\x00\x00",
    ):
        with pytest.raises(MalformedProof):
            cbor.decode(data)
    with pytest.raises(MalformedProof, match="exceeds"):
        cbor.decode(b"\x9b\xff\xff\xff\xff\xff\xff\xff\xff")  # a 2^64-item array, no items


@given(st.binary(max_size=300))
def test_proof_value_parsers_only_raise_malformed_proof(data: bytes) -> None:
    for header, parser in (
        (b"\xd9\x5d\x00", BaseProofValue.parse),
        (b"\xd9\x5d\x01", DerivedProofValue.parse),
    ):
        with contextlib.suppress(MalformedProof):
            parser(multibase.encode_base64url(header + data))


@given(
    st.lists(st.binary(min_size=64, max_size=64), max_size=4),
    st.dictionaries(st.integers(0, 50), st.binary(min_size=32, max_size=32), max_size=4),
    st.lists(st.integers(0, 100), max_size=5),
)
def test_derived_proof_value_round_trip(
    signatures: list[bytes], labels: dict[int, bytes], indexes: list[int]
) -> None:
    key = KeyPair.generate(KeyType.P256).public.multicodec()
    label_map = {f"c14n{k}": multibase.encode_base64url(v) for k, v in labels.items()}
    value = DerivedProofValue(b"\x01" * 64, key, signatures, label_map, indexes)
    assert DerivedProofValue.parse(value.serialize()) == value


@pytest.mark.parametrize("key_type", list(KeyType))
def test_multikey_round_trip(key_type: KeyType) -> None:
    key = KeyPair.generate(key_type)
    assert PublicKey.from_multikey(key.public.multikey()) == key.public
    again = KeyPair.from_secret_multikey(key.secret_multikey())
    assert again.public == key.public
    assert again.public.verify(key.sign(b"data"), b"data")
    assert not again.public.verify(key.sign(b"data"), b"dataX")
    assert key.secret_multikey() not in repr(key)


def test_public_key_off_the_curve_is_malformed() -> None:
    bogus = b"\x80\x24\x02" + b"\xff" * 32
    with pytest.raises(MalformedProof):
        PublicKey.from_multicodec(bogus)


@given(st.lists(st.text(max_size=6), min_size=1, max_size=4))
def test_json_pointer_escapes_round_trip(segments: list[str]) -> None:
    pointer = "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in segments)
    parsed = json_pointer.parse(pointer)
    expected = [int(s) if re.fullmatch("0|[1-9][0-9]*", s) else s for s in segments]
    assert parsed == expected


def test_json_pointer_errors() -> None:
    for bad in ("no-slash", "/bad~2escape"):
        with pytest.raises(InvalidPointer):
            json_pointer.parse(bad)
    with pytest.raises(InvalidPointer, match="/a/9"):
        json_pointer.resolve({"a": [1]}, "/a/9")
    assert json_pointer.resolve({"a": [{"b~/": 5}]}, "/a/0/b~0~1") == 5


def test_cbor_reads_every_float_width() -> None:
    # other encoders (cborg, used by CBOR-LD) write floats in their shortest exact form
    assert cbor.decode(b"\xf9\x41\x00") == 2.5
    assert cbor.decode(b"\xfa\x40\x20\x00\x00") == 2.5
    assert cbor.decode(b"\xfb\x40\x04\x00\x00\x00\x00\x00\x00") == 2.5


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)


@given(json_values)
def test_jcs_reads_back_and_is_independent_of_key_order(value: object) -> None:
    import json

    from wallet.vc import jcs

    canonical = jcs.canonicalize(value)
    assert json.loads(canonical) == value
    assert jcs.canonicalize(json.loads(canonical)) == canonical
    if isinstance(value, dict):
        assert jcs.canonicalize(dict(reversed(list(value.items())))) == canonical


def test_jcs_orders_keys_by_utf16_code_units_and_refuses_floats() -> None:
    from wallet.vc import jcs

    # U+1F600 is D83D DE00 in UTF-16, so it sorts before U+FFFD (by code points it is after)
    assert jcs.canonicalize({"\ufffd": 1, "\U0001f600": 2}) == '{"😀":2,"�":1}'.encode()
    with pytest.raises(MalformedInput, match="integers"):
        jcs.canonicalize({"a": 1.5})
