"""VC-JWT and SD-JWT VC issuers named by an https URL: their keys come from JWT VC Issuer
Metadata (SD-JWT VC draft, `/.well-known/jwt-vc-issuer` + the issuer's path, holding
`issuer` and `jwks` or `jwks_uri`), fetched once when online, pinned as a did:web
document is, and used offline from then on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NOW, sample_badge
from tests.support import PASSPHRASE, Clock, IssuerSite, LocalCa, english, new_backpack
from wallet.services.learner.backpack import Backpack
from wallet.services.learner.fetching import Fetcher, OnlineChecks
from wallet.services.wallet import Wallet
from wallet.vc import jose, jwt_keys, sd_jwt_vc, vc_jwt
from wallet.vc.jwk import Jwk
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.verification import Check

METADATA = "/.well-known/jwt-vc-issuer/issuer"
JWKS = "/keys.json"


def _clock() -> Clock:
    clock = Clock()
    clock.now = NOW.timestamp()
    return clock


def _online(pack: Backpack, ca: LocalCa, clock: Clock) -> OnlineChecks:
    return OnlineChecks(pack, Fetcher(allowed=True, ssl_context=ca.client_context()), clock=clock)


def _jwks(key: KeyPair, kid: str = "k1") -> dict[str, Any]:
    return {"keys": [{**Jwk.from_public_key(key.public).to_jwk(), "kid": kid}]}


def _sd_jwt_vc(issuer: str, key: KeyPair) -> str:
    claims = {
        "iss": issuer,
        "vct": "https://credentials.example.com/learning",
        "iat": 1_767_225_600,  # 2026-01-01
        "exp": 1_893_456_000,  # 2030-01-01
        "given_name": "Amina",
        "achievement_title": "Water-point repair",
    }
    return sd_jwt_vc.issue(claims, jose.KeyPairSigner(key), disclosable=["/given_name"], kid="k1")


def _vc_jwt(issuer: str, key: KeyPair) -> str:
    unsigned = sample_badge()
    unsigned["issuer"] = {**unsigned["issuer"], "id": issuer}
    return vc_jwt.sign_vc_jose(unsigned, jose.KeyPairSigner(key), "k1")


TOKENS: dict[str, tuple[str, Callable[[str, KeyPair], str]]] = {
    "sd-jwt-vc": ("learning.sd-jwt", _sd_jwt_vc),
    "vc-jwt": ("badge.jwt", _vc_jwt),
}


def _import(pack: Backpack, kind: str, issuer: str, key: KeyPair) -> str:
    name, make = TOKENS[kind]
    token = make(issuer, key)
    (result,) = pack.import_sources([(name, lambda: token.encode())])
    assert result.status == "imported", result
    return result.id


def _check(pack: Backpack, record_id: str, check_id: str) -> Check:
    stored = pack.show(record_id).report["checks"]
    return next(Check.from_json(c) for c in stored if c["id"] == check_id)


def test_metadata_url_inserts_the_well_known_path_between_host_and_path() -> None:
    assert jwt_keys.metadata_url("https://example.com/tenant/1234") == (
        "https://example.com/.well-known/jwt-vc-issuer/tenant/1234"
    )
    assert jwt_keys.metadata_url("https://example.com/") == (
        "https://example.com/.well-known/jwt-vc-issuer"
    )
    assert jwt_keys.metadata_url("http://example.com/issuer") is None
    assert jwt_keys.metadata_url("https://example.com/i?x=1") is None
    assert jwt_keys.metadata_url("did:web:example.com") is None


@pytest.mark.parametrize("kind", sorted(TOKENS))
@pytest.mark.parametrize("by_uri", [False, True], ids=["jwks", "jwks_uri"])
def test_https_issuer_needs_a_connection_then_verifies_after_one_fetch_then_offline(
    tmp_path: Path, ca: LocalCa, site: IssuerSite, kind: str, by_uri: bool
) -> None:
    key = KeyPair.generate(KeyType.P256)
    issuer = f"{site.origin}/issuer"
    if by_uri:
        site.serve(METADATA, {"issuer": issuer, "jwks_uri": site.serve(JWKS, _jwks(key))})
    else:
        site.serve(METADATA, {"issuer": issuer, "jwks": _jwks(key)})
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    record_id = _import(pack, kind, issuer, key)
    state = pack.show(record_id).card["state"]
    assert state["state"] == "needs-connection" and state["missing"] == ["issuer-keys"]
    assert not pack.show(record_id).report["verified"]
    assert site.hits == {}  # importing never touches the network
    report = _online(pack, ca, clock).run()
    expected = [f"{site.origin}{METADATA}"] + ([f"{site.origin}{JWKS}"] if by_uri else [])
    assert report.fetched == expected and report.failed == {}
    assert report.rechecked == 1
    assert pack.show(record_id).report["verified"]
    assert pack.show(record_id).card["state"]["missing"] == []
    _online(pack, ca, clock).run()  # fetched once: not again within the week
    assert set(site.hits.values()) == {1}
    # offline from now on: the server is gone, the pinned keys verify, and say how old
    site.close()
    clock.now += 3 * 86_400
    pack.unlock(PASSPHRASE)
    assert pack.reverify_all() == (1, 0)
    assert english(_check(pack, record_id, "issuer-keys")) == (
        "Checked with the issuer's keys fetched 3 days ago."
    )


@pytest.mark.parametrize("kind", sorted(TOKENS))
def test_changed_issuer_metadata_key_is_reported_not_accepted(
    tmp_path: Path, ca: LocalCa, site: IssuerSite, kind: str
) -> None:
    old, new = KeyPair.generate(KeyType.P256), KeyPair.generate(KeyType.P256)
    issuer = f"{site.origin}/issuer"
    site.serve(METADATA, {"issuer": issuer, "jwks": _jwks(old)})
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    first = _import(pack, kind, issuer, old)
    _online(pack, ca, clock).run()
    # later the issuer's server names another key (rotated, or the site taken over)
    site.serve(METADATA, {"issuer": issuer, "jwks": _jwks(new)})
    clock.now += 8 * 86_400
    pack.unlock(PASSPHRASE)
    second = _import(pack, kind, issuer, new)
    report = _online(pack, ca, clock).run()
    assert [change.did for change in report.key_changes] == [issuer]
    assert pack.show(first).report["verified"]  # still checked with the pinned key
    assert not pack.show(second).report["verified"]  # the new key is not accepted
    warning = _check(pack, first, "issuer-keys")
    assert warning.warning and "keys changed" in english(warning)
    assert pack.issuer_metadata.pending_changes() == [issuer]
    pack.issuer_metadata.accept_change(issuer)  # the learner confirms
    pack.reverify_all()
    assert pack.show(second).report["verified"]
    assert not pack.show(first).report["verified"]


def test_the_wallet_lists_and_accepts_a_changed_issuer_metadata_key(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    """What the app shows and the learner confirms: the facade's one list of key changes."""
    old, new = KeyPair.generate(KeyType.P256), KeyPair.generate(KeyType.P256)
    issuer = f"{site.origin}/issuer"
    site.serve(METADATA, {"issuer": issuer, "jwks": _jwks(old)})
    clock = _clock()
    session = Wallet(tmp_path / "app", clock=clock)
    words = session.begin_create(PASSPHRASE)
    answers = {n: words.split()[n - 1] for n in Wallet.quiz_positions(words)}
    assert session.confirm_create(words, answers, "en")
    _import(session.backpack, "vc-jwt", issuer, old)
    _online(session.backpack, ca, clock).run()
    site.serve(METADATA, {"issuer": issuer, "jwks": _jwks(new)})
    clock.now += 8 * 86_400
    session.backpack.unlock(PASSPHRASE)
    second = _import(session.backpack, "vc-jwt", issuer, new)
    _online(session.backpack, ca, clock).run()
    assert session.key_changes() == [issuer]
    session.accept_keys(issuer)
    assert session.key_changes() == []
    assert session.backpack.show(second).report["verified"]


