"""SD-JWT VC, with the EUDI learning credential as the example: issued here and by the IETF
reference implementation (PyPI `sd-jwt`), verified both ways, presented with a chosen subset
and a key-binding JWT, and tampered with everywhere."""

from __future__ import annotations

import contextlib
import json
import time
import tracemalloc
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto.jwk import JWK  # comes with sd-jwt, the IETF reference implementation
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from tests.conftest import NOW
from tests.support import Clock, english, new_backpack
from wallet.services.learner import sources
from wallet.services.learner.backpack import PresentationRefused
from wallet.services.verifier import credentials as verifier
from wallet.vc import did_jwk, did_key, jose, sd_jwt_vc, vc_jwt
from wallet.vc.errors import UnusableInput
from wallet.vc.jwk import Jwk
from wallet.vc.multibase import b64url_encode
from wallet.vc.multikey import KeyPair, KeyType

VCT = "urn:eu.europa.ec.eudi:learning:credential:1"
NONCE, AUDIENCE = "n-0S6_WzA2Mj", "https://employer.example"
ISSUER = KeyPair.generate(KeyType.P256)
HOLDER = KeyPair.generate(KeyType.P256)
ISSUER_DID = did_key.did_for(ISSUER.public)
KID = did_key.verification_method_id(ISSUER.public)


def learning_credential(issuer: str = ISSUER_DID) -> dict[str, Any]:
    """Claims named as in the EUDI learning credential's type metadata."""
    return {
        "iss": issuer,
        "vct": VCT,
        "iat": 1_767_225_600,  # 2026-01-01
        "exp": 1_893_456_000,  # 2030-01-01
        "issuing_authority": "Escuela Taller de Fontanería",
        "issuing_country": "ES",
        "date_of_issuance": "2026-01-01",
        "family_name": "Diallo",
        "given_name": "Amina",
        "achievement_title": "Water-point repair",
        "achievement_description": "Maintains hand pumps and borehole fittings.",
        "learning_outcomes": ["Replaces a pump seal", "Tests water flow"],
        "assessment": {"grade": "excellent", "credits": 5},
    }


DISCLOSABLE = [
    "/family_name",
    "/given_name",
    "/date_of_issuance",
    "/learning_outcomes/0",
    "/learning_outcomes/1",
    "/assessment",
    "/assessment/grade",  # recursive: inside a disclosed object
]


def issued(claims: dict[str, Any] | None = None, **options: Any) -> str:
    return sd_jwt_vc.issue(
        claims or learning_credential(),
        jose.KeyPairSigner(ISSUER),
        disclosable=options.pop("disclosable", DISCLOSABLE),
        kid=KID,
        holder=Jwk.from_public_key(HOLDER.public),
        **{"decoys": 3, **options},
    )


@cache
def token() -> str:
    return issued()


def failed(report: Any) -> dict[str, str]:
    return {c.id: english(c) for c in report.checks if not c.ok}


def test_an_issued_learning_credential_verifies_and_discloses_everything() -> None:
    report = sd_jwt_vc.verify(token(), now=NOW)
    assert report.verified, failed(report)
    claims = sd_jwt_vc.disclosed_claims(token())
    assert claims["given_name"] == "Amina"
    assert claims["learning_outcomes"] == ["Replaces a pump seal", "Tests water flow"]
    assert claims["assessment"] == {"credits": 5, "grade": "excellent"}
    assert "cnf" not in claims and "vct" not in claims
    payload = sd_jwt_vc.parse(token()).payload
    assert "given_name" not in payload  # hidden behind a digest
    assert len(payload["_sd"]) == 4 + 3  # family, given, date, assessment, and 3 decoys
    assert jose.parse(token().split("~")[0]).header["typ"] == "dc+sd-jwt"


def test_the_legacy_vc_sd_jwt_type_is_accepted() -> None:
    assert sd_jwt_vc.verify(issued(typ="vc+sd-jwt"), now=NOW).verified


def test_a_wrong_type_fails_the_structure_check() -> None:
    assert (
        "typ must be dc+sd-jwt" in failed(sd_jwt_vc.verify(issued(typ="JWT"), now=NOW))["structure"]
    )


def test_envelope_claims_must_never_be_selectively_disclosed() -> None:
    report = sd_jwt_vc.verify(issued(disclosable=["/vct", "/given_name"]), now=NOW)
    assert "vct must not be selectively disclosed" in failed(report)["disclosures"]


