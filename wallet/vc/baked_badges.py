"""Open Badges 3.0 baking (section 5.3): a credential carried inside a PNG or SVG image.

PNG: an `iTXt` chunk with keyword `openbadgecredential`. SVG: an `openbadges:credential`
element holding the JSON. Extraction is strict and bounded: images are untrusted input.
"""

from __future__ import annotations

import re
import struct
import zlib
from xml.etree import ElementTree

from wallet.vc.errors import MalformedInput

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
_MAX_TEXT = 1_000_000


def is_png(data: bytes) -> bool:
    return data.startswith(PNG_SIGNATURE)


def is_svg(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return head.startswith(b"<?xml") or b"<svg" in head


def extract_from_png(data: bytes) -> str:
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(data):
        length, chunk_type = struct.unpack_from(">I4s", data, position)
        body = data[position + 8 : position + 8 + length]
        if len(body) != length:
            break
        if chunk_type == b"iTXt" and body.split(b"\0", 1)[0] == PNG_KEYWORD:
            return _itxt_text(body)
        if chunk_type == b"IEND":
            break
        position += 12 + length
    raise MalformedInput("this PNG carries no Open Badges 3.0 credential")


def _itxt_text(body: bytes) -> str:
    # keyword \0 compression-flag compression-method language \0 translated \0 text
    try:
        _, rest = body.split(b"\0", 1)
        flag, method, rest = rest[0], rest[1], rest[2:]
        _, rest = rest.split(b"\0", 1)
        _, text = rest.split(b"\0", 1)
        if flag:
            if method != 0:
                raise MalformedInput("unknown compression in the badge image")
            inflater = zlib.decompressobj()
            text = inflater.decompress(text, _MAX_TEXT)
            if inflater.unconsumed_tail:
                raise MalformedInput("the credential in the image is too large")
        return text.decode("utf-8")
    except (ValueError, IndexError, zlib.error, UnicodeDecodeError):
        raise MalformedInput("the badge image's credential chunk is damaged") from None


def extract_from_svg(data: bytes) -> str:
    if re.search(rb"<!(DOCTYPE|ENTITY)", data[:65536], re.IGNORECASE):
        raise MalformedInput("SVG badges with a DOCTYPE or entities are refused")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise MalformedInput("the SVG is not well-formed XML") from None
    element = root.find(f".//{{{SVG_NAMESPACE}}}credential")
    if element is None or not (element.text or "").strip():
        raise MalformedInput("this SVG carries no Open Badges 3.0 credential")
    return element.text.strip()  # type: ignore[union-attr]
