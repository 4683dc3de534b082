"""Issue 14, QR codes from other wallets that hold no credential: a VC-API exchange (and
the DCC wallet's links naming one), started once online through the network module, and
a VPQR `VP1-` presentation of several credentials. The issuer's site is a local HTTPS
server on 127.0.0.1 with a test CA."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import sample_badge
from tests.support import (
    ENGLISH,
    PASSPHRASE,
    IssuerSite,
    LocalCa,
    new_backpack,
    run,
    signed_badge,
)
from wallet.qr import base45, images
from wallet.qr.errors import PayloadError
from wallet.services import scanning
from wallet.services.learner import exchanges, fetching, sources
from wallet.services.wallet import Wallet
from wallet.store import kdf
from wallet.vc import cbor
from wallet.vc.errors import MalformedInput

EXCHANGE = "/workflows/claim/exchanges/z19uokPn3b1Z4XDbQSHo7VhFR"


def _presentation(*credentials: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": list(credentials),
    }


def _session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Wallet:
    monkeypatch.setattr(kdf, "calibrate", kdf.KdfParams.minimum)
    session = Wallet(tmp_path / "app")
    words = session.begin_create(PASSPHRASE)
    answers = {n: words.split()[n - 1] for n in Wallet.quiz_positions(words)}
    assert session.confirm_create(words, answers, "en")
    return session


def _wallet_api_request(exchange: str) -> str:
    return quote(
        json.dumps({"credentialRequestOrigin": "https://x", "protocols": {"vcapi": exchange}})
    )


@pytest.mark.parametrize(
    "link",
    [
        "https://issuer.example/workflows/claim/exchanges/abc",
        "https://issuer.example/exchanges/abc",
        "https://lcw.app/request?request=" + _wallet_api_request("https://issuer.example/e/1"),
        "dccrequest://request?request=" + _wallet_api_request("https://issuer.example/e/1"),
        "org.dcconsortium://request?request=" + _wallet_api_request("https://issuer.example/e/1"),
    ],
)
def test_an_exchange_code_is_recognised_and_needs_a_connection(link: str) -> None:
    """Before: the exchange URL was taken for a credential's address (GET, not POST) and
    the DCC links were 'not from a learner wallet'."""
    with pytest.raises(sources.ExchangeInvitation) as named:
        sources.read_credential("scan", scanning.as_source("scan", [link])[1])
    assert named.value.params["url"].startswith("https://issuer.example/")
    said = ENGLISH.failure(named.value.kind, named.value.params)
    assert said == ENGLISH("error.exchange_invitation", url=named.value.params["url"])


def test_dcc_credential_request_link_needs_did_authentication_said_by_code() -> None:
    link = (
        "https://lcw.app/request.html?issuer=issuer.example.com&auth_type=bearer"
        "&challenge=50991c0d&vc_request_url=https://issuer.example/exchange/e6/50991c0d"
    )
    with pytest.raises(exchanges.ExchangeRefused) as refused:
        sources.read_credential("scan", link.encode())
    assert refused.value.code == "did-auth"
    for broken in ("dccrequest://request?request=%7Bnot", "dccrequest://request?issuer=x"):
        with pytest.raises(MalformedInput):
            sources.read_credential("scan", broken.encode())
    # a credential's address is still one (no exchanges segment, or nothing after it)
    for plain in ("https://issuer.example/credentials/7", "https://issuer.example/exchanges/"):
        with pytest.raises(sources.CredentialAtUrl):
            sources.read_credential("scan", plain.encode())


def test_an_exchange_is_started_once_online_and_each_credential_imported(
    tmp_path: Path, ca: LocalCa, site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = signed_badge(), signed_badge()
    url = site.serve(EXCHANGE, {"verifiablePresentation": _presentation(first, second)})
    session = _session(tmp_path, monkeypatch)
    name, text = scanning.as_source("scan", [url])
    (scanned,) = session.backpack.import_sources([(name, lambda: text)])
    assert scanned.status == "refused" and scanned.kind == "exchange_invitation"
    (off,) = session.fetch_for(scanned, ca.client_context())
    assert off.status == "refused" and off.params["why"]["code"] == "fetch.network-off"
    assert site.hits == {}
    session.settings.set(fetching.NETWORK_SETTING, True)
    imported = session.fetch_for(scanned, ca.client_context())
    assert [r.status for r in imported] == ["imported", "imported"]
    assert all(r.verified for r in imported)
    assert site.posted == {EXCHANGE: [{}]}  # VC-API: the exchange is started with {}
    again = session.fetch_for(scanned, ca.client_context())
    assert [r.status for r in again] == ["duplicate", "duplicate"]


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"verifiablePresentationRequest": {"query": [{"type": "DIDAuthentication"}]}}, "did-auth"),
        ({"verifiablePresentationRequest": {"query": {"type": "DIDAuth"}}}, "did-auth"),
        (
            {"verifiablePresentationRequest": {"query": [{"type": "QueryByExample"}]}},
            "asks-for-credentials",
        ),
        ({}, "nothing-offered"),
        ({"redirectUrl": "https://issuer.example/next"}, "nothing-offered"),
    ],
)
def test_an_exchange_that_asks_first_is_refused_by_code(
    tmp_path: Path,
    ca: LocalCa,
    site: IssuerSite,
    monkeypatch: pytest.MonkeyPatch,
    answer: dict[str, Any],
    code: str,
) -> None:
    url = site.serve(EXCHANGE, answer)
    session = _session(tmp_path, monkeypatch)
    (refused,) = session.import_exchange(url, ca.client_context(), network=True)
    assert refused.status == "refused" and refused.kind == "exchange"
    assert refused.params["why"]["code"] == f"exchange.{code}"
    said = ENGLISH.failure(refused.kind, refused.params)
    assert said is not None and ENGLISH(f"reason.exchange.{code}") in said


def test_cli_import_starts_an_exchange_only_with_network(
    tmp_path: Path, ca: LocalCa, site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = site.serve(EXCHANGE, {"verifiablePresentation": _presentation(signed_badge())})
    wallet_dir = tmp_path / "wallet"
    run(wallet_dir, "init", "--json")
    link = tmp_path / "scanned.txt"
    link.write_text(f"dccrequest://request?request={_wallet_api_request(url)}\n")
    refused = run(wallet_dir, "import", link, check=False)
    assert refused.returncode == 2 and "needs a connection" in refused.stdout
    assert site.hits == {}
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))  # the CLI trusts the test CA
    imported = run(wallet_dir, "import", "--network", link).stdout
    assert imported.startswith("imported ") and f" {url}" in imported
    assert site.posted == {EXCHANGE: [{}]}


def _vpqr(document: dict[str, Any]) -> str:
    """A `VP1-` code as the DCC wallet writes one: base45 of CBOR-LD (here its
    uncompressed form, registry entry 0, which every reader takes)."""
    return "VP1-R" + base45.encode(b"\xd9\xcb\x1d" + cbor.encode([0, document]))


def test_a_vpqr_presentation_of_several_credentials_imports_each(tmp_path: Path) -> None:
    """Before: refused as 'the presentation holds 2 credentials; expected one'."""
    badges = [signed_badge(), signed_badge(), sample_badge()]
    pack, _ = new_backpack(tmp_path / "w")
    name, text = scanning.as_source("scan", [_vpqr(_presentation(*badges))])
    results = list(pack.import_sources([(name, lambda: text)]))
    assert [r.status for r in results] == ["imported"] * 3
    assert [r.verified for r in results] == [True, True, False]  # the third is unsigned
    assert len({r.id for r in results}) == 3
    # one credential still comes out of a presentation of one
    (held,) = sources.read_credentials("scan", _vpqr(_presentation(badges[0])).encode())
    assert held == badges[0]
    with pytest.raises(MalformedInput):
        sources.read_credential("scan", _vpqr(_presentation(*badges)).encode())
    too_many = _vpqr(_presentation(*[badges[2]] * (sources.MAX_PRESENTED + 1)))
    (refused,) = pack.import_sources([("scan", lambda: too_many.encode())])
    assert refused.status == "refused" and refused.kind == "too_large"


@given(
    prefix=st.sampled_from(["", "https://", *exchanges.DEEP_LINKS]),
    rest=st.text(max_size=300),
)
def test_reading_a_link_never_fails_but_by_name(prefix: str, rest: str) -> None:
    """Whatever a code or paste holds, the link reader names an exchange, none, or refuses
    it as malformed: never another exception."""
    try:
        found = exchanges.invitation(prefix + rest)
    except MalformedInput:
        return
    assert found is None or exchanges.is_exchange_url(found.url) or found.url.startswith("https://")


def test_the_add_screens_camera_scan_takes_a_code_from_another_wallet() -> None:
    """Before: the camera scan took only this wallet's LW1/LWF codes, so a VPQR code or a
    link (to a credential or an exchange) was refused as 'not a wallet presentation'
    however the file path would have read it."""
    link = "https://issuer.example" + EXCHANGE
    picture, _ = images.render_png(link)
    scan = scanning.FrameScan(other_codes=True)
    assert scan.feed(picture) and scan.progress == (1, 1) and scan.result == [link]
    with pytest.raises(sources.ExchangeInvitation):
        sources.read_credential("scan", scanning.as_source("scan", scan.result)[1])
    vpqr, _ = images.render_png(_vpqr(_presentation(signed_badge(), signed_badge())))
    scan = scanning.FrameScan(other_codes=True)
    assert scan.feed(vpqr)
    assert len(sources.read_credentials("scan", scanning.as_source("scan", scan.result)[1])) == 2
    with pytest.raises(PayloadError):  # the verifier's scan still takes only ours
        scanning.FrameScan().feed(picture)
