"""A paper copy of a credential: what goes on the printed page, and the codes that prove it.

The page's words are for people; only the codes are evidence. They carry the whole signed
credential (for ecdsa-sd-2023 a derived one with the claims the learner chose) in LW1 with
the paper flag, split into frames a phone reads from a printout. There is no holder proof:
paper cannot answer a challenge, so a verifier says it is not bound to whoever shows it.
The layout (`paper_layout`) draws this onto a PDF; nothing here knows about PDF.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wallet.qr import compact, frames
from wallet.services.learner import presenter
from wallet.services.learner.backpack import HeldCredential, TokenNotPresentable
from wallet.vc import open_badges
from wallet.vc.data_integrity import format_datetime
from wallet.vc.verification import Check, Outcome, verify_credential

_MAX_IMAGE_BYTES = 512 * 1024
_MAX_IMAGE_PIXELS = 4_000_000
_IMAGE_MEDIA = ("data:image/png;base64,", "data:image/jpeg;base64,")


@dataclass(frozen=True)
class PaperCopy:
    """What the page shows. Text fields are the signed values of the printed credential."""

    texts: list[str]  # the codes, printed "1 of N" in this order
    payload_bytes: int
    achievement: str
    description: str
    criteria: str
    issuer: str
    learner: str  # the name as issued ("" for a credential issued to a DID only)
    valid_from: str
    valid_until: str
    verdict: Outcome  # the wallet's own check, when it was last made
    checked: str
    image: bytes | None  # the badge image, when the credential embeds one (data: URI)
    whole: bool  # False: a derived credential, only the chosen claims


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _image(achievement: dict[str, Any]) -> bytes | None:
    """An embedded PNG or JPEG, read within limits and written again as a plain PNG, or
    none: printing never fetches anything, and a damaged image leaves the page without it."""
    from PIL import Image

    image = achievement.get("image")
    source = image.get("id") if isinstance(image, dict) else image
    if not isinstance(source, str) or not source.startswith(_IMAGE_MEDIA):
        return None
    try:
        data = base64.b64decode(source.split(",", 1)[1], validate=True)
        if len(data) > _MAX_IMAGE_BYTES:
            return None
        with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as picture:
            if picture.width * picture.height > _MAX_IMAGE_PIXELS:
                return None
            out = io.BytesIO()
            picture.convert("RGBA").save(out, "PNG")
    except (
        binascii.Error,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        Image.DecompressionBombError,
    ):
        return None  # what Pillow raises on a damaged file (as wallet/qr/images.py reads it)
    return out.getvalue()


def encode(credential: dict[str, Any]) -> tuple[list[str], int]:
    """The codes for a printed credential, and its payload's size in bytes: frames of at
    most the version a cheap phone reads at arm's length, as on a screen."""
    payload = compact.encode(credential, paper=True)
    return frames.split(payload, frames.MAX_VERSION), len(payload)


def paper_copy(
    credential: dict[str, Any],
    report: dict[str, Any],
    checked: str,
    reveal: list[str],
) -> PaperCopy:
    """The page for a held credential, revealing its mandatory claims plus `reveal` when it
    has a selective-disclosure proof (as when sharing), else the whole credential."""
    printed, whole = presenter.disclose(credential, reveal)
    texts, payload_bytes = encode(printed)
    subject = printed.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    criteria = achievement.get("criteria")
    issuer = printed.get("issuer")
    checks = [Check.from_json(c) for c in report.get("checks", [])]
    return PaperCopy(
        texts=texts,
        payload_bytes=payload_bytes,
        achievement=_text(achievement.get("name")) or _text(printed.get("name")),
        description=_text(achievement.get("description")),
        criteria=_text(criteria.get("narrative")) if isinstance(criteria, dict) else "",
        issuer=_text(issuer.get("name")) if isinstance(issuer, dict) else "",
        learner=_text(subject.get("name")),
        valid_from=_text(printed.get("validFrom") or printed.get("issuanceDate")),
        valid_until=_text(printed.get("validUntil") or printed.get("expirationDate")),
        verdict=Outcome.of(checks) if checks else Outcome.INVALID,
        checked=checked,
        image=_image(achievement),
        whole=whole,
    )


def for_held(held: HeldCredential, reveal: list[str]) -> PaperCopy:
    """A held credential's page. A VC-JWT or SD-JWT VC cannot go into LW1 codes (not yet)."""
    if held.token:
        raise TokenNotPresentable(
            f"{held.id[:12]} is a {held.format} credential: it cannot be printed as codes yet"
        )
    return paper_copy(held.credential, held.report, held.checked, reveal)


def for_issued(credential: dict[str, Any], now: datetime) -> PaperCopy:
    """A trainer's print of a badge just issued, for a learner with no phone: every claim
    (an ecdsa-sd-2023 base proof is derived with all of them), checked as it is printed."""
    every = [pointer for pointer, _ in open_badges.claim_values(credential)]
    printed, _ = presenter.disclose(credential, every)
    report = verify_credential(printed, now=now).to_json()
    return paper_copy(printed, report, format_datetime(now), [])
