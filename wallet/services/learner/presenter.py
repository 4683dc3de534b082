"""Build a presentation: pick claims and derive a selective-disclosure proof; the VP is
signed with the holder's key by `vc.presentation`, answering a verifier's challenge or
carrying a short expiry."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from wallet.vc import ecdsa_sd_2023, multibase, open_badges, presentation


@dataclass(frozen=True)
class Claim:
    pointer: str  # the shells name it from their catalogs (`claim.<pointer>`)
    value: Any
    mandatory: bool


def new_challenge() -> str:
    return multibase.encode_base64url(secrets.token_bytes(16))


def _base_proof(credential: dict[str, Any]) -> dict[str, Any] | None:
    proof = credential.get("proof")
    if isinstance(proof, dict) and proof.get("cryptosuite") == ecdsa_sd_2023.NAME:
        return proof if ecdsa_sd_2023.is_base_proof(proof) else None
    return None


def claims(credential: dict[str, Any]) -> list[Claim]:
    """What the holder may choose to show. Without a selective-disclosure proof everything
    is shown, so every claim is marked mandatory."""
    proof = _base_proof(credential)
    mandatory = (
        ecdsa_sd_2023.BaseProofValue.parse(proof["proofValue"]).mandatory_pointers
        if proof
        else None
    )
    return [
        Claim(
            pointer,
            value,
            mandatory is None
            or any(pointer == m or pointer.startswith(m + "/") for m in mandatory),
        )
        for pointer, value in open_badges.claim_values(credential)
    ]


def disclose(credential: dict[str, Any], reveal: list[str]) -> tuple[dict[str, Any], bool]:
    """(credential to present, presented whole?)."""
    if _base_proof(credential) is None:
        return credential, True
    return ecdsa_sd_2023.derive(credential, reveal), False


sign_presentation = presentation.sign
