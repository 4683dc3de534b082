"""A 2G-class link: 40 kbit/s, 400 ms each way, 3 % loss. 100 credentials sync in 60 s.

The client is `wallet sync` in a network namespace whose only way to the server is the
slow link (tests/slow_link.py), so every byte of it crosses the shaped link."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import require
from tests.slow_link import slow_link
from tests.support import PASSPHRASE, Server, as_source, distinctive_badge, new_backpack

LIMIT_S = 60


def test_100_credentials_sync_over_a_2g_link_within_a_minute(tmp_path: Path) -> None:
    if os.geteuid() != 0 or not shutil.which("ip") or not Path("/dev/net/tun").exists():
        require("the slow-link test needs root, iproute2 and /dev/net/tun for its namespace")
    laptop, _ = new_backpack(tmp_path / "laptop")
    list(laptop.import_sources(as_source(f"{i}.json", distinctive_badge(i)) for i in range(100)))
    laptop.vault.close()
    with slow_link() as link:
        server = Server(tmp_path / "server", host=link.host_address)
        server.start()
        try:
            started = time.monotonic()
            url = f"http://{link.host_address}:{server.port}"
            client = [sys.executable, "-m", "wallet", "--wallet", str(tmp_path / "laptop")]
            done = subprocess.run(
                ["ip", "netns", "exec", link.namespace, *client, "sync", "--json", "--server", url],
                check=False,
                env={**os.environ, "WALLET_PASSPHRASE": PASSPHRASE},
                capture_output=True,
                text=True,
                timeout=LIMIT_S * 3,
            )
            elapsed = time.monotonic() - started
        finally:
            server.kill()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["pushed"] == 100
    with sqlite3.connect(tmp_path / "server" / "server.db") as db:
        [(held,)] = db.execute("SELECT count(*) FROM records WHERE kind = 'credential'")
    assert held == 100
    print(f"slow link ({link.kind}): 100 credentials in {elapsed:.1f} s")
    assert elapsed <= LIMIT_S, f"{elapsed:.1f} s over a {link.kind} link"
