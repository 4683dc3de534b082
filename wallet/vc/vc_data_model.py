"""W3C Verifiable Credentials Data Model 2.0 (and 1.1, which older badges use): the shape a
credential must have before its claims mean anything.

One set of rules serves both sides (VCDM 2.0 section 2.1: a conforming issuer MUST include
every required property, a conforming verifier MUST check them and produce errors): the
verifier reports each problem as a coded message in its structure check, the issuer refuses
to sign a document with any (`refuse_nonconforming`). A problem is `{"code", "params"}`,
said by the catalogs under `reason.<code>`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from wallet.vc import multibase
from wallet.vc.data_integrity import parse_datetime
from wallet.vc.errors import MalformedInput, UnusableInput
from wallet.vc.jsonld import ABSOLUTE_IRI, published_digests

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
PRESENTATION_TYPE = "VerifiablePresentation"


class Rule(StrEnum):
    """What a credential's structure can break (catalog keys `reason.<code>`)."""

    CONTEXT_FIRST = "structure.context-first"
    CONTEXT_ITEM = "structure.context-item"
    REQUIRED = "structure.required"
    OBJECT = "structure.object"
    ID_URL = "structure.id-url"
    TYPE_REQUIRED = "structure.type-required"
    TYPE_VALUE = "structure.type-value"
    TYPE_INCLUDES = "structure.type-includes"
    ISSUER = "structure.issuer"
    SUBJECT_CLAIMS = "structure.subject-claims"
    LANGUAGE_VALUE = "structure.language-value"
    DATETIME = "structure.datetime"
    VALIDITY_ORDER = "structure.validity-order"
    DIGEST = "structure.digest"
    DIGEST_MISMATCH = "structure.digest-mismatch"
    DUPLICATE_ID = "structure.duplicate-id"
    ONE_SUBJECT = "structure.one-subject"
    HOLDER = "structure.holder"


Problem = dict[str, Any]


def problem(rule: Rule, **params: Any) -> Problem:
    return {"code": rule.value, "params": params}


class NonConformingCredential(MalformedInput):
    """A document the data model rules out, refused before it is signed; `params` hold the
    problems, each a coded message."""

    kind = "nonconforming"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("not a conforming credential: " + "; ".join(p["code"] for p in problems))
        self.problems = problems
        self.params = {"problems": problems}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def is_url(value: Any) -> bool:
    """An absolute URL (RFC 3986 section 4.3): a scheme, then no spaces (section 4.4)."""
    return isinstance(value, str) and ABSOLUTE_IRI.fullmatch(value) is not None


def validity_fields(document: dict[str, Any]) -> tuple[str, str]:
    """VC 1.1 named them issuanceDate/expirationDate; 2.0 renamed them (section 4.9)."""
    if as_list(document.get("@context"))[:1] == [VC_V1]:
        return "issuanceDate", "expirationDate"
    return "validFrom", "validUntil"


def _entries(document: dict[str, Any], name: str) -> Iterator[tuple[str, Any]]:
    """(field name for messages, value) for each value of a property that takes one or more."""
    value = document.get(name)
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{name}[{index}]", item
    elif name in document:
        yield name, value


def _type_problems(field: str, value: Any, *, required: bool) -> list[Problem]:
    """Section 4.5: one or more terms or absolute URLs."""
    if value is None:
        return [problem(Rule.TYPE_REQUIRED, field=field)] if required else []
    types = as_list(value)
    if not types:
        return [problem(Rule.TYPE_REQUIRED, field=field)]
    if not all(isinstance(t, str) and t and not any(c.isspace() for c in t) for t in types):
        return [problem(Rule.TYPE_VALUE, field=field)]
    return []


def _id_problems(field: str, value: Any) -> list[Problem]:
    return [] if is_url(value) else [problem(Rule.ID_URL, field=field)]


def _context_problems(document: dict[str, Any]) -> list[Problem]:
    """Section 4.3: an ordered set, the base context first, then URLs or context objects."""
    contexts = as_list(document.get("@context"))
    if not contexts or contexts[0] not in (VC_V2, VC_V1):
        return [problem(Rule.CONTEXT_FIRST, expected=VC_V2)]
    return [
        problem(Rule.CONTEXT_ITEM, field=f"@context[{index}]")
        for index, item in enumerate(contexts[1:], start=1)
        if not (is_url(item) or isinstance(item, dict))
    ]


