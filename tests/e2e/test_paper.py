"""A learner saves a badge as a PDF from its detail screen (on the web, a download); the
printed page, rasterised, scans to the paper verdict."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.conftest import Wallet
from tests.support import ENGLISH
from wallet.qr import compact, frames, images
from wallet.services.verifier.presentations import Code, PresentationVerifier
from wallet.store.verifier_store import VerifierStore
from wallet.vc.verification import Outcome


def test_print_or_save_as_pdf_downloads_a_page_that_verifies(
    wallet: Wallet, tmp_path: Path
) -> None:
    wallet.create_wallet()
    wallet.click(ENGLISH("backpack.try_samples"))
    wallet.see("Showing 3 of 3")
    wallet.click("Teamwork (sample)", exact=False)
    wallet.see(ENGLISH("detail.checks"))
    with wallet.page.expect_download(timeout=60_000) as download:
        wallet.click(ENGLISH("detail.print"))
    saved = tmp_path / "badge.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")

    subprocess.run(["pdftoppm", "-r", "150", "-png", saved, tmp_path / "page"], check=True)
    [page] = sorted(tmp_path.glob("page*.png"))
    texts = images.decode_image(page.read_bytes())
    assert compact.decode(frames.reassemble(texts)).paper
    verdict = PresentationVerifier(VerifierStore(tmp_path / "employer")).scan_images(
        [page.read_bytes()]
    )
    assert verdict.verdict is Outcome.WARNINGS  # the demo issuer is not trusted, and paper
    assert Code.PAPER in [c.code for c in verdict.checks]
    shown = {c.pointer: c.value for c in verdict.claims}
    assert shown["/credentialSubject/achievement/name"] == "Teamwork (sample)"
