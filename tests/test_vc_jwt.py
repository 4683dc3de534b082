"""VC-JWT: VC-JOSE-COSE `vc+jwt` and OB 3.0's JWT proof format, signed here in every
algorithm the wallet accepts, verified offline, and refused or failed when tampered with."""

from __future__ import annotations

import base64
import contextlib
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from tests.conftest import NOW, sample_badge
from tests.support import english, new_backpack
from wallet.services.learner import sources
from wallet.services.learner.backpack import TokenNotPresentable
from wallet.ui.errors import message_for
from wallet.ui.i18n import Catalog
from wallet.vc import baked_badges, did_jwk, did_key, envelopes, jose, jwt_keys, vc_jwt
from wallet.vc.errors import UnusableInput
from wallet.vc.jwk import Alg, Jwk
from wallet.vc.multibase import b64url_encode
from wallet.vc.multikey import KeyPair, KeyType

ALGS = ["EdDSA", "ES256", "ES384", "RS256"]


@cache
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


def signer_for(alg: str) -> jose.KeyPairSigner | jose.RsaSigner:
    if alg == "RS256":
        return jose.RsaSigner(rsa_key())
    key_type = {"EdDSA": KeyType.ED25519, "ES256": KeyType.P256, "ES384": KeyType.P384}[alg]
    return jose.KeyPairSigner(KeyPair.generate(key_type))


def issuer_of(signer: jose.KeyPairSigner | jose.RsaSigner) -> tuple[str, str]:
    """(issuer DID, kid): did:key for our curves, did:jwk for RSA (did:key has no RSA here)."""
    public = signer.jwk().public_key()
    if public is None:
        did = did_jwk.did_for(signer.jwk())
        return did, f"{did}#0"
    return did_key.did_for(public), did_key.verification_method_id(public)


def badge_from(issuer: str) -> dict[str, Any]:
    badge = sample_badge()
    badge["issuer"]["id"] = issuer
    return badge


def sign(envelope: str, alg: str) -> str:
    signer = signer_for(alg)
    did, kid = issuer_of(signer)
    if envelope == "vc+jwt":
        return vc_jwt.sign_vc_jose(badge_from(did), signer, kid)
    return vc_jwt.sign_ob3(badge_from(did), signer, kid=kid)


@cache
def signed(envelope: str, alg: str) -> str:
    return sign(envelope, alg)


def failed(report: Any) -> dict[str, str]:
    return {c.id: english(c) for c in report.checks if not c.ok}


@pytest.mark.parametrize("alg", ALGS)
@pytest.mark.parametrize("envelope", ["vc+jwt", "ob3"])
def test_signed_in_every_algorithm_verifies(envelope: str, alg: str) -> None:
    report = vc_jwt.verify(signed(envelope, alg), now=NOW)
    assert report.verified, failed(report)
    assert [c.id for c in report.checks] == [
        "structure",
        "signature",
        "claims",
        "issuer",
        "validity",
        "status",
    ]
    assert next(c for c in report.checks if c.id == "signature").params["alg"] == alg


def test_ob3_claims_stand_for_the_credential_properties() -> None:
    """OB 3.0 8.2.3: iss = issuer.id, jti = id, sub = credentialSubject.id, nbf = validFrom."""
    token = signed("ob3", "ES256")
    claims = jose.parse(token).claims()
    vc = claims["vc"]
    assert claims["iss"] == vc["issuer"]["id"]
    assert claims["jti"] == vc["id"]
    assert claims["sub"] == vc["credentialSubject"]["id"]
    assert claims["nbf"] == 1768467600  # 2026-01-15T09:00:00Z
    assert jose.parse(token).header["typ"] == "JWT"


def _resign_ob3(change: Any, alg: str = "EdDSA") -> str:
    signer = signer_for(alg)
    did, kid = issuer_of(signer)
    token = vc_jwt.sign_ob3(badge_from(did), signer, kid=kid)
    claims = jose.parse(token).claims()
    change(claims)
    return jose.sign({"typ": "JWT", "kid": kid}, claims, signer)


@pytest.mark.parametrize(
    "claim, value",
    [("jti", "urn:uuid:other"), ("sub", "did:example:someone-else"), ("nbf", 1_700_000_000)],
)
def test_a_claim_that_contradicts_the_credential_fails(claim: str, value: Any) -> None:
    token = _resign_ob3(lambda claims: claims.update({claim: value}))
    report = vc_jwt.verify(token, now=NOW)
    assert not report.verified
    assert f"{claim} is not" in failed(report)["claims"]


