"""1EdTech Open Badges 3.0: the fields an OpenBadgeCredential must carry (section B.1)."""

from __future__ import annotations

from typing import Any

from wallet.vc import json_pointer, vc_data_model
from wallet.vc.errors import InvalidPointer
from wallet.vc.vc_data_model import Problem, Rule, as_list, is_url, problem, validity_fields

CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


def is_open_badge(document: dict[str, Any]) -> bool:
    return any(t in CREDENTIAL_TYPES for t in as_list(document.get("type")) if isinstance(t, str))


# The claims a person reads on a badge, in the order a screen shows them (OB 3.0 B.1);
# the shells' catalogs name each (`claim.<pointer>`).
CLAIM_POINTERS = (
    "/credentialSubject/achievement/name",
    "/credentialSubject/name",
    "/name",
    "/credentialSubject/achievement/description",
    "/credentialSubject/achievement/criteria",
    "/credentialSubject/achievement/alignment",
    "/credentialSubject/result",
    "/evidence",
    "/issuer/name",
    "/issuer/url",
    "/validUntil",
    "/credentialSubject/achievement/image",
)


def claim_values(document: dict[str, Any]) -> list[tuple[str, Any]]:
    """(pointer, value) for each of `CLAIM_POINTERS` the credential carries."""
    found = []
    for pointer in CLAIM_POINTERS:
        try:
            found.append((pointer, json_pointer.resolve(document, pointer)))
        except InvalidPointer:
            continue
    return found


# Required of an Achievement, but a holder may withhold them from a derived credential:
# they describe the badge, and verification does not depend on them.
WITHHOLDABLE = ("name", "description", "criteria")


def withheld_fields(document: dict[str, Any]) -> list[str]:
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if not isinstance(achievement, dict):
        return []
    return [f"achievement.{f}" for f in WITHHOLDABLE if f not in achievement]


def structure_problems(
    document: dict[str, Any], *, disclosed_subset: bool = False
) -> list[Problem]:
    """OB 3.0 B.1's requirements beyond the data model's, as coded messages. With
    `disclosed_subset`, fields a holder may withhold are not problems when absent."""
    found = []
    if "id" not in document:
        found.append(problem(Rule.REQUIRED, field="id"))
    elif not is_url(document["id"]):
        found.append(problem(Rule.ID_URL, field="id"))
    valid_from, _ = validity_fields(document)
    if valid_from not in document:
        found.append(problem(Rule.REQUIRED, field=valid_from))
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        return [*found, problem(Rule.ONE_SUBJECT)]
    if "AchievementSubject" not in as_list(subject.get("type")):
        found.append(
            problem(Rule.TYPE_INCLUDES, field="credentialSubject.type", type="AchievementSubject")
        )
    achievement = subject.get("achievement")
    if not isinstance(achievement, dict):
        return [*found, problem(Rule.REQUIRED, field="credentialSubject.achievement")]
    if not is_url(achievement.get("id")):
        found.append(problem(Rule.ID_URL, field="achievement.id"))
    if "Achievement" not in as_list(achievement.get("type")):
        found.append(problem(Rule.TYPE_INCLUDES, field="achievement.type", type="Achievement"))
    expected = {"name": str, "description": str, "criteria": dict}
    for field, kind in expected.items():
        if disclosed_subset and field not in achievement:
            continue
        if not isinstance(achievement.get(field), kind):
            found.append(problem(Rule.REQUIRED, field=f"achievement.{field}"))
    return found


def conformance_problems(
    document: dict[str, Any], *, disclosed_subset: bool = False
) -> list[Problem]:
    """The data model's rules, and OB 3.0's for an Open Badge: the one list a verifier
    reports and an issuer refuses to sign with."""
    found = vc_data_model.structure_problems(document)
    if is_open_badge(document):
        found += structure_problems(document, disclosed_subset=disclosed_subset)
    return found
