"""The W3C VC-API on `wallet serve` (wallet/server/vc_api.py), over HTTP on 127.0.0.1:
issue with the operator's token (401 without it), verify credentials and presentations
(200 with the checks when verified, 400 with them when not), derive ecdsa-sd-2023
disclosures, the manifest the W3C suites read, and the limits every endpoint shares."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support import ENGLISH, VcApiProcess, in_thread, send, wallet
from wallet.server.app import create_app
from wallet.server.limits import DEFAULT, Rate
from wallet.server.storage import ServerStore
from wallet.server.vc_api import VcApi
from wallet.ui.i18n import LANGUAGES, Catalog
from wallet.vc import did_key, eddsa_rdfc_2022, presentation, proofs
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.vc_data_model import PRESENTATION_TYPE as VP
from wallet.vc.vc_data_model import Rule
from wallet.vc.verification import Check, Code, Severity, verify_credential

TOKEN = "a-token-only-the-operator-knows"
KEYS = {t: KeyPair.generate(t) for t in (KeyType.ED25519, KeyType.P256, KeyType.P384)}
HOLDER = KeyPair.generate(KeyType.ED25519)
UNLIMITED = replace(DEFAULT, vc_api_rate=Rate(1e9, 1e9))


def credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:5e0a6a52-8b8e-4f0c-9d55-0c3a1a2b3c4d",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": did_key.did_for(HOLDER.public),
            "name": "Zanele Okonkwo-Marsh",
        },
    }


@dataclass
class Api:
    port: int

    def call(
        self, target: str, body: Any = None, *, token: str | None = None, raw: bytes | None = None
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else json.dumps(body).encode()
        return send(self.port, "POST", target, data, headers)

    def issue(self, name: str, document: dict[str, Any], **options: Any) -> dict[str, Any]:
        status, answer = self.call(
            f"/issuers/{name}/credentials/issue",
            {"credential": document, "options": options},
            token=TOKEN,
        )
        assert status == 201, answer
        return answer["verifiableCredential"]

    def verify(self, document: dict[str, Any]) -> tuple[int, Any]:
        return self.call("/credentials/verify", {"verifiableCredential": document})


def serving(tmp: Path, vc: VcApi, limits: Any = UNLIMITED) -> Any:
    return in_thread(create_app(ServerStore(f"sqlite:///{tmp / 's.db'}"), limits=limits, vc=vc))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with serving(tmp_path_factory.mktemp("vcapi"), VcApi(tuple(KEYS.values()), TOKEN)) as port:
        yield Api(port)


ISSUERS = [
    ("eddsa-rdfc-2022-ed25519", KeyType.ED25519),
    ("eddsa-jcs-2022-ed25519", KeyType.ED25519),
    ("ecdsa-rdfc-2019-p-256", KeyType.P256),
    ("ecdsa-sd-2023-p-256", KeyType.P256),
    ("ecdsa-rdfc-2019-p-384", KeyType.P384),
]


@pytest.mark.parametrize(("name", "key_type"), ISSUERS)
def test_each_issuer_signs_and_the_verifier_answers_200_with_the_checks(
    api: Api, name: str, key_type: KeyType
) -> None:
    issuer = did_key.did_for(KEYS[key_type].public)
    signed = api.issue(name, credential(issuer))
    assert signed["proof"]["cryptosuite"] == name.rsplit("-", 2 if "p-" in name else 1)[0]
    status, answer = api.verify(signed)
    assert status == 200, answer
    assert answer["verified"] is True and answer["errors"] == []
    assert {c["id"] for c in answer["checks"]} >= {"structure", "signature", "validity"}


def test_a_tampered_credential_gets_400_with_the_failed_check(api: Api) -> None:
    signed = api.issue(
        "eddsa-rdfc-2022-ed25519", credential(did_key.did_for(KEYS[KeyType.ED25519].public))
    )
    signed["credentialSubject"]["name"] = "Someone Else"
    status, answer = api.verify(signed)
    assert status == 400
    assert answer["verified"] is False
    assert "signature" in [c["id"] for c in answer["errors"]]


def test_issuing_without_the_token_is_401(api: Api) -> None:
    issuer = did_key.did_for(KEYS[KeyType.ED25519].public)
    body = {"credential": credential(issuer)}
    for token in (None, "", "a-token-only-the-operator-know", TOKEN + "x"):
        status, answer = api.call(
            "/issuers/eddsa-rdfc-2022-ed25519/credentials/issue", body, token=token
        )
        assert status == 401, token
        assert answer["error"] == "unauthorized"


def test_no_token_set_means_no_issuing_endpoint(tmp_path: Path) -> None:
    with serving(tmp_path, VcApi(tuple(KEYS.values()), None)) as port:
        api = Api(port)
        issuer = did_key.did_for(KEYS[KeyType.ED25519].public)
        status, _ = api.call(
            "/issuers/eddsa-rdfc-2022-ed25519/credentials/issue",
            {"credential": credential(issuer)},
            token=TOKEN,
        )
        assert status == 404
        status, manifest = send(port, "GET", "/vc-api/manifest.json")
        assert status == 200 and manifest["issuers"] == []


@pytest.mark.parametrize(
    "named", ["did:example:someone-else", None, {"id": None}, {"name": "no id"}, 7, "MISSING"]
)
def test_an_issuer_signs_only_as_itself(api: Api, named: Any) -> None:
    """VCDM 2.0 4.7 (the suite sends a null issuer to be refused): never filled in."""
    document = credential("")
    if named == "MISSING":
        del document["issuer"]
    else:
        document["issuer"] = named
    status, answer = api.call(
        "/issuers/eddsa-rdfc-2022-ed25519/credentials/issue", {"credential": document}, token=TOKEN
    )
    assert (status, answer["error"]) == (400, "other-issuer")


def test_derive_reveals_the_selected_claims_and_the_disclosure_verifies(api: Api) -> None:
    issuer = did_key.did_for(KEYS[KeyType.P256].public)
    signed = api.issue("ecdsa-sd-2023-p-256", credential(issuer), mandatoryPointers=["/issuer"])
    status, answer = api.call(
        "/credentials/derive",
        {
            "verifiableCredential": signed,
            "options": {"selectivePointers": ["/credentialSubject/id"]},
        },
    )
    assert status == 201, answer
    derived = answer["verifiableCredential"]
    assert "name" not in derived["credentialSubject"]
    status, verdict = api.verify(derived)
    assert status == 200, verdict


def test_a_presentation_verifies_with_its_challenge_and_domain_and_not_with_another(
    api: Api,
) -> None:
    issuer = did_key.did_for(KEYS[KeyType.ED25519].public)
    signed = api.issue("eddsa-rdfc-2022-ed25519", credential(issuer))
    shown = presentation.sign(
        [signed], [HOLDER], now=datetime.now(UTC), challenge="c-123", domain="example.org"
    )
    body = {
        "verifiablePresentation": shown,
        "options": {"challenge": "c-123", "domain": "example.org"},
    }
    status, answer = api.call("/presentations/verify", body)
    assert status == 200, answer
    assert {"holder-signature", "challenge", "credential:1:signature"} <= {
        c["id"] for c in answer["checks"]
    }
    body["options"]["challenge"] = "c-456"
    status, answer = api.call("/presentations/verify", body)
    assert status == 400
    assert [c["id"] for c in answer["errors"]] == ["challenge"]


def test_issuer_binding_is_a_warning_here_and_a_failure_in_the_wallet(api: Api) -> None:
    """VCDM 2.0 and VC-DI do not bind the issuer to the signing key's controller; the
    wallet does. The VC-API reports what the specs define."""
    other = proofs.sign(
        credential("did:example:an-unrelated-issuer"), KEYS[KeyType.ED25519], "eddsa-rdfc-2022"
    )
    status, answer = api.verify(other)
    assert status == 200, answer
    assert [c["code"] for c in answer["warnings"]] == ["issuer.other-signer"]
    assert not verify_credential(other, now=datetime.now(UTC)).verified


def test_the_manifest_describes_every_suite_and_no_secret(api: Api) -> None:
    status, manifest = send(api.port, "GET", "/vc-api/manifest.json")
    assert status == 200
    text = json.dumps(manifest)
    assert TOKEN not in text
    for key in KEYS.values():
        assert key.secret_multikey() not in text
    tags = [tuple(i["tags"]) for i in manifest["issuers"]]
    assert tags[0] == ("eddsa-rdfc-2022", "vc2.0")
    signing = {s.name for s in proofs.SUITES if s.sign}
    assert {t[0] for t in tags} == signing
    ecdsa_types = {
        (i["tags"][0], i["supportedEcdsaKeyTypes"][0])
        for i in manifest["issuers"]
        if "supportedEcdsaKeyTypes" in i
    }
    assert ("ecdsa-rdfc-2019", "P-384") in ecdsa_types and (
        "ecdsa-rdfc-2019",
        "P-256",
    ) in ecdsa_types
    (verifier,) = manifest["verifiers"]
    assert set(verifier["tags"]) == {s.name for s in proofs.SUITES} | {"vc2.0"}
    assert verifier["endpoint"] == f"http://127.0.0.1:{api.port}/credentials/verify"
    assert manifest["vcHolders"] == [
        {
            "id": f"http://127.0.0.1:{api.port}/holders",
            "endpoint": f"http://127.0.0.1:{api.port}/credentials/derive",
            "tags": ["vcHolder", "ecdsa-sd-2023"],
        }
    ]


def test_every_endpoint_is_rate_limited_per_address(tmp_path: Path) -> None:
    slow = replace(DEFAULT, vc_api_rate=Rate(0.01, 3))
    with serving(tmp_path, VcApi(tuple(KEYS.values()), TOKEN), slow) as port:
        api = Api(port)
        statuses = [api.call("/credentials/verify", {})[0] for _ in range(4)]
        assert statuses == [400, 400, 400, 429]
        status, answer = send(port, "GET", "/vc-api/manifest.json")
        assert (status, answer["error"]) == (429, "slow-down")


def test_a_body_over_the_limit_is_413_before_it_is_read(api: Api) -> None:
    status, answer = api.call("/credentials/verify", raw=b" " * (DEFAULT.max_body_bytes + 1))
    assert (status, answer["error"]) == (413, "too-large")


def test_one_key_of_each_type(tmp_path: Path) -> None:
    for key_type in ("ed25519", "p256"):
        wallet("keys", "new", "--type", key_type, "--out", tmp_path / f"{key_type}.json")
    wallet("keys", "new", "--type", "p256", "--out", tmp_path / "second.json")
    keys = [tmp_path / n for n in ("ed25519.json", "p256.json", "second.json")]
    result = wallet(
        "--wallet", tmp_path, "serve", *(a for k in keys for a in ("--issuer-key", k)), check=False
    )
    assert result.returncode == 2 and ENGLISH("error.issuer_keys") in result.stderr
    result = wallet("--wallet", tmp_path, "serve", "--tls-cert", keys[0], check=False)
    assert result.returncode == 2 and ENGLISH("error.tls_pair") in result.stderr


def test_wallet_serve_over_https_issues_with_the_token_only(tmp_path: Path) -> None:
    served = VcApiProcess(tmp_path, ["ed25519"], TOKEN)
    try:
        manifest = served.get("/vc-api/manifest.json")
        issuer = manifest["issuers"][0]
        assert issuer["endpoint"].startswith(served.base)
        target = issuer["endpoint"].removeprefix(served.base)
        body = {"credential": credential(issuer["id"])}
        assert served.post(target, body, {})[0] == 401
        status, answer = served.post(target, body, {"Authorization": f"Bearer {TOKEN}"})
        assert status == 201, answer
        status, _ = served.post(
            "/credentials/verify", {"verifiableCredential": answer["verifiableCredential"]}, {}
        )
        assert status == 200
    finally:
        served.stop()


def signed_presentation() -> dict[str, Any]:
    """A presentation of no credentials (VCDM 2.0 allows it), signed for c-1 at example.org."""
    shown = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
    }
    options = proofs.proof_options(HOLDER, "eddsa-rdfc-2022", purpose="authentication")
    del options["created"]
    options |= {"challenge": "c-1", "domain": "example.org"}
    return eddsa_rdfc_2022.sign(shown, options, HOLDER)


OTHER_FIRST = [
    "https://www.w3.org/ns/credentials/examples/v2",
    "https://www.w3.org/ns/credentials/v2",
]


def coded(rule: Rule, **params: Any) -> dict[str, Any]:
    return {"code": rule.value, "params": params}


VP_V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"@context": None}, coded(Rule.CONTEXT_FIRST, expected=VP_V2)),
        ({"@context": OTHER_FIRST}, coded(Rule.CONTEXT_FIRST, expected=VP_V2)),
        ({"@context": [VP_V2, 7]}, coded(Rule.CONTEXT_ITEM, field="@context[1]")),
        ({"type": ["Presentation"]}, coded(Rule.TYPE_INCLUDES, field="type", type=VP)),
        ({"type": []}, coded(Rule.TYPE_REQUIRED, field="type")),
        ({"id": "not a url"}, coded(Rule.ID_URL, field="id")),
        ({"holder": {"name": "no id"}}, coded(Rule.HOLDER)),
        ({"holder": 7}, coded(Rule.HOLDER)),
        (
            {"verifiableCredential": ["a string"]},
            coded(Rule.OBJECT, field="verifiableCredential[0]"),
        ),
    ],
)
def test_presentation_structure_rules(
    api: Api, change: dict[str, Any], problem: dict[str, Any]
) -> None:
    """VCDM 2.0 4.13: each rule refuses by its code (vc_data_model.presentation_problems),
    before any proof is weighed, and reads in every language."""
    options = {"challenge": "c-1", "domain": "example.org"}
    shown = signed_presentation()
    status, answer = api.call(
        "/presentations/verify", {"verifiablePresentation": shown, "options": options}
    )
    assert status == 200, answer
    shown |= change
    shown = {k: v for k, v in shown.items() if v is not None}
    status, answer = api.call(
        "/presentations/verify", {"verifiablePresentation": shown, "options": options}
    )
    assert status == 400
    (failed,) = answer["errors"]
    assert failed["code"] == "structure.invalid"
    assert problem in failed["params"]["problems"], failed
    check = Check(failed["id"], Code.STRUCTURE_INVALID, Severity.FAILURE, failed["params"])
    for language in LANGUAGES:
        sentence = Catalog(language).check(check)
        assert "{" not in sentence and "structure." not in sentence, (language, sentence)
