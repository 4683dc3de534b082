"""Documents as the QR codes a screen shows: one code when it fits a version a cheap
phone camera reads at arm's length, else a frame sequence shown in turn."""

from __future__ import annotations

from typing import Any

from wallet.qr import compact, frames, images

MAX_VERSION = 15


def texts_for(document: dict[str, Any]) -> tuple[list[str], int]:
    """(QR texts, payload bytes)."""
    payload = compact.encode(document)
    return frames.split(payload, MAX_VERSION), len(payload)


def pngs(texts: list[str]) -> list[bytes]:
    """Dark modules on white whatever the theme, so the codes scan in dark mode too."""
    return [images.render_png(text, box_size=6)[0] for text in texts]