def _parts() -> tuple[str, list[str]]:
    issuer_jwt, *disclosures, _ = token().split("~")
    return issuer_jwt, disclosures


def _with(disclosures: list[str]) -> str:
    return "~".join([_parts()[0], *disclosures, ""])


def test_withheld_disclosures_leave_claims_out_and_still_verify() -> None:
    kept = [d for d in _parts()[1] if sd_jwt_vc.Disclosure.parse(d).name != "given_name"]
    report = sd_jwt_vc.verify(_with(kept), now=NOW)
    assert report.verified
    assert "given_name" not in sd_jwt_vc.disclosed_claims(_with(kept))


def _forged(name: str | None, value: Any, salt: str = "c2FsdHNhbHRzYWx0c2FsdA") -> str:
    items = [salt, value] if name is None else [salt, name, value]
    return b64url_encode(json.dumps(items).encode())


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda ds: [*ds, _forged("given_name", "Mallory")], "match no digest"),
        (lambda ds: [*ds, ds[0]], "given twice"),
        (lambda ds: [_forged("family_name", "Smith"), *ds[1:]], "match no digest"),
    ],
)
def test_changed_or_added_disclosures_fail(change: Any, reason: str) -> None:
    report = sd_jwt_vc.verify(_with(change(_parts()[1])), now=NOW)
    assert reason in failed(report)["disclosures"]


def _resigned(change: Any) -> str:
    issuer_jwt, disclosures = _parts()
    payload = jose.parse(issuer_jwt).claims()
    change(payload)
    header = {"typ": "dc+sd-jwt", "kid": KID}
    return "~".join([jose.sign(header, payload, jose.KeyPairSigner(ISSUER)), *disclosures, ""])


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda p: p.update(_sd_alg="sha-512"), "unsupported digest algorithm"),
        (lambda p: p["_sd"].append(p["_sd"][0]), "a digest appears twice"),
        (lambda p: p.update(given_name="Mallory"), "clashes"),
        (lambda p: p.update(_sd="not a list"), "_sd is not an array"),
    ],
)
def test_issuer_payload_rules_of_rfc_9901_section_7_1(change: Any, reason: str) -> None:
    report = sd_jwt_vc.verify(_resigned(change), now=NOW)
    assert reason in failed(report)["disclosures"]


def test_an_array_disclosure_used_as_a_property_fails() -> None:
    _issuer_jwt, disclosures = _parts()
    element = next(d for d in disclosures if sd_jwt_vc.Disclosure.parse(d).name is None)

    def move(payload: dict[str, Any]) -> None:
        payload["learning_outcomes"] = []
        payload["_sd"].append(sd_jwt_vc.digest_of(element))

    report = sd_jwt_vc.verify(_resigned(move), now=NOW)
    assert "array-element disclosure is used as a property" in failed(report)["disclosures"]


def test_expired_and_not_yet_valid() -> None:
    assert (
        "Expired"
        in failed(sd_jwt_vc.verify(token(), now=datetime(2031, 1, 1, tzinfo=UTC)))["validity"]
    )
    early = issued({**learning_credential(), "nbf": 1_900_000_000})
    assert "Not valid until" in failed(sd_jwt_vc.verify(early, now=NOW))["validity"]


def present(reveal: list[str], **options: Any) -> str:
    return sd_jwt_vc.present(
        token(),
        reveal,
        jose.KeyPairSigner(options.pop("key", HOLDER)),
        now=options.pop("now", NOW),
        nonce=options.pop("nonce", NONCE),
        audience=options.pop("audience", AUDIENCE),
    )


def verify_presented(presented: str, **options: Any) -> Any:
    return sd_jwt_vc.verify(
        presented,
        now=NOW,
        require_key_binding=True,
        nonce=options.get("nonce", NONCE),
        audience=options.get("audience", AUDIENCE),
    )


def test_a_chosen_subset_is_presented_with_a_key_binding_jwt() -> None:
    presented = present(["/given_name", "/assessment/grade", "/learning_outcomes/1"])
    report = verify_presented(presented)
    assert report.verified, failed(report)
    claims = sd_jwt_vc.disclosed_claims(presented)
    assert claims["given_name"] == "Amina"
    assert "family_name" not in claims
    assert claims["assessment"] == {"credits": 5, "grade": "excellent"}
    assert claims["learning_outcomes"] == ["Tests water flow"]
    # the issuer JWT, 4 disclosures (assessment holds grade's digest), the KB-JWT
    assert len(presented.split("~")) == 1 + 4 + 1
    assert jose.parse(presented.split("~")[-1]).header["typ"] == "kb+jwt"


