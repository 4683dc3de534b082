"""Where credentials come from: a JSON file or pasted text, a baked PNG or SVG badge (Open
Badges 3.0, or 2.0 with its assertion or only its URL), a QR image (ours, or VPQR from the
DCC wallet), or a file of QR payload text. Everything here
is untrusted input, bounded in size and refused with a reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wallet.qr import cbor_ld, compact, frames, images
from wallet.qr.errors import NoQrCode, PayloadError
from wallet.vc import baked_badges, json_document, open_badges_v2, vc_data_model
from wallet.vc.errors import InputTooLarge, MalformedInput

Source = Callable[[], bytes]
_MAX_FILE_BYTES = 10 * 1024 * 1024  # a baked badge image may be larger than its JSON


def file_loader(path: Path) -> Source:
    def load() -> bytes:
        with path.open("rb") as handle:
            data = handle.read(_MAX_FILE_BYTES + 1)
        if len(data) > _MAX_FILE_BYTES:
            raise InputTooLarge(f"{path.name} is larger than {_MAX_FILE_BYTES:,} bytes")
        return data

    return load


def _from_qr_texts(texts: list[str]) -> dict[str, Any]:
    vpqr = [t for t in texts if t.startswith(cbor_ld.VPQR_PREFIXES)]
    if vpqr:  # shared from the DCC Learner Credential Wallet
        if len(texts) != 1:
            raise MalformedInput("expected one VPQR code, found several")
        return cbor_ld.decode_text(vpqr[0])
    return compact.decode(frames.reassemble(texts)).document


def parse_source(name: str, data: bytes) -> dict[str, Any]:
    """A credential from a JSON file, pasted text, a baked PNG or SVG badge, a QR image,
    or a file of QR payload text (one per line)."""
    stripped = data.lstrip()
    if baked_badges.is_png(data):
        try:
            text: bytes | str = baked_badges.extract_from_png(data)
        except MalformedInput:
            try:
                codes = images.decode_image(data)  # a QR code, not a baked badge
            except NoQrCode:
                raise MalformedInput(f"{name} is neither a baked badge nor a QR code") from None
            text = json.dumps(_from_qr_texts(codes))
    elif data.startswith(b"\xff\xd8"):  # JPEG: only ever a photographed QR code
        text = json.dumps(_from_qr_texts(images.decode_image(data)))
    elif stripped.startswith((b"LW1", b"LWF", b"VC1-", b"VP1-")):
        lines = [line.strip() for line in stripped.decode("ascii", "replace").splitlines()]
        text = json.dumps(_from_qr_texts([line for line in lines if line]))
    elif not stripped.startswith((b"{", b"[")) and baked_badges.is_svg(data):
        text = baked_badges.extract_from_svg(data)
    else:
        text = data
    if isinstance(text, str) and text.strip().startswith("https://"):
        # only a baked image's text can be a bare URL (pasted text stays bytes, QR codes
        # decode to JSON): an OB 2.0 badge baked with its hosted assertion's URL alone
        return open_badges_v2.hosted_reference(text.strip())
    document = json_document.parse(text)
    if open_badges_v2.is_assertion(document):
        return document  # Open Badges 2.0: verified online the OB 2.0 way
    if "VerifiableCredential" not in vc_data_model.as_list(document.get("type")):
        raise MalformedInput(f"{name} is not a verifiable credential")
    return document


def combine_frames(pictures: list[bytes]) -> bytes | None:
    """Pictures that each show a frame of one sequence become one source (a payload per
    line); None when they are not all frames, so each imports on its own."""
    texts = []
    for picture in pictures:
        if not (baked_badges.is_png(picture) or picture.startswith(b"\xff\xd8")):
            return None
        try:
            found = images.decode_image(picture)
        except PayloadError:  # no code, or not a picture we read: each file imports alone
            return None
        if not all(text.startswith(frames.FRAME_PREFIX) for text in found):
            return None
        texts += found
    return "\n".join(texts).encode("ascii") if texts else None


def as_sources(files: list[tuple[str, bytes]], sequence_name: str) -> list[tuple[str, bytes]]:
    """Several pictures of one QR sequence, a frame each, become one source named
    `sequence_name`; anything else stays as given, one source per file."""
    if len(files) > 1 and (combined := combine_frames([data for _, data in files])):
        return [(sequence_name, combined)]
    return files
