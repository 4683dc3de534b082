"""SD-JWT VC: an issuer-signed JWT whose claims are hidden behind salted digests, followed by
the disclosures the holder chose to show and, when presented, a key-binding JWT.

Specs: RFC 9901 (SD-JWT; section numbers below), draft-ietf-oauth-sd-jwt-vc (SD-JWT VC).
Form: `<issuer-jwt>~<disclosure>~...~<kb-jwt or nothing>`. A disclosure is base64url of
`[salt, name, value]` (an object property) or `[salt, value]` (an array element); its
digest is base64url(SHA-256(ASCII(disclosure))) and sits in an `_sd` array or a `{"...":
digest}` array element. Digests with no disclosure are decoys, or claims not shown.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from wallet.vc import budget, jose, jwt_keys
from wallet.vc.jose import JoseError, Jws, KeySource, Signer
from wallet.vc.jwk import Jwk, JwkError, b64url_decode_strict
from wallet.vc.multibase import b64url_encode
from wallet.vc.rdfc import DEFAULT_LIMITS, Limits
from wallet.vc.verification import Check, Report, Severity

FORMAT = "dc+sd-jwt"
TYPES = {"dc+sd-jwt", "vc+sd-jwt"}  # vc+sd-jwt: drafts before -06 of SD-JWT VC
KB_TYPE = "kb+jwt"
SD_ALG = "sha-256"
MAX_DISCLOSURES = 1_000
KB_MAX_AGE = timedelta(minutes=5)  # as our own one-way presentations
CLOCK_SKEW = timedelta(minutes=5)
# SD-JWT VC section 3.2.2: never selectively disclosed, since a verifier needs them to judge
NEVER_DISCLOSED = {"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"}
_ENVELOPE_CLAIMS = {"iss", "nbf", "exp", "iat", "cnf", "vct", "vct#integrity", "status", "sub"}

# Each check's and error's words, by code: the one place they are made.
_MESSAGES = {
    "not-sd-jwt": "not an SD-JWT: expected <jwt>~<disclosure>~...~",
    "too-many": "more than {limit:,} disclosures",
    "disclosure-malformed": "a disclosure is not a base64url JSON array of 2 or 3 elements",
    "no-holder-key": "the credential binds no holder key (cnf.jwk), so there is nothing to sign with",
}


class SdJwtError(JoseError):
    """An SD-JWT we cannot read at all."""

    def __init__(self, code: str, **params: Any) -> None:
        Exception.__init__(self, _MESSAGES[code].format(**params))
        self.code = code
        self.params = params


# Each check's catalog code (`reason.<code>`); the sentences live in the shells' catalogs.
_CODES = {
    "structure-ok": "sd-jwt.structure-ok",
    "structure-bad": "sd-jwt.structure-bad",
    "disclosures-ok": "disclosures.match",
    "disclosures-bad": "disclosures.mismatch",
    "validity-ok": "validity.until",
    "validity-open": "validity.no-expiry",
    "validity-not-yet": "validity.not-yet",
    "validity-expired": "validity.expired",
    "status-none": "status.none",
    "status-unchecked": "status.unreadable",
    "binding-none": "holder.unbound",
    "binding-held": "holder.key-no-proof",
    "binding-missing": "holder.no-key-binding",
    "binding-ok": "holder.key-binding-valid",
    "binding-bad": "holder.key-binding-invalid",
}


def _check(check_id: str, ok: bool, code: str, warning: bool = False, **params: Any) -> Check:
    severity = Severity.FAILURE if not ok else Severity.WARNING if warning else Severity.OK
    return Check(check_id, _CODES[code], severity, params)


def digest_of(disclosure: str) -> str:
    return b64url_encode(hashlib.sha256(disclosure.encode("ascii")).digest())


@dataclass(frozen=True)
class Disclosure:
    raw: str
    salt: str
    name: str | None  # None: an array element
    value: Any

    @property
    def digest(self) -> str:
        return digest_of(self.raw)

    @classmethod
    def parse(cls, raw: str) -> Disclosure:
        try:
            text = b64url_decode_strict(raw).decode("utf-8")
            items = json.loads(text, parse_constant=jose._refuse_constant)
        except (JwkError, UnicodeError, ValueError, RecursionError):
            raise SdJwtError("disclosure-malformed") from None
        if not isinstance(items, list) or len(items) not in (2, 3):
            raise SdJwtError("disclosure-malformed")
        jose.check_depth(items, "disclosure")
        if not isinstance(items[0], str) or (len(items) == 3 and not isinstance(items[1], str)):
            raise SdJwtError("disclosure-malformed")
        if len(items) == 3:
            return cls(raw, items[0], items[1], items[2])
        return cls(raw, items[0], None, items[1])

    @classmethod
    def make(cls, name: str | None, value: Any) -> Disclosure:
        salt = b64url_encode(secrets.token_bytes(16))  # section 4.2.1: 128 bits
        items = [salt, value] if name is None else [salt, name, value]
        raw = b64url_encode(json.dumps(items, ensure_ascii=False).encode("utf-8"))
        return cls(raw, salt, name, value)


@dataclass(frozen=True)
class SdJwt:
    issuer_jwt: str
    jws: Jws
    disclosures: list[Disclosure]
    kb_jwt: str  # "" when none

    @property
    def payload(self) -> dict[str, Any]:
        return self.jws.claims()

    def without_key_binding(self) -> str:
        """What the KB-JWT's `sd_hash` covers (section 4.3.1): every part, then a final `~`."""
        return "~".join([self.issuer_jwt, *(d.raw for d in self.disclosures), ""])

    def serialize(self) -> str:
        return self.without_key_binding() + self.kb_jwt


