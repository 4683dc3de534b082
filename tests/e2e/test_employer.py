"""An employer opens QR images of a learner's presentation: the real one is valid with
its claims; one with an edited claim is invalid, and the screen says why."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from tests.conftest import sample_badge
from tests.e2e.conftest import Wallet
from wallet.qr import frames, images
from wallet.services import wallet as facade
from wallet.services.issuer import signing as issuer
from wallet.store.verifier_store import VerifierStore
from wallet.vc import did_key, ecdsa_sd_2023
from wallet.vc.multikey import KeyPair, KeyType


def _pictures(document: dict, directory: Path, stem: str) -> list[Path]:
    texts, _ = frames.texts_for(document)
    paths = []
    for number, png in enumerate(images.render_pngs(texts), start=1):
        path = directory / f"{stem}-{number}.png"
        path.write_bytes(png)
        paths.append(path)
    return paths


def _presentation(tmp_path: Path) -> tuple[dict, str]:
    """A learner's wallet (real services) shows the achievement and their name."""
    learner = facade.Wallet(tmp_path / "learner")
    learner.create("learner passphrase")
    issuer_key = KeyPair.generate(KeyType.P256)
    badge = sample_badge()
    badge["credentialSubject"]["id"] = learner.backpack.new_holder_key()
    signed = issuer.issue(badge, issuer_key, ecdsa_sd_2023.NAME)
    data = json.dumps(signed).encode()
    [result] = list(learner.backpack.import_sources([("badge.json", lambda: data)]))
    shared = learner.backpack.present([result.id], ["/credentialSubject/name"])
    return shared.document, did_key.did_for(issuer_key.public)


def test_employer_sees_valid_then_invalid_with_the_reason(wallet: Wallet, tmp_path: Path) -> None:
    presentation, issuer_did = _presentation(tmp_path)
    genuine = _pictures(presentation, tmp_path, "genuine")
    tampered_document = copy.deepcopy(presentation)
    tampered_document["verifiableCredential"][0]["credentialSubject"]["name"] = "Someone Else"
    tampered = _pictures(tampered_document, tmp_path, "tampered")

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
    wallet.see("Not valid · ")
    wallet.screenshot("verify-history")
