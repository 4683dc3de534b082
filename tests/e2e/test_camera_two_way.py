"""Two-way mode: the employer's app shows a challenge QR, the learner's wallet answers it,
and the employer's camera reads the answer: valid. The same answer scanned again against
the same challenge is refused as a replay."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import sample_badge
from tests.e2e.conftest import Wallet, write_mjpeg
from tests.e2e.test_camera_employer import presentation_video
from wallet.bench.app import camera_picture
from wallet.qr import challenge as challenge_qr
from wallet.qr import images
from wallet.services import wallet as facade
from wallet.services.issuer import signing as issuer
from wallet.store.verifier_store import VerifierStore
from wallet.vc import did_key, ecdsa_sd_2023
from wallet.vc.multikey import KeyPair, KeyType


def learner_presents(
    directory: Path, issuer_key: KeyPair, challenge_text: str | None = None
) -> dict:
    """A learner's wallet (real services) shows their name from a badge `issuer_key`
    signed; with a verifier's challenge QR text, it signs its answer over the challenge."""
    learner = facade.Wallet(directory)
    learner.create("learner passphrase")
    badge = sample_badge()
    badge["credentialSubject"]["id"] = learner.backpack.new_holder_key()
    data = json.dumps(issuer.issue(badge, issuer_key, ecdsa_sd_2023.NAME)).encode()
    [held] = list(learner.backpack.import_sources([("badge.json", lambda: data)]))
    value, domain = challenge_qr.from_text(challenge_text) if challenge_text else (None, None)
    reveal = ["/credentialSubject/name"]
    return learner.backpack.present([held.id], reveal, challenge=value, domain=domain).document


def test_camera_two_way_answer_is_valid_and_its_replay_refused(
    camera_wallet: Callable[..., Wallet], tmp_path: Path
) -> None:
    video = tmp_path / "answer.mjpeg"
    wallet = camera_wallet(video)  # the file is written once the challenge is on screen
    wallet.create_wallet()
    issuer_key = KeyPair.generate(KeyType.P256)
    store = VerifierStore(wallet.directory)
    store.trust(did_key.did_for(issuer_key.public), "Community Skills Collective")
    store.close()

    wallet.tab("Verify")
    wallet.click("Ask for a presentation")
    [shown] = wallet.qr_texts(frames_expected=False)
    assert shown.startswith("LWC:")
    wallet.screenshot("verify-ask")
    presentation_video(learner_presents(tmp_path / "learner", issuer_key, shown), video)

    wallet.click("Scan the answer")
    wallet.see("Valid", exact=True)
    wallet.click("All checks", exact=False)  # passed checks are folded under the verdict
    wallet.see("It answers the challenge you showed.")
    wallet.see("Amina Diallo")

    wallet.click("Back")  # to the same challenge: someone shows the recorded answer again
    wallet.see("Ask for a presentation")
    wallet.click("Scan the answer")
    wallet.see("Not valid", exact=True)
    wallet.see("This exact presentation was already shown")


def test_camera_learner_scans_the_employers_challenge_and_answers_it(
    camera_wallet: Callable[..., Wallet], tmp_path: Path
) -> None:
    """The other side: the learner's camera reads the employer's challenge QR on the share
    screen, the claims ticked before the scan stay ticked, and the QR then shown answers
    that challenge (checked by the employer's real services)."""
    employer = facade.Wallet(tmp_path / "employer")
    employer.create("employer passphrase")
    challenge = employer.new_challenge()
    video = tmp_path / "challenge.mjpeg"
    write_mjpeg(
        video, [camera_picture(None), *map(camera_picture, images.render_pngs([challenge.text]))]
    )
    wallet = camera_wallet(video)
    wallet.create_wallet()
    wallet.click("Receive from a trainer")
    [learner_did] = wallet.qr_texts(frames_expected=False)
    wallet.click("Back")
    issuer_key = KeyPair.generate(KeyType.P256)
    badge = sample_badge()
    badge["credentialSubject"]["id"] = learner_did
    badge_file = tmp_path / "teamwork.json"
    badge_file.write_text(json.dumps(issuer.issue(badge, issuer_key, ecdsa_sd_2023.NAME)))
    wallet.click("Add a credential")
    wallet.choose_files("Open a file or QR image", badge_file)
    wallet.see("teamwork.json: added to your backpack")
    wallet.click("Back")

    wallet.click("Teamwork", exact=False)
    wallet.click("Share")
    wallet.page.get_by_role("checkbox", name="Learner's name: Amina Diallo").click()
    wallet.click("Scan the verifier's request code")
    wallet.see(f"Answering the request from {challenge.domain}")
    assert wallet.page.get_by_role("checkbox", name="Learner's name: Amina Diallo").is_checked()
    wallet.click("Show QR code")
    wallet.see("Answers the verifier's request")
    texts = wallet.qr_texts()

    store = VerifierStore(employer.directory)
    store.trust(did_key.did_for(issuer_key.public), "Community Skills Collective")
    store.close()
    verdict = employer.verify_texts(texts, challenge)
    assert verdict.verdict == "valid", [c for c in verdict.checks if not c.ok]
    assert {c.value for c in verdict.claims} >= {"Amina Diallo"}
