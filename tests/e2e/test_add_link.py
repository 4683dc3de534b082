"""Issue 14, the add screen's link path: a pasted link to a credential, or to a VC-API
exchange, needs a connection while the network switch is off, and is fetched once (the
exchange started, each credential it offers added) when the learner switches it on. The
issuer's site is a local HTTPS server on 127.0.0.1 the app trusts through SSL_CERT_FILE."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Wallet, running_wallet
from tests.support import ENGLISH, IssuerSite, LocalCa, signed_badge

EXCHANGE = "/workflows/claim/exchanges/e2e"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[LocalCa, IssuerSite]]:
    ca = LocalCa(tmp_path)
    served = IssuerSite(ca)
    yield ca, served
    served.close()


def _paste(wallet: Wallet, text: str) -> None:
    wallet.type(ENGLISH("add.paste_label"), text)
    wallet.click(ENGLISH("add.import_pasted"))


def test_a_pasted_link_is_fetched_once_the_network_is_switched_on(
    browser: object, tmp_path: Path, site: tuple[LocalCa, IssuerSite]
) -> None:
    ca, issuer = site
    credential = issuer.serve("/credentials/7", signed_badge())
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [signed_badge(), signed_badge()],
    }
    exchange = issuer.serve(EXCHANGE, {"verifiablePresentation": presentation})
    pasted = ENGLISH("add.pasted")
    with running_wallet(browser, tmp_path, env={"SSL_CERT_FILE": str(ca.ca_file)}) as wallet:
        wallet.create_wallet()
        wallet.click_until(ENGLISH("backpack.add"), ENGLISH("add.help"))
        _paste(wallet, credential)
        reason = ENGLISH("error.credential_at_url", url=credential)
        wallet.see(ENGLISH("add.result.refused", name=pasted, reason=reason))
        _paste(wallet, exchange)
        reason = ENGLISH("error.exchange_invitation", url=exchange)
        wallet.see(ENGLISH("add.result.refused", name=pasted, reason=reason))
        assert issuer.hits == {}  # switched off: nothing was fetched
        wallet.tab(ENGLISH("nav.settings"))
        wallet.page.get_by_role("switch", name=ENGLISH("settings.network_checks")).click()
        wallet.tab(ENGLISH("nav.backpack"))
        wallet.click_until(ENGLISH("backpack.add"), ENGLISH("add.help"))
        _paste(wallet, credential)
        wallet.see(ENGLISH("add.result.imported", name=credential))
        _paste(wallet, exchange)
        added = wallet.page.get_by_text(ENGLISH("add.result.imported", name=exchange))
        added.nth(1).wait_for(timeout=30_000)  # both credentials the exchange offered
        wallet.screenshot("add-from-links")
    assert issuer.hits == {"/credentials/7": 1, EXCHANGE: 1}
    assert issuer.posted == {EXCHANGE: [{}]}
