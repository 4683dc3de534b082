"""Verify a credential offline and explain each check in plain language.

The report keeps every check separate (structure, each signature, issuer, validity,
status) so a verifier's screen can say *why*, not just yes or no. Unusable input raises
a typed `UnusableInput` instead; a report always describes a document we could read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from wallet.vc import bitstring_status_list, budget, ecdsa_sd_2023, open_badges, vc_data_model
from wallet.vc.bitstring_status_list import CachedStatusList, StatusEntry
from wallet.vc.data_integrity import (
    KeyResolver,
    ProofResult,
    document_for_proof,
    parse_datetime,
    resolve_offline,
    split_proofs,
)
from wallet.vc.errors import MalformedProof
from wallet.vc.jsonld import to_rdf
from wallet.vc.proofs import suite_name, verify_proof
from wallet.vc.rdfc import DEFAULT_LIMITS, Limits

StatusLists = Callable[[str], CachedStatusList | None]


@dataclass(frozen=True)
class Check:
    id: str
    ok: bool
    message: str
    warning: bool = False  # passed, but the user should know (status unknown, stale data)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "ok": self.ok, "message": self.message, "warning": self.warning}


class Outcome(StrEnum):
    """The verdict over a set of checks. Screens and the history key on these strings."""

    VALID = "valid"
    WARNINGS = "valid with warnings"
    INVALID = "invalid"

    @classmethod
    def of(cls, checks: list[Check]) -> Outcome:
        if not all(c.ok for c in checks):
            return cls.INVALID
        return cls.WARNINGS if any(c.warning for c in checks) else cls.VALID


@dataclass(frozen=True)
class Report:
    checks: list[Check] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def warnings(self) -> list[Check]:
        return [check for check in self.checks if check.warning]

    def to_json(self) -> dict[str, Any]:
        return {"verified": self.verified, "checks": [c.to_json() for c in self.checks]}


def describe_age(age: timedelta) -> str:
    seconds = max(0, int(age.total_seconds()))
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def verify_credential(
    document: Any,
    *,
    now: datetime,
    resolver: KeyResolver | None = None,
    status_lists: StatusLists | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Report:
    """All checks for one credential. `now` is injected so a clock can be faked in tests
    and so a verifier can ask "was this valid then?". One time budget covers them all,
    the status list credential's own verification included."""
    with budget.time_budget(limits.max_seconds):
        return _verify_credential(document, now, resolver, status_lists, limits)


def _verify_credential(
    document: Any,
    now: datetime,
    resolver: KeyResolver | None,
    status_lists: StatusLists | None,
    limits: Limits,
) -> Report:
    unsecured, proofs = split_proofs(document)  # refuses anything but a JSON object
    resolver = resolver or resolve_offline()
    disclosed_subset = any(
        p.get("cryptosuite") == ecdsa_sd_2023.NAME and not ecdsa_sd_2023.is_base_proof(p)
        for p in proofs
    )
    checks = [_structure_check(unsecured, disclosed_subset)]
    if not proofs:
        to_rdf(unsecured)  # unknown contexts and terms are unusable input even unsigned
        checks.append(Check("signature", False, "The credential carries no proof."))
    results = [
        verify_proof(document_for_proof(unsecured, proof, proofs), proof, resolver, limits)
        for proof in proofs
    ]
    for number, (proof, result) in enumerate(zip(proofs, results, strict=True), start=1):
        check_id = "signature" if len(proofs) == 1 else f"signature:{number}"
        checks.append(Check(check_id, result.ok, f"{suite_name(proof)}: {result.message}"))
    checks.append(_issuer_check(unsecured, results))
    checks.append(_validity_check(unsecured, now))
    checks.append(_status_check(unsecured, now, resolver, status_lists, limits))
    return Report(checks)


def _structure_check(document: dict[str, Any], disclosed_subset: bool) -> Check:
    problems = vc_data_model.structure_problems(document)
    kind = "Verifiable Credential"
    withheld: list[str] = []
    if open_badges.is_open_badge(document):
        problems += open_badges.structure_problems(document, disclosed_subset=disclosed_subset)
        kind = "Open Badge 3.0"
        withheld = open_badges.withheld_fields(document) if disclosed_subset else []
    if problems:
        return Check("structure", False, f"Not a valid {kind}: " + "; ".join(problems) + ".")
    if withheld:
        return Check(
            "structure", True, f"Well-formed {kind}; the holder withheld {', '.join(withheld)}."
        )
    return Check("structure", True, f"Well-formed {kind}.")


