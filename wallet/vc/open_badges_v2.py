"""Open Badges 2.0 (and 2.1) assertions: what Canvas Credentials and most backpacks hold.

A hosted assertion carries no signature: it is genuine when the issuer still serves it
at its own `id`, on the issuer's own origin (OB 2.0 "Verification", HostedBadge), names a
badge class whose issuer profile is on that origin, is not revoked, and names the learner
as recipient, often as a salted hash of their email (OB 2.0 IdentityObject:
`sha256$` + hex SHA-256 of identity + salt). Pure: the documents are fetched elsewhere,
once, and these checks run on them; the verdict is cached with its date.

A signed assertion (SignedBadge) is a compact JWS whose payload is the assertion. It is
genuine when the key its `verification.creator` names verifies the JWS, that key's
`owner` is the issuer profile and the profile lists the key among its `publicKey`, and the
issuer's revocation list does not name it. The key, profile and list are fetched once;
then it is checked offline like any signed credential.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from wallet.vc import jose
from wallet.vc.data_integrity import format_datetime, parse_datetime
from wallet.vc.errors import MalformedInput, UnusableInput
from wallet.vc.jwk import Jwk
from wallet.vc.verification import Check, Code, Report, Severity, nested, seconds_between

CONTEXTS = ("https://w3id.org/openbadges/v2", "https://openbadgespec.org/v2/context.json")
HOSTED = ("hosted", "HostedBadge")
SIGNED = ("signed", "SignedBadge")
SIGNED_FORMAT = "ob2+jws"  # how a signed assertion is kept: the JWS as received

# Check ids, stable for the catalogs
HOSTED_CHECK = "hosted"
RECIPIENT_CHECK = "recipient"
REVOCATION_CHECK = "status"
ORIGIN_CHECK = "issuer"
VALIDITY_CHECK = "validity"

# What the OB 2.0 checks can say (catalog keys `reason.<code>`)
GONE = "ob2.gone"
OTHER_ASSERTION = "ob2.other-assertion"
DIFFERS = "ob2.differs"
SERVED = "ob2.served"
OTHER_ISSUER = "ob2.other-issuer"
OFF_SITE = "ob2.off-site"
ON_SITE = "ob2.on-site"
RECIPIENT_NOT_COMPARED = "ob2.recipient-not-compared"
RECIPIENT_YOU = "ob2.recipient-you"
RECIPIENT_SOMEONE_ELSE = "ob2.recipient-someone-else"
REVOKED = "ob2.revoked"
REVOKED_WITH_REASON = "ob2.revoked-with-reason"
NOT_REVOKED = "ob2.not-revoked"
SIGNED_OB2 = "ob2.signed"  # a SignedBadge assertion held without its JWS
STATUS_NOT_FETCHED = "ob2.status-not-fetched"
NOT_REVOKED_AS_OF = "ob2.not-revoked-as-of"  # a signed assertion, by the list fetched {age}
NOT_CHECKED_ONLINE = "ob2.not-checked-online"
CHECKED_ONLINE = "ob2.checked-online"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def is_assertion(document: Any) -> bool:
    """An OB 2.0 Assertion (by its type and context), not a Verifiable Credential."""
    if not isinstance(document, dict) or "Assertion" not in _as_list(document.get("type")):
        return False
    return any(c in CONTEXTS for c in _as_list(document.get("@context")))


def hosted_reference(url: str) -> dict[str, Any]:
    """What a badge baked with only its assertion's URL holds (OB 2.0 Baking allows the
    URL alone): an assertion known by its `id`, whose content the online check fetches."""
    if len(url) > 2048 or any(c.isspace() for c in url):
        raise MalformedInput("the badge image holds no usable assertion URL")
    return {
        "@context": CONTEXTS[0],
        "type": "Assertion",
        "id": url,
        "verification": {"type": "hosted"},
    }


def verification_type(assertion: dict[str, Any]) -> str:
    verification = assertion.get("verification")
    kind = verification.get("type") if isinstance(verification, dict) else None
    return "signed" if kind in SIGNED else "hosted"


def reference(value: Any) -> str | None:
    """The IRI a property names: the value itself, or an embedded object's `id`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def recipient_matches(recipient: Any, identities: list[str]) -> bool | None:
    """Whether the assertion names one of `identities` (the learner's emails); None when
    the learner has given none to compare with."""
    if not isinstance(recipient, dict) or not isinstance(recipient.get("identity"), str):
        return False
    if not identities:
        return None
    claimed = recipient["identity"]
    salt = recipient.get("salt")
    salt = salt if isinstance(salt, str) else ""
    for identity in identities:
        if recipient.get("hashed") is True:
            algorithm, _, digest = claimed.partition("$")
            if algorithm.lower() not in ("sha256", "md5"):
                continue
            ours = hashlib.new(algorithm.lower(), (identity + salt).encode()).hexdigest()
            if hmac.compare_digest(ours, digest.lower()):
                return True
        elif hmac.compare_digest(identity.strip().lower(), claimed.strip().lower()):
            return True
    return False


