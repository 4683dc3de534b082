"""LW1: the smallest honest encoding of a credential or presentation for a QR code.

JSON → CBOR with dictionary codes for known keys and values, binary forms for did:key,
urn:uuid, multibase values, timestamps (or a step after the previous one) and decimal
strings, back-references to keys already seen (a holder's DID appears as subject id and
again in the VP's verification method), an ecdsa-sd-2023 derived proof without its
framing, status entry ids rebuilt from their list and index, proof templates → raw
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
from wallet.qr.dictionary import DEFLATE_DICTIONARY, KEYS, PROOF_TEMPLATES, VALUES
from wallet.qr.errors import PayloadError
from wallet.vc import cbor, ecdsa_sd_2023, multibase
from wallet.vc.errors import MalformedProof

PREFIX = "LW1"
MAX_EXPANDED_BYTES = 1_000_000
VERSION = 2  # the header's high nibble: what `encode` writes
_READS = (1, 2)  # version 1 is version 2 without the kinds from _FIRST_V2_KIND on
# Header flags, the low nibble. 0x08 is free: a new flag takes it, lists itself
# in _KNOWN_FLAGS and keeps the version (docs/qr-format.md, "LW1 payload").
_DEFLATED = 0x01
_ANSWERS_CHALLENGE = 0x02
_PAPER = 0x04  # a credential printed on paper: no holder proof, never bound to who shows it
_KNOWN_FLAGS = _DEFLATED | _ANSWERS_CHALLENGE | _PAPER

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
    _SD_DERIVED,
    _TIME_AFTER,
    _STATUS_ID,
    _DECIMAL,
) = range(18)
_FIRST_V2_KIND = _SD_DERIVED
_P256_PREFIX = b"\x80\x24"
_KEY_PREFIXES = {
    _DID_ED25519: b"\xed\x01",
    _VM_ED25519: b"\xed\x01",
    _DID_P256: _P256_PREFIX,
    _VM_P256: _P256_PREFIX,
}
_KEY_CODES = {k: i for i, k in enumerate(KEYS)}
_ID = _KEY_CODES["id"]
_TEMPLATE_KEY = -1  # map keys are otherwise unsigned or text
_DERIVED_PREFIX = multibase.encode_base64url(ecdsa_sd_2023.DERIVED_HEADER)
_VALUE_CODES = {(tuple(v) if isinstance(v, list) else v): i for i, v in enumerate(VALUES)}
_DID_KEY = "did:key:"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_EPOCH_2020 = 1_577_836_800
_MAX_DEPTH = 64  # deeper than any credential; a bound so hostile input cannot recurse far
_MAX_BITMAP_BYTES = 512  # mandatory indexes past 4,095 travel as plain bytes


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


class _Seen:
    """What packing has passed so far, in the order both directions walk the document: the
    did:key values (so each key travels once) and the last timestamp (so the next one can
    be a short step after it). `version` is the payload's, when decoding."""

    def __init__(self, version: int = VERSION) -> None:
        self.table: list[bytes] = []
        self.moment: int | None = None
        self.version = version

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

    def pack_time(self, seconds: int) -> bytes:
        previous, self.moment = self.moment, seconds
        forms = [bytes([_TIME]) + _varint(seconds)]
        if seconds >= _EPOCH_2020:
            forms.append(bytes([_TIME_2020]) + _varint(seconds - _EPOCH_2020))
        if previous is not None and seconds >= previous:
            forms.append(bytes([_TIME_AFTER]) + _varint(seconds - previous))
        return min(forms, key=len)


_STATUS_ENTRY_ID = object()  # unpacks to statusListCredential#statusListIndex of its object


def _did_key_bytes(text: str) -> bytes | None:
    try:
        raw = multibase.decode(text)
    except MalformedProof:
        return None
    return raw if text.startswith("z") and multibase.encode_base58btc(raw) == text else None