def test_an_iss_other_than_the_issuer_fails() -> None:
    token = _resign_ob3(lambda claims: claims.update(iss="did:example:impostor"))
    assert "iss is not issuer" in failed(vc_jwt.verify(token, now=NOW))["claims"]


def test_claims_fill_what_the_vc_claim_leaves_out() -> None:
    """VCDM 1.1 6.3.1: the `vc` claim may omit what the JWT claims carry."""

    def strip(claims: dict[str, Any]) -> None:
        del claims["vc"]["id"], claims["vc"]["validFrom"], claims["vc"]["credentialSubject"]["id"]

    report = vc_jwt.verify(_resign_ob3(strip), now=NOW)
    assert report.verified, failed(report)
    parsed = vc_jwt.parse(_resign_ob3(strip))
    assert parsed.credential["validFrom"] == "2026-01-15T09:00:00Z"


def test_an_expired_token_fails_validity() -> None:
    token = _resign_ob3(lambda claims: claims.update(exp=1_770_000_000))  # 2026-02-02
    report = vc_jwt.verify(token, now=NOW)
    assert not report.verified
    assert set(failed(report)) >= {"validity", "claims"}


def test_a_jwk_header_is_bound_only_when_the_issuer_holds_that_key() -> None:
    signer = signer_for("RS256")
    did = did_jwk.did_for(signer.jwk())
    bound = vc_jwt.sign_ob3(badge_from(did), signer, jwk=signer.jwk().to_jwk())
    assert vc_jwt.verify(bound, now=NOW).verified
    claimed = vc_jwt.sign_ob3(
        badge_from("https://example.org/issuers/1"), signer, jwk=signer.jwk().to_jwk()
    )
    report = vc_jwt.verify(claimed, now=NOW)
    assert next(c for c in report.checks if c.id == "signature").ok  # the bytes are intact
    assert "nothing shows that key is the issuer's" in failed(report)["issuer"]


def test_keys_come_from_an_injected_key_source() -> None:
    """An https issuer's key is known only through the cache another module keeps."""
    signer = signer_for("ES256")
    issuer, kid = "https://example.org/issuers/1", "https://example.org/issuers/1#key-1"
    token = vc_jwt.sign_vc_jose(badge_from(issuer), signer, kid)
    asked: list[tuple[str, str | None]] = []

    def keys(who: str, key_id: str | None) -> list[Jwk]:
        asked.append((who, key_id))
        return [signer.jwk()] if (who, key_id) == (issuer, kid) else []

    assert vc_jwt.verify(token, now=NOW, keys=keys).verified
    assert asked == [(issuer, kid)]
    unknown = vc_jwt.verify(token, now=NOW)  # nothing cached: a failed check, not an error
    assert "No key for this token is known offline" in failed(unknown)["signature"]


def test_a_key_of_another_type_never_verifies_the_token() -> None:
    """Algorithm confusion: the header says RS256 but the kid names an Ed25519 key."""
    ed = signer_for("EdDSA")
    did, kid = issuer_of(ed)
    token = vc_jwt.sign_vc_jose(badge_from(did), signer_for("RS256"), kid)
    report = vc_jwt.verify(token, now=NOW)
    assert "does not match" in failed(report)["signature"]
    assert jose.parse(token).alg is Alg.RS256


def _token(header: dict[str, Any], payload: bytes = b"{}", signature: bytes = b"sig") -> str:
    head = b64url_encode(json.dumps(header).encode())
    return f"{head}.{b64url_encode(payload)}.{b64url_encode(signature)}"


@pytest.mark.parametrize(
    "header, code",
    [
        ({"alg": "none"}, "alg-none"),
        ({"alg": "NONE"}, "alg-none"),
        ({"alg": "HS256"}, "alg-refused"),
        ({"alg": "ES512"}, "alg-refused"),
        ({"typ": "JWT"}, "alg-missing"),
        ({"alg": "ES256", "crit": ["b64"], "b64": False}, "crit"),
        ({"alg": "ES256", "kid": 7}, "header-malformed"),
    ],
)
def test_headers_we_do_not_accept_are_refused_by_name(header: dict[str, Any], code: str) -> None:
    with pytest.raises(jose.JoseError) as refused:
        jose.parse(_token(header))
    assert refused.value.code == code


def test_duplicate_header_members_are_refused() -> None:
    head = b64url_encode(b'{"alg":"ES256","alg":"none"}')
    with pytest.raises(jose.JoseError) as refused:
        jose.parse(f"{head}.e30.c2ln")
    assert refused.value.code == "json-duplicate"


