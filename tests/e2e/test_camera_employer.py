"""An employer points the camera at a learner's QR: the fake camera plays the learner's
presentation and the verdict is Valid. Leaving the scanner stops the camera."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import CAMERA_STOPPED, Wallet, write_mjpeg
from tests.support import employer_presentation
from wallet.bench.app import camera_picture
from wallet.qr import frames, images
from wallet.store.verifier_store import VerifierStore


def presentation_video(document: dict, path: Path) -> Path:
    """The learner's phone held up to the camera: a moment of nothing, then the codes."""
    texts, _ = frames.texts_for(document)
    write_mjpeg(
        path, [camera_picture(None)] + [camera_picture(p) for p in images.render_pngs(texts)]
    )
    return path


def test_camera_employer_scans_a_presentation_and_sees_valid(
    camera_wallet: Callable[..., Wallet], tmp_path: Path
) -> None:
    presentation, issuer_did = employer_presentation(tmp_path)
    wallet = camera_wallet(presentation_video(presentation, tmp_path / "learner.mjpeg"))
    wallet.create_wallet()
    store = VerifierStore(wallet.directory)
    store.trust(issuer_did, "Community Skills Collective")
    store.close()

    wallet.tab("Verify")
    wallet.click("Scan with the camera")
    wallet.see("Valid", exact=True)  # not "Valid, with warnings": the issuer is trusted
    wallet.see("Amina Diallo")
    wallet.page.wait_for_function(CAMERA_STOPPED, timeout=10_000)
