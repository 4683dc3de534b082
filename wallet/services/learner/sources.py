"""Where credentials come from: a JSON file or pasted text, a baked PNG or SVG badge (Open
Badges 3.0, or 2.0 with its assertion or only its URL), a QR image (ours, or VPQR from the
DCC wallet, one credential or a presentation of several), a file of QR payload text, or a
VC-JWT or SD-JWT VC token. A link to a credential or an exchange is refused with what
fetching it would need. Everything here
is untrusted input, bounded in size and refused with a reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wallet.qr import cbor_ld, compact, frames, images
from wallet.qr.errors import NoQrCode, PayloadError
from wallet.services.learner import exchanges
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


class ExchangeInvitation(UnusableInput):
    """A QR code or link that starts a VC-API exchange with the issuer's site
    (`exchanges.invitation`): the wallet can start it once online (`Wallet.fetch_for`),
    when the user allows the network; until then it needs a connection."""

    kind = "exchange_invitation"

    def __init__(self, url: str) -> None:
        super().__init__(f"the exchange at {url:.200} needs a connection")
        self.url = url
        self.params = {"url": url[:200]}


MAX_PRESENTED = 100  # credentials one presentation may bring in (a VPQR code, an exchange)
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
    if len(texts) == 1:
        _refuse_link(texts[0])
    return compact.decode(frames.reassemble(texts)).document


def _refuse_link(text: str) -> None:
    """A code or pasted text that is only a link: to an exchange, or to a credential. What
    it names needs the network, so it is refused here with what the fetch would need."""
    found = exchanges.invitation(text)
    if found is not None and found.did_auth:
        raise exchanges.ExchangeRefused(
            "the exchange asks for DID Authentication", "did-auth", found.url
        )
    if found is not None:
        raise ExchangeInvitation(found.url)
    if _is_url(text):
        raise CredentialAtUrl(text.strip())


def _is_url(text: str) -> bool:
    text = text.strip()
    return (
        text.startswith("https://")
        and len(text) <= 2048
        and text.isascii()
        and not any(c.isspace() for c in text)
    )


def presented(document: dict[str, Any]) -> list[Any] | None:
    """The credentials a presentation carries (a VPQR `VP1-` code, an exchange's answer, a
    file), each as JSON or a token string; None when `document` is not a presentation.
    The presentation's own proof binds nothing we keep."""
    if "VerifiablePresentation" not in vc_data_model.as_list(document.get("type")):
        return None
    held = vc_data_model.as_list(document.get("verifiableCredential"))
    if not held or not all(isinstance(c, dict | str) for c in held):
        raise MalformedInput(f"the presentation holds {len(held)} usable credentials")
    if len(held) > MAX_PRESENTED:
        raise InputTooLarge(
            f"the presentation holds more than {MAX_PRESENTED} credentials",
            "values",
            MAX_PRESENTED,
        )
    return held


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
    if stripped.startswith((b"https://", *(p.encode() for p in exchanges.DEEP_LINKS))):
        _refuse_link(stripped.decode("latin-1"))  # a scanned or pasted link
    if stripped.startswith((b"LW1", b"LWF", b"VC1-", b"VP1-")):
        lines = [line.strip() for line in stripped.decode("ascii", "replace").splitlines()]
        return json.dumps(_from_qr_texts([line for line in lines if line]))
    if not stripped.startswith((b"{", b"[", b"eyJ")) and baked_badges.is_svg(data):
        return baked_badges.extract_from_svg(data)
    return data


def read_credentials(name: str, data: bytes) -> list[dict[str, Any] | Enveloped]:
    """`read_credential`, and each credential of a presentation: a VPQR `VP1-` code of
    several (the DCC wallet shares them so), an exchange's answer, a presentation file."""
    text = _credential_text(name, data)
    if envelope := envelopes.detect(text):
        return [envelope]
    if isinstance(text, str) and text.strip().startswith("https://"):
        # only a baked image's text can be a bare URL (pasted text stays bytes, QR codes
        # decode to JSON): an OB 2.0 badge baked with its hosted assertion's URL alone
        return [open_badges_v2.hosted_reference(text.strip())]
    document = json_document.parse(text)
    held = presented(document)
    if held is None:
        return [_credential_in(name, document)]
    return [_credential_in(name, c) if isinstance(c, dict) else _token(name, c) for c in held]


def read_credential(name: str, data: bytes) -> dict[str, Any] | Enveloped:
    """A credential from a JSON file, pasted text, a baked PNG or SVG badge, a QR image, a
    file of QR payload text (one per line), or a VC-JWT / SD-JWT VC token (a `.jwt` or
    `.jws` file, pasted, or baked into a PNG or SVG), which is kept as received. A
    presentation of one credential gives that credential."""
    held, *more = read_credentials(name, data)
    if more:
        raise MalformedInput(f"{name} holds {len(more) + 1} credentials; expected one")
    return held


def _token(name: str, text: str) -> Enveloped:
    envelope = envelopes.detect(text)
    if envelope is None:
        raise MalformedInput(f"{name} holds a credential that is neither JSON nor a token")
    return envelope


def _credential_in(name: str, document: dict[str, Any]) -> dict[str, Any] | Enveloped:
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