def looks_like(text: str) -> bool:
    head, sep, _ = text.strip().partition("~")
    return bool(sep) and jose.looks_like_compact(head)


def parse(text: str, *, max_bytes: int = jose.MAX_TOKEN_BYTES) -> SdJwt:
    text = text.strip()
    if len(text) > max_bytes:
        raise jose.JoseTooLarge("too-large", size=len(text), limit=max_bytes)
    parts = text.split("~")
    if len(parts) < 2:
        raise SdJwtError("not-sd-jwt")
    if len(parts) - 2 > MAX_DISCLOSURES:
        raise SdJwtError("too-many", limit=MAX_DISCLOSURES)
    issuer_jwt, *middle, kb_jwt = parts
    jws = jose.parse(issuer_jwt)
    disclosures = [Disclosure.parse(raw) for raw in middle]
    if kb_jwt:
        jose.parse(kb_jwt)  # malformed key binding is unusable, a wrong one a failed check
    return SdJwt(issuer_jwt, jws, disclosures, kb_jwt)


@dataclass(frozen=True)
class Processed:
    claims: dict[str, Any]  # what the holder shows: digests replaced, `_sd` and decoys gone
    paths: dict[str, str]  # disclosure digest -> JSON pointer of the claim it reveals
    problems: list[str]


