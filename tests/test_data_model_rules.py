"""Each MUST of VCDM 2.0 that a document alone can break, on both sides (issue 16): the
issuer refuses to sign it, by name (`NonConformingCredential`, its problems coded), and the
verifier's structure check fails on it with the same coded problem. Also the Data
Integrity context injection for VC 1.1 input, and the issuer binding's two weights."""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import NOW, load_json
from wallet.ui.i18n import LANGUAGES, Catalog
from wallet.vc import did_key, eddsa_jcs_2022, proofs
from wallet.vc.data_integrity import DATA_INTEGRITY_V2, resolve_offline, split_proofs
from wallet.vc.errors import UnusableInput
from wallet.vc.jsonld import bundled_contexts
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.open_badges import conformance_problems
from wallet.vc.rdfc import DEFAULT_LIMITS
from wallet.vc.vc_data_model import (
    TYPED_OBJECTS,
    VC_V1,
    VC_V2,
    Rule,
    presentation_problems,
    refuse_nonconforming,
)
from wallet.vc.verification import IssuerBinding, Severity, verify_credential

KEY = KeyPair.generate(KeyType.ED25519)
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
# the SRI and multibase digests the W3C data-model suite gives its related resource
SRI = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"
MULTIBASE = "uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k"
# and the wrong ones it must see refused
WRONG_MULTIBASE = "uM4RgWQc3RUDtjJCSgTJtTfvpZ7SPEg_LNO0ESlovQC0"
WRONG_SRI = "sha384-_rCVIV7fSXXTNIvpiq26jRDyj8JG8TDjij-tD0ewLk4JpnXEz6a5AeeY_1qQ0d0P"
# the v2 context's bytes since the REC (2025): appendix B.1 states this SHA-256
REC_SHA256 = "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"


def multihash(sha256: bytes) -> str:
    """A base64url multibase sha2-256 multihash (VC-DI 1.0 section 2.6)."""
    return "u" + base64.urlsafe_b64encode(b"\x12\x20" + sha256).decode().rstrip("=")


def credential() -> dict[str, Any]:
    return {
        "@context": [VC_V2, EXAMPLES],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": did_key.did_for(KEY.public),
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }


def problem(code: str, **params: Any) -> dict[str, Any]:
    return {"code": f"structure.{code}", "params": params}


Change = Callable[[dict[str, Any]], None]


def setting(field: str, value: Any) -> Change:
    return lambda document: document.__setitem__(field, value)


def dropping(field: str) -> Change:
    return lambda document: document.pop(field)


