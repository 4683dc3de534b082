"""Open Badges baking: a credential carried inside a PNG or SVG image.

OB 3.0 (section 5.3): PNG `iTXt` keyword `openbadgecredential`, holding the JSON or a compact
JWS (VC-JWT); SVG `openbadges:credential` element holding the JSON, or, for VC-JWT, a `verify`
attribute holding the compact JWS (section 5.3.2.1). OB 2.0 (Baking): PNG `iTXt` keyword
`openbadges`; SVG `openbadges:assertion` element (namespace `http://openbadges.org`) holding
the JSON, or only a `verify` attribute with the hosted assertion's URL. Extraction is strict
and bounded: images are untrusted input.
"""

from __future__ import annotations

import struct
import zlib
from typing import NoReturn
from xml.parsers import expat

from wallet.vc.errors import MalformedInput

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
PNG_KEYWORD_V2 = b"openbadges"
SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_ELEMENTS = (f"{SVG_NAMESPACE} credential", "http://openbadges.org assertion")
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
        if chunk_type == b"iTXt" and body.split(b"\0", 1)[0] in (PNG_KEYWORD, PNG_KEYWORD_V2):
            return _itxt_text(body)
        if chunk_type == b"IEND":
            break
        position += 12 + length
    raise MalformedInput("this PNG carries no Open Badges credential")


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


# The one DOCTYPE that real badges carry (1EdTech's own baked test badges among them):
# SVG 1.1's public identifier, with no internal subset, so it declares nothing.
_SVG_11_DOCTYPE = (
    "svg",
    "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd",
    "-//W3C//DTD SVG 1.1//EN",
)


class _RefusedSvg(Exception):
    """Raised from an expat handler: the parse stops at the first refused declaration."""


class _Found(Exception):
    """The credential element is complete: the rest of the image need not be read."""


def extract_from_svg(data: bytes) -> str:
    """The credential element's text, read by expat with every DTD feature refused (no
    internal subset, no entity declarations, no external or skipped entities), so neither
    an entity bomb nor an external fetch can happen, wherever in the file it hides."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0  # > 0 while inside the credential element
    text: list[str] = []
    verify: list[str] = []  # OB 2.0: the hosted assertion's URL, when that is all it holds

    def doctype(name: str, system_id: str | None, public_id: str | None, internal: int) -> None:
        if internal or (name, system_id, public_id) != _SVG_11_DOCTYPE:
            raise _RefusedSvg("SVG badges with a DOCTYPE other than plain SVG 1.1 are refused")

    def refuse_entities(*_: object) -> NoReturn:
        raise _RefusedSvg("SVG badges with entities are refused")

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth
        if depth or name in SVG_ELEMENTS:
            depth += 1
        if depth == 1 and name in SVG_ELEMENTS:
            verify.extend(v for k, v in attributes.items() if k.endswith("verify"))

    def end(_name: str) -> None:
        nonlocal depth
        if depth:
            depth -= 1
            if not depth:
                raise _Found

    def characters(data: str) -> None:
        if depth == 1:
            text.append(data)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = refuse_entities
    parser.ExternalEntityRefHandler = refuse_entities
    parser.SkippedEntityHandler = refuse_entities
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except _Found:
        pass
    except _RefusedSvg as refusal:
        raise MalformedInput(str(refusal)) from None
    except expat.ExpatError:
        raise MalformedInput("the SVG is not well-formed XML") from None
    credential = "".join(text).strip() or "".join(verify[:1]).strip()
    if verify and (credential == verify[0] or verify[0].startswith("eyJ")):
        credential = verify[0]  # a VC-JWT's compact JWS (5.3.2.1) wins over any element text
    if not credential:
        raise MalformedInput("this SVG carries no Open Badges credential")
    return credential
