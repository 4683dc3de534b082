"""Base45 (RFC 9285): bytes as QR alphanumeric characters, which every QR decoder reads
back exactly (binary byte mode is mangled by some, ZBar among them)."""

from __future__ import annotations

from wallet.qr.errors import PayloadError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        value = data[i] * 256 + data[i + 1]
        value, c = divmod(value, 45)
        e, d = divmod(value, 45)
        out += [ALPHABET[c], ALPHABET[d], ALPHABET[e]]
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += [ALPHABET[c], ALPHABET[d]]
    return "".join(out)


def decode(text: str) -> bytes:
    if len(text) % 3 == 1:
        raise PayloadError("base45 text has an impossible length")
    out = bytearray()
    try:
        for i in range(0, len(text), 3):
            chunk = [_INDEX[c] for c in text[i : i + 3]]
            value = sum(v * 45**k for k, v in enumerate(chunk))
            if len(chunk) == 3:
                if value > 0xFFFF:
                    raise PayloadError("base45 group out of range")
                out += value.to_bytes(2, "big")
            else:
                if value > 0xFF:
                    raise PayloadError("base45 group out of range")
                out.append(value)
    except KeyError as exc:
        raise PayloadError(f"not base45: unexpected character {exc.args[0]!r}") from None
    return bytes(out)
