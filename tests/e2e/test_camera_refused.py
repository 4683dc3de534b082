"""No camera: the browser refuses the camera permission, so the scanner says so plainly
and offers "Open a picture". The employer opens a photo instead, sees the issuer is not
trusted (by its DID), trusts it from the verdict, and the next presentation is Valid."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import Wallet
from tests.e2e.test_camera_employer import presentation_video
from tests.e2e.test_camera_two_way import learner_presents
from tests.support import qr_pictures
from wallet.vc import did_key
from wallet.vc.multikey import KeyPair, KeyType


def test_camera_permission_denied_falls_back_to_a_picture_then_trust_this_issuer(
    camera_wallet: Callable[..., Wallet], tmp_path: Path
) -> None:
    issuer_key = KeyPair.generate(KeyType.P256)
    issuer_did = did_key.did_for(issuer_key.public)
    first = qr_pictures(learner_presents(tmp_path / "one", issuer_key), tmp_path, "first")
    video = tmp_path / "learner.mjpeg"
    presentation_video(learner_presents(tmp_path / "zero", issuer_key), video)
    wallet = camera_wallet(video, allow=False)
    wallet.create_wallet()

    wallet.tab("Verify")
    wallet.click("Scan with the camera")
    wallet.see("The camera is not allowed.")
    wallet.screenshot("scanner-refused")
    wallet.choose_files("Open a picture", *first)
    wallet.see("Valid, with warnings", exact=True)
    wallet.see(issuer_did)
    wallet.button("Trust this issuer").scroll_into_view_if_needed()
    wallet.screenshot("verdict-trust")
    wallet.click("Trust this issuer")
    wallet.see("is now trusted on this device")

    wallet.click("Back")
    second = qr_pictures(learner_presents(tmp_path / "two", issuer_key), tmp_path, "second")
    wallet.choose_files("Open QR image", *second)
    wallet.see("Valid", exact=True)


def test_camera_missing_says_so_and_offers_a_picture(
    camera_wallet: Callable[..., Wallet], tmp_path: Path
) -> None:
    """A fake camera whose video file does not exist is no camera at all to the page."""
    wallet = camera_wallet(tmp_path / "no-such-video.mjpeg")
    wallet.create_wallet()
    wallet.click("Add a credential")
    wallet.click("Scan with the camera")
    wallet.see("No camera was found on this device.")
    wallet.button("Open a picture").wait_for()
