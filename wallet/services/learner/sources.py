"""Where credentials come from: a JSON file or pasted text, a baked PNG or SVG badge (Open
Badges 3.0, or 2.0 with its assertion or only its URL), a QR image (ours, or VPQR from the
DCC wallet), a file of QR payload text, or a VC-JWT or SD-JWT VC token. Everything here
is untrusted input, bounded in size and refused with a reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wallet.qr import cbor_ld, compact, frames, images
from wallet.qr.errors import NoQrCode, PayloadError
from wallet.vc import baked_badges, envelopes, json_document, open_badges_v2, vc_data_model
from wallet.vc.envelopes import Enveloped
from wallet.vc.errors import InputTooLarge, MalformedInput, UnusableInput

Source = Callable[[], bytes]


class CredentialAtUrl(UnusableInput):
    """A QR code (or pasted text) that is only an https address of a credential, as other
    wallets and issuers' sites share them: fetching it is the network module's job
    (`Wallet.import_at_url`), when the user allows it; until then it needs a connection."""

    kind = "credential_at_url"

    def __init__(self, url: str) -> None:
        super().__init__(f"the credential is online at {url:.200}: it needs a connection")
        self.url = url
        self.params = {"url": url[:200]}


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
        return one_credential(cbor_ld.decode_text(vpqr[0]))
    if len(texts) == 1 and _is_url(texts[0]):
        raise CredentialAtUrl(texts[0].strip())
    return compact.decode(frames.reassemble(texts)).document


def _is_url(text: str) -> bool:
    text = text.strip()
    return (
        text.startswith("https://")
        and len(text) <= 2048
        and text.isascii()
        and not any(c.isspace() for c in text)
    )


def one_credential(document: dict[str, Any]) -> dict[str, Any]:
    """A VPQR `VP1-` code holds a presentation: the credential it carries (the DCC wallet
    shares one at a time); the presentation's own proof binds nothing we keep."""
    if "VerifiablePresentation" not in vc_data_model.as_list(document.get("type")):
        return document
    held = vc_data_model.as_list(document.get("verifiableCredential"))
    if len(held) != 1 or not isinstance(held[0], dict):
        raise MalformedInput(f"the presentation holds {len(held)} credentials; expected one")
    return held[0]


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
    if stripped.startswith(b"https://") and _is_url(link := stripped.decode("latin-1")):
        raise CredentialAtUrl(link.strip())  # a scanned or pasted link
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
    if isinstance(text, str) and text.strip().startswith("https://"):
        # only a baked image's text can be a bare URL (pasted text stays bytes, QR codes
        # decode to JSON): an OB 2.0 badge baked with its hosted assertion's URL alone
        return open_badges_v2.hosted_reference(text.strip())
    document = json_document.parse(text)
    if envelope := envelopes.from_enveloped_credential(document):
        return envelope
    if open_badges_v2.is_assertion(document):
        return document  # Open Badges 2.0: verified online the OB 2.0 way
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