def hash_identity(identity: str, salt: str) -> str:
    """The IdentityObject form of a hashed email: what issuers write, and tests too."""
    return "sha256$" + hashlib.sha256((identity + salt).encode()).hexdigest()


def _origin(url: Any) -> tuple[str, str] | None:
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc.lower()) if parts.scheme and parts.netloc else None


def _allowed_origin(assertion_id: str, issuer: dict[str, Any]) -> bool:
    """OB 2.0 Verification: the hosted assertion lives on the issuer's origin, or where the
    issuer's own `verification` policy allows (allowedOrigins, startsWith)."""
    found = issuer.get("verification")
    policy: dict[str, Any] = found if isinstance(found, dict) else {}
    prefixes = [p for p in _as_list(policy.get("startsWith")) if isinstance(p, str)]
    if prefixes:
        return any(assertion_id.startswith(p) for p in prefixes)
    allowed = [o for o in _as_list(policy.get("allowedOrigins")) if isinstance(o, str)]
    if allowed:
        return (urlsplit(assertion_id).netloc.lower()) in {o.lower() for o in allowed}
    return _origin(assertion_id) == _origin(issuer.get("id"))


def hosted_checks(
    held: dict[str, Any],
    hosted: dict[str, Any] | None,
    badge_class: dict[str, Any],
    issuer: dict[str, Any],
    identities: list[str],
    now: datetime,
) -> list[Check]:
    """The OB 2.0 checks over what the issuer serves now. `hosted` is None when the issuer
    answered 410 Gone: a revoked assertion."""
    checks: list[Check] = []
    assertion_id = reference(held)
    if hosted is None:
        return [Check(REVOCATION_CHECK, GONE, Severity.FAILURE)]
    only_url = "badge" not in held and "recipient" not in held  # baked with its URL alone
    if reference(hosted) != assertion_id:
        checks.append(Check(HOSTED_CHECK, OTHER_ASSERTION, Severity.FAILURE))
    elif not only_url and (
        reference(hosted.get("badge")) != reference(held.get("badge"))
        or hosted.get("recipient") != held.get("recipient")
    ):
        checks.append(Check(HOSTED_CHECK, DIFFERS, Severity.FAILURE))
    else:
        checks.append(Check(HOSTED_CHECK, SERVED))
    origin_ok = assertion_id is not None and _allowed_origin(assertion_id, issuer)
    name = issuer.get("name") if isinstance(issuer.get("name"), str) else reference(issuer)
    named = {"name": str(name)[:200]}
    if reference(badge_class.get("issuer")) != reference(issuer):
        checks.append(Check(ORIGIN_CHECK, OTHER_ISSUER, Severity.FAILURE))
    elif not origin_ok:
        checks.append(Check(ORIGIN_CHECK, OFF_SITE, Severity.FAILURE, named))
    else:
        checks.append(Check(ORIGIN_CHECK, ON_SITE, params=named))
    match = recipient_matches(hosted.get("recipient"), identities)
    if match is None:
        checks.append(Check(RECIPIENT_CHECK, RECIPIENT_NOT_COMPARED, Severity.WARNING))
    elif match:
        checks.append(Check(RECIPIENT_CHECK, RECIPIENT_YOU))
    else:
        checks.append(Check(RECIPIENT_CHECK, RECIPIENT_SOMEONE_ELSE, Severity.FAILURE))
    if hosted.get("revoked") is True:
        reason = hosted.get("revocationReason")
        if isinstance(reason, str) and reason:  # the issuer's own words, shown as they are
            said = {"reason": reason[:200]}
            checks.append(Check(REVOCATION_CHECK, REVOKED_WITH_REASON, Severity.FAILURE, said))
        else:
            checks.append(Check(REVOCATION_CHECK, REVOKED, Severity.FAILURE))
    else:
        checks.append(Check(REVOCATION_CHECK, NOT_REVOKED))
    checks.append(validity_check(hosted, now))
    return checks


