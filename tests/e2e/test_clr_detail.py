"""Issue 14, CLR 2.0: a learner adds a transcript (a `ClrCredential`) and its detail screen
shows the achievements of the credentials nested in it, each checked as itself."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import Wallet
from tests.support import clr_course, clr_record


def test_clr_detail_shows_the_nested_achievements(wallet: Wallet, tmp_path: Path) -> None:
    record = clr_record([clr_course("Teamwork", 1), clr_course("Borehole pump repair", 2)])
    transcript = tmp_path / "transcript.json"
    transcript.write_text(json.dumps(record))
    wallet.create_wallet()
    wallet.click("Add a credential")
    wallet.choose_files("Open a file or QR image", transcript)
    wallet.see("transcript.json: added to your backpack")
    wallet.click("Back")
    wallet.click("Transcript 2026", exact=False)
    wallet.see("In this record")
    wallet.see("Borehole pump repair")
    wallet.see("Community Skills Collective")
    wallet.screenshot("clr-detail")
