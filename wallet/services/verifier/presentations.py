"""The employer's side: scan a presentation and say, offline, whether to believe it.

Verdict: "valid", "valid with warnings" (each warning explained) or "invalid" (each reason
explained). Checks: the holder's signature and the challenge or the expiry (the standard's,
from `vc.presentation`), then what this verifier adds: replay, and for each credential its
own checks, holder binding and issuer trust.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wallet.qr import compact, frames, images
from wallet.services.learner.presenter import labelled_values
from wallet.store.verifier_store import VerifierStore
from wallet.vc import budget, presentation, trust_bundle, vc_data_model
from wallet.vc.bitstring_status_list import CachedStatusList
from wallet.vc.errors import MalformedInput
from wallet.vc.trust_bundle import TrustBundle
from wallet.vc.verification import Check, Outcome, StatusLists, verify_credential

# a presentation its holder did not sign is invalid already, and is not remembered
_NOT_CHECKED = Check("replay", True, "Not checked: the holder's signature does not hold.")


@dataclass(frozen=True)
class Verdict:
    verdict: Outcome
    checks: list[Check]
    claims: list[dict[str, Any]] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.verdict is not Outcome.INVALID

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "verdict": self.verdict,
            "checks": [c.to_json() for c in self.checks],
            "claims": self.claims,
        }


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
        document = decoded.document
        if presentation.PRESENTATION_TYPE not in vc_data_model.as_list(document.get("type")):
            raise MalformedInput("the QR code holds no presentation")
        now = datetime.fromtimestamp(self._clock(), UTC)
        held = presentation.verify(document, now=now, challenge=challenge, domain=domain)
        checks = [held.signature, _challenge_hint(decoded, challenge) or held.freshness]
        checks.append(self._replay(held.unsecured, held.proofs) if held.signers else _NOT_CHECKED)
        claims = []
        for number, credential in enumerate(held.credentials, start=1):
            prefix = f"credential{number}" if len(held.credentials) > 1 else "credential"
            report = verify_credential(credential, now=now, status_lists=self._status_lists)
            bundle, judged = self._judge(credential, now)
            for c in (_aged(check, bundle, now) for check in report.checks):
                checks.append(Check(f"{prefix}.{c.id}", c.ok, c.message, c.warning))
            checks.append(self._binding(prefix, credential, held.signers))
            checks.append(self._trust(prefix, credential, judged))
            claims += _claims(credential)
        return Verdict(Outcome.of(checks), checks, claims)

    def _replay(self, unsecured: dict[str, Any], vp_proofs: list[dict[str, Any]]) -> Check:
        """Seen before if any proof signs what a proof already seen signed: proofs added,
        dropped or reordered around the holder's (or a re-encoded signature) change
        nothing the holder signed."""
        keys = [presentation.signed_digest(unsecured, proof, vp_proofs) for proof in vp_proofs]
        first = self.store.first_seen_any(keys, self._clock())
        if first is not None:
            when = datetime.fromtimestamp(first, UTC).strftime("%Y-%m-%d %H:%M UTC")
            return Check("replay", False, f"This exact presentation was already shown at {when}.")
        return Check("replay", True, "Not seen before.")

    @staticmethod
    def _binding(prefix: str, credential: dict[str, Any], signers: frozenset[str]) -> Check:
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
    ) -> tuple[TrustBundle | None, trust_bundle.TrustDecision | None]:
        """The first pinned bundle that knows the issuer (or the name it claims)."""
        for bundle in self._bundles:
            verdict = bundle.judge(credential, now)
            if verdict is not None:
                return bundle, verdict
        return None, None

    def _trust(
        self, prefix: str, credential: dict[str, Any], judged: trust_bundle.TrustDecision | None
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


def _challenge_hint(decoded: compact.Decoded, challenge: str | None) -> Check | None:
    """What the QR form says before the proofs do: the compact encoding drops a challenge
    the verifier showed and keeps a hint of it (qr-format.md)."""
    if challenge is not None and decoded.answers_challenge and not decoded.hint_matches:
        return Check(
            "challenge", False, "It answers a different challenge than the one you showed."
        )
    if challenge is None and decoded.answers_challenge:
        return Check("challenge", False, "It answers a verifier's challenge, but none was given.")
    return None


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