def validity_check(assertion: dict[str, Any], now: datetime) -> Check:
    expires = parse_datetime(assertion.get("expires"))
    if expires is not None and now > expires:
        end = {"end": format_datetime(expires)}
        return Check(VALIDITY_CHECK, Code.VALIDITY_EXPIRED, Severity.FAILURE, end)
    if expires is not None:
        return Check(VALIDITY_CHECK, Code.VALIDITY_UNTIL, params={"end": format_datetime(expires)})
    return Check(VALIDITY_CHECK, Code.VALIDITY_NO_EXPIRY)


def offline_report(
    assertion: dict[str, Any], online: dict[str, Any] | None, now: datetime
) -> dict[str, Any]:
    """An assertion's report offline: the verdict of its last online check (`online`, as
    kept with the record), dated, and its expiry judged `now`. Never checked, or signed
    but held without its JWS: not verified, its code saying which."""
    if verification_type(assertion) == "signed":
        return Report([Check(HOSTED_CHECK, SIGNED_OB2, Severity.FAILURE)]).to_json()
    if online is None:
        return Report([Check(HOSTED_CHECK, NOT_CHECKED_ONLINE, Severity.FAILURE)]).to_json()
    checks = [Check.from_json(c) for c in online["checks"] if c["id"] != VALIDITY_CHECK]
    first = checks[0] if checks else Check(HOSTED_CHECK, NOT_CHECKED_ONLINE, Severity.FAILURE)
    on = {"checked": online["checked"], "result": nested(first.code, **first.params)}
    dated = Check(first.id, CHECKED_ONLINE, first.severity, on)
    expiry = validity_check({"expires": online.get("expires")}, now)
    return Report([dated, *checks[1:], expiry]).to_json()


# --- signed assertions (OB 2.0 "Signed Badges") -------------------------------------------


def signed_assertion(token: str) -> dict[str, Any] | None:
    """The assertion a compact JWS carries when it is an OB 2.0 signed badge; None for any
    other token (a VC-JWT, or not a JWS at all)."""
    try:
        claims = jose.parse(token).claims()
    except UnusableInput:
        return None
    return claims if is_assertion(claims) else None


def creator(assertion: dict[str, Any]) -> str | None:
    """The URL of the key a signed assertion says it was signed with."""
    verification = assertion.get("verification")
    found = verification.get("creator") if isinstance(verification, dict) else None
    return found if isinstance(found, str) and found.startswith("https://") else None


@dataclass(frozen=True)
class SigningKey:
    """An issuer's OB 2.0 CryptographicKey as fetched once, with what vouches for it."""

    id: str
    key: Jwk
    owner: str  # the issuer profile the key document names
    listed: bool  # that profile lists this key among its `publicKey`
    revocation_list: dict[str, Any] | None  # the profile's RevocationList; None: it names none
    fetched: str  # when, ISO 8601