class _Unpacker:
    """Section 7.1 step 3-4: replace each digest by its disclosure, recursively, refusing a
    digest seen twice, a disclosure used twice or never, and names that collide."""

    def __init__(self, disclosures: list[Disclosure]) -> None:
        self.by_digest: dict[str, Disclosure] = {}
        self.problems: list[str] = []
        for disclosure in disclosures:
            if disclosure.digest in self.by_digest:
                self.problems.append("a disclosure is given twice")
            self.by_digest[disclosure.digest] = disclosure
        self.seen: set[str] = set()
        self.paths: dict[str, str] = {}

    def _use(self, digest: Any) -> Disclosure | None:
        if not isinstance(digest, str):
            self.problems.append("a digest is not a string")
            return None
        if digest in self.seen:
            self.problems.append("a digest appears twice")
            return None
        self.seen.add(digest)
        return self.by_digest.get(digest)  # None: a decoy, or a claim not disclosed

    def unpack(self, value: Any, path: str) -> Any:
        budget.check()
        if path.count("/") > 2 * jose.MAX_DEPTH:  # disclosures nested inside disclosures
            self.problems.append("the claims are nested too deeply")
            return None
        if isinstance(value, list):
            return self._unpack_list(value, path)
        if isinstance(value, dict):
            return self._unpack_object(value, path)
        return value

    def _unpack_list(self, value: list[Any], path: str) -> list[Any]:
        result: list[Any] = []
        for element in value:
            if isinstance(element, dict) and "..." in element:
                if len(element) != 1:
                    self.problems.append("an array digest object holds other members")
                    continue
                disclosure = self._use(element["..."])
                if disclosure is None:
                    continue
                if disclosure.name is not None:
                    self.problems.append(
                        "an object-property disclosure is used as an array element"
                    )
                    continue
                self.paths[disclosure.digest] = f"{path}/{len(result)}"
                result.append(self.unpack(disclosure.value, f"{path}/{len(result)}"))
            else:
                result.append(self.unpack(element, f"{path}/{len(result)}"))
        return result

    def _unpack_object(self, value: dict[str, Any], path: str) -> dict[str, Any]:
        result = {
            key: self.unpack(child, f"{path}/{_escape(key)}")
            for key, child in value.items()
            if key not in ("_sd", "_sd_alg")
        }
        digests = value.get("_sd", [])
        if not isinstance(digests, list):
            self.problems.append("_sd is not an array")
            return result
        for digest in digests:
            disclosure = self._use(digest)
            if disclosure is None:
                continue
            name = disclosure.name
            if name is None:
                self.problems.append("an array-element disclosure is used as a property")
            elif name in ("_sd", "...") or name in result:
                self.problems.append(f"the disclosed claim {name!r} clashes with another")
            else:
                child_path = f"{path}/{_escape(name)}"
                self.paths[disclosure.digest] = child_path
                result[name] = self.unpack(disclosure.value, child_path)
        return result


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")  # RFC 6901


def process(sd_jwt: SdJwt) -> Processed:
    payload = sd_jwt.payload
    unpacker = _Unpacker(sd_jwt.disclosures)
    if payload.get("_sd_alg", SD_ALG) != SD_ALG:
        unpacker.problems.append(f"unsupported digest algorithm {payload.get('_sd_alg')!r}")
    claims = unpacker.unpack(payload, "")
    unused = [d for d in sd_jwt.disclosures if d.digest not in unpacker.paths]
    if unused:  # section 7.1 step 5: a disclosure the issuer never signed a digest for
        unpacker.problems.append(f"{len(unused)} disclosures match no digest the issuer signed")
    for name in NEVER_DISCLOSED:
        if f"/{name}" in unpacker.paths.values():
            unpacker.problems.append(f"{name} must not be selectively disclosed")
    return Processed(claims, unpacker.paths, unpacker.problems)


def holder_jwk(payload: dict[str, Any]) -> Jwk | None:
    """The holder's key the issuer bound the credential to (`cnf.jwk`, RFC 7800)."""
    confirmation = payload.get("cnf")
    if not isinstance(confirmation, dict) or "jwk" not in confirmation:
        return None
    return Jwk.from_jwk(confirmation["jwk"])


