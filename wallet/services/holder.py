"""What a learner does with a credential they hold."""

from __future__ import annotations

from typing import Any

from wallet.vc import ecdsa_sd_2023


def derive(document: dict[str, Any], reveal: list[str]) -> dict[str, Any]:
    """A selective-disclosure copy revealing the mandatory claims plus `reveal`."""
    return ecdsa_sd_2023.derive(document, reveal)
