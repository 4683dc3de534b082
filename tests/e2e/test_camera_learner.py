"""A learner points the camera at a trainer's animated QR: the fake camera shows the
frames out of order, with repeats and a moment without a code; the scanner counts them
("3 of 5 codes read"), finishes by itself, and the badge lands in the backpack, verified."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

from tests.e2e.conftest import CAMERA_STOPPED, Wallet, write_mjpeg
from wallet.bench.app import camera_picture
from wallet.qr import images
from wallet.services import wallet as facade
from wallet.services.issuer import trainer as trainer_service


def badge_picture() -> str:
    """A small, busy badge image: it makes the signed badge travel in about five frames."""
    rnd = random.Random(7)
    image = Image.new("RGB", (64, 64), (250, 200, 40))
    draw = ImageDraw.Draw(image)
    for _ in range(20):
        x, y, r = rnd.randint(0, 64), rnd.randint(0, 64), rnd.randint(2, 10)
        colour = (rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(0, 255))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return trainer_service.badge_image(out.getvalue())


def issued_frames(tmp_path: Path, learner_did: str) -> list[str]:
    """A field trainer's phone (real services) issues Solar installer to the learner."""
    trainer = facade.Wallet(tmp_path / "trainer")
    trainer.create("trainer passphrase")
    trainer.trainer.set_up("Kampala Field School")
    template = trainer.trainer.save_template(
        "Solar installer",
        "Installs and maintains small solar kits.",
        "Installed three home kits under supervision.",
        badge_picture(),
    )
    return trainer.trainer.issue(template.id, learner_did).qr_texts


def test_camera_learner_reads_an_animated_sequence_out_of_order(
    camera_wallet: Callable[..., Wallet], tmp_path: Path
) -> None:
    video = tmp_path / "trainer.mjpeg"
    wallet = camera_wallet(video)  # Chromium opens the file only when the camera starts
    wallet.create_wallet()
    wallet.click("Receive from a trainer")
    [learner_did] = wallet.qr_texts(frames_expected=False)
    wallet.click("Back")

    texts = issued_frames(tmp_path, learner_did)
    total = len(texts)
    assert total >= 4, total
    seen = [camera_picture(png) for png in images.render_pngs(texts)]
    # Out of order, with repeats and a blurred moment between codes, as a hand-held phone
    # catches an animation it joined halfway through.
    order = [1, 0, 1, None, total - 1, 0, *range(2, total - 1), 1]
    write_mjpeg(video, [camera_picture(None) if i is None else seen[i] for i in order], hold=45)

    wallet.click("Add a credential")
    wallet.click("Scan with the camera")
    wallet.see(f"3 of {total} codes read", timeout=60_000)
    wallet.see("Still missing: 3")
    wallet.screenshot("scanner")
    assert not wallet.page.evaluate(CAMERA_STOPPED)  # the preview is live
    wallet.click("Cancel")  # leaving mid-sequence releases the camera
    wallet.page.wait_for_function(CAMERA_STOPPED, timeout=10_000)
    for wait in (150, 420, 90, 610, 260, 330, 40, 500, 200, 370):
        # Leaving while a picture is on its way: Flet 1.0.5 drops the session if the
        # reply finds the camera control gone, so the app keeps it until the reply is in.
        wallet.click("Scan with the camera")
        wallet.see("Scan a trainer's QR code")
        wallet.page.wait_for_timeout(wait)
        wallet.click("Cancel")
        wallet.see("Add a credential")
    wallet.click("Scan with the camera")  # a new scan starts from nothing and finishes
    wallet.see("added to your backpack", timeout=60_000)
    wallet.page.wait_for_function(CAMERA_STOPPED, timeout=10_000)  # done, so released
    wallet.click("Back")
    wallet.see("Showing 1 of 1")
    wallet.button("Solar installer", exact=False).first.wait_for(timeout=10_000)
    chip = wallet.page.get_by_role("checkbox", name="Verified just now, offline", exact=True)
    chip.wait_for(timeout=10_000)
