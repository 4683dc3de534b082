"""Open Badges 2.0 (and 2.1) assertions: what Canvas Credentials and most backpacks hold.

A hosted assertion carries no signature: it is genuine when the issuer still serves it
at its own `id`, on the issuer's own origin (OB 2.0 "Verification", HostedBadge), names a
badge class whose issuer profile is on that origin, is not revoked, and names the learner
as recipient, often as a salted hash of their email (OB 2.0 IdentityObject:
`sha256$` + hex SHA-256 of identity + salt). Pure: the documents are fetched elsewhere,
once, and these checks run on them; the verdict is cached with its date.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from wallet.vc.data_integrity import parse_datetime
from wallet.vc.errors import MalformedInput
from wallet.vc.verification import Check, Report

CONTEXTS = ("https://w3id.org/openbadges/v2", "https://openbadgespec.org/v2/context.json")
HOSTED = ("hosted", "HostedBadge")
SIGNED = ("signed", "SignedBadge")

# Check ids, stable for the catalogs
HOSTED_CHECK = "hosted"
RECIPIENT_CHECK = "recipient"
REVOCATION_CHECK = "status"
ORIGIN_CHECK = "issuer"
VALIDITY_CHECK = "validity"


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
        return [Check(REVOCATION_CHECK, False, "The issuer no longer serves it: revoked.")]
    only_url = "badge" not in held and "recipient" not in held  # baked with its URL alone
    if reference(hosted) != assertion_id:
        checks.append(Check(HOSTED_CHECK, False, "The issuer serves another assertion there."))
    elif not only_url and (
        reference(hosted.get("badge")) != reference(held.get("badge"))
        or hosted.get("recipient") != held.get("recipient")
    ):
        checks.append(Check(HOSTED_CHECK, False, "The issuer's copy differs from this one."))
    else:
        checks.append(Check(HOSTED_CHECK, True, "The issuer serves this assertion."))
    origin_ok = assertion_id is not None and _allowed_origin(assertion_id, issuer)
    name = issuer.get("name") if isinstance(issuer.get("name"), str) else reference(issuer)
    if reference(badge_class.get("issuer")) != reference(issuer):
        checks.append(Check(ORIGIN_CHECK, False, "The badge class names another issuer."))
    elif not origin_ok:
        checks.append(Check(ORIGIN_CHECK, False, f"Hosted outside the issuer {name}'s site."))
    else:
        checks.append(Check(ORIGIN_CHECK, True, f"Hosted by the issuer {name}."))
    match = recipient_matches(hosted.get("recipient"), identities)
    if match is None:
        checks.append(
            Check(
                RECIPIENT_CHECK,
                True,
                "Recipient not compared: add your email in Settings.",
                warning=True,
            )
        )
    elif match:
        checks.append(Check(RECIPIENT_CHECK, True, "Issued to you (your email)."))
    else:
        checks.append(Check(RECIPIENT_CHECK, False, "Issued to someone else."))
    if hosted.get("revoked") is True:
        reason = hosted.get("revocationReason")
        suffix = f": {reason:.200}" if isinstance(reason, str) and reason else ""
        checks.append(Check(REVOCATION_CHECK, False, f"Revoked by the issuer{suffix}."))
    else:
        checks.append(Check(REVOCATION_CHECK, True, "Not revoked."))
    checks.append(validity_check(hosted, now))
    return checks


def validity_check(assertion: dict[str, Any], now: datetime) -> Check:
    expires = parse_datetime(assertion.get("expires"))
    if expires is not None and now > expires:
        return Check(VALIDITY_CHECK, False, f"Expired on {expires:%Y-%m-%d}.")
    if expires is not None:
        return Check(VALIDITY_CHECK, True, f"Valid until {expires:%Y-%m-%d}.")
    return Check(VALIDITY_CHECK, True, "Valid, with no expiry date.")


def offline_report(
    assertion: dict[str, Any], online: dict[str, Any] | None, now: datetime
) -> dict[str, Any]:
    """An assertion's report offline: the verdict of its last online check (`online`, as
    kept with the record), dated, and its expiry judged `now`. Never checked, or signed:
    not verified, with a `reason` code the card translates."""
    signed = verification_type(assertion) == "signed"
    if signed or online is None:
        message = (
            "A signed Open Badges 2.0 assertion: this wallet cannot check its JWS yet."
            if signed
            else "Not verified yet: an Open Badges 2.0 badge is checked online once."
        )
        check = Check(HOSTED_CHECK, False, message).to_json()
        reason = "signed-ob2" if signed else "not-checked-online"
        return {"verified": False, "checks": [{**check, "reason": reason}]}
    checked = datetime.fromisoformat(online["checked"])
    checks = [
        Check(c["id"], c["ok"], c["message"], c.get("warning", False))
        for c in online["checks"]
        if c["id"] != VALIDITY_CHECK
    ]
    first = checks[0] if checks else Check(HOSTED_CHECK, False, "")
    dated = Check(first.id, first.ok, f"Checked online on {checked:%Y-%m-%d}: {first.message}")
    expiry = validity_check({"expires": online.get("expires")}, now)
    return Report([dated, *checks[1:], expiry]).to_json()