RULES: list[tuple[str, Change, dict[str, Any]]] = [
    # 4.3 Contexts
    (
        "context-order",
        setting("@context", [EXAMPLES, VC_V2]),
        problem("context-first", expected=VC_V2),
    ),
    (
        "context-number",
        setting("@context", [VC_V2, 123]),
        problem("context-item", field="@context[1]"),
    ),
    # 4.4 Identifiers
    ("id-null", setting("id", None), problem("id-url", field="id")),
    ("id-several", setting("id", ["urn:uuid:1", "urn:uuid:2"]), problem("id-url", field="id")),
    ("id-not-url", setting("id", "https ://not-a-url/1"), problem("id-url", field="id")),
    (
        "subject-id-several",
        setting("credentialSubject", {"id": ["did:example:1", "did:example:2"]}),
        problem("id-url", field="credentialSubject.id"),
    ),
    # 4.5 Types
    ("type-missing", dropping("type"), problem("type-required", field="type")),
    (
        "type-without-vc",
        setting("type", ["ExampleAlumniCredential"]),
        problem("type-includes", field="type", type="VerifiableCredential"),
    ),
    (
        "type-number",
        setting("type", ["VerifiableCredential", 2]),
        problem("type-value", field="type"),
    ),
    # 4.6 Names and descriptions
    ("name-number", setting("name", 7), problem("language-value", field="name")),
    (
        "description-bad-object",
        setting("description", {"@value": "x", "@colour": "red"}),
        problem("language-value", field="description"),
    ),
    # 4.7 Issuer
    ("issuer-missing", dropping("issuer"), problem("required", field="issuer")),
    ("issuer-not-url", setting("issuer", "fake-issuer"), problem("issuer")),
    ("issuer-null", setting("issuer", None), problem("issuer")),
    ("issuer-object-no-id", setting("issuer", {"name": "Example"}), problem("issuer")),
    ("issuer-object-id-not-url", setting("issuer", {"id": "not a url"}), problem("issuer")),
    # 4.8 Credential subject
    (
        "subject-missing",
        dropping("credentialSubject"),
        problem("required", field="credentialSubject"),
    ),
    (
        "subject-no-claims",
        setting("credentialSubject", {}),
        problem("subject-claims", field="credentialSubject"),
    ),
    (
        "subject-one-empty",
        setting("credentialSubject", [{"id": "did:example:1"}, {}]),
        problem("subject-claims", field="credentialSubject[1]"),
    ),
    (
        "subject-text",
        setting("credentialSubject", "did:example:1"),
        problem("subject-claims", field="credentialSubject"),
    ),
    # 4.9 Validity period
    (
        "validfrom-format",
        setting("validFrom", "Sat 25 Feb 2023 07:16:31 PM CST"),
        problem("datetime", field="validFrom"),
    ),
    (
        "validuntil-format",
        setting("validUntil", "2025-01-01"),
        problem("datetime", field="validUntil"),
    ),
    (
        "validity-order",
        setting("validUntil", "2023-01-01T00:00:00Z"),
        problem("validity-order", start="validFrom", end="validUntil"),
    ),
    # 4.10 Status, 4.11 Data schemas, 5.4 Refreshing, 5.5 Terms of use, 5.6 Evidence
    (
        "status-no-type",
        setting("credentialStatus", {"id": "https://example.com/status/1#3"}),
        problem("type-required", field="credentialStatus.type"),
    ),
    (
        "status-type-number",
        setting("credentialStatus", {"type": 2}),
        problem("type-value", field="credentialStatus.type"),
    ),
    (
        "status-several-ids",
        setting("credentialStatus", {"id": ["urn:a", "urn:b"], "type": "ExampleStatus"}),
        problem("id-url", field="credentialStatus.id"),
    ),
    (
        "schema-no-type",
        setting("credentialSchema", {"id": "https://example.com/schema.json"}),
        problem("type-required", field="credentialSchema.type"),
    ),
    (
        "schema-no-id",
        setting("credentialSchema", {"type": "JsonSchema"}),
        problem("required", field="credentialSchema.id"),
    ),
    (
        "schema-id-not-url",
        setting("credentialSchema", [{"id": "schema.json", "type": "JsonSchema"}]),
        problem("id-url", field="credentialSchema[0].id"),
    ),
    (
        "refresh-no-type",
        setting("refreshService", {"id": "https://example.com/refresh"}),
        problem("type-required", field="refreshService.type"),
    ),
    (
        "terms-no-type",
        setting("termsOfUse", [{"id": "https://example.com/tou"}]),
        problem("type-required", field="termsOfUse[0].type"),
    ),
    (
        "evidence-no-type",
        setting("evidence", {"id": "https://example.com/evidence"}),
        problem("type-required", field="evidence.type"),
    ),
    (
        "evidence-text",
        setting("evidence", "https://example.com/e"),
        problem("object", field="evidence"),
    ),
    # 5.3 Integrity of related resources
    (
        "related-strings",
        setting("relatedResource", ["https://www.w3.org/ns/credentials/v2"]),
        problem("object", field="relatedResource[0]"),
    ),
    (
        "related-no-id",
        setting("relatedResource", [{"digestMultibase": MULTIBASE}]),
        problem("required", field="relatedResource[0].id"),
    ),
    (
        "related-no-digest",
        setting("relatedResource", [{"id": VC_V2}]),
        problem("required", field="relatedResource[0].digestSRI"),
    ),
    (
        "related-duplicate",
        setting(
            "relatedResource",
            [{"id": VC_V2, "digestSRI": SRI}, {"id": VC_V2, "digestMultibase": MULTIBASE}],
        ),
        problem("duplicate-id", field="relatedResource[1].id"),
    ),
    (
        "related-bad-sri",
        setting("relatedResource", {"id": VC_V2, "digestSRI": "sha384-tooshort"}),
        problem("digest", field="relatedResource.digestSRI"),
    ),
    (
        "related-bad-multibase",
        setting("relatedResource", {"id": VC_V2, "digestMultibase": "not multibase"}),
        problem("digest", field="relatedResource.digestMultibase"),
    ),
    # the data-model suite's wrong digests of the v2 context, checked offline against the
    # digests of its published bytes (assets/contexts/published-digests.json)
    (
        "related-wrong-multibase",
        setting("relatedResource", [{"id": VC_V2, "digestMultibase": WRONG_MULTIBASE}]),
        problem("digest-mismatch", field="relatedResource[0].digestMultibase"),
    ),
    (
        "related-wrong-sri",
        setting("relatedResource", [{"id": VC_V2, "digestSRI": WRONG_SRI}]),
        problem("digest-mismatch", field="relatedResource[0].digestSRI"),
    ),
    (
        "related-wrong-multihash",
        setting("relatedResource", {"id": VC_V2, "digestMultibase": multihash(b"\0" * 32)}),
        problem("digest-mismatch", field="relatedResource.digestMultibase"),
    ),
]


