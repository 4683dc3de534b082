"""The CBOR subset (RFC 8949) that ecdsa-sd-2023 proof values and our QR payloads use.

Integers, byte and text strings, arrays, maps, floats (read at any width, written as 64-bit),
true/false/null, all with definite
lengths and deterministic encoding (section 4.2.1: shortest arguments, map keys in encoded
order). Tags and indefinite lengths are refused. We keep this instead of cbor2 because
cbor2 6.x is a compiled-only package with no wheel on Flet's Android index, and because a
strict decoder of untrusted bytes should refuse everything it does not need.
"""

from __future__ import annotations

import struct
from typing import Any

from wallet.vc.errors import MalformedProof

_UINT, _NEGINT, _BYTES, _TEXT, _ARRAY, _MAP, _SIMPLE = 0, 1, 2, 3, 4, 5, 7
_FALSE, _TRUE, _NULL, _FLOAT16, _FLOAT32, _FLOAT64 = 20, 21, 22, 25, 26, 27


def encode(value: Any) -> bytes:
    out = bytearray()
    _encode(value, out)
    return bytes(out)


def _head(major: int, argument: int, out: bytearray) -> None:
    if argument < 24:
        out.append(major << 5 | argument)
    elif argument < 1 << 8:
        out += bytes([major << 5 | 24, argument])
    elif argument < 1 << 16:
        out += bytes([major << 5 | 25]) + argument.to_bytes(2, "big")
    elif argument < 1 << 32:
        out += bytes([major << 5 | 26]) + argument.to_bytes(4, "big")
    else:
        out += bytes([major << 5 | 27]) + argument.to_bytes(8, "big")


def _encode(value: Any, out: bytearray) -> None:
    if value is None or isinstance(value, bool):
        out.append(_SIMPLE << 5 | {None: _NULL, False: _FALSE, True: _TRUE}[value])
    elif isinstance(value, int):
        if not -(1 << 64) <= value < 1 << 64:
            raise TypeError("integer out of CBOR range")
        _head(_UINT, value, out) if value >= 0 else _head(_NEGINT, -1 - value, out)
    elif isinstance(value, float):
        out += bytes([_SIMPLE << 5 | _FLOAT64]) + struct.pack(">d", value)
    elif isinstance(value, bytes):
        _head(_BYTES, len(value), out)
        out += value
    elif isinstance(value, str):
        data = value.encode("utf-8")
        _head(_TEXT, len(data), out)
        out += data
    elif isinstance(value, list):
        _head(_ARRAY, len(value), out)
        for item in value:
            _encode(item, out)
    elif isinstance(value, dict):
        entries = sorted((encode(k), encode(v)) for k, v in value.items())
        _head(_MAP, len(entries), out)
        for key, item in entries:
            out += key + item
    else:
        raise TypeError(f"cannot CBOR-encode {type(value).__name__}")


def decode(data: bytes, max_depth: int = 8) -> Any:
    """Proof values nest two deep; documents carried in QR codes need more room."""
    value, end = _decode(data, 0, 0, max_depth)
    if end != len(data):
        raise MalformedProof("trailing bytes after the CBOR value")
    return value


def _decode(data: bytes, pos: int, depth: int, max_depth: int) -> tuple[Any, int]:
    if depth > max_depth:
        raise MalformedProof("CBOR value is nested too deeply")
    if pos >= len(data):
        raise MalformedProof("truncated CBOR value")
    major, info = data[pos] >> 5, data[pos] & 0x1F
    pos += 1
    if major == _SIMPLE:
        return _simple(data, pos, info)
    if info < 24:
        argument = info
    elif info <= 27:
        size = 1 << (info - 24)
        if pos + size > len(data):
            raise MalformedProof("truncated CBOR value")
        argument = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    else:
        raise MalformedProof("indefinite-length or reserved CBOR item")
    if major == _UINT:
        return argument, pos
    if major == _NEGINT:
        return -1 - argument, pos
    if major in (_BYTES, _TEXT):
        if pos + argument > len(data):
            raise MalformedProof("truncated CBOR string")
        raw = data[pos : pos + argument]
        pos += argument
        if major == _BYTES:
            return bytes(raw), pos
        try:
            return raw.decode("utf-8"), pos
        except UnicodeDecodeError as exc:
            raise MalformedProof("invalid UTF-8 in CBOR text") from exc
    if major in (_ARRAY, _MAP):
        # every item needs at least one byte: refuse counts the input cannot hold
        if argument > len(data) - pos:
            raise MalformedProof("CBOR length exceeds the data")
        if major == _ARRAY:
            items = []
            for _ in range(argument):
                item, pos = _decode(data, pos, depth + 1, max_depth)
                items.append(item)
            return items, pos
        mapping: dict[Any, Any] = {}
        for _ in range(argument):
            key, pos = _decode(data, pos, depth + 1, max_depth)
            if isinstance(key, list | dict):
                raise MalformedProof("CBOR map key must be a scalar")
            mapping[key], pos = _decode(data, pos, depth + 1, max_depth)
        return mapping, pos
    raise MalformedProof("CBOR tags are not allowed here")


def _simple(data: bytes, pos: int, info: int) -> tuple[Any, int]:
    if info in (_FALSE, _TRUE, _NULL):
        return {_FALSE: False, _TRUE: True, _NULL: None}[info], pos
    for code, fmt in ((_FLOAT16, ">e"), (_FLOAT32, ">f"), (_FLOAT64, ">d")):
        size = struct.calcsize(fmt)
        if info == code and pos + size <= len(data):
            return struct.unpack_from(fmt, data, pos)[0], pos + size
    raise MalformedProof("unsupported or truncated CBOR simple value")