def verify(
    token: str | SdJwt,
    *,
    now: datetime,
    keys: KeySource = jose.no_keys,
    require_key_binding: bool = False,
    nonce: str | None = None,
    audience: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Report:
    """Every check of an SD-JWT VC, as a `Report`. A verifier of a presentation passes
    `require_key_binding` with its nonce and audience; a held copy has no KB-JWT."""
    with budget.time_budget(limits.max_seconds):
        sd_jwt = token if isinstance(token, SdJwt) else parse(token)
        payload = sd_jwt.payload
        processed = process(sd_jwt)
        issuer = payload.get("iss") if isinstance(payload.get("iss"), str) else None
        signature, issuer_check = jwt_keys.signer_checks(sd_jwt.jws, issuer, keys)
        return Report(
            [
                _structure_check(sd_jwt.jws, payload),
                signature,
                _disclosures_check(processed),
                issuer_check,
                _validity_check(payload, now),
                _status_check(payload),
                _binding_check(sd_jwt, payload, now, require_key_binding, nonce, audience),
            ]
        )


def _structure_check(jws: Jws, payload: dict[str, Any]) -> Check:
    problems = []
    if jws.header.get("typ") not in TYPES:
        problems.append(f"typ must be {FORMAT}")
    if not isinstance(payload.get("vct"), str) or not payload.get("vct"):
        problems.append("vct must be a string")
    if not isinstance(payload.get("iss"), str):
        problems.append("iss must be a string")
    for claim in ("nbf", "exp", "iat"):
        if claim in payload and not _is_time(payload[claim]):
            problems.append(f"{claim} must be a NumericDate")
    if problems:
        return _check("structure", False, "structure-bad", problems=list(problems))
    return _check("structure", True, "structure-ok", vct=payload["vct"])


def _is_time(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 2**40


def _time(payload: dict[str, Any], claim: str) -> datetime | None:
    value = payload.get(claim)
    if not _is_time(value) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, UTC)


def _disclosures_check(processed: Processed) -> Check:
    if processed.problems:
        problems = list(dict.fromkeys(processed.problems))
        return _check("disclosures", False, "disclosures-bad", problems=problems)
    return _check("disclosures", True, "disclosures-ok", count=len(processed.paths))


def _validity_check(payload: dict[str, Any], now: datetime) -> Check:
    start, end = _time(payload, "nbf"), _time(payload, "exp")
    if start is not None and now < start:
        return _check("validity", False, "validity-not-yet", start=start.isoformat())
    if end is not None and now > end:
        return _check("validity", False, "validity-expired", end=end.isoformat())
    if end is not None:
        return _check("validity", True, "validity-ok", end=end.isoformat())
    return _check("validity", True, "validity-open")


def _status_check(payload: dict[str, Any]) -> Check:
    if "status" not in payload:
        return _check("status", True, "status-none")
    # IETF Token Status List: not read yet; said as a warning, never a refusal
    return _check("status", True, "status-unchecked", warning=True)


def _binding_check(
    sd_jwt: SdJwt,
    payload: dict[str, Any],
    now: datetime,
    required: bool,
    nonce: str | None,
    audience: str | None,
) -> Check:
    try:
        bound = holder_jwk(payload)
    except JwkError as error:
        return _check("holder", False, "binding-bad", problem=str(error))
    if not sd_jwt.kb_jwt:
        if required:
            return _check("holder", False, "binding-missing")
        if bound is None:
            return _check("holder", True, "binding-none", warning=True)
        return _check("holder", True, "binding-held")
    problem = _key_binding_problem(sd_jwt, bound, now, nonce, audience)
    if problem:
        return _check("holder", False, "binding-bad", problem=problem)
    return _check("holder", True, "binding-ok")


def _key_binding_problem(
    sd_jwt: SdJwt, bound: Jwk | None, now: datetime, nonce: str | None, audience: str | None
) -> str | None:
    """Section 7.3: typ kb+jwt, signed by the cnf key, sd_hash over the rest, iat recent,
    and the verifier's nonce and audience."""
    if bound is None:
        return "the credential binds no holder key"
    kb = jose.parse(sd_jwt.kb_jwt)
    if kb.header.get("typ") != KB_TYPE:
        return f"typ must be {KB_TYPE}"
    if not kb.verified_by(bound):
        return "not signed by the holder key"
    claims = kb.claims()
    if claims.get("sd_hash") != digest_of(sd_jwt.without_key_binding()):
        return "sd_hash does not cover these disclosures"
    issued = _time(claims, "iat")
    if issued is None:
        return "iat is missing"
    if issued > now + CLOCK_SKEW or issued < now - KB_MAX_AGE:
        return "iat is not recent"
    if nonce is not None and claims.get("nonce") != nonce:
        return "the nonce is not the verifier's"
    if audience is not None and claims.get("aud") != audience:
        return "the audience is not this verifier"
    return None


def disclosed_claims(token: str | SdJwt) -> dict[str, Any]:
    """What a card and a detail screen show: the claims the disclosures reveal, without the
    envelope's own claims (iss, cnf, vct...)."""
    sd_jwt = token if isinstance(token, SdJwt) else parse(token)
    claims = process(sd_jwt).claims
    return {k: v for k, v in claims.items() if k not in _ENVELOPE_CLAIMS}


def present(
    token: str | SdJwt,
    reveal: list[str],
    holder: Signer,
    *,
    now: datetime,
    nonce: str,
    audience: str,
) -> str:
    """The issued SD-JWT with only the disclosures `reveal` (JSON pointers into the
    disclosed claims) needs, each with the ones it sits inside, and a KB-JWT (section 4.3)."""
    sd_jwt = token if isinstance(token, SdJwt) else parse(token)
    if holder_jwk(sd_jwt.payload) is None:
        raise SdJwtError("no-holder-key")
    paths = process(sd_jwt).paths
    wanted = [pointer.rstrip("/") for pointer in reveal]

    def needed(path: str) -> bool:
        return any(
            w == path or w.startswith(path + "/") or path.startswith(w + "/") for w in wanted
        )

    chosen = [d for d in sd_jwt.disclosures if needed(paths.get(d.digest, "\0"))]
    shown = SdJwt(sd_jwt.issuer_jwt, sd_jwt.jws, chosen, "")
    kb_claims = {
        "iat": int(now.timestamp()),
        "aud": audience,
        "nonce": nonce,
        "sd_hash": digest_of(shown.without_key_binding()),
    }
    kb_jwt = jose.sign({"typ": KB_TYPE}, kb_claims, holder)
    return shown.without_key_binding() + kb_jwt


def issue(
    claims: dict[str, Any],
    signer: Signer,
    *,
    disclosable: list[str],
    kid: str | None = None,
    holder: Jwk | None = None,
    decoys: int = 0,
    typ: str = FORMAT,
) -> str:
    """An SD-JWT VC whose claims at the JSON pointers `disclosable` are hidden behind
    digests (a pointer inside another makes a recursive disclosure), with `decoys` digests
    that disclose nothing (section 4.2.5), bound to `holder` when given."""
    made: list[Disclosure] = []
    hidden = set(disclosable)

    def build(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            digests = []
            for key, child in value.items():
                child_path = f"{path}/{_escape(key)}"
                built = build(child, child_path)
                if child_path in hidden:
                    disclosure = Disclosure.make(key, built)
                    made.append(disclosure)
                    digests.append(disclosure.digest)
                else:
                    out[key] = built
            if digests:
                out["_sd"] = sorted(digests)
            return out
        if isinstance(value, list):
            items = []
            for index, child in enumerate(value):
                built = build(child, f"{path}/{index}")
                if f"{path}/{index}" in hidden:
                    disclosure = Disclosure.make(None, built)
                    made.append(disclosure)
                    items.append({"...": disclosure.digest})
                else:
                    items.append(built)
            return items
        return value

    payload = build(claims, "")
    decoy_digests = [b64url_encode(secrets.token_bytes(32)) for _ in range(decoys)]
    if decoy_digests or payload.get("_sd"):
        payload["_sd"] = sorted([*payload.get("_sd", []), *decoy_digests])  # order hides nothing
    payload["_sd_alg"] = SD_ALG
    if holder is not None:
        payload["cnf"] = {"jwk": holder.to_jwk()}
    header: dict[str, Any] = {"typ": typ}
    if kid is not None:
        header["kid"] = kid
    issuer_jwt = jose.sign(header, payload, signer)
    return "~".join([issuer_jwt, *(d.raw for d in made), ""])