def _language_problems(field: str, value: Any) -> list[Problem]:
    """Section 4.6: a string, a language value object, or several of them."""

    def language_value(item: Any) -> bool:
        if isinstance(item, str):
            return True
        return (
            isinstance(item, dict)
            and isinstance(item.get("@value"), str)
            and set(item) <= {"@value", "@language", "@direction"}
            and all(isinstance(item[k], str) for k in item)
        )

    values = value if isinstance(value, list) else [value]
    return (
        []
        if values and all(language_value(v) for v in values)
        else [problem(Rule.LANGUAGE_VALUE, field=field)]
    )


def _issuer_problems(document: dict[str, Any]) -> list[Problem]:
    """Section 4.7: a URL, or an object whose id is one."""
    if "issuer" not in document:
        return [problem(Rule.REQUIRED, field="issuer")]
    issuer = document["issuer"]
    if not is_url(issuer_id(document)) or isinstance(issuer, list):
        return [problem(Rule.ISSUER)]
    found = []
    if isinstance(issuer, dict):
        for name in ("name", "description"):
            if name in issuer:
                found += _language_problems(f"issuer.{name}", issuer[name])
    return found


def _subject_problems(document: dict[str, Any]) -> list[Problem]:
    """Section 4.8: one or more objects, each the subject of at least one claim."""
    if "credentialSubject" not in document:
        return [problem(Rule.REQUIRED, field="credentialSubject")]
    found = []
    for field, subject in _entries(document, "credentialSubject"):
        if not isinstance(subject, dict) or not subject:
            found.append(problem(Rule.SUBJECT_CLAIMS, field=field))
        elif "id" in subject:
            found += _id_problems(f"{field}.id", subject["id"])
    if not found and not as_list(document["credentialSubject"]):
        found.append(problem(Rule.SUBJECT_CLAIMS, field="credentialSubject"))
    return found


def _validity_problems(document: dict[str, Any]) -> list[Problem]:
    """Section 4.9: dateTimeStamps, the start no later than the end (VC 1.1 section 4.6:
    issuanceDate required)."""
    start_field, end_field = validity_fields(document)
    found = []
    if start_field == "issuanceDate" and "issuanceDate" not in document:
        found.append(problem(Rule.REQUIRED, field="issuanceDate"))
    moments = {}
    for field in (start_field, end_field):
        if field in document:
            moments[field] = parse_datetime(document[field])
            if moments[field] is None:
                found.append(problem(Rule.DATETIME, field=field))
    start, end = moments.get(start_field), moments.get(end_field)
    if start is not None and end is not None and start > end:
        found.append(problem(Rule.VALIDITY_ORDER, start=start_field, end=end_field))
    return found


# Section 4.5's table: the objects that MUST have a type (4.10, 4.11, 5.4, 5.5, 5.6)
TYPED_OBJECTS = ("credentialStatus", "credentialSchema", "refreshService", "termsOfUse", "evidence")


def _typed_object_problems(document: dict[str, Any]) -> list[Problem]:
    found = []
    for name in TYPED_OBJECTS:
        for field, value in _entries(document, name):
            if not isinstance(value, dict):
                found.append(problem(Rule.OBJECT, field=field))
                continue
            found += _type_problems(f"{field}.type", value.get("type"), required=True)
            if name == "credentialSchema" and "id" not in value:  # section 4.11
                found.append(problem(Rule.REQUIRED, field=f"{field}.id"))
            elif "id" in value:  # section 4.4, and 4.10 for credentialStatus
                found += _id_problems(f"{field}.id", value["id"])
    return found


_SRI = re.compile(r"(sha256|sha384|sha512)-([A-Za-z0-9+/_\-]+={0,2})")
_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}
_BY_SIZE = {size: name for name, size in _SIZES.items()}
# multihash codes (multiformats table): sha2-256, sha2-384, sha2-512, each then its length
_MULTIHASH = {b"\x12\x20": "sha256", b"\x20\x30": "sha384", b"\x13\x40": "sha512"}


def _sri_digests(value: Any) -> list[tuple[str, bytes]] | None:
    """Subresource Integrity section 3.5: hash-algo "-" base64 of a digest of its size,
    one or more separated by spaces; None when not that."""
    if not isinstance(value, str):
        return None
    found = []
    for expression in value.split():
        match = _SRI.fullmatch(expression.split("?", 1)[0])
        if match is None:
            return None
        text = match[2].replace("-", "+").replace("_", "/")
        try:
            digest = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except binascii.Error:
            return None
        if len(digest) != _SIZES[match[1]]:
            return None
        found.append((match[1], digest))
    return found or None