@pytest.mark.parametrize(
    "metadata",
    [
        {"issuer": "https://elsewhere.example/issuer"},  # another issuer's metadata
        {},  # no issuer named
    ],
    ids=["other-issuer", "no-issuer"],
)
def test_metadata_naming_another_issuer_is_refused(
    tmp_path: Path, ca: LocalCa, site: IssuerSite, metadata: dict[str, Any]
) -> None:
    key = KeyPair.generate(KeyType.P256)
    issuer = f"{site.origin}/issuer"
    url = site.serve(METADATA, {**metadata, "jwks": _jwks(key)})
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    record_id = _import(pack, "sd-jwt-vc", issuer, key)
    report = _online(pack, ca, clock).run()
    assert report.failed == {url: "unreadable"}
    assert pack.issuer_metadata.keys_for(issuer) == []
    assert not pack.show(record_id).report["verified"]
    assert pack.show(record_id).card["state"]["missing"] == ["issuer-keys"]


def test_metadata_with_both_jwks_and_jwks_uri_or_no_usable_key_is_refused(
    tmp_path: Path, ca: LocalCa, site: IssuerSite
) -> None:
    key = KeyPair.generate(KeyType.P256)
    issuer = f"{site.origin}/issuer"
    both = {"issuer": issuer, "jwks": _jwks(key), "jwks_uri": site.serve(JWKS, _jwks(key))}
    url = site.serve(METADATA, both)
    clock = _clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    record_id = _import(pack, "vc-jwt", issuer, key)
    assert _online(pack, ca, clock).run().failed == {url: "unreadable"}
    site.serve(METADATA, {"issuer": issuer, "jwks": {"keys": [{"kty": "nonsense"}]}})
    assert _online(pack, ca, clock).run().failed == {url: "unreadable"}
    assert not pack.show(record_id).report["verified"]
