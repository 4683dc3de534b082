"""Comprehensive Learner Record 2.0: a `ClrCredential` is a learner's record, signed by the
institution that assembled it, holding the credentials it is made of in
`credentialSubject.verifiableCredential`, each signed by its own issuer.

The record's proof covers the nested credentials as data, but only each one's own proof
says its issuer issued it (a registrar could wrap a forged badge), so every nested
credential is verified as itself, with the same keys and status lists, and reported as a
check of the record (CLR 2.0 section 8, "each EndorsementCredential and AchievementCredential
... MUST be verified").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wallet.vc import envelopes, vc_data_model
from wallet.vc.envelopes import Enveloped
from wallet.vc.errors import ProcessingLimitExceeded, UnusableInput
from wallet.vc.verification import Check, Report, Severity, nested

TYPE = "ClrCredential"
MAX_NESTED = 100  # a transcript of a few dozen courses; more is work we will not do
NESTED_CHECK = "nested"  # check ids `nested-1`, `nested-2`, ... in document order
# What a nested credential's check says (catalog keys `reason.<code>`)
NESTED_VERIFIED = "clr.nested-verified"
NESTED_FAILED = "clr.nested-failed"
NESTED_UNREADABLE = "clr.nested-unreadable"

Verify = Callable[[dict[str, Any] | Enveloped], Report]


def is_clr(document: Any) -> bool:
    return isinstance(document, dict) and TYPE in vc_data_model.as_list(document.get("type"))


def _subject(document: dict[str, Any]) -> dict[str, Any]:
    subject = document.get("credentialSubject")
    return subject if isinstance(subject, dict) else {}


def nested_credentials(document: dict[str, Any]) -> list[dict[str, Any] | Enveloped | None]:
    """The credentials a record holds, in order: JSON ones as they are, VC-JWTs (CLR 2.0
    allows the compact form) as tokens, None for an entry that is neither."""
    entries = vc_data_model.as_list(_subject(document).get("verifiableCredential"))
    if len(entries) > MAX_NESTED:
        raise ProcessingLimitExceeded(
            f"the record holds {len(entries)} credentials; the limit is {MAX_NESTED}"
        )
    found: list[dict[str, Any] | Enveloped | None] = []
    for entry in entries:
        if isinstance(entry, dict):
            found.append(entry)
            continue
        try:
            found.append(envelopes.detect(entry) if isinstance(entry, str) else None)
        except UnusableInput:
            found.append(None)
    return found


def _view(held: dict[str, Any] | Enveloped) -> dict[str, Any]:
    return envelopes.view(held) if isinstance(held, Enveloped) else held


def achievement_name(credential: dict[str, Any]) -> str:
    """What a nested credential is for: its achievement's name, else its own name."""
    achievement = _subject(credential).get("achievement")
    for value in (
        achievement.get("name") if isinstance(achievement, dict) else None,
        credential.get("name"),
    ):
        if isinstance(value, str) and value:
            return value[:200]
    return ""


def achievements(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(achievement, issuer name) of each nested credential, for the detail screen."""
    shown = []
    for held in nested_credentials(document):
        if held is None:
            continue
        credential = _view(held)
        issuer = credential.get("issuer")
        name = issuer.get("name") or issuer.get("id") if isinstance(issuer, dict) else issuer
        shown.append((achievement_name(credential), str(name or "")[:200]))
    return shown


def nested_checks(document: dict[str, Any], verify: Verify) -> list[Check]:
    """One check per nested credential: passed when its own verification passed, else
    failed with the first failing check's words (a warning passes, as it does alone)."""
    checks = []
    for number, held in enumerate(nested_credentials(document), start=1):
        check_id = f"{NESTED_CHECK}-{number}"
        if held is None:
            checks.append(Check(check_id, NESTED_UNREADABLE, Severity.FAILURE, {"n": number}))
            continue
        named = {"name": achievement_name(_view(held)) or str(number)}
        try:
            report = verify(held)
        except UnusableInput:  # an unknown proof type or context: it cannot be checked
            checks.append(Check(check_id, NESTED_UNREADABLE, Severity.FAILURE, {"n": number}))
            continue
        failed = next((c for c in report.checks if not c.ok), None)
        if failed is None:
            checks.append(Check(check_id, NESTED_VERIFIED, params=named))
        else:
            why = nested(failed.code, **failed.params)
            checks.append(Check(check_id, NESTED_FAILED, Severity.FAILURE, {**named, "why": why}))
    return checks
