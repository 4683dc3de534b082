"""A learner creates a wallet, receives a badge issued to their own DID, opens it and
shares two claims; the QR on screen, decoded from a screenshot, verifies as valid."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import sample_badge
from tests.e2e.conftest import Wallet
from wallet.services.issuer import signing as issuer
from wallet.services.verifier.presentations import PresentationVerifier
from wallet.store.verifier_store import VerifierStore
from wallet.vc import did_key, ecdsa_sd_2023
from wallet.vc.multikey import KeyPair, KeyType


def test_learner_receives_a_badge_and_shares_two_claims(wallet: Wallet, tmp_path: Path) -> None:
    wallet.see("Learner Wallet")
    wallet.screenshot("onboarding")
    wallet.create_wallet()
    wallet.screenshot("backpack-empty")

    wallet.click("Receive from a trainer")
    wallet.see("Receive a badge")
    [learner_did] = wallet.qr_texts(frames_expected=False)
    wallet.screenshot("receive")
    assert learner_did.startswith("did:key:z6Mk")

    issuer_key = KeyPair.generate(KeyType.P256)
    badge = sample_badge()
    badge["credentialSubject"]["id"] = learner_did
    signed = issuer.issue(badge, issuer_key, ecdsa_sd_2023.NAME)
    badge_file = tmp_path / "teamwork.json"
    badge_file.write_text(json.dumps(signed))

    wallet.click("Back")
    wallet.click("Add a credential")
    wallet.choose_files("Open a file or QR image", badge_file)
    wallet.see("teamwork.json: added to your backpack")
    wallet.screenshot("add-credential")
    wallet.click("Back")
    wallet.see("Showing 1 of 1")
    wallet.screenshot("backpack")

    wallet.click("Teamwork", exact=False)
    wallet.see("What was checked")
    wallet.screenshot("credential-detail")
    wallet.click("Share")
    wallet.see("Choose what to show", timeout=10_000)
    wallet.page.get_by_role("checkbox", name="Learner's name: Amina Diallo").click()
    wallet.page.get_by_role("checkbox", name="Description", exact=False).click()
    wallet.screenshot("share")
    wallet.click("Show QR code")
    wallet.see("Expires in")
    texts = wallet.qr_texts()
    wallet.screenshot("share-qr")

    store = VerifierStore(tmp_path / "verifier")
    store.trust(did_key.did_for(issuer_key.public), "Community Skills Collective")
    verdict = PresentationVerifier(store).verify_texts(texts)
    assert verdict.verdict == "valid", [c for c in verdict.checks if not c.ok or c.warning]
    shown = {claim.pointer: claim.value for claim in verdict.claims}
    assert shown["/credentialSubject/name"] == "Amina Diallo"
    assert "/credentialSubject/achievement/description" in shown
    assert "/credentialSubject/achievement/criteria" not in shown  # not ticked, not revealed
