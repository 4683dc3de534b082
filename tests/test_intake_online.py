"""Issue 14: the badges learners already have, verified offline where they can be and
online once where they must. The network is a local HTTPS server on 127.0.0.1 with a test
CA; nothing here reaches further."""

from __future__ import annotations

import copy
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import NOW, ROOT, sample_badge
from tests.support import (
    DCC_LIST_URL,
    PASSPHRASE,
    Clock,
    IssuerSite,
    LocalCa,
    as_source,
    dcc_credential,
    dcc_status_list,
    did_document,
    english,
    new_backpack,
    png,
    run,
    sign_as,
    signed_badge,
    wallet,
)
from wallet.bench import hostile as hostile_bench
from wallet.services import scanning
from wallet.services.learner import fetching, sources
from wallet.services.learner.backpack import Backpack
from wallet.services.learner.fetching import Fetcher, FetchError, OnlineChecks
from wallet.services.learner.settings import Settings
from wallet.services.wallet import Wallet
from wallet.store import kdf
from wallet.vc import (
    did_key,
    did_web,
    eddsa_rdfc_2022,
    jose,
    multibase,
    open_badges_v2,
    proofs,
    trust_bundle,
    vc_jwt,
)
from wallet.vc.errors import MalformedInput, MalformedProof, UnusableInput
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.verification import Check, verify_credential

DCC_KEY = KeyPair.generate(KeyType.ED25519)


def _clock() -> Clock:
    clock = Clock()
    clock.now = NOW.timestamp()
    return clock


# --- status lists found by the URL they came from ----------------------------------------


def test_status_list_found_by_url_not_only_by_id_cli(tmp_path: Path) -> None:
    """The bug: a DCC list's `id` is not the URL its credentials name, so a list given by
    file was never found and a revoked credential showed "status unknown"."""
    document, cached = tmp_path / "dcc.json", tmp_path / "list.json"
    document.write_text(json.dumps(dcc_credential(DCC_KEY, 7)))
    cached.write_text(json.dumps(dcc_status_list(DCC_KEY, {7})))
    two_days_ago = (NOW - timedelta(days=2)).timestamp()
    os.utime(cached, (two_days_ago, two_days_ago))
    given = f"{DCC_LIST_URL}={cached}"
    result = wallet(
        "verify", "--now", NOW.isoformat(), "--status-list", given, document, check=False
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Revoked by the issuer (list fetched 2 days ago)." in result.stdout


def test_status_list_found_by_url_not_only_by_id_backpack(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w", _clock())
    pack.cache_status_list(dcc_status_list(DCC_KEY, {7}), NOW, url=DCC_LIST_URL)
    (result,) = pack.import_sources([as_source("dcc.json", dcc_credential(DCC_KEY, 7))])
    status = _check(pack, result.id, "status")
    assert not status.ok and english(status).startswith("Revoked by the issuer")


def test_legacy_status_2021_clear_bit_verifies(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w", _clock())
    pack.cache_status_list(dcc_status_list(DCC_KEY, {7}), NOW, url=DCC_LIST_URL)
    (result,) = pack.import_sources([as_source("dcc.json", dcc_credential(DCC_KEY, 8))])
    assert result.status == "imported" and result.verified


# --- did:web: the method's URL mapping ---------------------------------------------------


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000", "https://example.com:3000/.well-known/did.json"),
        ("did:web:127.0.0.1%3A8443", "https://127.0.0.1:8443/.well-known/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
    ],
)
def test_did_web_document_url(did: str, url: str) -> None:
    assert did_web.document_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        "did:web:",
        "did:web:..",
        "did:web:a.example:..",
        "did:web:a.example::x",
        "did:web:a.example%3A99999",
        "did:web:a.example%2Fevil",
        "did:web:a b",
        "did:web:a.example#key-1",
        "did:key:z6Mk",
    ],
)
def test_did_web_refuses_what_is_not_the_method_syntax(did: str) -> None:
    with pytest.raises(did_web.NotDidWeb):
        did_web.document_url(did)


def test_did_document_of_another_did_is_refused() -> None:
    key = KeyPair.generate(KeyType.ED25519)
    with pytest.raises(MalformedInput, match=r"not did:web:a\.example's own"):
        did_web.parse_document("did:web:a.example", did_document("did:web:b.example", key))


def test_did_document_keys_as_multikey_jwk_and_base58() -> None:
    ed, p256 = KeyPair.generate(KeyType.ED25519), KeyPair.generate(KeyType.P256)
    numbers = p256._secret.public_key().public_numbers()  # type: ignore[union-attr]
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": multibase.b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": multibase.b64url_encode(numbers.y.to_bytes(32, "big")),
    }
    did = "did:web:issuer.example"
    document = {
        "id": did,
        "verificationMethod": [
            {"id": "#a", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk},
            {
                "id": f"{did}#b",
                "type": "Ed25519VerificationKey2018",
                "controller": did,
                "publicKeyBase58": multibase.b58encode(ed.public.raw),
            },
            {
                "id": "#c",
                "type": "Multikey",
                "controller": "did:web:other",
                "publicKeyMultibase": ed.public.multikey(),
            },
        ],
        "assertionMethod": ["#a", f"{did}#b", "#c", "#missing"],
    }
    methods = did_web.parse_document(did, document).methods
    assert sorted(methods) == [f"{did}#a", f"{did}#b"]  # another controller's key is not theirs
    assert methods[f"{did}#a"].public_key == p256.public
    assert methods[f"{did}#b"].public_key == ed.public


# --- online once, then offline ------------------------------------------------------------


def _online(pack: Backpack, ca: LocalCa, clock: Clock, **options: Any) -> OnlineChecks:
    fetcher = Fetcher(allowed=True, ssl_context=ca.client_context())
    return OnlineChecks(pack, fetcher, clock=clock, **options)


def _did_web_badge(site: IssuerSite, key: KeyPair) -> dict[str, Any]:
    """Credly-style: an OB 3.0 credential whose issuer is a did:web."""
    unsigned = sample_badge()
    unsigned["issuer"] = {**unsigned["issuer"], "id": site.did}
    return sign_as(unsigned, key, site.did)


def _later(pack: Backpack, clock: Clock, seconds: float) -> None:
    """Time passes: the wallet locked itself meanwhile, and the learner unlocks it."""
    clock.now += seconds
    pack.unlock(PASSPHRASE)


def _check(pack: Backpack, record_id: str, check_id: str) -> Check:
    stored = pack.show(record_id).report["checks"]
    return next(Check.from_json(c) for c in stored if c["id"] == check_id)