@pytest.mark.parametrize(
    "options, reason",
    [
        ({"nonce": "another"}, "nonce"),
        ({"audience": "https://elsewhere.example"}, "audience"),
        ({"key": KeyPair.generate(KeyType.P256)}, "not signed by the holder key"),
        ({"now": datetime(2026, 5, 1, tzinfo=UTC)}, "iat is not recent"),
    ],
)
def test_a_key_binding_for_another_verifier_or_key_fails(
    options: dict[str, Any], reason: str
) -> None:
    report = verify_presented(present(["/given_name"], **options))
    assert reason in failed(report)["holder"]


def test_disclosures_added_after_key_binding_break_the_sd_hash() -> None:
    presented = present(["/given_name"])
    head, *rest = presented.split("~")
    extra = next(d for d in _parts()[1] if sd_jwt_vc.Disclosure.parse(d).name == "family_name")
    widened = "~".join([head, extra, *rest])
    assert "sd_hash" in failed(verify_presented(widened))["holder"]


def test_a_presentation_without_key_binding_fails_when_one_is_required() -> None:
    assert "no key-binding proof" in failed(verify_presented(token()))["holder"]


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_change_to_a_presentation_is_refused_or_fails(data: st.DataObject) -> None:
    presented = present(["/given_name", "/assessment/grade"])
    position = data.draw(st.integers(0, len(presented) - 1))
    replacement = data.draw(st.sampled_from("AQgw_-.~x9eyJ"))
    tampered = presented[:position] + replacement + presented[position + 1 :]
    if tampered == presented:
        return
    try:
        report = verify_presented(tampered)
    except UnusableInput:
        return
    assert not report.verified


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=200)
    | st.lists(st.from_regex(r"[A-Za-z0-9_-]{0,40}", fullmatch=True), max_size=6).map("~".join)
)
def test_the_parser_refuses_garbage_with_a_typed_error(text: str) -> None:
    for candidate in (text, token().split("~")[0] + "~" + text):
        with contextlib.suppress(UnusableInput):
            sd_jwt_vc.verify(candidate, now=NOW)


# --- peer round trips with the IETF reference implementation ------------------------------


def _jwcrypto(key: KeyPair) -> JWK:
    return JWK.from_pyca(key._secret)


def test_the_reference_implementation_verifies_what_we_present() -> None:
    presented = sd_jwt_vc.present(
        token(),
        ["/given_name", "/learning_outcomes/0", "/assessment/grade"],
        jose.KeyPairSigner(HOLDER),
        now=datetime.now(UTC),
        nonce=NONCE,
        audience=AUDIENCE,
    )

    def issuer_key(issuer: str, header: dict[str, Any]) -> JWK:
        assert issuer == ISSUER_DID and header["kid"] == KID
        return JWK.from_json(json.dumps(Jwk.from_public_key(ISSUER.public).to_jwk()))

    peer = SDJWTVerifier(presented, issuer_key, expected_aud=AUDIENCE, expected_nonce=NONCE)
    claims = peer.get_verified_payload()
    assert claims["given_name"] == "Amina" and "family_name" not in claims
    assert claims["learning_outcomes"] == ["Replaces a pump seal"]
    assert claims["assessment"] == {"credits": 5, "grade": "excellent"}


def _reference_issued(holder: KeyPair) -> tuple[str, str]:
    """An SD-JWT VC issued by the reference implementation, its issuer a did:jwk."""
    issuer_key = JWK.generate(kty="EC", crv="P-256")
    did = did_jwk.did_for(Jwk.from_jwk(issuer_key.export_public(as_dict=True)))
    claims = learning_credential(did)
    user_claims = {
        **{
            k: v
            for k, v in claims.items()
            if k not in ("given_name", "family_name", "learning_outcomes")
        },
        SDObj("given_name"): "Amina",
        SDObj("family_name"): "Diallo",
        "learning_outcomes": [SDObj("Replaces a pump seal"), "Tests water flow"],
    }
    issuer = SDJWTIssuer(
        user_claims,
        issuer_key,
        holder_key=_jwcrypto(holder),
        add_decoy_claims=True,
        extra_header_parameters={"typ": "dc+sd-jwt", "kid": f"{did}#0"},
    )
    return issuer.sd_jwt_issuance, did


