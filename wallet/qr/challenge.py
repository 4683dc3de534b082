"""The verifier's challenge QR: `LWC:` challenge `:` domain. Shown first in two-way mode;
the holder signs the presentation over both."""

from __future__ import annotations

from wallet.qr.errors import PayloadError

PREFIX = "LWC:"


def to_text(challenge: str, domain: str) -> str:
    if ":" in challenge:
        raise PayloadError("a challenge cannot contain ':'")
    return f"{PREFIX}{challenge}:{domain}"


def from_text(text: str) -> tuple[str, str]:
    if not text.startswith(PREFIX):
        raise PayloadError("not a verifier's challenge QR")
    challenge, separator, domain = text[len(PREFIX) :].partition(":")
    if not separator or not challenge or not domain:
        raise PayloadError("the challenge QR is incomplete")
    return challenge, domain
