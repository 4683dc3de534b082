"""A learner saves a badge as a PDF from its detail screen (on the web, a download); the
printed page, rasterised, scans to the paper verdict; an employer's camera filming a
printed page shows the paper note."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import zxingcpp
from PIL import Image

from tests.conftest import sample_badge
from tests.e2e.conftest import Wallet, write_mjpeg
from tests.support import ENGLISH
from wallet.bench.app import camera_picture
from wallet.qr import compact, frames, images
from wallet.services.issuer import signing as issuer
from wallet.services.learner import paper, paper_layout
from wallet.services.verifier.presentations import Code, PresentationVerifier
from wallet.store.verifier_store import VerifierStore
from wallet.ui.i18n import Catalog
from wallet.vc import did_key
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.verification import Outcome, verify_credential


def test_print_chooses_the_claims_as_when_sharing_and_the_page_carries_only_those(
    wallet: Wallet, tmp_path: Path
) -> None:
    """Issue 18: for an ecdsa-sd-2023 badge the learner ticks what goes on paper on the
    share screen's claim list; the downloaded page's codes reveal those and the locked
    ones, nothing else, and scan to the paper verdict."""
    wallet.create_wallet()
    wallet.click(ENGLISH("backpack.try_samples"))
    wallet.see("Showing 3 of 3")
    wallet.click("Teamwork (sample)", exact=False)
    wallet.see(ENGLISH("detail.checks"))
    wallet.click_until(ENGLISH("detail.print"), ENGLISH("paper.choose_title"))
    wallet.page.get_by_role("checkbox", name="Description", exact=False).click()
    wallet.screenshot("paper-choose")
    with wallet.page.expect_download(timeout=60_000) as download:
        wallet.click(ENGLISH("paper.save"))
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
    assert shown["/credentialSubject/achievement/name"] == "Teamwork (sample)"  # locked
    assert shown["/credentialSubject/achievement/description"] == "Works well in a small team."
    assert not [p for p in shown if p.startswith("/credentialSubject/achievement/criteria")]
    assert "/issuer/name" not in shown  # not ticked either


def test_camera_employer_scans_a_printed_page_and_sees_the_paper_note(
    camera_wallet: Callable[..., Wallet], tmp_path: Path
) -> None:
    """The fake camera films the code on a printed page (rasterised at 300 dpi, the code
    cropped as a phone held over it frames it)."""
    key = KeyPair.generate(KeyType.ED25519)
    badge = sample_badge()
    badge["credentialSubject"]["name"] = "Siti Rahayu"
    credential = issuer.issue(badge, key, "eddsa-rdfc-2022")
    report = verify_credential(credential, now=datetime.now(UTC)).to_json()
    copy = paper.paper_copy(credential, report, "2026-06-01T00:00:00Z", [])
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(paper_layout.render_pdf(copy, paper_layout.PageSize.A4, Catalog("en")))
    subprocess.run(["pdftoppm", "-r", "300", "-png", pdf, tmp_path / "raster"], check=True)
    [raster] = sorted(tmp_path.glob("raster*.png"))
    page = Image.open(raster)
    [code] = zxingcpp.read_barcodes(page)
    corners = [code.position.top_left, code.position.bottom_right]
    box = (
        min(p.x for p in corners) - 40,
        min(p.y for p in corners) - 40,
        max(p.x for p in corners) + 40,
        max(p.y for p in corners) + 40,
    )
    framed = io.BytesIO()
    page.crop(box).save(framed, "PNG")
    video = tmp_path / "paper.mjpeg"
    write_mjpeg(video, [camera_picture(None), camera_picture(framed.getvalue())])

    wallet = camera_wallet(video)
    wallet.create_wallet()
    store = VerifierStore(wallet.directory)
    store.trust(did_key.did_for(key.public), "Community Skills Collective")
    store.close()
    wallet.tab("Verify")
    wallet.click("Scan with the camera")
    wallet.see(ENGLISH("verdict.warnings"), exact=True)  # never plainly "Valid"
    wallet.see(ENGLISH("reason.holder.paper"))
    wallet.see("Siti Rahayu")
    wallet.screenshot("verdict-paper")