def broken(change: Change) -> dict[str, Any]:
    document = credential()
    change(document)
    return document


def signed_anyway(document: dict[str, Any]) -> dict[str, Any]:
    """What an issuer that skips the checks would hand out: eddsa-jcs-2022 signs any JSON."""
    options = proofs.proof_options(KEY, eddsa_jcs_2022.NAME, created=NOW)
    return eddsa_jcs_2022.sign(document, options, KEY)


@pytest.mark.parametrize(("name", "change", "expected"), RULES, ids=[r[0] for r in RULES])
def test_the_issuer_refuses_by_name(name: str, change: Change, expected: dict) -> None:
    with pytest.raises(UnusableInput) as refused:
        proofs.sign(broken(change), KEY, "eddsa-jcs-2022", created=NOW)
    assert expected in refused.value.params["problems"]
    assert refused.value.kind == "nonconforming"


@pytest.mark.parametrize(("name", "change", "expected"), RULES, ids=[r[0] for r in RULES])
def test_the_verifier_fails_the_structure_check(name: str, change: Change, expected: dict) -> None:
    structure = verify_credential(signed_anyway(broken(change)), now=NOW).checks[0]
    assert structure.severity is Severity.FAILURE
    assert expected in structure.params["problems"]


CONFORMING: list[tuple[str, Change]] = [
    ("as-is", lambda document: None),
    ("subject-only-id", setting("credentialSubject", {"id": "did:example:1"})),
    ("subjects", setting("credentialSubject", [{"id": "did:example:1"}, {"name": "Bo"}])),
    ("issuer-object", setting("issuer", {"id": did_key.did_for(KEY.public), "name": "Ex"})),
    ("validfrom-ms-and-offset", setting("validFrom", "2024-01-01T00:00:00.123-05:00")),
    ("language-value", setting("name", [{"@value": "Nom", "@language": "fr"}, "Name"])),
    (
        "related-resources",
        setting(
            "relatedResource",
            [
                {"id": VC_V2, "digestSRI": SRI, "mediaType": "application/ld+json"},
                {"id": EXAMPLES, "digestMultibase": MULTIBASE},
            ],
        ),
    ),
    (
        "related-v2-as-published-since-the-rec",
        setting(
            "relatedResource",
            {"id": VC_V2, "digestMultibase": multihash(bytes.fromhex(REC_SHA256))},
        ),
    ),
    (  # a resource we hold no published digest for goes unchecked: we never fetch
        "related-unchecked",
        setting(
            "relatedResource",
            [{"id": "https://example.com/syllabus.pdf", "digestSRI": WRONG_SRI}],
        ),
    ),
    (
        "typed-objects",
        lambda document: document.update(
            credentialSchema=[{"id": "https://example.com/s.json", "type": "JsonSchema"}],
            evidence={"type": ["Evidence"]},
            termsOfUse={"type": "ExampleTerms"},
        ),
    ),
]


