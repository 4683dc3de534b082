"""A trainer sets up the issuer, creates an achievement and issues it to a learner's DID;
the QR frames on screen decode into a credential that verifies and names that learner."""

from __future__ import annotations

from tests.e2e.conftest import Wallet
from wallet.qr import compact, frames
from wallet.services.verifier import credentials as verifier
from wallet.vc import did_key
from wallet.vc.multikey import KeyPair, KeyType


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
    report = verifier.verify(credential)
    assert report.verified, [c for c in report.checks if not c.ok]
    assert credential["credentialSubject"]["id"] == learner_did
    assert credential["credentialSubject"]["achievement"]["name"] == "Solar installer"
    assert credential["issuer"]["name"] == "Kampala Field School"

    wallet.click("Back")
    wallet.click("Issuance log")
    wallet.see("Solar installer")
    wallet.click("Revoke Solar installer", exact=False)
    wallet.see("revoked", timeout=10_000)
    wallet.screenshot("issuance-log")
