"""A trainer sets up the issuer, creates an achievement and issues it to a learner's DID;
the QR frames on screen decode into a credential that verifies and names that learner."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.conftest import Wallet
from wallet.qr import compact, frames
from wallet.vc import did_key
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.verification import verify_credential


def test_trainer_issues_to_a_learner_did(wallet: Wallet) -> None:
    learner_did = did_key.did_for(KeyPair.generate(KeyType.ED25519).public)
    wallet.create_wallet()
    wallet.tab("Issue")
    wallet.see("Set up the issuer")
    wallet.type("Issuer name", "Kampala Field School")
    wallet.screenshot("issuer-setup")
    wallet.click("Save issuer")
    wallet.see("Signing as Kampala Field School")

    wallet.click("New achievement")
    wallet.type("Achievement name", "Solar installer")
    wallet.type("Description", "Installs and maintains small solar kits.")
    wallet.type("What the learner did to earn it", "Installed three home kits under supervision.")
    wallet.screenshot("template")
    wallet.click("Save achievement")
    wallet.see("Issue Solar installer")
    wallet.screenshot("issuer")

    wallet.click("Issue Solar installer")
    wallet.type("Learner's DID or name", learner_did)
    wallet.screenshot("issue")
    wallet.click("Sign and show")
    wallet.see("Solar installer: signed")
    texts = wallet.qr_texts()
    wallet.screenshot("issued-qr")

    credential = compact.decode(frames.reassemble(texts)).document
    report = verify_credential(credential, now=datetime.now(UTC))
    assert report.verified, [c for c in report.checks if not c.ok]
    assert credential["credentialSubject"]["id"] == learner_did
    assert credential["credentialSubject"]["achievement"]["name"] == "Solar installer"
    assert credential["issuer"]["name"] == "Kampala Field School"

    wallet.click("Back")
    wallet.click("Issuance log")
    wallet.see("Solar installer")
    wallet.screenshot("issuance-log")
    wallet.click("Revoke Solar installer")  # issued in the trainer's own name: no status
    wallet.see("This badge cannot be revoked", timeout=10_000)