def test_did_web_issuer_verifies_after_one_fetch_then_offline(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    key = KeyPair.generate(KeyType.ED25519)
    site.serve("/.well-known/did.json", did_document(site.did, key))
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    (result,) = pack.import_sources([as_source("credly.json", _did_web_badge(site, key))])
    # never online: kept, and the card says it needs a connection once (and that it was
    # issued to a DID this wallet does not hold: never a plain success)
    assert result.status == "imported" and not result.verified
    assert result.state == {
        "state": "needs-connection",
        "reasons": [],
        "missing": ["issuer-keys"],
        "notes": ["other-holder"],
    }
    assert site.hits == {}  # importing never touches the network
    report = _online(pack, ca, clock).run()
    assert report.fetched == [f"{site.origin}/.well-known/did.json"]
    assert report.rechecked == 1
    assert pack.show(result.id).report["verified"]
    assert pack.show(result.id).card["state"]["state"] == "verified"
    # offline from now on: the server is gone, the pinned keys verify, and say how old
    site.close()
    _later(pack, clock, 3 * 86_400)
    assert pack.reverify_all() == (1, 0)
    assert english(_check(pack, result.id, "issuer-keys")) == (
        "Checked with the issuer's keys fetched 3 days ago."
    )


def test_network_switched_off_fetches_nothing_and_says_why(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    key = KeyPair.generate(KeyType.ED25519)
    site.serve("/.well-known/did.json", did_document(site.did, key))
    pack, _ = new_backpack(tmp_path / "w", _clock())
    (result,) = pack.import_sources([as_source("credly.json", _did_web_badge(site, key))])
    fetcher = Fetcher(allowed=False, ssl_context=ca.client_context())
    report = OnlineChecks(pack, fetcher).run()
    assert report.off and report.fetched == [] and site.hits == {}
    with pytest.raises(FetchError) as refused:
        fetcher.get_json(f"{site.origin}/.well-known/did.json")
    assert refused.value.code == "network-off"
    assert pack.show(result.id).card["state"]["state"] == "needs-connection"


def test_changed_key_is_reported_not_silently_accepted(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    old, new = KeyPair.generate(KeyType.ED25519), KeyPair.generate(KeyType.ED25519)
    site.serve("/.well-known/did.json", did_document(site.did, old))
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    (first,) = pack.import_sources([as_source("old.json", _did_web_badge(site, old))])
    _online(pack, ca, clock).run()
    # later the issuer's server names another key (rotated, or the site taken over)
    site.serve("/.well-known/did.json", did_document(site.did, new))
    _later(pack, clock, 8 * 86_400)
    (second,) = pack.import_sources([as_source("new.json", _did_web_badge(site, new))])
    report = _online(pack, ca, clock).run()
    assert [change.did for change in report.key_changes] == [site.did]
    assert pack.show(first.id).report["verified"]  # still checked with the pinned key
    assert not pack.show(second.id).report["verified"]  # the new key is not accepted
    warning = _check(pack, first.id, "issuer-keys")
    assert warning.warning and "keys changed" in english(warning)
    pack.did_documents.accept_change(site.did)  # the learner confirms
    pack.reverify_all()
    assert pack.show(second.id).report["verified"]
    assert not pack.show(first.id).report["verified"]


def test_status_list_fetched_once_then_again_when_its_ttl_passed(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    key = KeyPair.generate(KeyType.ED25519)
    site.serve("/.well-known/did.json", did_document(site.did, key))
    list_url = f"{site.origin}/status/3"
    site.serve(
        "/status/3",
        _with_ttl(dcc_status_list(key, set(), issuer_id=site.did, list_url=list_url), key, site),
    )
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    credential = dcc_credential(key, 7, issuer_id=site.did, list_url=list_url)
    neighbour = dcc_credential(key, 8, issuer_id=site.did, list_url=list_url)
    result, other = pack.import_sources(
        [as_source("dcc.json", credential), as_source("dcc-8.json", neighbour)]
    )
    assert result.state is not None and result.state["missing"] == ["issuer-keys", "status-list"]
    _online(pack, ca, clock).run()
    status = _check(pack, result.id, "status")
    assert status.ok and english(status) == "Not revoked (list fetched just now)."
    site.serve(
        "/status/3",
        _with_ttl(dcc_status_list(key, {7}, issuer_id=site.did, list_url=list_url), key, site),
    )
    _later(pack, clock, 60)  # within the list's ttl: not fetched again
    _online(pack, ca, clock).run()
    assert site.hits["/status/3"] == 1
    _later(pack, clock, 3600)  # past it: fetched again, and the revocation shows
    report = _online(pack, ca, clock).run()
    assert site.hits["/status/3"] == 2 and report.rechecked == 2  # one fetch, both badges
    assert pack.show(other.id).card["state"]["state"] == "verified"
    assert pack.show(result.id).card["state"] == {
        "state": "cannot-verify",
        "reasons": ["revoked"],
        "missing": [],
        "notes": [],
    }


def _with_ttl(status_list: dict[str, Any], key: KeyPair, site: IssuerSite) -> dict[str, Any]:
    """The same list with a one-hour ttl, signed again."""
    unsigned = {k: v for k, v in status_list.items() if k != "proof"}
    unsigned["@context"] = [
        *unsigned["@context"],
        {"ttl": "https://www.w3.org/ns/credentials/status#ttl"},
    ]
    unsigned["credentialSubject"] = {**unsigned["credentialSubject"], "ttl": 3_600_000}
    return sign_as(unsigned, key, site.did)


# --- Open Badges 2.0 hosted assertions -----------------------------------------------------

LEARNER_EMAIL = "zanele@example.org"


def _ob2(site: IssuerSite, *, email: str = LEARNER_EMAIL, **extra: Any) -> dict[str, Any]:
    """A Canvas-style hosted assertion, its badge class and issuer profile, all served."""
    issuer_url = site.serve(
        "/issuers/1",
        {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "Issuer",
            "id": f"{site.origin}/issuers/1",
            "name": "Quillwort Apprenticeship Guild",
            "url": site.origin,
            "email": "badges@example.org",
        },
    )
    badge_url = site.serve(
        "/badges/5",
        {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "BadgeClass",
            "id": f"{site.origin}/badges/5",
            "name": "Borehole pump maintenance",
            "description": "Calibrated and serviced a borehole pump.",
            "image": f"{site.origin}/badges/5/image",
            "criteria": {"narrative": "Service a pump under supervision."},
            "issuer": issuer_url,
        },
    )
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": f"{site.origin}/assertions/123",
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": "deadsea",
            "identity": open_badges_v2.hash_identity(email, "deadsea"),
        },
        "badge": badge_url,
        "verification": {"type": "HostedBadge"},
        "issuedOn": "2026-03-01T09:00:00Z",
        **extra,
    }
    site.serve("/assertions/123", assertion)
    return assertion


def test_ob2_hosted_assertion_checked_online_once_then_offline_with_its_date(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    assertion = _ob2(site)
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    (result,) = pack.import_sources([as_source("canvas.json", assertion)])
    assert result.status == "imported" and not result.verified
    assert result.state is not None and result.state["state"] == "needs-connection"
    assert result.state["missing"] == ["hosted-check"]
    report = _online(pack, ca, clock, identities=[LEARNER_EMAIL]).run()
    assert sorted(report.fetched) == [
        f"{site.origin}/assertions/123",
        f"{site.origin}/badges/5",
        f"{site.origin}/issuers/1",
    ]
    held = pack.show(result.id)
    assert held.report["verified"] and held.card["state"]["state"] == "verified"
    assert held.card["name"] == "Borehole pump maintenance"
    assert held.card["issuer"] == "Quillwort Apprenticeship Guild"
    site.close()
    _later(pack, clock, 30 * 86_400)
    pack.reverify_all()
    hosted = _check(pack, result.id, "hosted")
    assert hosted.ok and english(hosted).startswith("Checked online on 1 Jun 2026")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"revoked": True, "revocationReason": "issued in error"}, "revoked"),
        ({"gone": True}, "revoked"),  # 410 Gone
        ({"email": "someone.else@example.org"}, "issued-to-someone-else"),
        ({"expires": "2026-04-01T00:00:00Z"}, "expired"),
    ],
)
def test_ob2_hosted_assertion_that_fails_its_online_check(
    tmp_path: Path, ca: LocalCa, site: IssuerSite, change: dict[str, Any], reason: str
) -> None:
    email = change.pop("email", LEARNER_EMAIL)
    gone = change.pop("gone", False)
    assertion = _ob2(site, email=email, **change)
    if gone:
        site.serve("/assertions/123", {}, status=410)
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    (result,) = pack.import_sources([as_source("canvas.json", assertion)])
    _online(pack, ca, clock, identities=[LEARNER_EMAIL]).run()
    state = pack.show(result.id).card["state"]
    assert state["state"] == "cannot-verify" and state["reasons"] == [reason]


