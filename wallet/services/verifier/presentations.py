"""The employer's side: scan a presentation and say, offline, whether to believe it.

Verdict: valid, valid with warnings or invalid, with every check as data (a code and its
params) for the shells to put into words. Checks: the holder's signature and the
challenge or the expiry (the standard's, from `vc.presentation`), then what this verifier
adds: replay, and for each credential its own checks, holder binding and issuer trust
(decided once, by `trust_bundle.decide`). A paper copy (`wallet paper`) has no holder
proof: its credential's own checks and trust, and a `holder.paper` warning in place of
holder binding, so it is never plainly valid.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from wallet.qr import compact, frames, images
from wallet.store.verifier_store import VerifierStore
from wallet.vc import budget, open_badges, presentation, trust_bundle, vc_data_model
from wallet.vc.bitstring_status_list import CachedStatusList
from wallet.vc.data_integrity import format_datetime
from wallet.vc.trust_bundle import TrustBundle, TrustCode
from wallet.vc.verification import Check, Outcome, Severity, StatusLists, verify_credential


class Code(StrEnum):
    """What this verifier adds to the standard's checks (catalog keys `reason.<code>`)."""

    REPLAY_NOT_CHECKED = "replay.not-checked"  # the holder's signature failed: not remembered
    REPLAY_SEEN = "replay.seen"
    REPLAY_NEW = "replay.new"
    UNBOUND = "holder.unbound"
    BOUND = "holder.bound"
    SOMEONE_ELSE = "holder.someone-else"
    PAPER = "holder.paper"  # a paper copy: whoever shows it, check their name against an ID
    OTHER_CHALLENGE = "challenge.other"
    UNEXPECTED_CHALLENGE = "challenge.unexpected"


@dataclass(frozen=True)
class ShownClaim:
    pointer: str  # the shells name it from their catalogs (`claim.<pointer>`)
    value: Any


@dataclass(frozen=True)
class UntrustedIssuer:
    """An issuer neither a pinned bundle nor the verifier's own list trusts, for a screen to
    offer "Trust this issuer"."""

    did: str
    name: str  # the name the credential claims, or ""


@dataclass(frozen=True)
class Verdict:
    verdict: Outcome
    checks: list[Check]
    claims: list[ShownClaim] = field(default_factory=list)
    untrusted: list[UntrustedIssuer] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.verdict is not Outcome.INVALID

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "verdict": self.verdict.value,
            "checks": [c.to_json() for c in self.checks],
            "claims": [{"pointer": c.pointer, "value": c.value} for c in self.claims],
            "untrusted": [{"did": i.did, "name": i.name} for i in self.untrusted],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        return cls(
            Outcome(data["verdict"]),
            [Check.from_json(c) for c in data["checks"]],
            [ShownClaim(c["pointer"], c["value"]) for c in data["claims"]],
            [UntrustedIssuer(i["did"], i["name"]) for i in data.get("untrusted", [])],
        )


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
        now = datetime.fromtimestamp(self._clock(), UTC)
        checks: list[Check] = []
        if decoded.paper:  # a printed credential: its own checks, never bound to a holder
            credentials, signers = [decoded.document], None
        else:
            held = presentation.verify(
                decoded.document, now=now, challenge=challenge, domain=domain
            )
            checks = [held.signature, _challenge_hint(decoded, challenge) or held.freshness]
            checks.append(
                self._replay(held.unsecured, held.proofs)
                if held.signers
                else Check("replay", Code.REPLAY_NOT_CHECKED)
            )
            credentials, signers = held.credentials, held.signers
        claims: list[ShownClaim] = []
        untrusted: dict[str, str] = {}
        for number, credential in enumerate(credentials, start=1):
            prefix = f"credential{number}" if len(credentials) > 1 else "credential"
            report = verify_credential(
                credential,
                now=now,
                status_lists=self._status_lists,
                resolver=trust_bundle.resolver(self._bundles),  # did:web keys the bundles pin
            )
            for c in report.checks:
                checks.append(replace(c, id=f"{prefix}.{c.id}"))
            checks.append(
                Check(f"{prefix}.holder", Code.PAPER, Severity.WARNING)
                if signers is None
                else self._binding(prefix, credential, signers)
            )
            trust = trust_bundle.decide(credential, now, self._bundles, self.store.trusted_name)
            checks.append(_trust_check(prefix, trust))
            if trust.code is TrustCode.NOT_TRUSTED and trust.params["issuer"]:
                untrusted.setdefault(trust.params["issuer"], _claimed_name(credential))
            claims += [ShownClaim(p, v) for p, v in open_badges.claim_values(credential)]
        found = [UntrustedIssuer(did, name) for did, name in untrusted.items()]
        return Verdict(Outcome.of(checks), checks, claims, found)

    def _replay(self, unsecured: dict[str, Any], vp_proofs: list[dict[str, Any]]) -> Check:
        """Seen before if any proof signs what a proof already seen signed: proofs added,
        dropped or reordered around the holder's (or a re-encoded signature) change
        nothing the holder signed."""
        keys = [presentation.signed_digest(unsecured, proof, vp_proofs) for proof in vp_proofs]
        first = self.store.first_seen_any(keys, self._clock())
        if first is not None:
            at = format_datetime(datetime.fromtimestamp(first, UTC))
            return Check("replay", Code.REPLAY_SEEN, Severity.FAILURE, {"at": at})
        return Check("replay", Code.REPLAY_NEW)

    @staticmethod
    def _binding(prefix: str, credential: dict[str, Any], signers: frozenset[str]) -> Check:
        """Bound when every subject that names someone names a signer of the presentation:
        one subject of several is not enough (VCDM 2.0 4.8 allows a list of subjects)."""
        subjects = vc_data_model.as_list(credential.get("credentialSubject"))
        named = [s.get("id") for s in subjects if isinstance(s, dict) and s.get("id") is not None]
        if not named:
            return Check(f"{prefix}.holder", Code.UNBOUND, Severity.WARNING)
        if all(isinstance(i, str) and i in signers for i in named):
            return Check(f"{prefix}.holder", Code.BOUND)
        return Check(f"{prefix}.holder", Code.SOMEONE_ELSE, Severity.FAILURE)


def _trust_check(prefix: str, trust: trust_bundle.TrustDecision) -> Check:
    severity = Severity.WARNING if trust.warning else Severity.OK
    return Check(
        f"{prefix}.{trust.check}",
        trust.check_code,
        severity if trust.ok else Severity.FAILURE,
        trust.params,
    )


def _claimed_name(credential: dict[str, Any]) -> str:
    issuer = credential.get("issuer")
    name = issuer.get("name") if isinstance(issuer, dict) else None
    return name if isinstance(name, str) else ""


def _challenge_hint(decoded: compact.Decoded, challenge: str | None) -> Check | None:
    """What the QR form says before the proofs do: the compact encoding drops a challenge
    the verifier showed and keeps a hint of it (qr-format.md)."""
    if challenge is not None and decoded.answers_challenge and not decoded.hint_matches:
        return Check("challenge", Code.OTHER_CHALLENGE, Severity.FAILURE)
    if challenge is None and decoded.answers_challenge:
        return Check("challenge", Code.UNEXPECTED_CHALLENGE, Severity.FAILURE)
    return None
