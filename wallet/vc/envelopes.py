"""Credentials that arrive wrapped in a token (VC-JWT, SD-JWT VC, a signed Open Badges 2.0
assertion) rather than as a JSON
document with an embedded proof: recognising one, verifying it, and what a card shows.

The token is kept exactly as received, since its signature covers those bytes; the
`view` is a JSON object derived from it for lists and detail screens, never re-signed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wallet.vc import jose, open_badges_v2, sd_jwt_vc, vc_data_model, vc_jwt
from wallet.vc.rdfc import DEFAULT_LIMITS, Limits
from wallet.vc.verification import Report, StatusLists

FORMATS = (vc_jwt.FORMAT, sd_jwt_vc.FORMAT, open_badges_v2.SIGNED_FORMAT)
# What an SD-JWT VC's card is named and described by: the EUDI learning credential's
# claims first (urn:eu.europa.ec.eudi:learning:credential:1), then common ones.
_NAME_CLAIMS = ("achievement_title", "title", "name")
_DESCRIPTION_CLAIMS = ("achievement_description", "description")
_ISSUER_NAME_CLAIMS = ("issuing_authority", "issuer_name")


@dataclass(frozen=True)
class Enveloped:
    format: str  # one of FORMATS
    token: str

    def to_json(self) -> dict[str, str]:
        return {"format": self.format, "token": self.token}


def detect(text: str | bytes) -> Enveloped | None:
    """The token in `text` when it is one (checked by parsing it, so what is kept can be
    verified later); None for anything else, such as JSON."""
    if isinstance(text, bytes):
        if text.lstrip()[:3] != b"eyJ":
            return None
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            return None
    token = text.strip()
    if sd_jwt_vc.looks_like(token):
        sd_jwt_vc.parse(token)
        return Enveloped(sd_jwt_vc.FORMAT, token)
    if jose.looks_like_compact(token) and open_badges_v2.signed_assertion(token) is not None:
        return Enveloped(open_badges_v2.SIGNED_FORMAT, token)
    if vc_jwt.looks_like(token):
        vc_jwt.parse(token)
        return Enveloped(vc_jwt.FORMAT, token)
    return None


_DATA_URL_TYPES = ("application/vc+jwt", "application/vc+sd-jwt", "application/dc+sd-jwt")


def from_enveloped_credential(document: dict[str, Any]) -> Enveloped | None:
    """VCDM 2.0 section 4.13: an `EnvelopedVerifiableCredential` whose `id` is a data: URL
    holding the token (what VC-API services and presentations carry)."""
    if "EnvelopedVerifiableCredential" not in vc_data_model.as_list(document.get("type")):
        return None
    url = document.get("id")
    if not isinstance(url, str) or not url.startswith("data:"):
        return None
    media_type, comma, token = url[len("data:") :].partition(",")
    if not comma or media_type.split(";")[0] not in _DATA_URL_TYPES:
        return None
    return detect(token)


def verify(
    held: Enveloped,
    *,
    now: datetime,
    keys: jose.KeySource = jose.no_keys,
    status_lists: StatusLists | None = None,
    limits: Limits = DEFAULT_LIMITS,
    signing_keys: Callable[[str], open_badges_v2.SigningKey | None] | None = None,
) -> Report:
    """`signing_keys`: Open Badges 2.0 keys held already, by URL (a trust bundle's, or the
    backpack's fetched once); without one a signed assertion's signature says `no-key`."""
    if held.format == sd_jwt_vc.FORMAT:
        return sd_jwt_vc.verify(held.token, now=now, keys=keys, limits=limits)
    if held.format == open_badges_v2.SIGNED_FORMAT:
        url = open_badges_v2.creator(jose.parse(held.token).claims())
        key = signing_keys(url) if signing_keys is not None and url is not None else None
        return Report(open_badges_v2.signed_checks(held.token, key, now))
    return vc_jwt.verify(held.token, now=now, keys=keys, status_lists=status_lists, limits=limits)


def _first(claims: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((claims[n] for n in names if isinstance(claims.get(n), str)), None)


def view(held: Enveloped) -> dict[str, Any]:
    """A JSON object shaped like a credential, for the card index and the detail screen."""
    if held.format == vc_jwt.FORMAT:
        return vc_jwt.parse(held.token).credential
    if held.format == open_badges_v2.SIGNED_FORMAT:
        return jose.parse(held.token).claims()
    sd_jwt = sd_jwt_vc.parse(held.token)
    payload = sd_jwt.payload
    claims = sd_jwt_vc.disclosed_claims(sd_jwt)
    issued = payload.get("iat", payload.get("nbf"))
    shown: dict[str, Any] = {
        "type": ["SdJwtVc"],
        "vct": payload.get("vct"),
        "issuer": {"id": payload.get("iss"), "name": _first(claims, _ISSUER_NAME_CLAIMS)},
        "name": _first(claims, _NAME_CLAIMS) or payload.get("vct"),
        "description": _first(claims, _DESCRIPTION_CLAIMS),
        "credentialSubject": claims,
    }
    if isinstance(issued, int | float) and not isinstance(issued, bool) and 0 <= issued < 2**40:
        shown["validFrom"] = datetime.fromtimestamp(issued, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {key: value for key, value in shown.items() if value is not None}