def test_ob2_assertion_hosted_on_another_origin_is_not_the_issuers(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    assertion = _ob2(site)
    profile = json.loads(site.routes["/issuers/1"][1])
    site.serve("/issuers/1", {**profile, "id": "https://guild.example/issuer"})
    badge = json.loads(site.routes["/badges/5"][1])
    site.serve("/badges/5", {**badge, "issuer": {**profile, "id": "https://guild.example/issuer"}})
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    (result,) = pack.import_sources([as_source("canvas.json", assertion)])
    _online(pack, ca, clock, identities=[LEARNER_EMAIL]).run()
    assert pack.show(result.id).card["state"]["reasons"] == ["wrong-issuer"]


def test_ob2_baked_png_and_svg_are_kept_and_checked(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    assertion = _ob2(site)
    text = json.dumps(assertion).encode()
    png_json = png(8, 8, (b"iTXt", b"openbadges\0\0\0\0\0" + text))
    url = assertion["id"].encode()
    png_url = png(8, 8, (b"iTXt", b"openbadges\0\0\0\0\0" + url))
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b'<openbadges:assertion verify="' + url + b'"><![CDATA[' + text + b"]]>"
        b"</openbadges:assertion></svg>"
    )
    svg_url = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b'<openbadges:assertion verify="' + url + b'"/></svg>'
    )
    assert sources.parse_source("badge.png", png_json) == assertion
    assert sources.parse_source("badge.svg", svg) == assertion
    assert sources.parse_source("url.svg", svg_url) == sources.parse_source("url.png", png_url)
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    results = list(
        pack.import_sources([("badge.png", lambda: png_json), ("url.svg", lambda: svg_url)])
    )
    assert [r.status for r in results] == ["imported", "imported"]
    _online(pack, ca, clock, identities=[LEARNER_EMAIL]).run()
    for result in results:
        assert pack.show(result.id).card["state"]["state"] == "verified", result.source


# --- Open Badges 2.0 signed assertions (JWS) ----------------------------------------------

OB2_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ob2_signed(
    site: IssuerSite,
    *,
    revoked: bool = False,
    listed: bool = True,
    badge_issuer: str | None = None,
    **extra: Any,
) -> str:
    """A signed OB 2.0 assertion (SignedBadge, RS256) with its key, issuer profile and
    revocation list served by the issuer."""
    key_url, profile_url = f"{site.origin}/keys/1", f"{site.origin}/issuers/signed"
    assertion_id = "urn:uuid:2f0d4c1e-8f7e-4f4a-9d55-7a3b2c1d0e9f"
    pem = OB2_RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    context = "https://w3id.org/openbadges/v2"
    site.serve(
        "/keys/1",
        {
            "@context": context,
            "type": "CryptographicKey",
            "id": key_url,
            "owner": profile_url,
            "publicKeyPem": pem.decode(),
        },
    )
    site.serve(
        "/issuers/signed",
        {
            "@context": context,
            "type": "Issuer",
            "id": profile_url,
            "name": "Quillwort Apprenticeship Guild",
            "publicKey": key_url if listed else f"{site.origin}/keys/2",
            "revocationList": f"{site.origin}/revocations",
        },
    )
    revocations = [{"id": assertion_id, "revocationReason": "issued in error"}] if revoked else []
    site.serve(
        "/revocations",
        {"@context": context, "type": "RevocationList", "revokedAssertions": revocations},
    )
    assertion = {
        "@context": context,
        "type": "Assertion",
        "id": assertion_id,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": "deadsea",
            "identity": open_badges_v2.hash_identity(LEARNER_EMAIL, "deadsea"),
        },
        "badge": {
            "type": "BadgeClass",
            "id": f"{site.origin}/badges/9",
            "name": "Solar panel installation",
            "issuer": profile_url,
        },
        "verification": {"type": "SignedBadge", "creator": key_url},
        "issuedOn": "2026-03-01T09:00:00Z",
        **extra,
    }
    if badge_issuer is not None:  # the badge class named by its URL, served by the issuer
        badge_class = {**assertion["badge"], "issuer": badge_issuer}
        assertion["badge"] = site.serve("/badges/9", badge_class)
    return jose.sign({}, assertion, jose.RsaSigner(OB2_RSA_KEY))