def test_we_verify_what_the_reference_implementation_issues_and_presents() -> None:
    issuance, _did = _reference_issued(HOLDER)
    report = sd_jwt_vc.verify(issuance, now=NOW)
    assert report.verified, failed(report)
    assert sd_jwt_vc.disclosed_claims(issuance)["learning_outcomes"] == [
        "Replaces a pump seal",
        "Tests water flow",
    ]
    holder = SDJWTHolder(issuance)
    holder.create_presentation(
        {"given_name": True}, nonce=NONCE, aud=AUDIENCE, holder_key=_jwcrypto(HOLDER)
    )
    now = datetime.now(UTC)
    presented = sd_jwt_vc.verify(
        holder.sd_jwt_presentation,
        now=now,
        require_key_binding=True,
        nonce=NONCE,
        audience=AUDIENCE,
    )
    assert presented.verified, failed(presented)
    claims = sd_jwt_vc.disclosed_claims(holder.sd_jwt_presentation)
    assert claims["given_name"] == "Amina" and "family_name" not in claims
    assert claims["learning_outcomes"] == ["Tests water flow"]


# --- in the backpack ----------------------------------------------------------------------


def test_the_backpack_imports_shows_and_presents_an_sd_jwt_vc(tmp_path: Path) -> None:
    clock = Clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    holder_did = pack.new_holder_key(KeyType.P256)
    holder = pack.holder_key(holder_did)
    issuance = sd_jwt_vc.issue(
        learning_credential(),
        jose.KeyPairSigner(ISSUER),
        disclosable=DISCLOSABLE,
        kid=KID,
        holder=Jwk.from_public_key(holder.public),
    )
    (tmp_path / "learning.sd-jwt").write_text(issuance + "\n")
    [result] = list(
        pack.import_sources(sources.file_sources([tmp_path / "learning.sd-jwt"], "QR frames"))
    )
    assert (result.status, result.verified) == ("imported", True), result
    [card] = pack.list().cards
    assert card["name"] == "Water-point repair"
    assert card["issuer"] == "Escuela Taller de Fontanería"
    assert card["issued"].startswith("2026-01-01")
    assert card["holder"] == holder_did
    held = pack.show(result.id)
    assert held.format == "dc+sd-jwt" and held.token == issuance
    assert held.credential["credentialSubject"]["given_name"] == "Amina"
    assert pack.reverify_all() == (1, 0)
    [again] = list(
        pack.import_sources(sources.file_sources([tmp_path / "learning.sd-jwt"], "QR frames"))
    )
    assert again.status == "duplicate"

    presented = pack.present_sd_jwt(result.id, ["/given_name"], nonce=NONCE, audience=AUDIENCE)
    moment = datetime.fromtimestamp(clock.now, UTC)
    report = verifier.verify_presented_sd_jwt(presented, nonce=NONCE, audience=AUDIENCE, now=moment)
    assert report.verified, failed(report)
    assert "family_name" not in sd_jwt_vc.disclosed_claims(presented)
    with pytest.raises(PresentationRefused):
        pack.present([result.id], [])


