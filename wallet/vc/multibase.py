"""Multibase encodings used by Data Integrity: base58btc (`z`) and base64url-no-pad (`u`).

Spec: W3C Controlled Identifiers 1.0, section 2.4 "Multibase".
"""

import base64
import binascii

from wallet.vc.errors import MalformedProof

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


def b58encode(data: bytes) -> str:
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rem = divmod(number, 58)
        digits.append(_B58_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        digit = _B58_INDEX.get(char)
        if digit is None:
            raise MalformedProof(f"invalid base58 character {char!r}")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if "=" in text:
        raise MalformedProof("base64url-no-pad value contains padding")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedProof("invalid base64url value") from exc


def encode_base58btc(data: bytes) -> str:
    return "z" + b58encode(data)


def encode_base64url(data: bytes) -> str:
    return "u" + b64url_encode(data)


def decode(value: object) -> bytes:
    """Decode a `z` or `u` multibase string; anything else is a malformed proof field."""
    if not isinstance(value, str) or not value:
        raise MalformedProof("expected a multibase string")
    prefix, body = value[0], value[1:]
    if prefix == "z":
        return b58decode(body)
    if prefix == "u":
        return b64url_decode(body)
    raise MalformedProof(f"unsupported multibase prefix {prefix!r}")
