"""The W3C VC-API on `wallet serve`: verify and derive for anyone, issue for the operator.

  POST /credentials/verify          {verifiableCredential, options} -> 200 verified, 400 not
  POST /presentations/verify        {verifiablePresentation, options: {challenge, domain}}
  POST /credentials/derive          {verifiableCredential, options: {selectivePointers}} -> 201
  POST /issuers/{name}/credentials/issue   {credential, options} -> 201 (Bearer token)
  GET  /vc-api/manifest.json        this server in w3c/vc-test-suite-implementations' format

An issuer is one key and one suite that key's type signs with (`proofs.SUITES`), named
`{suite}-{key type}`. Issuing exists only when the operator set a token; every request is
limited per client address and by size like the rest of the server. Unusable input is a
400 naming the engine's error kind; nothing a client sends becomes a 500.

The verdict reports what VCDM 2.0 and VC Data Integrity define. Neither binds the issuer to
the signing key's controller (VC-DI 4.2 checks the verification method against its own
controller document and purpose), so the wallet's issuer binding is a warning here
(`IssuerBinding.SPECIFIED`) and stays a failure in the wallet's own verdict.
"""

from __future__ import annotations

import hmac
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wallet.server import answers, inputs
from wallet.server.inputs import Refused
from wallet.server.limits import Limits
from wallet.server.storage import RateLimited, ServerStore
from wallet.vc import (
    did_key,
    ecdsa_sd_2023,
    json_document,
    presentation,
    proofs,
    vc_data_model,
)
from wallet.vc.data_integrity import resolve_offline, split_proofs
from wallet.vc.errors import UnusableInput
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.verification import Check, Code, IssuerBinding, Severity, verify_credential

NAME = "learner-wallet"
KEY_TYPE_NAMES = {KeyType.ED25519: "Ed25519", KeyType.P256: "P-256", KeyType.P384: "P-384"}
VC_VERSIONS = ["1.1", "2.0"]
DATA_MODEL_TAG = "vc2.0"


@dataclass(frozen=True)
class Issuer:
    suite: str
    key: KeyPair

    @property
    def name(self) -> str:
        return f"{self.suite}-{KEY_TYPE_NAMES[self.key.public.key_type].lower()}"

    @property
    def did(self) -> str:
        return did_key.did_for(self.key.public)


class SameKeyType(UnusableInput):
    """Two issuer keys of one type: which would sign for that type's suites?"""

    kind = "issuer_keys"


@dataclass(frozen=True)
class VcApi:
    """What `wallet serve` was given: issuer keys, and the token that lets a caller issue
    (None: no issuing endpoints at all)."""

    keys: tuple[KeyPair, ...] = ()
    token: str | None = None

    def issuers(self) -> list[Issuer]:
        """Each key serves every suite in the registry that signs with its type."""
        types = [key.public.key_type for key in self.keys]
        if len(set(types)) != len(types):
            raise SameKeyType("give at most one issuer key of each key type")
        return [
            Issuer(suite.name, key)
            for key in self.keys
            for suite in proofs.SUITES
            if suite.sign is not None and key.public.key_type in suite.key_types
        ]


def manifest(base: str, issuers: Sequence[Issuer], issuing: bool) -> dict[str, Any]:
    """The vc-test-suite-implementations entry for this server; no token, no secret key."""
    entries = []
    for issuer in issuers if issuing else []:
        entry: dict[str, Any] = {
            "id": issuer.did,
            "endpoint": f"{base}/issuers/{issuer.name}/credentials/issue",
            "supports": {"vc": VC_VERSIONS},
            "tags": [issuer.suite],
        }
        if issuer.key.public.key_type is not KeyType.ED25519:
            entry["supportedEcdsaKeyTypes"] = [KEY_TYPE_NAMES[issuer.key.public.key_type]]
        entries.append(entry)
    if entries:
        entries[0]["tags"].append(DATA_MODEL_TAG)
    verified = [suite.name for suite in proofs.SUITES]
    found: dict[str, Any] = {
        "name": NAME,
        "implementation": "learner wallet VC-API",
        "issuers": entries,
        "verifiers": [
            {
                "id": f"{base}/verifiers",
                "endpoint": f"{base}/credentials/verify",
                "supports": {"vc": VC_VERSIONS},
                "supportedEcdsaKeyTypes": ["P-256", "P-384"],
                "tags": [*verified, DATA_MODEL_TAG],
            }
        ],
        "vpVerifiers": [
            {
                "id": f"{base}/verifiers",
                "endpoint": f"{base}/presentations/verify",
                "supports": {"vc": VC_VERSIONS},
                "tags": [*verified, DATA_MODEL_TAG],
            }
        ],
        "vcHolders": [],
    }
    if ecdsa_sd_2023.NAME in verified:
        found["vcHolders"].append(
            {
                "id": f"{base}/holders",
                "endpoint": f"{base}/credentials/derive",
                "tags": ["vcHolder", ecdsa_sd_2023.NAME],
            }
        )
    return found


def _object(body: dict[str, Any], name: str, *, required: bool = True) -> dict[str, Any]:
    value = body.get(name, None if required else {})
    if not isinstance(value, dict):
        raise Refused(400, f"bad-{name}", f"{name} must be a JSON object")
    return value