def signing_key(
    key_document: dict[str, Any],
    profile: dict[str, Any],
    revocation_list: dict[str, Any] | None,
    fetched: str,
) -> SigningKey:
    """The key as the checks use it. Refuses a document that holds no usable public key."""
    key_id, owner = reference(key_document), reference(key_document.get("owner"))
    if key_id is None or owner is None:
        raise MalformedInput("an Open Badges 2.0 key document needs an id and an owner")
    listed = reference(profile) == owner and key_id in {
        reference(k) for k in _as_list(profile.get("publicKey"))
    }
    jwk = Jwk.from_pem(key_document.get("publicKeyPem"))
    return SigningKey(key_id, jwk, owner, listed, revocation_list, fetched)


def revoked_by(revocation_list: dict[str, Any], assertion_id: str | None) -> Check | None:
    """The revocation check when the issuer's list names this assertion; None when not."""
    for entry in _as_list(revocation_list.get("revokedAssertions")):
        if reference(entry) != assertion_id or assertion_id is None:
            continue
        reason = entry.get("revocationReason") if isinstance(entry, dict) else None
        if isinstance(reason, str) and reason:
            said = {"reason": reason[:200]}
            return Check(REVOCATION_CHECK, REVOKED_WITH_REASON, Severity.FAILURE, said)
        return Check(REVOCATION_CHECK, REVOKED, Severity.FAILURE)
    return None


def signed_checks(
    token: str,
    key: SigningKey | None,
    now: datetime,
    identities: list[str] | None = None,
    badge_class: dict[str, Any] | None = None,
) -> list[Check]:
    """A signed assertion's checks, offline, with the creator's key if this device holds it
    (`key` None: not fetched yet, so the signature cannot be checked), its recipient
    compared with `identities` (the learner's emails), and `badge_class` as fetched when
    the assertion names it by URL."""
    jws = jose.parse(token)
    assertion = jws.claims()
    named = creator(assertion)
    badge = assertion.get("badge")
    if isinstance(badge, str) and badge_class is not None and reference(badge_class) == badge:
        badge = badge_class
    badge_issuer = reference(badge.get("issuer")) if isinstance(badge, dict) else None
    claimed = badge_issuer or (key.owner if key is not None else named) or ""
    alg = {"alg": str(jws.header.get("alg"))}
    if key is None or key.id != named:
        signature = Check(
            "signature", "token-signature.no-key", Severity.FAILURE, {"kid": named or "none"}
        )
    elif not jws.verified_by(key.key):
        signature = Check("signature", "token-signature.invalid", Severity.FAILURE, alg)
    else:
        signature = Check("signature", "token-signature.valid", params=alg)
    if not signature.ok or key is None:
        issuer = Check(ORIGIN_CHECK, Code.ISSUER_UNSIGNED, Severity.FAILURE, {"issuer": claimed})
    elif not key.listed or (badge_issuer is not None and badge_issuer != key.owner):
        other = {"signers": [key.owner], "issuer": claimed}
        issuer = Check(ORIGIN_CHECK, Code.ISSUER_OTHER_SIGNER, Severity.FAILURE, other)
    else:
        issuer = Check(ORIGIN_CHECK, Code.ISSUER_SIGNED, params={"issuer": key.owner})
    if key is None:
        status = Check(REVOCATION_CHECK, STATUS_NOT_FETCHED, Severity.WARNING)
    elif key.revocation_list is None:
        status = Check(REVOCATION_CHECK, Code.STATUS_NONE)
    else:
        found = revoked_by(key.revocation_list, reference(assertion))
        fetched = parse_datetime(key.fetched)
        age = {"age": seconds_between(fetched, now) if fetched is not None else 0}
        status = found or Check(REVOCATION_CHECK, NOT_REVOKED_AS_OF, params=age)
    match = recipient_matches(assertion.get("recipient"), identities or [])
    if match is None:
        recipient = Check(RECIPIENT_CHECK, RECIPIENT_NOT_COMPARED, Severity.WARNING)
    elif match:
        recipient = Check(RECIPIENT_CHECK, RECIPIENT_YOU)
    else:
        recipient = Check(RECIPIENT_CHECK, RECIPIENT_SOMEONE_ELSE, Severity.FAILURE)
    return [signature, issuer, recipient, status, validity_check(assertion, now)]
