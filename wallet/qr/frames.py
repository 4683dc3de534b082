"""Payloads too large for one QR code travel as a sequence of frames (an animated QR).

A frame is `LWF` + base45 of: message id (the first 8 bytes of SHA-256 over the whole
payload), frame index, frame count, then a slice of the payload. Frames reassemble in any
order; duplicates are ignored; the message id doubles as the checksum of the result.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import qrcode.constants
import qrcode.util

from wallet.qr import base45, compact
from wallet.qr.errors import IncompleteSequence, PayloadError

FRAME_PREFIX = "LWF"
_ID_BYTES = 8
_HEADER_BYTES = _ID_BYTES + 2
MAX_FRAMES = 255
MAX_VERSION = 15  # the largest a cheap phone camera reads at arm's length
# One larger code beats frames: a phone reads v20-L held at full screen, and one code
# needs no steady hand through a sequence (docs/qr-format.md, "One code or frames").
LARGEST_SINGLE_VERSION = 20


def alphanumeric_capacity(version: int) -> int:
    """Characters of QR alphanumeric mode that fit `version` at error-correction level L."""
    limit = qrcode.util.BIT_LIMIT_TABLE[qrcode.constants.ERROR_CORRECT_L][version]
    # types-qrcode declares MODE_ALPHA_NUM `int` where length_in_bits takes its literal
    mode = qrcode.util.MODE_ALPHA_NUM
    bits = limit - 4 - qrcode.util.length_in_bits(mode, version)  # type: ignore[arg-type]
    return bits // 11 * 2 + (1 if bits % 11 >= 6 else 0)


def _payload_bytes_for(characters: int) -> int:
    return (characters // 3) * 2 + (1 if characters % 3 == 2 else 0)


def split(payload: bytes, max_version: int, single_version: int | None = None) -> list[str]:
    """One `LW1` text if it fits `single_version` (by default `max_version`), else the
    fewest frames that each fit `max_version`."""
    single = compact.PREFIX + base45.encode(payload)
    if len(single) <= alphanumeric_capacity(max(max_version, single_version or 0)):
        return [single]
    capacity = alphanumeric_capacity(max_version)
    chunk = _payload_bytes_for(capacity - len(FRAME_PREFIX)) - _HEADER_BYTES
    total = math.ceil(len(payload) / chunk)
    if total > MAX_FRAMES:
        raise PayloadError(f"the payload needs {total} frames; at most {MAX_FRAMES} are allowed")
    message_id = hashlib.sha256(payload).digest()[:_ID_BYTES]
    return [
        FRAME_PREFIX
        + base45.encode(message_id + bytes([i, total]) + payload[i * chunk : (i + 1) * chunk])
        for i in range(total)
    ]


def texts_for(document: dict[str, Any], max_version: int | None = None) -> tuple[list[str], int]:
    """A document as the QR texts a screen shows (one code, or frames shown in turn) and
    its compact payload's size in bytes. Without `max_version`: one code up to v20-L,
    else frames at v15; with it, nothing above it."""
    payload = compact.encode(document)
    if max_version is None:
        return split(payload, MAX_VERSION, LARGEST_SINGLE_VERSION), len(payload)
    return split(payload, max_version), len(payload)


@dataclass
class Reassembler:
    """Feed it every decoded text, in any order; ask `payload()` when done."""

    message_id: bytes | None = None
    total: int = 0
    parts: dict[int, bytes] = field(default_factory=dict)
    single: bytes | None = None

    @property
    def progress(self) -> tuple[int, int]:
        return (1, 1) if self.single is not None else (len(self.parts), self.total)

    def add(self, text: str) -> tuple[int, int]:
        if text.startswith(compact.PREFIX):
            data = base45.decode(text[len(compact.PREFIX) :])
            if self.parts or (self.single is not None and data != self.single):
                raise PayloadError("a separate presentation was scanned along with this one")
            self.single = data
            return self.progress
        if not text.startswith(FRAME_PREFIX):
            raise PayloadError("this QR code is not a wallet presentation or credential")
        frame = base45.decode(text[len(FRAME_PREFIX) :])
        if len(frame) <= _HEADER_BYTES:
            raise PayloadError("a frame is too short to hold anything")
        message_id, index, total = frame[:_ID_BYTES], frame[_ID_BYTES], frame[_ID_BYTES + 1]
        if self.single is not None:
            raise PayloadError("a separate presentation was scanned along with this one")
        if self.message_id is None:
            if total == 0 or index >= total:
                raise PayloadError("a frame numbers itself outside its sequence")
            self.message_id, self.total = message_id, total
        elif message_id != self.message_id or total != self.total:
            raise PayloadError(
                f"frame {index + 1} belongs to a different sequence than the frames before it"
            )
        if index >= self.total:
            raise PayloadError("a frame numbers itself outside its sequence")
        self.parts.setdefault(index, frame[_HEADER_BYTES:])
        return self.progress

    def payload(self) -> bytes:
        if self.single is not None:
            return self.single
        if self.message_id is None:
            raise PayloadError("no wallet QR code was found")
        missing = [i for i in range(self.total) if i not in self.parts]
        if missing:
            raise IncompleteSequence(missing, self.total)
        payload = b"".join(self.parts[i] for i in range(self.total))
        if hashlib.sha256(payload).digest()[:_ID_BYTES] != self.message_id:
            raise PayloadError("the reassembled frames do not match their checksum")
        return payload


def reassemble(texts: list[str]) -> bytes:
    assembler = Reassembler()
    for text in texts:
        assembler.add(text)
    return assembler.payload()