def _strings(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Refused(400, f"bad-{name}", f"{name} must be a list of JSON pointers")
    return value


def _optional_string(options: dict[str, Any], name: str) -> str | None:
    value = options.get(name)
    if value is not None and not isinstance(value, str):
        raise Refused(400, f"bad-{name}", f"{name} must be a string")
    return value


def verification_result(checks: list[Check]) -> Response:
    """VC-API's verification result: 200 when every check passed, 400 with them when not."""
    verified = all(check.ok for check in checks)
    return JSONResponse(
        {
            "verified": verified,
            "checks": [check.to_json() for check in checks],
            "warnings": [check.to_json() for check in checks if check.warning],
            "errors": [check.to_json() for check in checks if not check.ok],
        },
        status_code=200 if verified else 400,
    )


def presentation_checks(
    shown: dict[str, Any], challenge: str | None, domain: str | None, now: datetime
) -> list[Check]:
    """Structure, the holder's proofs with the caller's challenge and domain (VC-DI 2.1),
    then every credential inside as /credentials/verify judges it."""
    problems = vc_data_model.presentation_problems(shown)
    if problems:
        params = {"kind": "Verifiable Presentation", "problems": problems}
        return [Check("structure", Code.STRUCTURE_INVALID, Severity.FAILURE, params)]
    unsecured, vp_proofs = split_proofs(shown)
    signature, _ = presentation.holder_signature(unsecured, vp_proofs, resolve_offline())
    checks = [
        Check("structure", Code.STRUCTURE_OK, params={"kind": "Verifiable Presentation"}),
        signature,
        presentation.freshness(vp_proofs, challenge, domain, now),
    ]
    held = vc_data_model.as_list(unsecured.get("verifiableCredential"))
    for number, credential in enumerate(held, start=1):
        report = verify_credential(credential, now=now, issuer_binding=IssuerBinding.SPECIFIED)
        checks += [
            Check(f"credential:{number}:{c.id}", c.code, c.severity, c.params)
            for c in report.checks
        ]
    return checks


def routes(
    config: VcApi, store: ServerStore, limits: Limits, clock: Callable[[], float] = time.time
) -> list[Route]:
    issuers = {issuer.name: issuer for issuer in config.issuers()}
    token = config.token.encode() if config.token else None

    def now() -> datetime:
        return datetime.fromtimestamp(clock(), UTC)

    async def throttled(request: Request) -> None:
        where = f"vc-api:{request.client.host if request.client else ''}"
        try:
            await run_in_threadpool(store.take, [(where, limits.vc_api_rate)], clock())
        except RateLimited as slow:
            retry = {"Retry-After": str(math.ceil(slow.retry_after))}
            raise Refused(429, "slow-down", "too many requests; retry later", retry) from None

    async def json_body(request: Request) -> dict[str, Any]:
        data = await inputs.Body(request, limits.max_body_bytes, limits).read_all()

        def parse() -> dict[str, Any]:
            try:
                body = json_document.parse(data)  # RFC 8259 only: no NaN, no lone surrogates
            except UnusableInput as error:
                raise Refused(400, "bad-json", str(error)) from None
            inputs.check_json(body, limits)
            return body

        return await run_in_threadpool(parse)

    @answers.refusals
    async def verify(request: Request) -> Response:
        await throttled(request)
        body = await json_body(request)
        credential = _object(body, "verifiableCredential")
        _object(body, "options", required=False)
        report = await run_in_threadpool(
            lambda: verify_credential(credential, now=now(), issuer_binding=IssuerBinding.SPECIFIED)
        )
        return verification_result(report.checks)

    @answers.refusals
    async def verify_presentation(request: Request) -> Response:
        await throttled(request)
        body = await json_body(request)
        shown = _object(body, "verifiablePresentation")
        options = _object(body, "options", required=False)
        challenge = _optional_string(options, "challenge")
        domain = _optional_string(options, "domain")
        return verification_result(
            await run_in_threadpool(presentation_checks, shown, challenge, domain, now())
        )

    @answers.refusals
    async def derive(request: Request) -> Response:
        await throttled(request)
        body = await json_body(request)
        credential = _object(body, "verifiableCredential")
        options = _object(body, "options", required=False)
        pointers = _strings(options.get("selectivePointers"), "selectivePointers") or []
        derived = await run_in_threadpool(ecdsa_sd_2023.derive, credential, pointers)
        return JSONResponse({"verifiableCredential": derived}, status_code=201)

    @answers.refusals
    async def issue(request: Request) -> Response:
        await throttled(request)
        scheme, _, offered = request.headers.get("authorization", "").partition(" ")
        if (
            token is None
            or scheme.lower() != "bearer"
            or not hmac.compare_digest(offered.strip().encode(), token)
        ):
            raise Refused(401, "unauthorized", "issuing needs the operator's bearer token")
        issuer = issuers.get(request.path_params["name"])
        if issuer is None:
            raise Refused(404, "no-issuer", "no issuer by that name; see /vc-api/manifest.json")
        body = await json_body(request)
        credential = _object(body, "credential")
        options = _object(body, "options", required=False)
        mandatory = _strings(options.get("mandatoryPointers"), "mandatoryPointers")
        if vc_data_model.issuer_id(credential) != issuer.did:
            raise Refused(400, "other-issuer", f"this issuer signs as {issuer.did}")
        signed = await run_in_threadpool(
            lambda: proofs.sign(credential, issuer.key, issuer.suite, mandatory_pointers=mandatory)
        )
        return JSONResponse({"verifiableCredential": signed}, status_code=201)

    @answers.refusals
    async def described(request: Request) -> Response:
        await throttled(request)
        base = str(request.base_url).rstrip("/")
        return JSONResponse(manifest(base, list(issuers.values()), token is not None))

    found = [
        Route("/credentials/verify", verify, methods=["POST"]),
        Route("/presentations/verify", verify_presentation, methods=["POST"]),
        Route("/credentials/derive", derive, methods=["POST"]),
        Route("/vc-api/manifest.json", described, methods=["GET"]),
    ]
    if token is not None:
        found.append(Route("/issuers/{name}/credentials/issue", issue, methods=["POST"]))
    return found
