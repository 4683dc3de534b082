"""Build a presentation: pick claims, derive a selective-disclosure proof, and sign a VP
with the holder's key, answering a verifier's challenge or carrying a short expiry."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from wallet.vc import did_key, ecdsa_sd_2023, eddsa_rdfc_2022, json_pointer, multibase, proofs
from wallet.vc.data_integrity import format_datetime
from wallet.vc.errors import InvalidPointer, MalformedInput
from wallet.vc.multikey import KeyPair

VC_V2 = "https://www.w3.org/ns/credentials/v2"
ONE_WAY_LIFETIME = timedelta(minutes=5)

# Human labels for the claims an Open Badge can reveal, in the order a screen shows them.
LABELS = {
    "/credentialSubject/achievement/name": "Achievement",
    "/credentialSubject/name": "Your name",
    "/name": "Badge name",
    "/credentialSubject/achievement/description": "Description",
    "/credentialSubject/achievement/criteria": "Criteria",
    "/credentialSubject/achievement/alignment": "Skills",
    "/credentialSubject/result": "Results",
    "/evidence": "Evidence",
    "/issuer/name": "Issuer",
    "/issuer/url": "Issuer website",
    "/validUntil": "Expires",
    "/credentialSubject/achievement/image": "Badge image",
}


@dataclass(frozen=True)
class Claim:
    pointer: str
    label: str
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
            label,
            value,
            mandatory is None
            or any(pointer == m or pointer.startswith(m + "/") for m in mandatory),
        )
        for pointer, label, value in labelled_values(credential)
    ]


def labelled_values(credential: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(pointer, label, value) for each labelled claim the credential carries."""
    found = []
    for pointer, label in LABELS.items():
        try:
            found.append((pointer, label, json_pointer.resolve(credential, pointer)))
        except InvalidPointer:
            continue
    return found


def disclose(credential: dict[str, Any], reveal: list[str]) -> tuple[dict[str, Any], bool]:
    """(credential to present, presented whole?)."""
    if _base_proof(credential) is None:
        return credential, True
    return ecdsa_sd_2023.derive(credential, reveal), False


def sign_presentation(
    credentials: list[dict[str, Any]],
    holder_keys: list[KeyPair],
    *,
    now: datetime,
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """One proof per distinct holder key (a proof set): credentials issued to different
    per-credential DIDs are each bound to the key that controls their subject."""
    if domain is not None and challenge is None:
        raise MalformedInput("a domain comes with a challenge")
    presentation = {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": credentials,
    }
    signed_proofs = []
    seen: set[str] = set()
    for key in holder_keys:
        did = did_key.did_for(key.public)
        if did in seen:
            continue
        seen.add(did)
        options = proofs.proof_options(
            key, eddsa_rdfc_2022.NAME, created=now, purpose="authentication"
        )
        if challenge is not None:
            del options["created"]  # the challenge proves freshness; the verifier made it
            options["challenge"] = challenge
            if domain is not None:
                options["domain"] = domain
        else:
            options["expires"] = format_datetime(now + ONE_WAY_LIFETIME)
        signed_proofs.append(eddsa_rdfc_2022.sign(presentation, options, key)["proof"])
    presentation["proof"] = signed_proofs[0] if len(signed_proofs) == 1 else signed_proofs
    return presentation
