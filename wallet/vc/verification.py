"""Verify a credential offline and say, check by check, what was found.

The report keeps every check separate (structure, each signature, issuer, validity,
status) so a verifier's screen can say *why*, not just yes or no. A check is data (a code
and its params); the shells put it into words, in the user's language. Unusable input raises
a typed `UnusableInput` instead; a report always describes a document we could read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from wallet.vc import bitstring_status_list, budget, ecdsa_sd_2023, open_badges, vc_data_model
from wallet.vc.bitstring_status_list import CachedStatusList, StatusEntry
from wallet.vc.data_integrity import (
    KeyResolver,
    ProofResult,
    document_for_proof,
    format_datetime,
    parse_datetime,
    resolve_offline,
    split_proofs,
)
from wallet.vc.errors import MalformedInput, MalformedProof
from wallet.vc.jsonld import to_rdf
from wallet.vc.proofs import suite_name, verify_proof
from wallet.vc.rdfc import DEFAULT_LIMITS, Limits

StatusLists = Callable[[str], CachedStatusList | None]


class Severity(StrEnum):
    OK = "ok"
    WARNING = "warning"  # passed, but the user should know (status unknown, stale data)
    FAILURE = "failure"


@dataclass(frozen=True)
class Check:
    """One finding as data: `code` names it (the shells' catalogs hold its sentence under
    `reason.<code>`), `params` fill it (names, counts, ISO dates, ages in seconds, or a
    nested `{"code", "params"}`), so a report stored today reads in tomorrow's language."""

    id: str
    code: str
    severity: Severity = Severity.OK
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.severity is not Severity.FAILURE

    @property
    def warning(self) -> bool:
        return self.severity is Severity.WARNING

    def to_json(self) -> dict[str, Any]:
        """As stored in every report and verdict, and synced: an ok severity and empty
        params are left out, and `ok`/`warning` are derived, never stored
        (`to_full_json` spells everything out for scripts)."""
        found: dict[str, Any] = {"id": self.id, "code": self.code}
        if self.severity is not Severity.OK:
            found["severity"] = self.severity.value
        if self.params:
            found["params"] = self.params
        return found

    def to_full_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "params": self.params,
            "severity": self.severity.value,
            "ok": self.ok,
            "warning": self.warning,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Check:
        severity = Severity(data.get("severity", Severity.OK))
        return cls(data["id"], data["code"], severity, dict(data.get("params", {})))


def nested(code: str, **params: Any) -> dict[str, Any]:
    """A message inside a check's params (a proof's result, one of several statuses)."""
    return {"code": code, "params": params}


class Code(StrEnum):
    """What the credential checks can say (catalog keys `reason.<code>`)."""

    STRUCTURE_OK = "structure.ok"
    STRUCTURE_WITHHELD = "structure.withheld"
    STRUCTURE_INVALID = "structure.invalid"
    SIGNATURE_NONE = "signature.none"
    SIGNATURE_PROOF = "signature.proof"
    ISSUER_SIGNED = "issuer.signed"
    ISSUER_OTHER_SIGNER = "issuer.other-signer"
    ISSUER_UNSIGNED = "issuer.unsigned"
    VALIDITY_NOT_YET = "validity.not-yet"
    VALIDITY_EXPIRED = "validity.expired"
    VALIDITY_UNTIL = "validity.until"
    VALIDITY_NO_EXPIRY = "validity.no-expiry"
    STATUS_NONE = "status.none"
    STATUS_UNKNOWN = "status.unknown"
    STATUS_UNREADABLE_KIND = "status.unreadable-kind"
    STATUS_LIST_SIGNATURE = "status.list-signature"
    STATUS_LIST_OTHER_ISSUER = "status.list-other-issuer"
    STATUS_REVOKED = "status.revoked"
    STATUS_SUSPENDED = "status.suspended"
    STATUS_CLEAR = "status.clear"
    STATUS_CLEAR_LIST_EXPIRED = "status.clear-list-expired"
    STATUS_OUT_OF_DATE = "status.out-of-date"
    STATUS_SEVERAL = "status.several"


class IssuerBinding(StrEnum):
    """How the issuer check weighs proofs whose keys belong to someone other than the named
    issuer. Neither VCDM 2.0 nor VC Data Integrity 1.0 requires the issuer to control the
    signing key: verification returns the verification method's controller (VCDM 2.0
    section 7.1), and tying it to `issuer` is validation, the verifier's policy (appendix
    A.3). The wallet's policy is strict; a VC-API verifier reports what the specs define."""

    STRICT = "strict"  # a credential claiming X but signed by Y is not genuine for X: failure
    SPECIFIED = "specified"  # the proofs verify; that the signer is not the issuer is a warning


