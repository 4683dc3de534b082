"""An employer opens QR images of a learner's presentation: the real one is valid with
its claims; one with an edited claim is invalid, and the screen says why."""

from __future__ import annotations

import copy
from pathlib import Path

from tests.e2e.conftest import Wallet
from tests.support import employer_presentation, qr_pictures
from wallet.store.verifier_store import VerifierStore


def test_employer_sees_valid_then_invalid_with_the_reason(wallet: Wallet, tmp_path: Path) -> None:
    presentation, issuer_did = employer_presentation(tmp_path)
    genuine = qr_pictures(presentation, tmp_path, "genuine")
    tampered_document = copy.deepcopy(presentation)
    tampered_document["verifiableCredential"][0]["credentialSubject"]["name"] = "Someone Else"
    tampered = qr_pictures(tampered_document, tmp_path, "tampered")

    wallet.create_wallet()
    store = VerifierStore(wallet.directory)  # what `wallet trust add-issuer` writes
    store.trust(issuer_did, "Community Skills Collective")
    store.close()

    wallet.tab("Verify")
    wallet.see("Verify a badge")
    wallet.screenshot("verify")
    wallet.choose_files("Open QR image", *genuine)
    wallet.see("Valid", exact=True)  # not "Valid, with warnings"
    wallet.see("Amina Diallo")
    wallet.see("Teamwork")
    wallet.screenshot("verdict-valid")

    wallet.click("Back")
    wallet.choose_files("Open QR image", *tampered)
    wallet.see("Not valid", exact=True)
    wallet.see("Issuer's signature: failed")
    wallet.screenshot("verdict-invalid")

    wallet.click("Back")
    wallet.click("Past verifications")
    wallet.see("Valid · ", timeout=10_000)
    wallet.see("Someone Else (not verified)")  # a tampered name is not shown as fact
    wallet.see("Not valid · ")
    wallet.screenshot("verify-history")