@pytest.mark.parametrize(("name", "change"), CONFORMING, ids=[c[0] for c in CONFORMING])
def test_conforming_credentials_are_signed_and_well_formed(name: str, change: Change) -> None:
    signed = proofs.sign(broken(change), KEY, "eddsa-jcs-2022", created=NOW)
    report = verify_credential(signed, now=NOW)
    assert report.verified, report.to_json()


def test_vc_1_1_requires_its_issuance_date_on_both_sides() -> None:
    document = {**credential(), "@context": [VC_V1]}
    document.pop("validFrom")
    with pytest.raises(UnusableInput) as refused:
        proofs.sign(document, KEY, "eddsa-jcs-2022", created=NOW)
    assert problem("required", field="issuanceDate") in refused.value.params["problems"]
    structure = verify_credential(signed_anyway(document), now=NOW).checks[0]
    assert problem("required", field="issuanceDate") in structure.params["problems"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_refusal_reads_in_every_language(language: str) -> None:
    with pytest.raises(UnusableInput) as refused:
        proofs.sign(broken(dropping("type")), KEY, "eddsa-jcs-2022", created=NOW)
    text = Catalog(language).error(refused.value)
    assert text and "{" not in text and "structure." not in text
    structure = verify_credential(signed_anyway(broken(dropping("type"))), now=NOW).checks[0]
    sentence = Catalog(language).check(structure)
    assert "{" not in sentence and "structure." not in sentence


# --- VC-DI 1.0 section 2.4.1: context injection ------------------------------------------


def vc_1_1() -> dict[str, Any]:
    document = copy.deepcopy(credential())
    document["@context"] = [VC_V1]
    document["type"] = ["VerifiableCredential"]
    document["credentialSubject"] = {"id": "did:example:abcdefgh"}
    document["issuanceDate"] = document.pop("validFrom")
    return document


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019"])
def test_a_vc_1_1_credential_is_signed_with_the_data_integrity_context(suite: str) -> None:
    key = KEY if suite.startswith("eddsa") else KeyPair.generate(KeyType.P256)
    document = vc_1_1()
    document["issuer"] = did_key.did_for(key.public)
    signed = proofs.sign(document, key, suite, created=NOW)
    assert signed["@context"] == [VC_V1, DATA_INTEGRITY_V2]
    assert DATA_INTEGRITY_V2 in bundled_contexts()
    unsecured, [proof] = split_proofs(signed)
    assert proofs.verify_proof(unsecured, proof, resolve_offline(), DEFAULT_LIMITS).ok
    assert verify_credential(signed, now=NOW).verified


def test_a_vc_1_1_credential_with_an_embedded_context_is_signed_too() -> None:
    """An object among the contexts (the suites' VC 1.1 mock) once crashed the check for
    the proof terms: a dict is no context URL."""
    document = vc_1_1()
    document["@context"] = [VC_V1, {"name": "https://schema.org/name"}]
    document["credentialSubject"]["name"] = "Alice"
    document["issuer"] = did_key.did_for(KEY.public)
    signed = proofs.sign(document, KEY, "eddsa-rdfc-2022", created=NOW)
    assert signed["@context"] == [*document["@context"], DATA_INTEGRITY_V2]
    assert verify_credential(signed, now=NOW).verified


def test_a_vc_2_0_credential_keeps_its_contexts() -> None:
    signed = proofs.sign(credential(), KEY, "eddsa-rdfc-2022", created=NOW)
    assert signed["@context"] == [VC_V2, EXAMPLES]


# --- the issuer binding: strict for the wallet, as specified for the VC-API ---------------


def test_the_spec_vector_names_an_issuer_the_key_does_not_belong_to() -> None:
    signed = load_json(
        "vectors",
        "w3c-vc-di-ecdsa",
        "TestVectors",
        "ecdsa-jcs-2019-p256",
        "signedJCSECDSAP256.json",
    )
    strict = verify_credential(signed, now=NOW)
    issuer = next(c for c in strict.checks if c.id == "issuer")
    assert (issuer.code, issuer.severity) == ("issuer.other-signer", Severity.FAILURE)
    assert not strict.verified
    specified = verify_credential(signed, now=NOW, issuer_binding=IssuerBinding.SPECIFIED)
    issuer = next(c for c in specified.checks if c.id == "issuer")
    assert (issuer.code, issuer.severity) == ("issuer.other-signer", Severity.WARNING)
    assert specified.verified


def test_no_valid_proof_fails_the_issuer_check_under_either_binding() -> None:
    signed = proofs.sign(credential(), KEY, "eddsa-jcs-2022", created=NOW)
    signed["credentialSubject"]["alumniOf"] = "Another School"
    for binding in IssuerBinding:
        report = verify_credential(signed, now=NOW, issuer_binding=binding)
        assert not report.verified
        assert next(c for c in report.checks if c.id == "issuer").code == "issuer.unsigned"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    [
        "@context",
        "id",
        "type",
        "name",
        "description",
        "issuer",
        "credentialSubject",
        "validFrom",
        "validUntil",
        "issuanceDate",
        *TYPED_OBJECTS,
        "relatedResource",
    ]
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # nested JSON is slow
@given(changes=st.dictionaries(FIELDS, JSON, max_size=4))  # to draw on a loaded machine
def test_any_shape_gets_coded_problems_never_a_crash(changes: dict[str, Any]) -> None:
    """The rules read untrusted JSON: whatever a field holds, the answer is a list of coded
    problems (each with its catalog sentence), and the issuer refuses exactly when it is
    not empty."""
    document = {**credential(), **changes}
    problems = conformance_problems(document)
    assert all(Rule(p["code"]) and isinstance(p["params"], dict) for p in problems)
    english = Catalog("en")
    assert all("{" not in english.message(p["code"], p["params"]) for p in problems)
    if problems:
        with pytest.raises(UnusableInput):
            refuse_nonconforming(problems)


# --- VCDM 2.0 section 4.13: presentations ---------------------------------------------------


def a_presentation() -> dict[str, Any]:
    return {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "id": "urn:uuid:9b5c1f3e-0000-4000-8000-000000000001",
        "holder": "did:example:holder",
        "verifiableCredential": [credential()],
    }


PRESENTATION_RULES: list[tuple[str, Change, dict]] = [
    ("no-context", dropping("@context"), problem("context-first", expected=VC_V2)),
    ("context-item", setting("@context", [VC_V2, 7]), problem("context-item", field="@context[1]")),
    ("no-type", dropping("type"), problem("type-required", field="type")),
    (
        "not-a-presentation",
        setting("type", ["Presentation"]),
        problem("type-includes", field="type", type="VerifiablePresentation"),
    ),
    ("id-not-url", setting("id", "not a url"), problem("id-url", field="id")),
    ("holder-no-id", setting("holder", {"name": "Bo"}), problem("holder")),
    ("holder-not-url", setting("holder", "bo"), problem("holder")),
    (
        "credential-text",
        setting("verifiableCredential", "eyJ..."),
        problem("object", field="verifiableCredential"),
    ),
]


@pytest.mark.parametrize(
    ("name", "change", "expected"), PRESENTATION_RULES, ids=[r[0] for r in PRESENTATION_RULES]
)
def test_presentation_rules(name: str, change: Change, expected: dict) -> None:
    shown = a_presentation()
    change(shown)
    assert expected in presentation_problems(shown)


@pytest.mark.parametrize(
    "change",
    [
        lambda shown: None,
        dropping("verifiableCredential"),  # a presentation may hold no credentials
        setting("holder", {"id": "did:example:holder", "name": "Bo"}),
        dropping("id"),
    ],
)
def test_conforming_presentations_have_no_problems(change: Change) -> None:
    shown = a_presentation()
    change(shown)
    assert presentation_problems(shown) == []
