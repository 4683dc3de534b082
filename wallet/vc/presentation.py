"""Verifiable presentations (VCDM 2.0 section 4.13): the holder's proof over credentials.

A holder proves it is showing the credentials now, to this verifier, with an
`authentication` proof (VC Data Integrity 1.0 section 2.2, proof purposes) carrying the
verifier's `challenge` and `domain` (section 2.1), so a proof made for one verifier does
not convince another. A one-way presentation, shown without a challenge, instead proves
freshness with `created` and a short `expires` (section 2.1). Pure: the caller brings the clock, the transport, replay
memory, holder binding and trust.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from wallet.vc import did_key, eddsa_rdfc_2022, multibase, proofs, vc_data_model
from wallet.vc.data_integrity import (
    KeyResolver,
    document_for_proof,
    format_datetime,
    parse_datetime,
    proof_configuration,
    rdfc_hash_data,
    resolve_offline,
    split_proofs,
)
from wallet.vc.errors import MalformedInput
from wallet.vc.multikey import KeyPair
from wallet.vc.rdfc import DEFAULT_LIMITS, Limits
from wallet.vc.verification import Check, Severity, seconds_between

VC_V2 = "https://www.w3.org/ns/credentials/v2"
PRESENTATION_TYPE = vc_data_model.PRESENTATION_TYPE
AUTHENTICATION = "authentication"
ONE_WAY_LIFETIME = timedelta(minutes=5)
MAX_ONE_WAY_LIFETIME = timedelta(minutes=30)
CLOCK_SKEW = timedelta(minutes=2)
NONCE_BYTES = 8


class Code(StrEnum):
    """What the holder's proofs can say (catalog keys `reason.<code>`)."""

    UNSIGNED = "holder-signature.none"
    SIGNED = "holder-signature.valid"
    PROOF_FAILED = "holder-signature.proof"
    CHALLENGE_MISMATCH = "challenge.mismatch"
    CHALLENGE_ANSWERED = "challenge.answered"
    UNDATED = "expiry.undated"
    TOO_LONG = "expiry.too-long"
    FROM_THE_FUTURE = "expiry.future"
    EXPIRED = "expiry.expired"
    FRESH = "expiry.fresh"