def _pack_derived_proof(text: str) -> bytes | None:
    """An ecdsa-sd-2023 derived proofValue (section 3.5.7) without its CBOR framing: the
    fixed-size parts back to back, the P-256 key without its multicodec prefix, and the
    mandatory indexes as a bitmap (they are ascending positions in the revealed quads)."""
    try:
        parsed = ecdsa_sd_2023.DerivedProofValue.parse(text)
    except (MalformedProof, ValueError):
        return None
    indexes = parsed.mandatory_indexes
    if (
        not parsed.public_key.startswith(_P256_PREFIX)
        or not all(0 <= i < _MAX_BITMAP_BYTES * 8 for i in indexes)
        or indexes != sorted(set(indexes))
        or not all(int(k.removeprefix("c14n")) >= 0 for k in parsed.label_map)
        or parsed.serialize() != text
    ):
        return None
    bitmap = bytearray((indexes[-1] // 8 + 1) if indexes else 0)
    for index in indexes:
        bitmap[index // 8] |= 1 << (index % 8)
    labels = b"".join(
        _varint(int(k.removeprefix("c14n"))) + multibase.b64url_decode(v[1:])
        for k, v in parsed.label_map.items()
    )
    return (
        bytes([_SD_DERIVED])
        + parsed.base_signature
        + parsed.public_key[len(_P256_PREFIX) :]
        + _varint(len(parsed.signatures))
        + b"".join(parsed.signatures)
        + _varint(len(parsed.label_map))
        + labels
        + bytes(bitmap)
    )


def _unpack_derived_proof(body: bytes) -> str:
    reader = _Reader(body)
    base_signature = reader.take(64)
    public_key = _P256_PREFIX + reader.take(33)
    signatures = [reader.take(64) for _ in range(reader.count())]
    label_map = {}
    for _ in range(reader.count()):
        label = reader.number()
        label_map[f"c14n{label}"] = "u" + multibase.b64url_encode(reader.take(32))
    bitmap = reader.rest()
    if bitmap and not bitmap[-1]:
        raise PayloadError("a mandatory-index bitmap ends in zeros")
    if len(bitmap) > _MAX_BITMAP_BYTES:
        raise PayloadError("a mandatory-index bitmap is too long")
    indexes = [i for i in range(len(bitmap) * 8) if bitmap[i // 8] >> (i % 8) & 1]
    return ecdsa_sd_2023.DerivedProofValue(
        base_signature, public_key, signatures, label_map, indexes
    ).serialize()


class _Reader:
    """Reads a special value's body front to back; running out is a damaged payload."""

    def __init__(self, data: bytes) -> None:
        self.data, self.position = data, 0

    def take(self, count: int) -> bytes:
        if self.position + count > len(self.data):
            raise PayloadError("the payload is truncated")
        part = self.data[self.position : self.position + count]
        self.position += count
        return part

    def number(self) -> int:
        start = self.position
        while self.take(1)[0] & 0x80:
            if self.position - start > 9:
                raise PayloadError("a number in the payload is malformed")
        return _read_varint(self.data[start : self.position])

    def count(self) -> int:
        count = self.number()
        if count > len(self.data):  # every item takes at least a byte
            raise PayloadError("a count in the payload is impossible")
        return count

    def rest(self) -> bytes:
        part, self.position = self.data[self.position :], len(self.data)
        return part


def _pack_string(text: str, seen: _Seen) -> str | bytes | int:
    code = _VALUE_CODES.get(text)
    if code is not None:
        return -1 - code
    if text.startswith(_DID_KEY):
        did, hash_sign, fragment = text[len(_DID_KEY) :].partition("#")
        raw = _did_key_bytes(did)
        if raw is not None and (not hash_sign or fragment == did):
            return seen.pack(raw, is_method=bool(hash_sign))
    if text.startswith("urn:uuid:"):
        try:
            parsed = uuid.UUID(text[9:])
        except ValueError:
            parsed = None
        if parsed is not None and f"urn:uuid:{parsed}" == text:
            return bytes([_UUID]) + parsed.bytes
    if text.startswith(_DERIVED_PREFIX):
        derived = _pack_derived_proof(text)
        if derived is not None:
            return derived
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
            return seen.pack_time(int(moment.timestamp()))
    if 1 < len(text) <= 18 and text.isascii() and text.isdigit() and text[0] != "0":
        return bytes([_DECIMAL]) + _varint(int(text))
    return text


def _is_status_entry_id(value: dict[str, Any]) -> bool:
    """Bitstring Status List 1.0 section 2.1's entry ids are usually the list's URL and
    the index: then the id travels as one byte and is rebuilt from its siblings."""
    credential, index = value.get("statusListCredential"), value.get("statusListIndex")
    return (
        isinstance(credential, str)
        and isinstance(index, str)
        and value.get("id") == f"{credential}#{index}"
    )


def _template_for(value: dict[str, Any]) -> int | None:
    for index, template in enumerate(PROOF_TEMPLATES):
        if all(value.get(k) == v for k, v in template.items()):
            return index
    return None


def _pack(value: Any, seen: _Seen) -> Any:
    if isinstance(value, dict):
        template = _template_for(value)
        if template is not None:
            kept = {k: v for k, v in value.items() if k not in PROOF_TEMPLATES[template]}
            value = {**kept, _TEMPLATE_KEY: template}
        # pack in the order CBOR will write the map, so references number alike both ways
        items = sorted(((_KEY_CODES.get(k, k), v) for k, v in value.items()), key=_encoded_key)
        status_id = _is_status_entry_id(value)
        return {
            key: bytes([_STATUS_ID]) if status_id and key == _ID else _pack(item, seen)
            for key, item in items
        }
    if isinstance(value, list):
        code = _VALUE_CODES.get(tuple(value)) if all(isinstance(v, str) for v in value) else None
        return -1 - code if code is not None else [_pack(v, seen) for v in value]
    if isinstance(value, str):
        return _pack_string(value, seen)
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return bytes([_NEGATIVE]) + _varint(-value)
    return value


def _encoded_key(item: tuple[Any, Any]) -> bytes:
    return cbor.encode(item[0])


def _unpack_bytes(data: bytes, seen: _Seen) -> Any:
    if not data:
        raise PayloadError("an empty special value")
    kind, body = data[0], data[1:]
    if kind >= _FIRST_V2_KIND and seen.version < 2:
        raise PayloadError(f"unknown value kind {kind}")
    if kind == _NEGATIVE:
        return -_read_varint(body)
    if kind in (_DID, _VM, _DID_ED25519, _VM_ED25519, _DID_P256, _VM_P256):
        raw = _KEY_PREFIXES.get(kind, b"") + body
        seen.table.append(raw)
        return _did_text(raw, kind in (_VM, _VM_ED25519, _VM_P256))
    if kind in (_DID_REF, _VM_REF):
        return _did_text(seen.get(body), kind == _VM_REF)
    if kind == _UUID:
        if len(body) != 16:
            raise PayloadError("a uuid must be 16 bytes")
        return f"urn:uuid:{uuid.UUID(bytes=body)}"
    if kind == _BASE58:
        return multibase.encode_base58btc(body)
    if kind == _BASE64URL:
        return multibase.encode_base64url(body)
    if kind in (_TIME, _TIME_2020, _TIME_AFTER):
        if kind == _TIME_AFTER and seen.moment is None:
            raise PayloadError("a time after no earlier time")
        start = {_TIME: 0, _TIME_2020: _EPOCH_2020}.get(kind, seen.moment or 0)
        seconds = _read_varint(body) + start
        if seconds > 253_402_300_799:  # 9999-12-31T23:59:59Z
            raise PayloadError("a timestamp is out of range")
        seen.moment = seconds
        return datetime.fromtimestamp(seconds, UTC).strftime(_TIME_FORMAT)
    if kind == _SD_DERIVED:
        return _unpack_derived_proof(body)
    if kind == _STATUS_ID and not body:
        return _STATUS_ENTRY_ID
    if kind == _DECIMAL:
        return str(_read_varint(body))
    raise PayloadError(f"unknown value kind {kind}")


def _did_text(raw: bytes, is_method: bool) -> str:
    did = multibase.encode_base58btc(raw)
    return f"{_DID_KEY}{did}#{did}" if is_method else _DID_KEY + did


def _unpack(value: Any, seen: _Seen) -> Any:
    if isinstance(value, dict):
        unpacked: dict[str, Any] = {}
        for key, item in value.items():
            if key == _TEMPLATE_KEY and seen.version >= 2:
                if not (isinstance(item, int) and 0 <= item < len(PROOF_TEMPLATES)):
                    raise PayloadError("unknown proof template")
                if unpacked.keys() & PROOF_TEMPLATES[item].keys():
                    raise PayloadError("a proof template repeats a key of its object")
                unpacked.update(PROOF_TEMPLATES[item])
                continue
            if isinstance(key, int):
                if not 0 <= key < len(KEYS):
                    raise PayloadError("unknown dictionary key")
                key = KEYS[key]
            elif not isinstance(key, str):
                raise PayloadError("object keys must be text")
            if key in unpacked:
                raise PayloadError(f"the key {key!r} appears twice in one object")
            unpacked[key] = _unpack(item, seen)
            if unpacked[key] is _STATUS_ENTRY_ID and key != "id":
                raise PayloadError("a status entry id stands for something other than an id")
        if unpacked.get("id") is _STATUS_ENTRY_ID:
            credential, index = (
                unpacked.get("statusListCredential"),
                unpacked.get("statusListIndex"),
            )
            if not (isinstance(credential, str) and isinstance(index, str)):
                raise PayloadError("a status entry id without its list and index")
            unpacked["id"] = f"{credential}#{index}"
        return unpacked
    if isinstance(value, list):
        items = [_unpack(v, seen) for v in value]
        if any(item is _STATUS_ENTRY_ID for item in items):
            raise PayloadError("a status entry id outside a status entry")
        return items
    if isinstance(value, bytes):
        return _unpack_bytes(value, seen)
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
    body = cbor.encode(_pack(document, _Seen()))
    compressor = zlib.compressobj(
        9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, DEFLATE_DICTIONARY
    )
    deflated = compressor.compress(body) + compressor.flush()
    if len(deflated) < len(body):
        flags |= _DEFLATED
        body = deflated
    return bytes([VERSION << 4 | flags]) + hint + body


@dataclass(frozen=True)
class Decoded:
    document: dict[str, Any]
    answers_challenge: bool = False
    hint_matches: bool = True  # False: it answers a different challenge than the one given
    paper: bool = False  # a paper copy: a bare credential, no holder signature


def decode(data: bytes, challenge: str | None = None, domain: str | None = None) -> Decoded:
    if not data or data[0] >> 4 not in _READS:
        raise PayloadError("an LW payload of a version this wallet does not read")
    if data[0] & 0x0F & ~_KNOWN_FLAGS:
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
        document = _unpack(cbor.decode(body, max_depth=_MAX_DEPTH), _Seen(data[0] >> 4))
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
