"""W3C Verifiable Credentials Data Model 2.0 (and 1.1, which older badges use): the shape a
credential must have before its claims mean anything."""

from __future__ import annotations

from typing import Any

from wallet.vc.data_integrity import parse_datetime

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def is_url(value: Any) -> bool:
    return isinstance(value, str) and ":" in value and " " not in value


def validity_fields(document: dict[str, Any]) -> tuple[str, str]:
    """VC 1.1 named them issuanceDate/expirationDate; 2.0 renamed them (section 4.9)."""
    if as_list(document.get("@context"))[:1] == [VC_V1]:
        return "issuanceDate", "expirationDate"
    return "validFrom", "validUntil"


def structure_problems(document: dict[str, Any]) -> list[str]:
    """Section 4: required properties and their types, in plain words."""
    problems = []
    contexts = as_list(document.get("@context"))
    if not contexts or contexts[0] not in (VC_V2, VC_V1):
        problems.append(f"the first @context must be {VC_V2}")
    if "VerifiableCredential" not in as_list(document.get("type")):
        problems.append("type must include VerifiableCredential")
    if "id" in document and not is_url(document["id"]):
        problems.append("id must be a URL")
    if not is_url(issuer_id(document)):
        problems.append("issuer must be a URL or an object with an id URL")
    subjects = as_list(document.get("credentialSubject"))
    if not subjects or not all(isinstance(s, dict) for s in subjects):
        problems.append("credentialSubject must be an object")
    valid_from, valid_until = validity_fields(document)
    if valid_from == "issuanceDate" and "issuanceDate" not in document:
        problems.append("issuanceDate is required by VC 1.1")
    for field in (valid_from, valid_until):
        if field in document and parse_datetime(document[field]) is None:
            problems.append(f"{field} must be a date and time with a timezone")
    return problems