def sign(
    credentials: list[dict[str, Any]],
    holder_keys: list[KeyPair],
    *,
    now: datetime,
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """One proof per distinct holder key (a proof set, Data Integrity section 2.1.1):
    credentials issued to different per-credential DIDs are each bound to the key that
    controls their subject."""
    if domain is not None and challenge is None:
        raise MalformedInput("a domain comes with a challenge")
    presentation = {
        "@context": [VC_V2],
        "type": [PRESENTATION_TYPE],
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
            key, eddsa_rdfc_2022.NAME, created=now, purpose=AUTHENTICATION
        )
        if challenge is not None:
            del options["created"]  # the challenge proves freshness; the verifier made it
            options["challenge"] = challenge
            if domain is not None:
                options["domain"] = domain
        else:
            options["expires"] = format_datetime(now + ONE_WAY_LIFETIME)
            # two made in the same second differ, so the second is no replay of the first
            options["nonce"] = multibase.encode_base64url(secrets.token_bytes(NONCE_BYTES))
        signed_proofs.append(eddsa_rdfc_2022.sign(presentation, options, key)["proof"])
    presentation["proof"] = signed_proofs[0] if len(signed_proofs) == 1 else signed_proofs
    return presentation


@dataclass(frozen=True)
class Presentation:
    """A presentation taken apart, with what its holder's proofs establish. `signers` are
    the DIDs whose keys made every holder proof, empty when any proof fails."""

    unsecured: dict[str, Any]
    proofs: list[dict[str, Any]]
    credentials: list[dict[str, Any]]
    signature: Check
    freshness: Check
    signers: frozenset[str]


def verify(
    presentation: Any,
    *,
    now: datetime,
    challenge: str | None = None,
    domain: str | None = None,
    resolver: KeyResolver | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Presentation:
    """The holder's signature and freshness; the credentials inside are not checked here.
    Raises `MalformedInput` for what is not a presentation of credentials."""
    if not isinstance(presentation, dict) or PRESENTATION_TYPE not in vc_data_model.as_list(
        presentation.get("type")
    ):
        raise MalformedInput("the document is not a verifiable presentation")
    unsecured, vp_proofs = split_proofs(presentation)
    credentials = vc_data_model.as_list(unsecured.get("verifiableCredential"))
    if not credentials or not all(isinstance(c, dict) for c in credentials):
        raise MalformedInput("the presentation holds no credentials")
    signature, signers = holder_signature(
        unsecured, vp_proofs, resolver or resolve_offline(), limits
    )
    return Presentation(
        unsecured,
        vp_proofs,
        credentials,
        signature,
        freshness(vp_proofs, challenge, domain, now),
        signers,
    )


def holder_signature(
    unsecured: dict[str, Any],
    vp_proofs: list[dict[str, Any]],
    resolver: KeyResolver,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Check, frozenset[str]]:
    """The check, and the DIDs whose keys made every holder proof (empty if any fails).
    Every proof must be for `authentication`: an issuer's assertionMethod proof copied
    onto a presentation proves nothing about who is showing it."""
    if not vp_proofs:
        return Check("holder-signature", Code.UNSIGNED, Severity.FAILURE), frozenset()
    signers = set()
    for proof in vp_proofs:
        result = proofs.verify_proof(
            document_for_proof(unsecured, proof, vp_proofs),
            proof,
            resolver,
            limits,
            purpose=AUTHENTICATION,
        )
        if not result.ok or result.method is None:
            params = {"suite": proofs.suite_name(proof), "reason": result.reason()}
            return Check(
                "holder-signature", Code.PROOF_FAILED, Severity.FAILURE, params
            ), frozenset()
        signers.add(result.method.controller)
    return Check("holder-signature", Code.SIGNED), frozenset(signers)


def freshness(
    vp_proofs: list[dict[str, Any]], challenge: str | None, domain: str | None, now: datetime
) -> Check:
    """With a challenge, every proof must carry it and the domain exactly (Data Integrity
    section 4, Verify Proof: a mismatch is an error); without one, every proof must say
    when it was made and expire soon."""
    if challenge is not None:
        if any(p.get("challenge") != challenge or p.get("domain") != domain for p in vp_proofs):
            return Check("challenge", Code.CHALLENGE_MISMATCH, Severity.FAILURE)
        return Check("challenge", Code.CHALLENGE_ANSWERED)
    for proof in vp_proofs:
        created, expires = (
            parse_datetime(proof.get("created")),
            parse_datetime(proof.get("expires")),
        )
        if created is None or expires is None:
            return Check("expiry", Code.UNDATED, Severity.FAILURE)
        if expires - created > MAX_ONE_WAY_LIFETIME:
            return Check("expiry", Code.TOO_LONG, Severity.FAILURE)
        if now + CLOCK_SKEW < created:
            return Check("expiry", Code.FROM_THE_FUTURE, Severity.FAILURE)
        if now > expires + CLOCK_SKEW:
            params = {"age": seconds_between(expires, now)}
            return Check("expiry", Code.EXPIRED, Severity.FAILURE, params)
    return Check("expiry", Code.FRESH)


def signed_digest(
    unsecured: dict[str, Any], proof: dict[str, Any], proof_set: list[dict[str, Any]]
) -> str:
    """SHA-256 of the data the proof's signature covers (Data Integrity 4.2: the canonical
    proof configuration and the canonical document), whatever the suite or the encoding of
    its signature: what a verifier remembers to refuse a replay."""
    document = document_for_proof(unsecured, proof, proof_set)
    config = proof_configuration(proof, document)
    return hashlib.sha256(rdfc_hash_data(document, config, "sha256", DEFAULT_LIMITS)).hexdigest()