class Outcome(StrEnum):
    """The verdict over a set of checks. Screens and the history key on these members."""

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


def seconds_between(earlier: datetime, later: datetime) -> int:
    """An age as a check's param: whole seconds, never negative."""
    return max(0, int((later - earlier).total_seconds()))


def verify_credential(
    document: Any,
    *,
    now: datetime,
    resolver: KeyResolver | None = None,
    status_lists: StatusLists | None = None,
    limits: Limits = DEFAULT_LIMITS,
    issuer_binding: IssuerBinding = IssuerBinding.STRICT,
) -> Report:
    """All checks for one credential. `now` is injected so a clock can be faked in tests
    and so a verifier can ask "was this valid then?". One time budget covers them all,
    the status list credential's own verification included."""
    with budget.time_budget(limits.max_seconds):
        return _verify_credential(document, now, resolver, status_lists, limits, issuer_binding)


def _verify_credential(
    document: Any,
    now: datetime,
    resolver: KeyResolver | None,
    status_lists: StatusLists | None,
    limits: Limits,
    issuer_binding: IssuerBinding,
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
        checks.append(Check("signature", Code.SIGNATURE_NONE, Severity.FAILURE))
    results = [
        verify_proof(document_for_proof(unsecured, proof, proofs), proof, resolver, limits)
        for proof in proofs
    ]
    for number, (proof, result) in enumerate(zip(proofs, results, strict=True), start=1):
        check_id = "signature" if len(proofs) == 1 else f"signature:{number}"
        checks.append(
            Check(
                check_id,
                Code.SIGNATURE_PROOF,
                Severity.OK if result.ok else Severity.FAILURE,
                {"suite": suite_name(proof), "reason": result.reason()},
            )
        )
    checks.append(_issuer_check(unsecured, results, issuer_binding))
    checks.append(_validity_check(unsecured, now))
    checks += _status_checks(checks[0], unsecured, now, resolver, status_lists, limits)
    return Report(checks)


def data_model_checks(
    document: dict[str, Any],
    *,
    now: datetime,
    status_lists: StatusLists | None = None,
    resolver: KeyResolver | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Check]:
    """Structure, validity and status: the checks every securing mechanism shares, so an
    enveloped credential (VC-JWT) is judged exactly as a Data Integrity one."""
    resolver = resolver or resolve_offline()
    structure = _structure_check(document, disclosed_subset=False)
    return [
        structure,
        _validity_check(document, now),
        *_status_checks(structure, document, now, resolver, status_lists, limits),
    ]


def _status_checks(
    structure: Check,
    document: dict[str, Any],
    now: datetime,
    resolver: KeyResolver,
    status_lists: StatusLists | None,
    limits: Limits,
) -> list[Check]:
    """The status check; none when the structure check already failed on a status entry
    that cannot be read (an untyped one, say): the report names it there."""
    try:
        return [_status_check(document, now, resolver, status_lists, limits)]
    except MalformedInput:
        if structure.ok:
            raise
        return []


def _structure_check(document: dict[str, Any], disclosed_subset: bool) -> Check:
    problems = open_badges.conformance_problems(document, disclosed_subset=disclosed_subset)
    is_badge = open_badges.is_open_badge(document)
    kind = "Open Badge 3.0" if is_badge else "Verifiable Credential"
    if problems:
        params = {"kind": kind, "problems": problems}
        return Check("structure", Code.STRUCTURE_INVALID, Severity.FAILURE, params)
    withheld = open_badges.withheld_fields(document) if is_badge and disclosed_subset else []
    if withheld:
        return Check(
            "structure", Code.STRUCTURE_WITHHELD, params={"kind": kind, "fields": withheld}
        )
    return Check("structure", Code.STRUCTURE_OK, params={"kind": kind})


def _issuer_check(
    document: dict[str, Any], results: list[ProofResult], binding: IssuerBinding
) -> Check:
    issuer = vc_data_model.issuer_id(document)
    signers = {r.method.controller for r in results if r.ok and r.method is not None}
    if issuer in signers:
        return Check("issuer", Code.ISSUER_SIGNED, params={"issuer": issuer})
    if signers:
        params = {"signers": sorted(signers), "issuer": issuer}
        severity = Severity.FAILURE if binding is IssuerBinding.STRICT else Severity.WARNING
        return Check("issuer", Code.ISSUER_OTHER_SIGNER, severity, params)
    return Check("issuer", Code.ISSUER_UNSIGNED, Severity.FAILURE, {"issuer": issuer})


def _validity_check(document: dict[str, Any], now: datetime) -> Check:
    start_field, end_field = vc_data_model.validity_fields(document)
    start = parse_datetime(document.get(start_field))
    end = parse_datetime(document.get(end_field))
    if start is not None and now < start:
        params = {"start": format_datetime(start)}
        return Check("validity", Code.VALIDITY_NOT_YET, Severity.FAILURE, params)
    if end is not None and now > end:
        return Check(
            "validity", Code.VALIDITY_EXPIRED, Severity.FAILURE, {"end": format_datetime(end)}
        )
    if end is not None:
        return Check("validity", Code.VALIDITY_UNTIL, params={"end": format_datetime(end)})
    return Check("validity", Code.VALIDITY_NO_EXPIRY)


def _status_check(
    document: dict[str, Any],
    now: datetime,
    resolver: KeyResolver,
    status_lists: StatusLists | None,
    limits: Limits,
) -> Check:
    raw_entries = vc_data_model.as_list(document.get("credentialStatus"))
    if not raw_entries:
        return Check("status", Code.STATUS_NONE)
    found = []
    entries = []
    for raw in raw_entries:
        kind = raw.get("type") if isinstance(raw, dict) else None
        if isinstance(raw, dict) and kind not in bitstring_status_list.ENTRY_TYPES:
            # 1EdTechRevocationList and other kinds: kept, and said (issue 14)
            found.append(
                Check("status", Code.STATUS_UNREADABLE_KIND, Severity.WARNING, {"kind": str(kind)})
            )
            continue
        entries.append(StatusEntry.parse(raw))
    for entry in entries:
        cached = status_lists(entry.list_url) if status_lists else None
        if cached is None:
            found.append(
                Check("status", Code.STATUS_UNKNOWN, Severity.WARNING, {"purpose": entry.purpose})
            )
            continue
        outcome = _read_cached_status(document, entry, cached, now, resolver, limits)
        if not outcome.ok:
            return outcome
        found.append(outcome)
    if len(found) == 1:
        return found[0]
    warning = any(c.warning for c in found)
    parts = [nested(c.code, **c.params) for c in found]
    return Check(
        "status",
        Code.STATUS_SEVERAL,
        Severity.WARNING if warning else Severity.OK,
        {"parts": parts},
    )


def _read_cached_status(
    document: dict[str, Any],
    entry: StatusEntry,
    cached: CachedStatusList,
    now: datetime,
    resolver: KeyResolver,
    limits: Limits,
) -> Check:
    """Bitstring Status List 4.1 Validate Algorithm against a cached list credential."""
    age = seconds_between(cached.fetched, now)
    list_report = verify_credential(
        cached.credential, now=now, resolver=resolver, status_lists=None, limits=limits
    )
    signed_ok = all(c.ok for c in list_report.checks if c.id.startswith("signature"))
    if not signed_ok:
        return Check("status", Code.STATUS_LIST_SIGNATURE, Severity.FAILURE)
    list_issuer = vc_data_model.issuer_id(cached.credential)
    issuer = vc_data_model.issuer_id(document)
    if list_issuer != issuer and issuer not in cached.delegates:  # a trust bundle's delegation
        signer = {"list_issuer": list_issuer}
        return Check("status", Code.STATUS_LIST_OTHER_ISSUER, Severity.WARNING, signer)
    subject = bitstring_status_list.list_subject(cached.credential)
    if entry.purpose not in vc_data_model.as_list(subject.get("statusPurpose")):
        raise MalformedProof(f"the status list is not a {entry.purpose} list")
    bits = bitstring_status_list.expand_bitstring(subject.get("encodedList"))
    value = bitstring_status_list.read_status(bits, entry)
    if value and entry.purpose == "revocation":
        return Check("status", Code.STATUS_REVOKED, Severity.FAILURE, {"age": age})
    if value and entry.purpose == "suspension":
        return Check("status", Code.STATUS_SUSPENDED, Severity.FAILURE, {"age": age})
    params: dict[str, Any] = {"purpose": entry.purpose, "age": age}
    if not next(c for c in list_report.checks if c.id == "validity").ok:
        return Check("status", Code.STATUS_CLEAR_LIST_EXPIRED, Severity.WARNING, params)
    if cached.vouched_until is not None and now > cached.vouched_until:
        # a trust bundle's list past the bundle's expiry: "not revoked" is only a warning
        stale = {**params, "expired": seconds_between(cached.vouched_until, now)}
        return Check("status", Code.STATUS_OUT_OF_DATE, Severity.WARNING, stale)
    return Check("status", Code.STATUS_CLEAR, params=params)