def test_non_canonical_base64url_is_refused() -> None:
    token = signed("vc+jwt", "ES256")
    head, body, signature = token.split(".")
    last = signature[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # 64 bytes of ES256 signature leave 2 unused bits in the last character: set one
    twin = alphabet[alphabet.index(last) ^ 1]
    assert base64.urlsafe_b64decode(signature[:-1] + twin + "==") == base64.urlsafe_b64decode(
        signature + "=="
    )
    with pytest.raises(jose.JoseError):
        jose.parse(f"{head}.{body}.{signature[:-1]}{twin}")


def test_a_token_over_the_size_limit_is_refused_before_decoding() -> None:
    with pytest.raises(jose.JoseTooLarge):
        jose.parse("eyJ" + "A" * jose.MAX_TOKEN_BYTES + ".e30.c2ln")


def test_a_private_key_in_a_jwk_header_is_refused() -> None:
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(bytes(32)), "d": "secret"}
    parsed = jose.parse(_token({"alg": "EdDSA", "jwk": jwk}))
    with pytest.raises(UnusableInput) as refused:
        parsed.header_jwk()
    assert getattr(refused.value, "code", "") == "jwk-private"


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_change_to_a_signed_token_is_refused_or_fails(data: st.DataObject) -> None:
    envelope = data.draw(st.sampled_from(["vc+jwt", "ob3"]))
    alg = data.draw(st.sampled_from(ALGS))
    token = signed(envelope, alg)
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from("AQgw_-.~x9eyJ="))
    tampered = token[:position] + replacement + token[position + 1 :]
    if tampered == token:
        return
    try:
        report = vc_jwt.verify(tampered, now=NOW)
    except UnusableInput:
        return
    assert not report.verified


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300) | st.from_regex(r"eyJ[A-Za-z0-9_-]{0,60}\.[A-Za-z0-9_.-]{0,60}"))
def test_the_parser_refuses_garbage_with_a_typed_error(text: str) -> None:
    with contextlib.suppress(UnusableInput):
        vc_jwt.parse(text)


def test_a_jwt_baked_in_an_svg_verify_attribute_is_extracted() -> None:
    token = signed("ob3", "ES256")
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        f'<openbadges:credential verify="{token}"></openbadges:credential></svg>'
    ).encode()
    assert baked_badges.extract_from_svg(svg) == token


def test_the_backpack_keeps_jwts_from_files_text_and_baked_images(tmp_path: Path) -> None:
    """OB 3.0 5.3: a VC-JWT baked in PNG iTXt or an SVG `verify` attribute is a badge too."""
    pack, _ = new_backpack(tmp_path / "w")
    vc_jose, ob3, rsa_signed = signed("vc+jwt", "ES256"), sign("ob3", "EdDSA"), sign("ob3", "RS256")
    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadgecredential", ob3)
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(image, "PNG", pnginfo=info)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        f'<openbadges:credential verify="{rsa_signed}"></openbadges:credential></svg>'
    ).encode()
    unsigned = _token({"alg": "none"}, jose.parse(vc_jose).payload)
    results = list(
        pack.import_sources(
            [
                ("badge.jwt", lambda: vc_jose.encode() + b"\n"),
                ("badge.png", image.getvalue),
                ("badge.svg", lambda: svg),
                ("pasted", lambda: b"  " + vc_jose.encode()),
                ("unsigned.jwt", lambda: unsigned.encode()),
            ]
        )
    )
    assert [(r.status, r.verified) for r in results] == [
        ("imported", True),
        ("imported", True),
        ("imported", True),
        ("duplicate", None),
        ("refused", None),
    ]
    assert "unsigned" in results[4].reason
    held = pack.show(results[1].id)
    assert (held.format, held.token) == ("vc+jwt", ob3)
    assert held.card["name"] == "Teamwork"
    assert held.credential["credentialSubject"]["achievement"]["name"] == "Teamwork"
    assert pack.reverify_all() == (3, 0)