def test_ob2_signed_assertion_verified_offline_once_its_key_is_fetched(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    token = _ob2_signed(site)
    baked = png(8, 8, (b"iTXt", b"openbadges\0\0\0\0\0" + token.encode()))
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    (result,) = pack.import_sources([("badge.jws", lambda: token.encode())])
    assert result.status == "imported", result.reason
    assert result.state == {
        "state": "needs-connection",
        "reasons": [],
        "missing": ["issuer-keys"],
        "notes": [],
    }
    assert pack.show(result.id).format == open_badges_v2.SIGNED_FORMAT
    assert pack.show(result.id).card["name"] == "Solar panel installation"
    report = _online(pack, ca, clock).run()
    assert sorted(report.fetched) == [
        f"{site.origin}/issuers/signed",
        f"{site.origin}/keys/1",
        f"{site.origin}/revocations",
    ]
    assert report.rechecked == 1
    held = pack.show(result.id)
    assert held.report["verified"] and held.card["state"]["state"] == "verified"
    assert english(_check(pack, result.id, "signature")) == "RS256 signature verified."
    recipient = _check(pack, result.id, "recipient")
    assert recipient.warning and recipient.code == open_badges_v2.RECIPIENT_NOT_COMPARED
    Settings(pack.vault).set(fetching.EMAIL_SETTING, [LEARNER_EMAIL])  # the learner's email
    pack.reverify_all()
    assert _check(pack, result.id, "recipient").code == open_badges_v2.RECIPIENT_YOU
    site.close()  # offline from now on: the key is held
    _later(pack, clock, 30 * 86_400)
    pack.reverify_all()
    assert pack.show(result.id).card["state"]["state"] == "verified"
    assert pack.export(result.id) == token  # kept as received: only those bytes verify
    (picture,) = pack.import_sources([("badge.png", lambda: baked)])
    assert picture.status == "duplicate"  # the same JWS, baked in a PNG


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("tampered", "tampered"),
        ("revoked", "revoked"),
        ("unlisted", "wrong-issuer"),  # the profile does not list the key that signed
        ("expired", "expired"),
        ("someone else", "issued-to-someone-else"),  # the learner's email is another
    ],
)
def test_ob2_signed_assertion_that_fails_its_checks(
    tmp_path: Path, ca: LocalCa, site: IssuerSite, change: str, reason: str
) -> None:
    extra = {"expires": "2026-04-01T00:00:00Z"} if change == "expired" else {}
    token = _ob2_signed(site, revoked=change == "revoked", listed=change != "unlisted", **extra)
    if change == "tampered":
        head, body, signature = token.split(".")
        claims = json.loads(multibase.b64url_decode(body))
        claims["badge"]["name"] = "Nuclear reactor operation"
        forged = multibase.b64url_encode(json.dumps(claims).encode())
        token = f"{head}.{forged}.{signature}"
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    email = "someone.else@example.org" if change == "someone else" else LEARNER_EMAIL
    Settings(pack.vault).set(fetching.EMAIL_SETTING, [email])
    (result,) = pack.import_sources([("badge.jws", lambda: token.encode())])
    assert result.status == "imported", result.reason
    _online(pack, ca, clock).run()
    state = pack.show(result.id).card["state"]
    assert state["state"] == "cannot-verify" and state["reasons"] == [reason]


@pytest.mark.parametrize("theirs", [False, True])
def test_ob2_signed_assertion_badge_class_by_url_is_fetched_with_its_key(
    tmp_path: Path, ca: LocalCa, site: IssuerSite, theirs: bool
) -> None:
    """A badge class named by URL is fetched with the key: the card shows its name, and
    one naming another issuer than the key's owner fails the issuer check."""
    issuer = "https://elsewhere.example/issuer" if theirs else f"{site.origin}/issuers/signed"
    token = _ob2_signed(site, badge_issuer=issuer)
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    (result,) = pack.import_sources([("badge.jws", lambda: token.encode())])
    assert pack.show(result.id).card["name"] == "Credential"  # nothing known offline yet
    report = _online(pack, ca, clock).run()
    assert f"{site.origin}/badges/9" in report.fetched
    held = pack.show(result.id)
    assert held.card["name"] == "Solar panel installation"
    if theirs:
        assert held.card["state"]["reasons"] == ["wrong-issuer"]
    else:
        assert held.card["state"]["state"] == "verified"


def test_ob2_signed_assertion_revocation_list_is_fetched_again_after_a_day(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    """The key and profile stay pinned from the first fetch; the revocation list is dated
    and fetched again once a day, so a badge the issuer revoked later shows it."""
    token = _ob2_signed(site)
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    (result,) = pack.import_sources([("badge.jws", lambda: token.encode())])
    _online(pack, ca, clock).run()
    _later(pack, clock, 3600)
    pack.reverify_all()
    assert english(_check(pack, result.id, "status")).startswith("Not revoked (")
    _ob2_signed(site, revoked=True)  # the issuer revokes it
    assert _online(pack, ca, clock).run().fetched == []  # within the day: nothing fetched
    _later(pack, clock, 86_400)
    report = _online(pack, ca, clock).run()  # the key looked at again, its profile pinned
    assert report.fetched == [f"{site.origin}/keys/1", f"{site.origin}/revocations"]
    state = pack.show(result.id).card["state"]
    assert state["state"] == "cannot-verify" and state["reasons"] == ["revoked"]


def _rsa_key_document(site: IssuerSite, key: rsa.RSAPrivateKey) -> dict[str, Any]:
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "CryptographicKey",
        "id": f"{site.origin}/keys/1",
        "owner": f"{site.origin}/issuers/signed",
        "publicKeyPem": pem.decode(),
    }


