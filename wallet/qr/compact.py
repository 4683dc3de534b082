"""LW1: the smallest honest encoding of a credential or presentation for a QR code.

JSON → CBOR with dictionary codes for known keys and values, binary forms for did:key,
urn:uuid, multibase values and timestamps, back-references to keys already seen (a
holder's DID appears as subject id and again in the VP's verification method) → raw
deflate with a preset dictionary when that is smaller → base45 text. Every special form is
used only if it decodes back to the identical string, so signatures still verify.
Specified in docs/qr-format.md.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wallet.qr import base45
from wallet.qr.dictionary import DEFLATE_DICTIONARY, KEYS, VALUES
from wallet.qr.errors import PayloadError
from wallet.vc import cbor, multibase
from wallet.vc.errors import MalformedProof

PREFIX = "LW1"
MAX_EXPANDED_BYTES = 1_000_000
_VERSION = 1  # the header's high nibble
_DEFLATED = 0x01
_ANSWERS_CHALLENGE = 0x02
_PAPER = 0x04  # a credential printed on paper: no holder proof, never bound to who shows it

# Kinds of byte-string values. JSON has no bytes, so a CBOR byte string is always one of
# these; a CBOR negative integer is always a dictionary value (-1 - code).
(
    _NEGATIVE,
    _DID,
    _VM,
    _UUID,
    _BASE58,
    _BASE64URL,
    _TIME,
    _DID_REF,
    _VM_REF,
    _DID_ED25519,
    _VM_ED25519,
    _DID_P256,
    _VM_P256,
    _TIME_2020,
) = range(14)
_KEY_PREFIXES = {
    _DID_ED25519: b"\xed\x01",
    _VM_ED25519: b"\xed\x01",
    _DID_P256: b"\x80\x24",
    _VM_P256: b"\x80\x24",
}
_KEY_CODES = {k: i for i, k in enumerate(KEYS)}
_VALUE_CODES = {(tuple(v) if isinstance(v, list) else v): i for i, v in enumerate(VALUES)}
_DID_KEY = "did:key:"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_EPOCH_2020 = 1_577_836_800
_MAX_DEPTH = 64  # deeper than any credential; a bound so hostile input cannot recurse far


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _read_varint(data: bytes) -> int:
    number = shift = 0
    for position, byte in enumerate(data):
        number |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            if position != len(data) - 1:
                raise PayloadError("trailing bytes after a number")
            return number
        if shift > 63:
            break
    raise PayloadError("a number in the payload is malformed")


class _Keys:
    """did:key values seen so far, so each key travels once."""

    def __init__(self) -> None:
        self.table: list[bytes] = []

    def pack(self, key: bytes, is_method: bool) -> bytes:
        if key in self.table:
            return bytes([_VM_REF if is_method else _DID_REF]) + _varint(self.table.index(key))
        self.table.append(key)
        for kind, prefix in _KEY_PREFIXES.items():
            if key.startswith(prefix) and (kind in (_VM_ED25519, _VM_P256)) == is_method:
                return bytes([kind]) + key[len(prefix) :]
        return bytes([_VM if is_method else _DID]) + key

    def get(self, data: bytes) -> bytes:
        index = _read_varint(data)
        if index >= len(self.table):
            raise PayloadError("a key reference points nowhere")
        return self.table[index]


def _did_key_bytes(text: str) -> bytes | None:
    try:
        raw = multibase.decode(text)
    except MalformedProof:
        return None
    return raw if text.startswith("z") and multibase.encode_base58btc(raw) == text else None


def _pack_string(text: str, keys: _Keys) -> str | bytes | int:
    code = _VALUE_CODES.get(text)
    if code is not None:
        return -1 - code
    if text.startswith(_DID_KEY):
        did, hash_sign, fragment = text[len(_DID_KEY) :].partition("#")
        raw = _did_key_bytes(did)
        if raw is not None and (not hash_sign or fragment == did):
            return keys.pack(raw, is_method=bool(hash_sign))
    if text.startswith("urn:uuid:"):
        try:
            parsed = uuid.UUID(text[9:])
        except ValueError:
            parsed = None
        if parsed is not None and f"urn:uuid:{parsed}" == text:
            return bytes([_UUID]) + parsed.bytes
    if len(text) > 8 and text[0] in "zu":
        try:
            raw = multibase.decode(text)
        except MalformedProof:
            raw = None
        encoder = multibase.encode_base58btc if text[0] == "z" else multibase.encode_base64url
        if raw is not None and encoder(raw) == text:
            return bytes([_BASE58 if text[0] == "z" else _BASE64URL]) + raw
    if len(text) == 20 and text.endswith("Z"):
        try:
            moment = datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            moment = None
        if moment is not None and moment.strftime(_TIME_FORMAT) == text and moment.year >= 1970:
            seconds = int(moment.timestamp())
            if seconds >= _EPOCH_2020:
                return bytes([_TIME_2020]) + _varint(seconds - _EPOCH_2020)
            return bytes([_TIME]) + _varint(seconds)
    return text


def _pack(value: Any, keys: _Keys) -> Any:
    if isinstance(value, dict):
        # pack in the order CBOR will write the map, so key references number alike both ways
        items = sorted(((_KEY_CODES.get(k, k), v) for k, v in value.items()), key=_encoded_key)
        return {key: _pack(item, keys) for key, item in items}
    if isinstance(value, list):
        code = _VALUE_CODES.get(tuple(value)) if all(isinstance(v, str) for v in value) else None
        return -1 - code if code is not None else [_pack(v, keys) for v in value]
    if isinstance(value, str):
        return _pack_string(value, keys)
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return bytes([_NEGATIVE]) + _varint(-value)
    return value


def _encoded_key(item: tuple[Any, Any]) -> bytes:
    return cbor.encode(item[0])


def _unpack_bytes(data: bytes, keys: _Keys) -> str | int:
    if not data:
        raise PayloadError("an empty special value")
    kind, body = data[0], data[1:]
    if kind == _NEGATIVE:
        return -_read_varint(body)
    if kind in (_DID, _VM, _DID_ED25519, _VM_ED25519, _DID_P256, _VM_P256):
        raw = _KEY_PREFIXES.get(kind, b"") + body
        keys.table.append(raw)
        return _did_text(raw, kind in (_VM, _VM_ED25519, _VM_P256))
    if kind in (_DID_REF, _VM_REF):
        return _did_text(keys.get(body), kind == _VM_REF)
    if kind == _UUID:
        if len(body) != 16:
            raise PayloadError("a uuid must be 16 bytes")
        return f"urn:uuid:{uuid.UUID(bytes=body)}"
    if kind == _BASE58:
        return multibase.encode_base58btc(body)
    if kind == _BASE64URL:
        return multibase.encode_base64url(body)
    if kind in (_TIME, _TIME_2020):
        seconds = _read_varint(body) + (_EPOCH_2020 if kind == _TIME_2020 else 0)
        if seconds > 253_402_300_799:  # 9999-12-31T23:59:59Z
            raise PayloadError("a timestamp is out of range")
        return datetime.fromtimestamp(seconds, UTC).strftime(_TIME_FORMAT)
    raise PayloadError(f"unknown value kind {kind}")


def _did_text(raw: bytes, is_method: bool) -> str:
    did = multibase.encode_base58btc(raw)
    return f"{_DID_KEY}{did}#{did}" if is_method else _DID_KEY + did


def _unpack(value: Any, keys: _Keys) -> Any:
    if isinstance(value, dict):
        unpacked = {}
        for key, item in value.items():
            if isinstance(key, int):
                if not 0 <= key < len(KEYS):
                    raise PayloadError("unknown dictionary key")
                key = KEYS[key]
            elif not isinstance(key, str):
                raise PayloadError("object keys must be text")
            unpacked[key] = _unpack(item, keys)
        return unpacked
    if isinstance(value, list):
        return [_unpack(v, keys) for v in value]
    if isinstance(value, bytes):
        return _unpack_bytes(value, keys)
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        code = -1 - value
        if code >= len(VALUES):
            raise PayloadError("unknown dictionary value")
        entry = VALUES[code]
        return list(entry) if isinstance(entry, list) else entry
    return value


def challenge_hint(challenge: str, domain: str | None) -> bytes:
    """Two bytes that tell a verifier "this answers some other challenge" by name."""
    return hashlib.sha256(f"{challenge}\0{domain or ''}".encode()).digest()[:2]


def encode(document: dict[str, Any], *, paper: bool = False) -> bytes:
    """Header byte (version, flags), then CBOR, deflated when that is smaller.

    A presentation that answers a verifier's challenge QR travels without its `challenge`
    and `domain`: the verifier made them and puts them back (`decode`), and a 2-byte hint
    still says when it answers another challenge. The signature covers them either way.
    """
    flags, hint = _PAPER if paper else 0, b""
    proof = document.get("proof")
    if not paper and isinstance(proof, dict) and isinstance(proof.get("challenge"), str):
        hint = challenge_hint(proof["challenge"], proof.get("domain"))
        proof = {k: v for k, v in proof.items() if k not in ("challenge", "domain")}
        document = {**document, "proof": proof}
        flags |= _ANSWERS_CHALLENGE
    body = cbor.encode(_pack(document, _Keys()))
    compressor = zlib.compressobj(
        9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, DEFLATE_DICTIONARY
    )
    deflated = compressor.compress(body) + compressor.flush()
    if len(deflated) < len(body):
        flags |= _DEFLATED
        body = deflated
    return bytes([_VERSION << 4 | flags]) + hint + body


@dataclass(frozen=True)
class Decoded:
    document: dict[str, Any]
    answers_challenge: bool = False
    hint_matches: bool = True  # False: it answers a different challenge than the one given
    paper: bool = False  # a paper copy: a bare credential, no holder signature


def decode(data: bytes, challenge: str | None = None, domain: str | None = None) -> Decoded:
    if not data or data[0] >> 4 != _VERSION:
        raise PayloadError("an LW payload of a version this wallet does not read")
    if data[0] & 0x0F & ~(_DEFLATED | _ANSWERS_CHALLENGE | _PAPER):
        raise PayloadError("unknown LW1 header flags")
    flags, body = data[0] & 0x0F, data[1:]
    hint = b""
    if flags & _ANSWERS_CHALLENGE:
        hint, body = body[:2], body[2:]
        if len(hint) != 2:
            raise PayloadError("the payload is truncated")
    if flags & _DEFLATED:
        inflater = zlib.decompressobj(-15, zdict=DEFLATE_DICTIONARY)
        try:
            body = inflater.decompress(body, MAX_EXPANDED_BYTES)
        except zlib.error:
            raise PayloadError("the payload is damaged (deflate)") from None
        if inflater.unconsumed_tail or not inflater.eof:
            raise PayloadError("the payload is truncated or too large")
    try:
        document = _unpack(cbor.decode(body, max_depth=_MAX_DEPTH), _Keys())
    except MalformedProof as error:
        raise PayloadError(f"the payload is damaged: {error}") from None
    except (ValueError, OverflowError):
        raise PayloadError("the payload holds an impossible value") from None
    if not isinstance(document, dict):
        raise PayloadError("the payload is not a JSON object")
    if flags & _PAPER:
        if hint:
            raise PayloadError("a paper copy cannot answer a challenge")
        return Decoded(document, paper=True)
    if not hint:
        return Decoded(document)
    if challenge is None:
        raise PayloadError("this presentation answers a verifier's challenge: give that challenge")
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise PayloadError("a challenge answer without a proof")
    proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    matches = hmac.compare_digest(hint, challenge_hint(challenge, domain))
    return Decoded(document, answers_challenge=True, hint_matches=matches)


def to_text(document: dict[str, Any]) -> str:
    return PREFIX + base45.encode(encode(document))


def from_text(text: str, challenge: str | None = None, domain: str | None = None) -> Decoded:
    if not text.startswith(PREFIX):
        raise PayloadError("not an LW1 payload")
    return decode(base45.decode(text[len(PREFIX) :]), challenge, domain)