def test_keys_from_cached_did_documents_jwks_and_issuer_metadata() -> None:
    """What the network side caches plugs in as a KeySource: a DID document's
    assertionMethod keys (JWK or Multikey), a JWKS, or JWT VC Issuer Metadata."""
    es, ed = signer_for("ES256"), KeyPair.generate(KeyType.ED25519)
    issuer = "did:web:127.0.0.1%3A8443"
    document = {
        "id": issuer,
        "verificationMethod": [
            {
                "id": "#jwk",
                "type": "JsonWebKey",
                "controller": issuer,
                "publicKeyJwk": es.jwk().to_jwk(),
            },
            {
                "id": f"{issuer}#mk",
                "type": "Multikey",
                "controller": issuer,
                "publicKeyMultibase": ed.public.multikey(),
            },
            {
                "id": "#other",
                "type": "JsonWebKey",
                "controller": "did:example:else",
                "publicKeyJwk": es.jwk().to_jwk(),
            },
        ],
        "assertionMethod": ["#jwk", f"{issuer}#mk", "#other"],
    }
    keys = jwt_keys.source_from({issuer: document})
    assert keys(issuer, f"{issuer}#jwk") == [es.jwk()]
    assert keys(issuer, "#mk") == [Jwk.from_public_key(ed.public)]
    assert keys(issuer, f"{issuer}#other") == []  # another controller's key
    assert keys("did:web:elsewhere", None) == []
    token = vc_jwt.sign_vc_jose(badge_from(issuer), es, f"{issuer}#jwk")
    assert vc_jwt.verify(token, now=NOW, keys=keys).verified
    ed_token = vc_jwt.sign_vc_jose(badge_from(issuer), jose.KeyPairSigner(ed), "#mk")
    assert vc_jwt.verify(ed_token, now=NOW, keys=keys).verified

    web = "https://issuer.example"
    jwks = {"keys": [{**es.jwk().to_jwk(), "kid": "k1"}]}
    metadata = {"issuer": web, "jwks": jwks}
    assert jwt_keys.source_from({web: jwks})(web, "k1") == [es.jwk()]
    assert jwt_keys.source_from({web: metadata})(web, "k1") == [es.jwk()]
    assert jwt_keys.source_from({web: {**metadata, "issuer": "https://x"}})(web, "k1") == []


def test_an_enveloped_verifiable_credential_is_kept_as_its_token(tmp_path: Path) -> None:
    """VCDM 2.0 4.13: `EnvelopedVerifiableCredential` with the token in a data: URL."""
    token = signed("vc+jwt", "EdDSA")
    enveloped = {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": f"data:application/vc+jwt,{token}",
        "type": "EnvelopedVerifiableCredential",
    }
    pack, _ = new_backpack(tmp_path / "w")
    [result] = pack.import_sources([("enveloped.json", lambda: json.dumps(enveloped).encode())])
    assert (result.status, result.verified) == ("imported", True)
    assert pack.show(result.id).token == token


# --- published samples: 1EdTech's VC-JWT test badges (tests/data/README.md) ----------------


DATA = Path(__file__).parent / "data"
PUBLISHED = ["1edtech-simple-jwt.svg", "1edtech-simple-jwt.png", "1edtech-simple-jwt_v1.svg"]


@pytest.mark.parametrize("name", PUBLISHED)
def test_1edtech_baked_jwt_badges_verify_but_their_jwk_header_names_no_issuer(name: str) -> None:
    """Their signature, claims and structure hold; their key sits only in the `jwk` header,
    which nothing ties to the https issuer, so the issuer check fails until the issuer's
    keys are known (here, as the network side would cache them)."""
    held = sources.read_credential(name, (DATA / name).read_bytes())
    assert isinstance(held, envelopes.Enveloped) and held.format == "vc+jwt"
    report = envelopes.verify(held, now=NOW)
    assert failed(report).keys() == {"issuer"}
    assert "nothing shows that key is the issuer's" in failed(report)["issuer"]
    parsed = vc_jwt.parse(held.token)
    issuer = parsed.credential["issuer"]["id"]
    published = parsed.jws.header_jwk()
    assert published is not None
    cached = jwt_keys.source_from({issuer: {"keys": [published.to_jwk()]}})
    assert envelopes.verify(held, now=NOW, keys=cached).verified


def test_1edtech_jwt_without_any_key_is_kept_and_says_why() -> None:
    held = sources.read_credential("simple.jwt", (DATA / "1edtech-simple.jwt").read_bytes())
    assert isinstance(held, envelopes.Enveloped)
    report = envelopes.verify(held, now=NOW)
    assert "No key for this token is known offline" in failed(report)["signature"]
    # an early OB 3.0 draft's shape: its subject names no achievement
    assert failed(report).keys() == {"signature", "issuer", "structure"}
    assert "achievement is required" in failed(report)["structure"]


@pytest.mark.parametrize("language", ["en", "es", "fr", "id"])
def test_a_refused_token_reads_as_its_own_sentence_in_every_language(language: str) -> None:
    t = Catalog(language)
    assert message_for(jose.JoseError("alg-none"), t) == t("error.token_unsigned")
    refused = jose.JoseError("alg-refused", alg="HS256", allowed="ES256")
    assert "HS256" in message_for(refused, t)
    assert message_for(TokenNotPresentable("x"), t) == t("error.token_not_presentable")