def test_ob2_signed_key_change_is_reported_not_silently_accepted(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    """Before: the first key was pinned and never looked at again, so a key the issuer's
    server later replaced went unreported. Now it is reported as a did:web key change is
    (the same mechanism): kept aside, a warning on the issuer's badges, accepted only by
    the learner."""
    key_url = f"{site.origin}/keys/1"
    first = _ob2_signed(site)
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    (old,) = pack.import_sources([("old.jws", lambda: first.encode())])
    assert _online(pack, ca, clock).run().key_changes == []
    assert pack.show(old.id).card["state"]["state"] == "verified"
    # the issuer's server now serves another key at the same URL (rotated, or taken over)
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    site.serve("/keys/1", _rsa_key_document(site, rotated))
    _, body, _ = first.split(".")
    claims = json.loads(multibase.b64url_decode(body))
    second = jose.sign({}, {**claims, "id": "urn:uuid:2"}, jose.RsaSigner(rotated))
    (new,) = pack.import_sources([("new.jws", lambda: second.encode())])
    _later(pack, clock, 86_400)
    report = _online(pack, ca, clock).run()
    assert [change.did for change in report.key_changes] == [key_url]
    assert pack.signing_keys.pending_changes() == [key_url]
    assert pack.show(old.id).report["verified"]  # still checked with the pinned key
    assert not pack.show(new.id).report["verified"]  # the new key is not accepted
    warning = _check(pack, old.id, "issuer-keys")
    assert warning.warning and warning.code == "issuer-keys.changed"
    assert "keys changed" in english(warning)
    _later(pack, clock, 86_400)  # reported again while it waits, the pinned key kept
    assert [c.did for c in _online(pack, ca, clock).run().key_changes] == [key_url]
    pack.signing_keys.accept_change(key_url)  # the learner confirms
    pack.reverify_all()
    assert pack.show(new.id).report["verified"]
    assert not pack.show(old.id).report["verified"]
    assert pack.signing_keys.pending_changes() == []


def test_ob2_signing_key_kept_before_keys_were_pinned_reads_as_pinned(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    """A key stored by the earlier cache (no pin fields) still verifies, and is the pin a
    later fetch is compared with: nothing already stored is lost."""
    token = _ob2_signed(site)
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    (held,) = pack.import_sources([("badge.jws", lambda: token.encode())])
    key_url = f"{site.origin}/keys/1"
    old = {
        "key": _rsa_key_document(site, OB2_RSA_KEY),
        "profile": json.loads(site.routes["/issuers/signed"][1]),
        "revocation_list": json.loads(site.routes["/revocations"][1]),
        "fetched": NOW.isoformat(timespec="seconds"),
    }
    keys = pack.signing_keys
    with pack.vault.transaction():
        pack.vault.put(keys._record_id(key_url), keys.kind, old)
    pack.reverify_all()
    assert pack.show(held.id).card["state"]["state"] == "verified"
    site.serve("/keys/1", _rsa_key_document(site, rsa.generate_private_key(65537, 2048)))
    _later(pack, clock, 86_400)
    assert [c.did for c in _online(pack, ca, clock).run().key_changes] == [key_url]
    assert pack.show(held.id).report["verified"]


def test_wallet_verify_checks_a_signed_ob2_file_with_the_keys_a_trust_bundle_pins(
    tmp_path: Path, site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: `wallet verify badge.jws` always said "no key", whatever the verifier had
    pinned. A trust bundle may carry an OB 2.0 issuer's key (with its profile and
    revocation list): an offline verifier that pinned it checks signed assertions, and a
    learner's wallet pins it as a first fetch would."""
    monkeypatch.setattr(kdf, "calibrate", kdf.KdfParams.minimum)
    token = _ob2_signed(site)
    site.close()  # nothing is fetched from here on
    key_url = f"{site.origin}/keys/1"
    badge = tmp_path / "badge.jws"
    badge.write_text(token)
    verifier = tmp_path / "verifier"
    without = run(verifier, "verify", badge, check=False)
    assert (
        without.returncode == 1
        and english({"code": "token-signature.no-key", "params": {"kid": key_url}})
        in without.stdout
    )
    issued = datetime.now(UTC)
    entry = {
        "key": _rsa_key_document(site, OB2_RSA_KEY),
        "profile": json.loads(site.routes["/issuers/signed"][1]),
        "revocationList": json.loads(site.routes["/revocations"][1]),
    }
    publisher = KeyPair.generate(KeyType.ED25519)
    entries = {trust_bundle.entry_id(trust_bundle.OB2_KEY, key_url): entry}
    bundle = trust_bundle.sign_bundle(entries, publisher, 1, issued, issued + timedelta(days=90))
    bundle_file = tmp_path / "bundle.json"
    bundle_file.write_text(json.dumps(bundle))
    run(verifier, "trust", "add", bundle_file)
    checked = run(verifier, "verify", "--json", badge)
    report = json.loads(checked.stdout)
    assert checked.returncode == 0 and report["verified"], report
    signature = next(c for c in report["checks"] if c["id"] == "signature")
    assert signature["code"] == "token-signature.valid"
    # a learner's wallet pins the bundled key too: the badge verifies with no fetch
    session = Wallet(tmp_path / "app")
    words = session.begin_create(PASSPHRASE)
    answers = {n: words.split()[n - 1] for n in Wallet.quiz_positions(words)}
    assert session.confirm_create(words, answers, "en")
    (held,) = session.backpack.import_sources([("badge.jws", lambda: token.encode())])
    assert held.state is not None and held.state["state"] == "needs-connection"
    session.add_trust_bundle(bundle_file.read_bytes())
    assert session.backpack.show(held.id).card["state"]["state"] == "verified"
    # a bundled key filed under another URL than its own is refused with the bundle
    other = {trust_bundle.entry_id(trust_bundle.OB2_KEY, "https://other.example/k"): entry}
    forged = trust_bundle.sign_bundle(other, publisher, 2, issued, issued + timedelta(days=90))
    with pytest.raises(UnusableInput):
        trust_bundle.TrustBundle.read(forged)


def test_ob2_signed_assertion_never_online_needs_a_connection(tmp_path: Path) -> None:
    """Offline, without the issuer's key: kept, and the card says what it waits for."""
    token = jose.sign(
        {},
        {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "Assertion",
            "id": "urn:uuid:1",
            "recipient": {"type": "email", "hashed": False, "identity": LEARNER_EMAIL},
            "verification": {"type": "SignedBadge", "creator": "https://issuer.example/k"},
        },
        jose.RsaSigner(OB2_RSA_KEY),
    )
    pack, _ = new_backpack(tmp_path / "w", _clock())
    (result,) = pack.import_sources([("badge.jws", lambda: token.encode())])
    assert result.state is not None and result.state["state"] == "needs-connection"
    signature = _check(pack, result.id, "signature")
    assert english(signature) == english(
        {"code": "token-signature.no-key", "params": {"kid": "https://issuer.example/k"}}
    )
    assert fetching.OnlineChecks(pack, Fetcher(allowed=False)).run().off


def test_a_qr_code_naming_a_credential_by_url_is_fetched_only_when_allowed(
    tmp_path: Path, ca: LocalCa, site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other wallets and issuers' sites share a credential as a QR of its https address:
    offline (or switched off) the import says it needs a connection; allowed, the network
    module fetches it once and it is imported like a file."""
    monkeypatch.setattr(kdf, "calibrate", kdf.KdfParams.minimum)
    url = site.serve("/credentials/7", signed_badge())
    session = Wallet(tmp_path / "app")
    words = session.begin_create(PASSPHRASE)
    assert session.confirm_create(
        words, {n: words.split()[n - 1] for n in Wallet.quiz_positions(words)}, "en"
    )
    name, text = scanning.as_source("scan", [url])  # as the camera hands it over
    (scanned,) = session.backpack.import_sources([(name, lambda: text)])
    assert scanned.status == "refused" and scanned.kind == "credential_at_url"
    assert scanned.params == {"url": url}
    off = session.import_at_url(url, ca.client_context())
    assert off.status == "refused" and off.params["why"]["code"] == "fetch.network-off"
    assert site.hits == {}
    session.settings.set(fetching.NETWORK_SETTING, True)
    fetched = session.import_at_url(url, ca.client_context())
    assert fetched.status == "imported" and fetched.verified, fetched
    assert site.hits == {"/credentials/7": 1}
    assert session.import_at_url(url, ca.client_context()).status == "duplicate"


def test_cli_import_fetches_a_credential_named_by_url_only_with_network(
    tmp_path: Path, ca: LocalCa, site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = site.serve("/credentials/8", signed_badge())
    wallet_dir = tmp_path / "wallet"
    run(wallet_dir, "init", "--json")
    link = tmp_path / "scanned.txt"
    link.write_text(url + "\n")
    refused = run(wallet_dir, "import", link, check=False)
    assert refused.returncode == 2 and "it needs a connection" in refused.stdout
    assert site.hits == {}
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))  # the CLI trusts the test CA
    imported = run(wallet_dir, "import", "--network", link).stdout
    assert imported.startswith("imported ") and f" {url} " in imported
    assert site.hits == {"/credentials/8": 1}


def test_trust_bundle_carries_did_documents_pinned_as_a_first_fetch_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registry's bundle may carry its did:web issuers' DID documents, as it carries
    organisations: the learner's badges from them verify with no fetch, and a verifier
    resolves their keys from the bundle."""
    monkeypatch.setattr(kdf, "calibrate", kdf.KdfParams.minimum)
    key = KeyPair.generate(KeyType.ED25519)
    did = "did:web:guild.example"
    unsigned = sample_badge()
    unsigned["issuer"] = {**unsigned["issuer"], "id": did}
    badge = sign_as(unsigned, key, did)
    session = Wallet(tmp_path / "app")
    words = session.begin_create(PASSPHRASE)
    answers = {n: words.split()[n - 1] for n in Wallet.quiz_positions(words)}
    assert session.confirm_create(words, answers, "en")
    (result,) = session.backpack.import_sources([as_source("credly.json", badge)])
    assert result.state is not None and result.state["state"] == "needs-connection"
    issued = datetime.now(UTC)
    entries = {
        trust_bundle.entry_id(trust_bundle.DID_DOCUMENT, did): did_document(did, key),
    }
    publisher = KeyPair.generate(KeyType.ED25519)
    bundle = trust_bundle.sign_bundle(entries, publisher, 1, issued, issued + timedelta(days=90))
    pinned = session.add_trust_bundle(json.dumps(bundle).encode())
    assert list(pinned.did_documents) == [did]
    held = session.backpack.show(result.id)
    assert held.report["verified"] and held.card["state"]["state"] == "verified"
    read = trust_bundle.TrustBundle.read(bundle)
    assert trust_bundle.resolver([read])(badge["proof"]["verificationMethod"]) is not None
    # a document filed under another DID than its own is refused with the bundle
    other = {
        trust_bundle.entry_id(trust_bundle.DID_DOCUMENT, "did:web:other.example"): entries[
            trust_bundle.entry_id(trust_bundle.DID_DOCUMENT, did)
        ]
    }
    forged = trust_bundle.sign_bundle(other, publisher, 2, issued, issued + timedelta(days=90))
    with pytest.raises(UnusableInput):
        trust_bundle.TrustBundle.read(forged)


# --- the connection rules ------------------------------------------------------------------


def test_fetcher_keeps_the_connection_rules(ca: LocalCa, site: IssuerSite) -> None:
    fetcher = Fetcher(allowed=True, ssl_context=ca.client_context(), max_bytes=64 * 1024)
    site.serve("/ok", {"id": "x"})
    assert fetcher.get_json(f"{site.origin}/ok").document == {"id": "x"}
    site.serve("/big", {"padding": "x" * 100_000})
    site.routes["/to-http"] = (302, b"")
    cases = {
        f"http://127.0.0.1:{site.port}/ok": "bad-url",  # https only
        "https:///no-host": "bad-url",
        f"{site.origin}/missing": "http-status",
        f"{site.origin}/big": "too-large",
    }
    for url, code in cases.items():
        with pytest.raises(FetchError) as refused:
            fetcher.get_json(url)
        assert refused.value.code == code, url
    # a certificate the client does not trust is never accepted
    with pytest.raises(FetchError) as untrusted:
        Fetcher(allowed=True).get_json(f"{site.origin}/ok")
    assert untrusted.value.code == "unreachable"


def test_fetcher_follows_few_redirects_and_only_to_https(ca: LocalCa, site: IssuerSite) -> None:
    import http.server  # noqa: F401 - the site's handler sends what the routes hold

    fetcher = Fetcher(allowed=True, ssl_context=ca.client_context())
    site.serve("/final", {"id": "final"})
    site.redirects = {  # type: ignore[attr-defined]
        "/hop": f"{site.origin}/final",
        "/loop": f"{site.origin}/loop",
        "/down": f"http://127.0.0.1:{site.port}/final",
    }
    assert fetcher.get_json(f"{site.origin}/hop").document == {"id": "final"}
    for path, code in (("/loop", "redirects"), ("/down", "bad-url")):
        with pytest.raises(FetchError) as refused:
            fetcher.get_json(f"{site.origin}{path}")
        assert refused.value.code == code, path


# --- never lose a badge at the door: what is kept, and what is still refused -------------


def _kept_cases(issuer: KeyPair) -> dict[str, tuple[dict[str, Any], str, list[str]]]:
    """name -> (credential, its card's state, its reasons or notes)."""
    signed = issuer_sign(sample_badge(), issuer)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Master welder"
    unknown_suite = copy.deepcopy(signed)
    unknown_suite["proof"]["cryptosuite"] = "eddsa-rdf-2022"  # a typo seen in real files
    unknown_context = {
        **sample_badge(),
        "@context": [*sample_badge()["@context"], "https://x.example/ctx"],
    }
    revocation_list = sample_badge()  # as 1EdTech's own examples write it
    revocation_list["@context"] = [
        *revocation_list["@context"],
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    revocation_list["credentialStatus"] = {
        "id": "https://issuer.example/revocations",
        "type": "1EdTechRevocationList",
    }
    return {
        "unsigned": (sample_badge(), "cannot-verify", ["unsigned"]),
        "tampered": (tampered, "cannot-verify", ["tampered"]),
        "unknown proof type": (unknown_suite, "cannot-verify", ["unknown-proof-type"]),
        "unknown context": (
            issuer_sign(unknown_context, issuer, check=False),
            "cannot-verify",
            ["unknown-context"],
        ),
        "1EdTech revocation list": (
            issuer_sign(revocation_list, issuer),
            "verified",
            ["other-holder"],
        ),
        "bound to another holder": (signed, "verified", ["other-holder"]),
    }


def issuer_sign(document: dict[str, Any], key: KeyPair, *, check: bool = True) -> dict[str, Any]:
    """Signed as the key's did:key; `check=False` for documents our signer cannot process
    (a context we lack): the proof is then copied from a signature over a known shape."""
    if check:
        return sign_as(document, key, None)
    proof = sign_as(sample_badge(), key, None)["proof"]
    return {
        **document,
        "issuer": {**document["issuer"], "id": proof["verificationMethod"].split("#")[0]},
        "proof": proof,
    }


def test_what_a_learner_could_hold_is_kept_with_a_plain_state(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w", _clock())
    cases = _kept_cases(KeyPair.generate(KeyType.ED25519))
    results = list(
        pack.import_sources([as_source(name, doc) for name, (doc, _, _) in cases.items()])
    )
    for result, (name, (_, state, why)) in zip(results, cases.items(), strict=True):
        assert result.status == "imported", (name, result.reason)
        assert result.state is not None
        assert result.state["state"] == state, name
        assert (result.state["reasons"] or result.state["notes"]) == why, name
        # never a plain success: an unsigned or another holder's badge says so
        assert result.state["state"] != "verified" or result.state["notes"], name
    status = _check(pack, results[4].id, "status")
    assert status.ok and status.warning
    assert english(status).startswith("Revocation cannot be checked")


# What is still refused at import, and why: each is either not a credential at all, or
# unsafe to process. VC-JWT, SD-JWT VC and signed OB 2.0 assertions (a JWS whose payload
# is an OB 2.0 Assertion) are kept; a JWS carrying anything else is not a credential.
STILL_REFUSED = {
    "notes.txt": (b"hello", "not JSON", "not a credential at all"),
    "profile.json": (
        b'{"type": "Profile", "name": "A. Learner"}',
        "not a verifiable credential",
        "not a credential at all",
    ),
    "array.json": (b"[1, 2]", "expected a JSON object", "not a credential at all"),
    "huge.json": (
        b'{"x": "' + b"a" * (2 * 1024 * 1024) + b'"}',
        "the limit is",
        "unsafe: too large",
    ),
    "entities.svg": (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>',
        "refused",
        "unsafe: XML entities",
    ),
    "link.txt": (
        b"https://issuer.example/credentials/1",
        "it needs a connection",
        "only a credential's address (a QR from another wallet): fetched when allowed",
    ),
    "not-an-assertion.jws": (
        b"eyJhbGciOiJSUzI1NiJ9.eyJ0eXBlIjoiQXNzZXJ0aW9uIn0.c2ln",
        "no credential in it",
        "a JWS whose payload is neither a credential nor an OB 2.0 assertion (no context)",
    ),
}


@pytest.mark.parametrize("name", sorted(STILL_REFUSED))
def test_what_is_still_refused_and_why(tmp_path: Path, name: str) -> None:
    data, reason, _why = STILL_REFUSED[name]
    pack, _ = new_backpack(tmp_path / "w", _clock())
    (result,) = pack.import_sources([(name, lambda: data)])
    assert result.status == "refused" and reason in result.reason, result.reason
    assert pack.list().total == 0


def test_a_credential_too_costly_to_check_is_refused_as_unsafe(tmp_path: Path) -> None:
    hostile = hostile_bench.many_values_of_one_property(sample_badge(), 5_000)
    pack, _ = new_backpack(tmp_path / "w", _clock())
    (result,) = pack.import_sources([as_source("h4.json", hostile)])
    assert result.status == "refused", result


def test_cli_check_fetches_only_with_network(
    tmp_path: Path, ca: LocalCa, site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = KeyPair.generate(KeyType.ED25519)
    site.serve("/.well-known/did.json", did_document(site.did, key))
    wallet_dir = tmp_path / "wallet"
    run(wallet_dir, "init", "--json")
    badge = tmp_path / "credly.json"
    badge.write_text(json.dumps(_did_web_badge(site, key)))
    imported = run(wallet_dir, "import", badge).stdout
    assert "Not verified yet — needs a connection once: `wallet check --network`" in imported
    record_id = imported.split()[1]
    quiet = run(wallet_dir, "check").stdout
    assert quiet.startswith("nothing fetched") and site.hits == {}
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))  # the CLI trusts the test CA
    checked = run(wallet_dir, "check", "--network").stdout
    assert f"fetched {site.origin}/.well-known/did.json" in checked
    assert "1 credentials checked again" in checked
    shown = json.loads(run(wallet_dir, "show", record_id, "--json").stdout)
    assert shown["report"]["verified"]


def test_the_app_checks_what_needs_a_connection_only_when_allowed(
    tmp_path: Path, ca: LocalCa, site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kdf, "calibrate", kdf.KdfParams.minimum)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))  # the app trusts the system store
    key = KeyPair.generate(KeyType.ED25519)
    site.serve("/.well-known/did.json", did_document(site.did, key))
    session = Wallet(tmp_path / "app")
    words = session.begin_create(PASSPHRASE)
    answers = {n: words.split()[n - 1] for n in Wallet.quiz_positions(words)}
    assert session.confirm_create(words, answers, "en")
    (result,) = session.backpack.import_sources(
        [as_source("credly.json", _did_web_badge(site, key))]
    )
    assert session.check_online_if_needed() is None  # the switch is off by default
    assert site.hits == {}
    session.settings.set(fetching.NETWORK_SETTING, True)
    report = session.check_online_if_needed()
    assert report is not None and report.rechecked == 1
    assert session.backpack.show(result.id).card["state"]["state"] == "verified"
    assert session.check_online_if_needed() is None  # nothing needs a connection any more
    assert site.hits == {"/.well-known/did.json": 1}


def test_g_the_app_rechecks_what_needs_a_connection_when_a_connection_appears(
    tmp_path: Path, ca: LocalCa, site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's connectivity handler (`ui/app._back_online`): a connection appearing
    fetches what "needs a connection" badges wait for, with no action from the learner;
    a change to no connection fetches nothing."""
    import asyncio
    import threading

    import flet as ft

    from wallet.ui import app as ui_app

    monkeypatch.setattr(kdf, "calibrate", kdf.KdfParams.minimum)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))  # the app trusts the system store
    key = KeyPair.generate(KeyType.ED25519)
    site.serve("/.well-known/did.json", did_document(site.did, key))
    session = Wallet(tmp_path / "app")
    words = session.begin_create(PASSPHRASE)
    answers = {n: words.split()[n - 1] for n in Wallet.quiz_positions(words)}
    assert session.confirm_create(words, answers, "en")
    (result,) = session.backpack.import_sources(
        [as_source("credly.json", _did_web_badge(site, key))]
    )
    session.settings.set(fetching.NETWORK_SETTING, True)

    class Shell:  # what the handler uses of the app: its session and its worker
        after_background_sync = None

        def __init__(self) -> None:
            self.session = session

        async def in_worker(self, job: Any, *args: Any) -> Any:
            return job(*args)

    def change(kind: ft.ConnectivityType) -> None:
        event = ft.ConnectivityChangeEvent("change", None, [kind])  # type: ignore[arg-type]
        # on its own thread: a browser test may have left an event loop on this one
        worker = threading.Thread(target=asyncio.run, args=(ui_app._back_online(Shell(), event),))
        worker.start()
        worker.join(60)

    change(ft.ConnectivityType.NONE)
    assert site.hits == {}
    assert session.backpack.show(result.id).card["state"]["state"] == "needs-connection"
    change(ft.ConnectivityType.WIFI)
    assert site.hits == {"/.well-known/did.json": 1}
    assert session.backpack.show(result.id).card["state"]["state"] == "verified"


# --- legacy proof suites found in the wild -------------------------------------------------


def test_ed25519_signature_2018_published_plugfest_badge_verifies() -> None:
    published = json.loads((ROOT / "tests/data/issue14/jff-plugfest-1-ex-1.json").read_text())
    checks = {c.id: c for c in verify_credential(published, now=NOW).checks}
    assert checks["signature"].ok, english(checks["signature"])
    assert checks["issuer"].ok
    tampered = copy.deepcopy(published)
    tampered["credentialSubject"]["achievement"]["name"] = "Our Wallet Failed"
    assert not {c.id: c for c in verify_credential(tampered, now=NOW).checks}["signature"].ok
    forged = copy.deepcopy(published)
    forged["proof"]["jws"] = forged["proof"]["jws"].replace(
        "eyJhbGciOiJFZERTQSIs", "eyJhbGciOiJub25lIiwi", 1
    )
    with pytest.raises(MalformedProof):
        verify_credential(forged, now=NOW)


def test_eddsa_2022_name_verifies_as_eddsa_rdfc_2022_when_the_bytes_say_so() -> None:
    key = KeyPair.generate(KeyType.ED25519)
    unsigned = sample_badge()
    unsigned["issuer"] = {**unsigned["issuer"], "id": did_key.did_for(key.public)}
    options = {**proofs.proof_options(key, "eddsa-rdfc-2022"), "cryptosuite": "eddsa-2022"}
    early = eddsa_rdfc_2022.sign(unsigned, options, key)  # as 2023's issuers signed it
    checks = {c.id: c for c in verify_credential(early, now=NOW).checks}
    assert checks["signature"].ok and english(checks["signature"]).startswith("eddsa-2022:")
    # the bytes decide: the same proof relabelled eddsa-rdfc-2022 no longer matches
    relabelled = copy.deepcopy(early)
    relabelled["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    assert not {c.id: c for c in verify_credential(relabelled, now=NOW).checks}["signature"].ok


def test_https_verification_method_is_resolved_once_like_1edtechs_sample(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    """1EdTech's eddsa-2022 sample names its key as an https URL: the issuer's controller
    document, fetched once and pinned like a did:web document."""
    key = KeyPair.generate(KeyType.ED25519)
    controller = f"{site.origin}/issuers/876543"
    document = did_document(controller, key)
    document["@context"] = ["https://www.w3.org/ns/cid/v1"]
    site.serve("/issuers/876543", document)
    unsigned = {**sample_badge(), "issuer": {"id": controller, "type": ["Profile"]}}
    options = {
        **proofs.proof_options(key, "eddsa-rdfc-2022", verification_method=f"{controller}#key-1"),
        "cryptosuite": "eddsa-2022",
    }
    credential = eddsa_rdfc_2022.sign(unsigned, options, key)
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    (result,) = pack.import_sources([as_source("1edtech.json", credential)])
    assert result.state is not None and result.state["missing"] == ["issuer-keys"]
    assert _online(pack, ca, clock).run().fetched == [controller]
    assert pack.show(result.id).card["state"]["state"] == "verified"


# --- properties of the parsers -------------------------------------------------------------

_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
_SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=10)


@given(
    labels=st.lists(_LABEL, min_size=1, max_size=4),
    port=st.one_of(st.none(), st.integers(1, 65535)),
    path=st.lists(_SEGMENT, max_size=3),
)
def test_did_web_mapping_keeps_host_port_and_path(
    labels: list[str], port: int | None, path: list[str]
) -> None:
    host = ".".join(labels)
    did = "did:web:" + host + (f"%3A{port}" if port else "") + "".join(f":{p}" for p in path)
    url = did_web.document_url(did)
    authority = f"{host}:{port}" if port else host
    location = "/".join(path) if path else ".well-known"
    assert url == f"https://{authority}/{location}/did.json"


@given(st.text(max_size=60))
def test_did_web_never_maps_to_another_scheme_or_a_parent_path(text: str) -> None:
    try:
        url = did_web.document_url("did:web:" + text)
    except did_web.NotDidWeb:
        return
    assert url.startswith("https://") and url.endswith("/did.json")
    assert "/../" not in url and "/./" not in url and "#" not in url and "?" not in url


@given(email=st.emails(), salt=st.text(max_size=16), other=st.emails())
def test_ob2_recipient_hash_matches_only_its_email(email: str, salt: str, other: str) -> None:
    recipient = {
        "type": "email",
        "hashed": True,
        "salt": salt,
        "identity": open_badges_v2.hash_identity(email, salt),
    }
    assert open_badges_v2.recipient_matches(recipient, [email])
    assert open_badges_v2.recipient_matches(recipient, [other]) is (other == email)
    assert open_badges_v2.recipient_matches(recipient, []) is None


def test_vc_jwt_from_a_did_web_issuer_verifies_with_the_pinned_keys(tmp_path: Path) -> None:
    """The backpack hands key_cache's pinned did:web keys to the JOSE verifier (`KeySource`):
    a VC-JWT whose `kid` is a did:web key verifies offline once that document is held."""
    did = "did:web:issuer.example"
    key = KeyPair.generate(KeyType.ED25519)
    unsigned = sample_badge()
    unsigned["issuer"] = {**unsigned["issuer"], "id": did}
    token = vc_jwt.sign_vc_jose(unsigned, jose.KeyPairSigner(key), f"{did}#key-1")
    pack, _ = new_backpack(tmp_path / "w", _clock())
    (result,) = pack.import_sources([("badge.jwt", lambda: token.encode())])
    assert result.status == "imported" and not result.verified
    assert result.state is not None and result.state["missing"] == ["issuer-keys"]
    pack.did_documents.store(did, did_document(did, key), NOW)
    pack.reverify_all()
    assert pack.show(result.id).report["verified"]
    assert pack.show(result.id).card["state"]["state"] == "verified"
