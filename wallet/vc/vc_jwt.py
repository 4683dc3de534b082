"""Credentials secured as a JWT: VC-JOSE-COSE `vc+jwt` (the payload *is* the credential) and
Open Badges 3.0's JSON Web Token proof format, which is VCDM 1.1's JWT encoding (the
credential in a `vc` claim beside `iss`, `jti`, `sub`, `nbf`, `exp`).

Verification gives the same `Report` as a Data Integrity credential: structure, validity
and status come from `verification.data_model_checks`; this module adds the signature, the
JWT claims against the credential, and whether the signing key belongs to the issuer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wallet.vc import budget, jose, jwt_keys, vc_data_model
from wallet.vc.data_integrity import parse_datetime
from wallet.vc.jose import JoseError, Jws, KeySource, Signer
from wallet.vc.rdfc import DEFAULT_LIMITS, Limits
from wallet.vc.verification import Check, Report, Severity, StatusLists, data_model_checks

FORMAT = "vc+jwt"
VC_JOSE_TYPES = {"vc+jwt", "vc+ld+jwt"}  # vc+ld+jwt: the 2023 drafts of VC-JOSE-COSE
OB3_TYPES = {"JWT"}  # OB 3.0 section 8.2.1: typ, if present, MUST be "JWT"

# Each check's words, by code: the one place they are made (the catalogs take the codes).
# Each finding's catalog code (`reason.<code>`); the sentences live in the shells' catalogs.
_CODES = {
    "claims-ok": "claims.agree",
    "claims-mismatch": "claims.disagree",
    "claims-not-yet": "claims.not-yet",
    "claims-expired": "claims.expired",
}

# JWT claim -> the credential property it stands for (VCDM 1.1 section 6.3.1, OB 3.0 8.2.3)
_CLAIM_FIELDS = {"iss": "issuer", "jti": "id", "sub": "credentialSubject.id"}


def _check(check_id: str, ok: bool, code: str, **params: Any) -> Check:
    return Check(check_id, _CODES[code], Severity.OK if ok else Severity.FAILURE, params)


@dataclass(frozen=True)
class VcJwt:
    token: str
    jws: Jws
    claims: dict[str, Any]
    credential: dict[str, Any]  # with the claims VCDM 1.1 lets the `vc` claim leave out
    problems: list[str]  # claims that contradict the credential


def looks_like(text: str) -> bool:
    return jose.looks_like_compact(text)


def _numeric_date(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise JoseError("header-malformed", member=name)
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise JoseError("header-malformed", member=name) from None


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(token: str) -> VcJwt:
    """Either envelope. Raises `JoseError` for a token that is not a credential at all."""
    jws = jose.parse(token.strip())
    claims = jws.claims()
    typ = jws.header.get("typ")
    if "vc" in claims and typ not in VC_JOSE_TYPES:
        credential, problems = _from_vc_claim(claims)
        if typ is not None and typ not in OB3_TYPES:
            problems.append(f"typ is {typ!r}, not JWT")
    elif typ in VC_JOSE_TYPES or "@context" in claims:
        credential, problems = dict(claims), _envelope_problems(claims)
    else:
        raise JoseError("json-malformed", part="payload (no credential in it)")
    if not isinstance(credential, dict):
        raise JoseError("json-malformed", part="vc claim")
    return VcJwt(token.strip(), jws, claims, credential, problems)


def _from_vc_claim(claims: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """OB 3.0 8.2.6 / VCDM 1.1 6.3.1: each claim must equal the property it stands for; a
    property the `vc` claim leaves out is taken from the claim."""
    vc = claims["vc"]
    if not isinstance(vc, dict):
        raise JoseError("json-malformed", part="vc claim")
    credential = dict(vc)
    problems: list[str] = []
    subject = credential.get("credentialSubject")
    for claim, field in _CLAIM_FIELDS.items():
        value = claims.get(claim)
        if value is None:
            continue
        if field == "issuer":
            held = vc_data_model.issuer_id(credential)
            if "issuer" not in credential:
                credential["issuer"] = value
                held = value
        elif field == "id":
            held = credential.setdefault("id", value)
        elif isinstance(subject, dict):
            subject = credential["credentialSubject"] = dict(subject)
            held = subject.setdefault("id", value)
        else:
            continue
        if held != value:
            problems.append(f"{claim} is not {field}")
    start_field, end_field = vc_data_model.validity_fields(credential)
    for claim, field in (("nbf", start_field), ("exp", end_field)):
        moment = _numeric_date(claims.get(claim), claim)
        if moment is None:
            continue
        if field not in credential:
            credential[field] = _iso(moment)
            continue
        held_moment = parse_datetime(credential[field])
        if held_moment is None or int(held_moment.timestamp()) != int(moment.timestamp()):
            problems.append(f"{claim} is not {field}")
    return credential, problems


def _envelope_problems(credential: dict[str, Any]) -> list[str]:
    """VC-JOSE-COSE 3.1.2: JWT claims beside the credential must not contradict it."""
    problems = []
    if "iss" in credential and credential["iss"] != vc_data_model.issuer_id(credential):
        problems.append("iss is not issuer")
    subject = credential.get("credentialSubject")
    if "sub" in credential and isinstance(subject, dict) and credential["sub"] != subject.get("id"):
        problems.append("sub is not credentialSubject.id")
    if "jti" in credential and credential["jti"] != credential.get("id"):
        problems.append("jti is not id")
    return problems


def verify(
    token: str | VcJwt,
    *,
    now: datetime,
    keys: KeySource = jose.no_keys,
    status_lists: StatusLists | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Report:
    with budget.time_budget(limits.max_seconds):
        parsed = token if isinstance(token, VcJwt) else parse(token)
        credential = parsed.credential
        issuer = vc_data_model.issuer_id(credential)
        signature, issuer_check = jwt_keys.signer_checks(parsed.jws, issuer, keys)
        structure, validity, status = data_model_checks(
            credential, now=now, status_lists=status_lists, limits=limits
        )
        return Report(
            [
                structure,
                signature,
                _claims_check(parsed, now),
                issuer_check,
                validity,
                status,
            ]
        )


def _claims_check(parsed: VcJwt, now: datetime) -> Check:
    if parsed.problems:
        return _check("claims", False, "claims-mismatch", problems=list(parsed.problems))
    not_before = _numeric_date(parsed.claims.get("nbf"), "nbf")
    expires = _numeric_date(parsed.claims.get("exp"), "exp")
    if not_before is not None and now < not_before:
        return _check("claims", False, "claims-not-yet", when=not_before.isoformat())
    if expires is not None and now > expires:
        return _check("claims", False, "claims-expired", when=expires.isoformat())
    return _check("claims", True, "claims-ok")


def sign_vc_jose(credential: dict[str, Any], signer: Signer, kid: str) -> str:
    """VC-JOSE-COSE section 3.1.1: the credential as the payload, typ `vc+jwt`, cty `vc`."""
    return jose.sign({"kid": kid, "typ": "vc+jwt", "cty": "vc"}, credential, signer)


def sign_ob3(
    credential: dict[str, Any],
    signer: Signer,
    *,
    kid: str | None = None,
    jwk: dict[str, str] | None = None,
) -> str:
    """OB 3.0 section 8.2: the credential in `vc`, mapped to `iss`, `jti`, `sub`, `nbf`, `exp`."""
    claims: dict[str, Any] = {"vc": credential, "iss": vc_data_model.issuer_id(credential)}
    if "id" in credential:
        claims["jti"] = credential["id"]
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and "id" in subject:
        claims["sub"] = subject["id"]
    start_field, end_field = vc_data_model.validity_fields(credential)
    for claim, field in (("nbf", start_field), ("exp", end_field)):
        moment = parse_datetime(credential.get(field))
        if moment is not None:
            claims[claim] = int(moment.timestamp())
    header: dict[str, Any] = {"typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    if jwk is not None:
        header["jwk"] = jwk
    return jose.sign(header, claims, signer)
