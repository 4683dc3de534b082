"""The employer's side: scan a presentation and say, offline, whether to believe it.

Verdict: "valid", "valid with warnings" (each warning explained) or "invalid" (each reason
explained). Checks: the holder's signature, the challenge or the expiry, replay, then for
each credential its own checks, holder binding and issuer trust.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from wallet.qr import compact, frames, images
from wallet.services.learner.presenter import labelled_values
from wallet.store.verifier_store import VerifierStore
from wallet.vc import budget, trust_bundle, vc_data_model
from wallet.vc.bitstring_status_list import CachedStatusList
from wallet.vc.data_integrity import (
    document_for_proof,
    parse_datetime,
    proof_configuration,
    rdfc_hash_data,
    resolve_offline,
    split_proofs,
)
from wallet.vc.errors import MalformedInput
from wallet.vc.proofs import suite_name, verify_proof
from wallet.vc.rdfc import DEFAULT_LIMITS
from wallet.vc.trust_bundle import TrustBundle
from wallet.vc.verification import Check, StatusLists, verify_credential

CLOCK_SKEW = timedelta(minutes=2)
# a presentation its holder did not sign is invalid already, and is not remembered
_NOT_CHECKED = Check("replay", True, "Not checked: the holder's signature does not hold.")
MAX_ONE_WAY_LIFETIME = timedelta(minutes=30)


@dataclass(frozen=True)
class Verdict:
    verdict: str
    checks: list[Check]
    claims: list[dict[str, Any]] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.verdict != "invalid"

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "verdict": self.verdict,
            "checks": [c.to_json() for c in self.checks],
            "claims": self.claims,
        }


def _verdict(checks: list[Check]) -> str:
    if not all(c.ok for c in checks):
        return "invalid"
    return "valid with warnings" if any(c.warning for c in checks) else "valid"


class PresentationVerifier:
    def __init__(
        self,
        store: VerifierStore,
        *,
        clock: Callable[[], float] = time.time,
        status_lists: StatusLists | None = None,
    ) -> None:
        self.store = store
        self._clock = clock
        self._bundles = [TrustBundle.read(document) for document in store.bundles()]
        self._given_lists = status_lists

    def _status_lists(self, url: str) -> CachedStatusList | None:
        """Lists given for this scan first, then those in the pinned trust bundles."""
        found = self._given_lists(url) if self._given_lists else None
        for bundle in self._bundles:
            found = found or bundle.status_lists.get(url)
        return found

    def scan_images(
        self, pictures: list[bytes], challenge: str | None = None, domain: str | None = None
    ) -> Verdict:
        texts = [text for picture in pictures for text in images.decode_image(picture)]
        return self.verify_texts(texts, challenge, domain)

    def verify_texts(
        self, texts: list[str], challenge: str | None = None, domain: str | None = None
    ) -> Verdict:
        decoded = compact.decode(frames.reassemble(texts), challenge, domain)
        return self.verify(decoded, challenge, domain)

    def verify(
        self, decoded: compact.Decoded, challenge: str | None = None, domain: str | None = None
    ) -> Verdict:
        """One time budget for the whole scan: the holder's proof and every credential's
        checks share it, so a presentation of many hostile credentials costs 2 s, not 2 s
        each."""
        with budget.time_budget():
            return self._verify(decoded, challenge, domain)

    def _verify(
        self, decoded: compact.Decoded, challenge: str | None, domain: str | None
    ) -> Verdict:
        presentation = decoded.document
        if "VerifiablePresentation" not in vc_data_model.as_list(presentation.get("type")):
            raise MalformedInput("the QR code holds no presentation")
        now = datetime.fromtimestamp(self._clock(), UTC)
        unsecured, vp_proofs = split_proofs(presentation)
        credentials = vc_data_model.as_list(unsecured.get("verifiableCredential"))
        if not credentials or not all(isinstance(c, dict) for c in credentials):
            raise MalformedInput("the presentation holds no credentials")
        holder_check, signers = self._holder_signature(unsecured, vp_proofs)
        checks = [holder_check]
        checks.append(self._freshness(vp_proofs, decoded, challenge, domain, now))
        checks.append(self._replay(unsecured, vp_proofs) if signers else _NOT_CHECKED)
        claims = []
        for number, credential in enumerate(credentials, start=1):
            prefix = f"credential{number}" if len(credentials) > 1 else "credential"
            report = verify_credential(credential, now=now, status_lists=self._status_lists)
            bundle, judged = self._judge(credential, now)
            for c in (_aged(check, bundle, now) for check in report.checks):
                checks.append(Check(f"{prefix}.{c.id}", c.ok, c.message, c.warning))
            checks.append(self._binding(prefix, credential, signers))
            checks.append(self._trust(prefix, credential, judged))
            claims += _claims(credential)
        return Verdict(_verdict(checks), checks, claims)

    def _holder_signature(
        self, unsecured: dict[str, Any], vp_proofs: list[dict[str, Any]]
    ) -> tuple[Check, set[str]]:
        """The check, and the DIDs whose keys made every holder proof (empty if any fails)."""
        if not vp_proofs:
            return Check(
                "holder-signature", False, "The presentation is not signed by its holder."
            ), set()
        signers = set()
        for proof in vp_proofs:
            result = verify_proof(
                document_for_proof(unsecured, proof, vp_proofs),
                proof,
                resolve_offline(),
                DEFAULT_LIMITS,
                purpose="authentication",
            )
            if not result.ok or result.method is None:
                message = f"Holder's {suite_name(proof)}: {result.message}"
                return Check("holder-signature", False, message), set()
            signers.add(result.method.controller)
        return Check(
            "holder-signature", True, "Signed by the holder just now for this presentation."
        ), signers

    def _freshness(
        self,
        vp_proofs: list[dict[str, Any]],
        decoded: compact.Decoded,
        challenge: str | None,
        domain: str | None,
        now: datetime,
    ) -> Check:
        if challenge is not None:
            if decoded.answers_challenge and not decoded.hint_matches:
                return Check(
                    "challenge", False, "It answers a different challenge than the one you showed."
                )
            if any(p.get("challenge") != challenge or p.get("domain") != domain for p in vp_proofs):
                return Check("challenge", False, "It was not made for your challenge and domain.")
            return Check("challenge", True, "It answers the challenge you showed.")
        if decoded.answers_challenge:
            return Check(
                "challenge", False, "It answers a verifier's challenge, but none was given."
            )
        for proof in vp_proofs:
            created, expires = (
                parse_datetime(proof.get("created")),
                parse_datetime(proof.get("expires")),
            )
            if created is None or expires is None:
                return Check(
                    "expiry", False, "A one-way presentation must say when it was made and expires."
                )
            if expires - created > MAX_ONE_WAY_LIFETIME:
                return Check("expiry", False, "It claims to stay valid for too long to be trusted.")
            if now + CLOCK_SKEW < created:
                return Check(
                    "expiry", False, "It was made in the future: check this device's clock."
                )
            if now > expires + CLOCK_SKEW:
                minutes = int((now - expires).total_seconds() // 60)
                return Check(
                    "expiry", False, f"It expired {minutes} minutes ago: ask for a fresh one."
                )
        return Check("expiry", True, "Made moments ago and still within its short lifetime.")

    def _replay(self, unsecured: dict[str, Any], vp_proofs: list[dict[str, Any]]) -> Check:
        """Seen before if any proof signs what a proof already seen signed: proofs added,
        dropped or reordered around the holder's (or a re-encoded signature) change
        nothing the holder signed."""
        keys = [_signed_digest(unsecured, proof, vp_proofs) for proof in vp_proofs]
        first = self.store.first_seen_any(keys, self._clock())
        if first is not None:
            when = datetime.fromtimestamp(first, UTC).strftime("%Y-%m-%d %H:%M UTC")
            return Check("replay", False, f"This exact presentation was already shown at {when}.")
        return Check("replay", True, "Not seen before.")

    @staticmethod
    def _binding(prefix: str, credential: dict[str, Any], signers: set[str]) -> Check:
        """Bound when every subject that names someone names a signer of the presentation:
        one subject of several is not enough (VCDM 2.0 4.8 allows a list of subjects)."""
        subjects = vc_data_model.as_list(credential.get("credentialSubject"))
        named = [s.get("id") for s in subjects if isinstance(s, dict) and s.get("id") is not None]
        if not named:
            return Check(
                f"{prefix}.holder",
                True,
                "Not bound to anyone: whoever holds it can show it.",
                warning=True,
            )
        if all(isinstance(i, str) and i in signers for i in named):
            return Check(f"{prefix}.holder", True, "Shown by the person it was issued to.")
        return Check(
            f"{prefix}.holder", False, "Shown by someone other than the person it was issued to."
        )

    def _judge(
        self, credential: dict[str, Any], now: datetime
    ) -> tuple[TrustBundle | None, trust_bundle.Verdict | None]:
        """The first pinned bundle that knows the issuer (or the name it claims)."""
        for bundle in self._bundles:
            verdict = bundle.judge(credential, now)
            if verdict is not None:
                return bundle, verdict
        return None, None

    def _trust(
        self, prefix: str, credential: dict[str, Any], judged: trust_bundle.Verdict | None
    ) -> Check:
        if judged is not None:
            return Check(f"{prefix}.{judged.check}", judged.ok, judged.message, judged.warning)
        issuer = vc_data_model.issuer_id(credential)
        name = self.store.trusted_name(issuer) if issuer else None
        if name is not None:
            return Check(f"{prefix}.trust", True, f"Issued by {name}, which you trust.")
        return Check(
            f"{prefix}.trust",
            True,
            f"The issuer {issuer} is not on your trusted list.",
            warning=True,
        )


def _signed_digest(
    unsecured: dict[str, Any], proof: dict[str, Any], proof_set: list[dict[str, Any]]
) -> str:
    """SHA-256 of the data the proof's signature covers (Data Integrity 4.2: the canonical
    proof configuration and the canonical document), whatever the suite or the encoding of
    its signature."""
    document = document_for_proof(unsecured, proof, proof_set)
    config = proof_configuration(proof, document)
    return hashlib.sha256(rdfc_hash_data(document, config, "sha256", DEFAULT_LIMITS)).hexdigest()


def _aged(check: Check, bundle: TrustBundle | None, now: datetime) -> Check:
    """Past the bundle's expiry its "not revoked" is only a warning; "revoked" stands."""
    if check.id != "status" or bundle is None or not check.ok or now <= bundle.expires:
        return check
    return Check(check.id, True, f"{check.message} Out of date: {bundle.describe_age(now)}.", True)


def _claims(credential: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "label": "Learner's name" if pointer == "/credentialSubject/name" else label,
            "pointer": pointer,
            "value": value,
        }
        for pointer, label, value in labelled_values(credential)
    ]