def _issuer_check(document: dict[str, Any], results: list[ProofResult]) -> Check:
    issuer = vc_data_model.issuer_id(document)
    signers = {r.method.controller for r in results if r.ok and r.method is not None}
    if issuer in signers:
        return Check("issuer", True, f"Signed by the issuer {issuer}.")
    if signers:
        return Check(
            "issuer",
            False,
            f"Signed by {', '.join(sorted(signers))}, not by the named issuer {issuer}.",
        )
    return Check("issuer", False, f"No valid signature from the issuer {issuer}.")


def _validity_check(document: dict[str, Any], now: datetime) -> Check:
    start_field, end_field = vc_data_model.validity_fields(document)
    start = parse_datetime(document.get(start_field))
    end = parse_datetime(document.get(end_field))
    if start is not None and now < start:
        return Check("validity", False, f"Not valid until {start:%Y-%m-%d %H:%M} UTC.")
    if end is not None and now > end:
        return Check("validity", False, f"Expired on {end:%Y-%m-%d}.")
    if end is not None:
        return Check("validity", True, f"Valid until {end:%Y-%m-%d}.")
    return Check("validity", True, "Valid, with no expiry date.")


def _status_check(
    document: dict[str, Any],
    now: datetime,
    resolver: KeyResolver,
    status_lists: StatusLists | None,
    limits: Limits,
) -> Check:
    raw_entries = vc_data_model.as_list(document.get("credentialStatus"))
    if not raw_entries:
        return Check("status", True, "The issuer publishes no status: it cannot be revoked.")
    messages = []
    warning = False
    entries = []
    for raw in raw_entries:
        kind = raw.get("type") if isinstance(raw, dict) else None
        if isinstance(raw, dict) and kind not in bitstring_status_list.ENTRY_TYPES:
            # 1EdTechRevocationList and other kinds: kept, and said (issue 14)
            messages.append(f"Revocation cannot be checked: this wallet cannot read {kind} status.")
            warning = True
            continue
        entries.append(StatusEntry.parse(raw))
    for entry in entries:
        cached = status_lists(entry.list_url) if status_lists else None
        if cached is None:
            messages.append(f"Status unknown: no {entry.purpose} list for this issuer is cached.")
            warning = True
            continue
        outcome = _read_cached_status(document, entry, cached, now, resolver, limits)
        if isinstance(outcome, Check):
            if not outcome.ok:
                return outcome
            messages.append(outcome.message)
            warning = True
            continue
        messages.append(outcome)
    return Check("status", True, " ".join(messages), warning=warning)


def _read_cached_status(
    document: dict[str, Any],
    entry: StatusEntry,
    cached: CachedStatusList,
    now: datetime,
    resolver: KeyResolver,
    limits: Limits,
) -> str | Check:
    """Bitstring Status List 4.1 Validate Algorithm against a cached list credential.
    Returns a message when the bit is clear, or a Check when it fails or cannot be trusted."""
    age = describe_age(now - cached.fetched)
    list_report = verify_credential(
        cached.credential, now=now, resolver=resolver, status_lists=None, limits=limits
    )
    signed_ok = all(c.ok for c in list_report.checks if c.id.startswith("signature"))
    if not signed_ok:
        return Check("status", False, "The cached status list's signature is not valid.")
    list_issuer = vc_data_model.issuer_id(cached.credential)
    issuer = vc_data_model.issuer_id(document)
    if list_issuer != issuer and issuer not in cached.delegates:  # a trust bundle's delegation
        return Check(
            "status",
            True,
            f"Status unknown: the cached list is signed by {list_issuer}, not the issuer.",
            warning=True,
        )
    subject = bitstring_status_list.list_subject(cached.credential)
    if entry.purpose not in vc_data_model.as_list(subject.get("statusPurpose")):
        raise MalformedProof(f"the status list is not a {entry.purpose} list")
    bits = bitstring_status_list.expand_bitstring(subject.get("encodedList"))
    value = bitstring_status_list.read_status(bits, entry)
    if value and entry.purpose == "revocation":
        return Check("status", False, f"Revoked by the issuer (list fetched {age}).")
    if value and entry.purpose == "suspension":
        return Check("status", False, f"Suspended by the issuer (list fetched {age}).")
    stale = not next(c for c in list_report.checks if c.id == "validity").ok
    if stale:
        return Check(
            "status",
            True,
            f"Not {_past(entry.purpose)}, but the list has expired (fetched {age}).",
            warning=True,
        )
    return f"Not {_past(entry.purpose)} (list fetched {age})."


def _past(purpose: str) -> str:
    return {"revocation": "revoked", "suspension": "suspended"}.get(
        purpose, f"flagged for {purpose}"
    )
