"""A trainer prints a badge from the app for a learner without a phone: typed by name, the
"Print" action signs it for paper and downloads the page; its codes carry the badge issued
to that name (no DID), and the issuance log says it went to paper, as the CLI's does."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.conftest import PASSPHRASE, Wallet
from tests.support import ENGLISH
from wallet.qr import compact, frames, images
from wallet.services.wallet import Wallet as WalletService
from wallet.vc.verification import verify_credential


def test_trainer_prints_for_a_learner_without_a_phone_and_the_log_says_paper(
    wallet: Wallet, tmp_path: Path
) -> None:
    wallet.create_wallet()
    wallet.tab("Issue")
    wallet.see("Set up the issuer")
    wallet.type("Issuer name", "Kampala Field School")
    wallet.click("Save issuer")
    wallet.see("Signing as Kampala Field School")
    wallet.click("New achievement")
    wallet.type("Achievement name", "Solar installer")
    wallet.type("Description", "Installs and maintains small solar kits.")
    wallet.type("What the learner did to earn it", "Installed three home kits.")
    wallet.click("Save achievement")
    wallet.see("Issue Solar installer")
    wallet.click("Issue Solar installer")
    wallet.see(ENGLISH("issue.sign"))
    assert wallet.button(ENGLISH("issue.print")).count() == 0  # nobody named yet

    wallet.type(ENGLISH("issue.recipient"), "Siti Rahayu")
    wallet.see(ENGLISH("issue.print"))
    wallet.screenshot("issue-print")
    with wallet.page.expect_download(timeout=60_000) as download:
        wallet.click(ENGLISH("issue.print"))
    saved = tmp_path / "badge.pdf"
    download.value.save_as(saved)
    wallet.see(ENGLISH("issue.printed", name="Siti Rahayu"))

    subprocess.run(["pdftoppm", "-r", "150", "-png", saved, tmp_path / "page"], check=True)
    [page] = sorted(tmp_path.glob("page*.png"))
    decoded = compact.decode(frames.reassemble(images.decode_image(page.read_bytes())))
    assert decoded.paper
    credential = decoded.document
    assert credential["credentialSubject"]["name"] == "Siti Rahayu"
    assert "id" not in credential["credentialSubject"]  # her name, no DID
    assert credential["credentialSubject"]["achievement"]["name"] == "Solar installer"
    report = verify_credential(credential, now=datetime.now(UTC))
    assert report.verified, [c for c in report.checks if not c.ok]

    service = WalletService(wallet.directory)
    service.unlock(PASSPHRASE)
    [entry] = service.trainer.log()
    assert (entry.delivery, entry.recipient) == ("paper", "Siti Rahayu")
    assert entry.credential_id == credential["id"]
    service.lock()

    wallet.click("Issue Solar installer")  # printing went back to the achievements
    wallet.type(ENGLISH("issue.recipient"), "Ana Lima")
    wallet.see(ENGLISH("issue.print"))
    wallet.type(ENGLISH("issue.recipient"), "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGp")
    wallet.button(ENGLISH("issue.print")).first.wait_for(state="detached", timeout=10_000)
