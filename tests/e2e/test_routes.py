"""Navigation by route (issue 19): a route typed in the address bar opens its screen once
the wallet is unlocked, the browser's back button walks back through the screens, and a
route that leads nowhere opens the backpack instead of failing."""

from __future__ import annotations

from tests.e2e.conftest import Wallet, open_route, open_tab, unlock


def _no_traceback(wallet: Wallet) -> None:
    log = (wallet.directory.parent / "app.log").read_text()
    assert "Traceback" not in log, log[-3000:]


def test_deep_link_to_settings_opens_it_after_unlock(wallet: Wallet) -> None:
    wallet.create_wallet()
    tab = open_tab(wallet, "/settings")  # a new session: the wallet is locked
    unlock(tab)  # the lock screen first, then where the link pointed
    tab.see("Language")
    assert tab.page.get_by_role("tab", name="Settings", exact=True).count() == 1
    assert tab.page.url.endswith("/settings")
    _no_traceback(wallet)


def test_browser_back_from_a_credential_returns_to_the_backpack(wallet: Wallet) -> None:
    wallet.create_wallet()
    wallet.click("Try with sample badges")
    wallet.see("Showing 3 of 3")
    wallet.button("Demo issuer (sample badges, not trusted)", exact=False).first.click()
    wallet.see("What was checked")
    assert "/credential/" in wallet.page.url
    wallet.page.go_back()
    wallet.see("Showing 3 of 3")
    assert wallet.page.url.endswith("/backpack")
    wallet.page.go_forward()  # and forward again, to the same credential
    wallet.see("What was checked")
    _no_traceback(wallet)


def test_unknown_routes_open_the_backpack_without_a_traceback(wallet: Wallet) -> None:
    wallet.create_wallet()
    wallet.tab("Settings")
    for route in (
        "/no/such/screen",
        "/credential/not-a-credential",  # a known route, nothing under it
        "/verify/result",  # its verdict is state this session never had
    ):
        wallet.see("Language")
        open_route(wallet, route)
        wallet.see("My backpack")
        wallet.tab("Settings")
    tab = open_tab(wallet, "/no/such/screen")
    unlock(tab)
    tab.see("My backpack")
    _no_traceback(wallet)