def test_an_sd_jwt_vc_bound_to_another_key_cannot_be_presented(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    (tmp_path / "theirs.txt").write_text(token())
    [result] = list(
        pack.import_sources(sources.file_sources([tmp_path / "theirs.txt"], "QR frames"))
    )
    assert result.status == "imported"
    assert pack.show(result.id).card["holder"] is None
    with pytest.raises(PresentationRefused):
        pack.present_sd_jwt(result.id, ["/given_name"], nonce=NONCE, audience=AUDIENCE)


def test_f_a_token_bound_by_cnf_to_our_key_is_ours_and_to_another_key_is_not(
    tmp_path: Path,
) -> None:
    """The card's "issued to someone else" note follows the key the credential is bound
    to: a `cnf` key this wallet holds makes it ours, whatever the subject's id says, and a
    `cnf` key it does not hold makes it someone else's (never a plain success)."""
    pack, _ = new_backpack(tmp_path / "w")
    ours = pack.holder_key(pack.new_holder_key(KeyType.P256))
    bound = {
        "ours": Jwk.from_public_key(ours.public),
        "theirs": Jwk.from_public_key(HOLDER.public),
    }
    notes = {}
    for whose, key in bound.items():
        issuance = sd_jwt_vc.issue(
            {**learning_credential(), "achievement_title": whose},
            jose.KeyPairSigner(ISSUER),
            disclosable=DISCLOSABLE,
            kid=KID,
            holder=key,
        )
        [result] = pack.import_sources([(f"{whose}.sd-jwt", lambda t=issuance: t.encode())])
        assert result.state is not None and result.state["state"] == "verified"
        notes[whose] = result.state["notes"]
    # a VC-JWT whose subject names another DID, bound by `cnf` to our key
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER_DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner-at-the-registry", "name": "Amina"},
        "cnf": {"jwk": Jwk.from_public_key(ours.public).to_jwk()},
    }
    vc = vc_jwt.sign_vc_jose(credential, jose.KeyPairSigner(ISSUER), KID)
    [result] = pack.import_sources([("cnf.jwt", lambda: vc.encode())])
    assert result.state is not None, result
    notes["vc-jwt ours"] = result.state["notes"]
    assert notes == {"ours": [], "theirs": ["other-holder"], "vc-jwt ours": []}


# --- bounds -------------------------------------------------------------------------------


def test_disclosures_nested_in_disclosures_are_bounded() -> None:
    """Each disclosure may hide the next: a chain of 300 stays within time and stack."""
    claims: dict[str, Any] = {"iss": ISSUER_DID, "vct": VCT}
    inner: dict[str, Any] = claims
    pointers, path = [], ""
    for _ in range(300):
        inner["a"] = {}
        inner = inner["a"]
        path += "/a"
        pointers.append(path)
    chained = sd_jwt_vc.issue(claims, jose.KeyPairSigner(ISSUER), disclosable=pointers, kid=KID)
    started = time.process_time()
    report = sd_jwt_vc.verify(chained, now=NOW)
    assert time.process_time() - started < 5  # generous: it takes milliseconds
    assert "nested too deeply" in failed(report)["disclosures"]


def test_too_many_disclosures_or_too_deep_json_are_refused_by_name() -> None:
    issuer_jwt = token().split("~")[0]
    disclosure = _forged("x", 1)
    with pytest.raises(sd_jwt_vc.SdJwtError) as refused:
        sd_jwt_vc.parse("~".join([issuer_jwt, *[disclosure] * 1_001, ""]))
    assert refused.value.code == "too-many"
    deep = b64url_encode(json.dumps(["salt", "x", json.loads("[" * 80 + "]" * 80)]).encode())
    with pytest.raises(jose.JoseError) as too_deep:
        sd_jwt_vc.parse(f"{issuer_jwt}~{deep}~")
    assert too_deep.value.code == "json-too-deep"


@settings(max_examples=60, deadline=None)
@given(chosen=st.sets(st.sampled_from(DISCLOSABLE)))
def test_any_chosen_subset_verifies_and_shows_exactly_that(chosen: set[str]) -> None:
    presented = present(sorted(chosen))
    report = verify_presented(presented)
    assert report.verified, failed(report)
    claims = sd_jwt_vc.disclosed_claims(presented)
    for name in ("family_name", "given_name", "date_of_issuance"):
        assert (name in claims) == (f"/{name}" in chosen)
    assert ("assessment" in claims) == bool(chosen & {"/assessment", "/assessment/grade"})
    if "assessment" in claims:  # the whole object when chosen, else only what sits inside
        assert ("grade" in claims["assessment"]) == bool(
            chosen & {"/assessment", "/assessment/grade"}
        )
    outcomes = [
        o
        for i, o in enumerate(["Replaces a pump seal", "Tests water flow"])
        if f"/learning_outcomes/{i}" in chosen
    ]
    assert claims["learning_outcomes"] == outcomes


def test_a_thousand_disclosures_verify_within_a_time_and_memory_budget() -> None:
    claims = {**learning_credential(), **{f"claim_{n}": "x" * 200 for n in range(1_000)}}
    many = issued(claims, disclosable=[f"/claim_{n}" for n in range(1_000)], decoys=0)
    tracemalloc.start()
    started = time.process_time()
    try:
        report = sd_jwt_vc.verify(many, now=NOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.verified
    assert time.process_time() - started < 10  # generous: well under a second here
    assert peak < 64 * 1024 * 1024