def _multibase_digest(value: Any) -> list[tuple[str, bytes]] | None:
    """A multibase multihash (VC-DI 1.0 section 2.6), or a bare digest as the W3C suites
    send; [] when it is one of neither SHA-2 kind we can compare, None when not a digest."""
    try:
        data = multibase.decode(value) if isinstance(value, str) else b""
    except UnusableInput:
        return None
    if len(data) < 16:
        return None
    name = _MULTIHASH.get(data[:2])
    if name is not None and len(data) == 2 + _SIZES[name]:
        return [(name, data[2:])]
    return [(_BY_SIZE[len(data)], data)] if len(data) in _BY_SIZE else []


def _strongest(digests: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """SRI section 3.3.4: only the strongest algorithm's digests count."""
    best = max(_SIZES[name] for name, _ in digests)
    return [(name, digest) for name, digest in digests if _SIZES[name] == best]


def _digest_matches(url: str, digests: list[tuple[str, bytes]]) -> bool | None:
    """Whether any digest is that of a version published at `url`; None when we hold no
    published digests for it (we never fetch, so it goes unchecked)."""
    versions = published_digests().get(url)
    if versions is None:
        return None
    return any(version[name] == digest.hex() for version in versions for name, digest in digests)


def _related_resource_problems(document: dict[str, Any]) -> list[Problem]:
    """Section 5.3: objects with a unique id URL and a digestSRI or digestMultibase, which
    must match the resource. We never fetch: a digest is checked against the published
    digests we hold (`jsonld.published_digests`), and otherwise goes unchecked."""
    found = []
    seen: set[str] = set()
    for field, resource in _entries(document, "relatedResource"):
        if not isinstance(resource, dict):
            found.append(problem(Rule.OBJECT, field=field))
            continue
        resource_id = resource.get("id")
        if "id" not in resource:
            found.append(problem(Rule.REQUIRED, field=f"{field}.id"))
        else:
            found += _id_problems(f"{field}.id", resource_id)
            if isinstance(resource_id, str) and resource_id in seen:
                found.append(problem(Rule.DUPLICATE_ID, field=f"{field}.id"))
            seen.add(str(resource_id))
        if "digestSRI" not in resource and "digestMultibase" not in resource:
            found.append(problem(Rule.REQUIRED, field=f"{field}.digestSRI"))
        given: dict[str, list[tuple[str, bytes]] | None] = {}
        if "digestSRI" in resource:
            sri = _sri_digests(resource["digestSRI"])
            given["digestSRI"] = _strongest(sri) if sri else None
        if "digestMultibase" in resource:
            given["digestMultibase"] = _multibase_digest(resource["digestMultibase"])
        for name, digests in given.items():
            if digests is None:
                found.append(problem(Rule.DIGEST, field=f"{field}.{name}"))
            elif digests and _digest_matches(str(resource_id), digests) is False:
                found.append(problem(Rule.DIGEST_MISMATCH, field=f"{field}.{name}"))
    return found


def structure_problems(document: dict[str, Any]) -> list[Problem]:
    """Every MUST of the data model a document alone can break, as coded messages."""
    found = _context_problems(document)
    type_problems = _type_problems("type", document.get("type"), required=True)
    found += type_problems
    if not type_problems and "VerifiableCredential" not in as_list(document["type"]):
        found.append(problem(Rule.TYPE_INCLUDES, field="type", type="VerifiableCredential"))
    if "id" in document:  # section 4.4
        found += _id_problems("id", document["id"])
    for name in ("name", "description"):
        if name in document:
            found += _language_problems(name, document[name])
    found += _issuer_problems(document)
    found += _subject_problems(document)
    found += _validity_problems(document)
    found += _typed_object_problems(document)
    found += _related_resource_problems(document)
    return found


def presentation_problems(document: dict[str, Any]) -> list[Problem]:
    """Section 4.13 (and 4.3-4.5): what a presentation must be, as coded messages. It may
    hold no credentials; each one it holds is judged as a credential on its own."""
    found = _context_problems(document)
    type_problems = _type_problems("type", document.get("type"), required=True)
    found += type_problems
    if not type_problems and PRESENTATION_TYPE not in as_list(document["type"]):
        found.append(problem(Rule.TYPE_INCLUDES, field="type", type=PRESENTATION_TYPE))
    if "id" in document:
        found += _id_problems("id", document["id"])
    if "holder" in document:  # a URL, or an object whose id is one
        holder = document["holder"]
        if not is_url(holder.get("id") if isinstance(holder, dict) else holder):
            found.append(problem(Rule.HOLDER))
    for field, held in _entries(document, "verifiableCredential"):
        if not isinstance(held, dict):
            found.append(problem(Rule.OBJECT, field=field))
    return found


def refuse_nonconforming(problems: list[Problem]) -> None:
    """The issuer's side of the same rules: never sign what a verifier must refuse."""
    if problems:
        raise NonConformingCredential(problems)
