"""The app syncs from Settings on demand, shows when it last synced, and by itself: a
change made while the server is unreachable fails quietly, shows in Settings, and goes up
on a retry once the server is back."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tests.e2e.conftest import Wallet
from tests.support import Server


def credentials_on_server(server: Server) -> tuple[int, int]:
    """(live, deleted) credential records the server holds."""
    with sqlite3.connect(server.data / "server.db") as db:
        rows = db.execute("SELECT deleted FROM records WHERE kind = 'credential'").fetchall()
    return sum(1 for (d,) in rows if not d), sum(1 for (d,) in rows if d)


def wait_for(server: Server, expected: tuple[int, int], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while (held := credentials_on_server(server)) != expected:
        assert time.monotonic() < deadline, f"the server holds {held}, expected {expected}"
        time.sleep(0.2)


def test_sync_now_then_by_itself_once_the_server_is_back(wallet: Wallet, tmp_path: Path) -> None:
    server = Server(tmp_path / "server")
    server.start()
    try:
        wallet.create_wallet()
        wallet.click("Try with sample badges")
        wallet.see("Showing 3 of 3")
        wallet.tab("Settings")
        wallet.see("Never synced.")
        wallet.type("Sync server address", f"http://127.0.0.1:{server.port}")
        wallet.click("Sync now")
        wallet.see("Last synced")
        wallet.screenshot("settings-synced")
        wait_for(server, (3, 0))

        server.kill()  # the connection drops
        wallet.tab("Backpack")
        wallet.click("Teamwork", exact=False)
        wallet.click("Delete")
        wallet.button("Delete").last.click()  # the dialog's
        wallet.see("Showing 2 of 2")
        wallet.tab("Settings")
        wallet.see("Last sync failed")  # the app tried by itself, and says so
        wallet.screenshot("settings-sync-failed")
        assert credentials_on_server(server) == (3, 0)
        server.start()  # it comes back: the app's next retry delivers the delete
        wait_for(server, (2, 1))
    finally:
        server.kill()
