"""Where credentials come from: a JSON file or pasted text, a baked PNG or SVG badge, a QR
image (ours, or VPQR from the DCC wallet), a file of QR payload text, or a VC-JWT or
SD-JWT VC token. Everything here
is untrusted input, bounded in size and refused with a reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wallet.qr import cbor_ld, compact, frames, images
from wallet.qr.errors import NoQrCode, PayloadError
from wallet.vc import baked_badges, envelopes, json_document, vc_data_model
from wallet.vc.envelopes import Enveloped
from wallet.vc.errors import InputTooLarge, MalformedInput

Source = Callable[[], bytes]
_MAX_FILE_BYTES = 10 * 1024 * 1024  # a baked badge image may be larger than its JSON
_PICTURES = (".png", ".jpg", ".jpeg")


def file_loader(path: Path) -> Source:
    def load() -> bytes:
        with path.open("rb") as handle:
            data = handle.read(_MAX_FILE_BYTES + 1)
        if len(data) > _MAX_FILE_BYTES:
            raise InputTooLarge(
                f"{path.name} is larger than {_MAX_FILE_BYTES:,} bytes", "bytes", _MAX_FILE_BYTES
            )
        return data

    return load


def in_memory(data: bytes) -> Source:
    """A source for bytes already read (pasted, scanned, generated)."""
    return lambda: data


def _from_qr_texts(texts: list[str]) -> dict[str, Any]:
    vpqr = [t for t in texts if t.startswith(cbor_ld.VPQR_PREFIXES)]
    if vpqr:  # shared from the DCC Learner Credential Wallet
        if len(texts) != 1:
            raise MalformedInput("expected one VPQR code, found several")
        return cbor_ld.decode_text(vpqr[0])
    return compact.decode(frames.reassemble(texts)).document


def _credential_text(name: str, data: bytes) -> bytes | str:
    """The credential's text, out of whatever carries it."""
    stripped = data.lstrip()
    if baked_badges.is_png(data):
        try:
            return baked_badges.extract_from_png(data)
        except MalformedInput:
            try:
                codes = images.decode_image(data)  # a QR code, not a baked badge
            except NoQrCode:
                raise MalformedInput(f"{name} is neither a baked badge nor a QR code") from None
            return json.dumps(_from_qr_texts(codes))
    if data.startswith(b"\xff\xd8"):  # JPEG: only ever a photographed QR code
        return json.dumps(_from_qr_texts(images.decode_image(data)))
    if stripped.startswith((b"LW1", b"LWF", b"VC1-", b"VP1-")):
        lines = [line.strip() for line in stripped.decode("ascii", "replace").splitlines()]
        return json.dumps(_from_qr_texts([line for line in lines if line]))
    if not stripped.startswith((b"{", b"[", b"eyJ")) and baked_badges.is_svg(data):
        return baked_badges.extract_from_svg(data)
    return data


def read_credential(name: str, data: bytes) -> dict[str, Any] | Enveloped:
    """A credential from a JSON file, pasted text, a baked PNG or SVG badge, a QR image, a
    file of QR payload text (one per line), or a VC-JWT / SD-JWT VC token (a `.jwt` or
    `.jws` file, pasted, or baked into a PNG or SVG), which is kept as received."""
    text = _credential_text(name, data)
    if envelope := envelopes.detect(text):
        return envelope
    document = json_document.parse(text)
    if envelope := envelopes.from_enveloped_credential(document):
        return envelope
    if "VerifiableCredential" not in vc_data_model.as_list(document.get("type")):
        raise MalformedInput(f"{name} is not a verifiable credential")
    return document


def parse_source(name: str, data: bytes) -> dict[str, Any]:
    """A credential that is a JSON document (what presentations and authorisations take)."""
    held = read_credential(name, data)
    if isinstance(held, Enveloped):
        raise MalformedInput(f"{name} is a {held.format} token, not a JSON credential")
    return held


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


def _sequence(pictures: list[bytes]) -> bytes | None:
    return combine_frames(pictures) if len(pictures) > 1 else None


def as_sources(files: list[tuple[str, bytes]], sequence_name: str) -> list[tuple[str, bytes]]:
    """Several pictures of one QR sequence, a frame each, become one source named
    `sequence_name`; anything else stays as given, one source per file."""
    if combined := _sequence([data for _, data in files]):
        return [(sequence_name, combined)]
    return files


def file_sources(paths: list[Path], sequence_name: str) -> list[tuple[str, Source]]:
    """`as_sources` for files on disk. Only pictures are read up front (to see whether
    they are one sequence); anything else is read when its turn comes, so a folder of
    thousands of badges is never in memory at once."""
    if all(path.suffix.lower() in _PICTURES for path in paths) and (
        combined := _sequence([file_loader(path)() for path in paths])
    ):
        return [(sequence_name, lambda: combined)]
    return [(str(path), file_loader(path)) for path in paths]
