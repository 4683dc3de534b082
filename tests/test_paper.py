"""Paper that verifies (issue 18): a badge printed to PDF, rasterised with poppler's
`pdftoppm` as a printer or a phone's photo would see it, read back by every QR decoder the
app may run on, and scanned to a verdict that says it is a paper copy."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import random
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageFilter

from tests.conftest import sample_badge
from tests.support import (
    ENGLISH,
    LIST_URL,
    ORG_NAME,
    ORGANISATION_NOW,
    PUMP,
    Clock,
    as_source,
    english,
    holder_with,
    new_backpack,
    run,
    status_list,
    trainer_in,
    verifier_for,
)
from tests.support import badge as status_badge
from wallet.protocol import issuance_log
from wallet.qr import compact, frames, images
from wallet.qr.errors import PayloadError
from wallet.services.issuer import signing as issuer
from wallet.services.issuer.organisation import Organisation
from wallet.services.learner import paper, paper_layout
from wallet.services.learner.backpack import HeldCredential
from wallet.services.verifier.presentations import Code, PresentationVerifier
from wallet.store import kdf
from wallet.store.verifier_store import VerifierStore
from wallet.ui.i18n import Catalog
from wallet.vc.bitstring_status_list import CachedStatusList
from wallet.vc.errors import UnusableInput
from wallet.vc.multikey import KeyPair
from wallet.vc.verification import Outcome

# a fixed key, so the printed codes (and what the damaged photo must still resolve) are the
# same on every run
KEY = KeyPair.from_ed25519_seed(bytes(range(32)))
BACKENDS = {
    "zxing-cpp": images._with_zxing,
    "pyzbar": images._with_pyzbar,
    "opencv": images._with_opencv,
}


def long_badge(words: int = 220, number: int = 1) -> dict[str, Any]:
    """A badge whose description outgrows one code: three on an A4 page."""
    rng = random.Random(number)
    parts = ["pump", "valve", "seal", "bearing", "shaft", "gasket", "filter", "rotor", "pipe"]
    badge = sample_badge()
    badge["id"] = f"urn:uuid:00000000-0000-4000-8000-{number:012d}"
    badge["credentialSubject"]["name"] = "Siti Rahayu"
    badge["credentialSubject"]["achievement"]["description"] = " ".join(
        f"{rng.choice(parts)}{rng.randrange(1000)}" for _ in range(words)
    )
    return issuer.issue(badge, KEY, "eddsa-rdfc-2022", created=ORGANISATION_NOW)


def held(tmp_path: Path, document: dict[str, Any]) -> HeldCredential:
    pack, _ = new_backpack(tmp_path / "learner")
    [result] = pack.import_sources([as_source("badge.json", document)])
    assert result.id is not None
    return pack.show(result.id)


def rasterise(pdf: bytes, tmp_path: Path, dpi: int) -> list[bytes]:
    (tmp_path / "page.pdf").write_bytes(pdf)
    prefix = tmp_path / f"page-{dpi}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", tmp_path / "page.pdf", prefix], check=True)
    return [p.read_bytes() for p in sorted(tmp_path.glob(f"page-{dpi}-*.png"))]


def printed(copy: paper.PaperCopy, size: paper_layout.PageSize = paper_layout.PageSize.A4) -> bytes:
    return paper_layout.render_pdf(copy, size, Catalog("en"))


def page_text(pdf: bytes, tmp_path: Path) -> str:
    (tmp_path / "text.pdf").write_bytes(pdf)
    found = subprocess.run(
        ["pdftotext", "-layout", tmp_path / "text.pdf", "-"], capture_output=True, check=True
    )
    return found.stdout.decode()


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8), st.text(max_size=20) | st.integers(-1000, 1000)
    )
)
def test_the_paper_flag_round_trips_and_only_paper_carries_it(document: dict[str, Any]) -> None:
    decoded = compact.decode(compact.encode(document, paper=True))
    assert decoded.paper and decoded.document == document and not decoded.answers_challenge
    assert not compact.decode(compact.encode(document)).paper


def test_a_paper_payload_that_claims_a_challenge_is_refused() -> None:
    payload = bytearray(compact.encode({"a": "b"}, paper=True))
    payload[0] |= 0x02  # the answers-a-challenge flag, with a hint the body never had
    with pytest.raises(PayloadError):
        compact.decode(bytes(payload[:1]) + b"\x00\x00" + bytes(payload[1:]), "c", "d")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_printed_page_decodes_back_to_the_credential_byte_for_byte(
    tmp_path: Path, backend: str
) -> None:
    credential = held(tmp_path, long_badge())
    copy = paper.for_held(credential, [])
    assert len(copy.texts) == 3, copy.payload_bytes
    pdf = printed(copy)
    [page] = rasterise(pdf, tmp_path, 150)
    text = page_text(pdf, tmp_path)
    for number in (1, 2, 3):
        assert ENGLISH("paper.code_of", number=number, total=3) in text
    assert ENGLISH("paper.instruction") in text
    assert "Siti Rahayu" in text
    decode = BACKENDS[backend]
    picture = images._open(page)
    found = decode(picture)
    if backend == "opencv":  # one code a picture: as a camera pointed at each in turn
        found = _opencv_one_by_one(picture)
    assert sorted(found) == sorted(copy.texts)
    payload = frames.reassemble(found)
    assert payload == compact.encode(credential.credential, paper=True)
    assert compact.decode(payload).document == credential.credential


def _opencv_one_by_one(picture: Image.Image) -> list[str]:
    """OpenCV's reader returns one code of several in a picture: give it each code in turn,
    as a camera pointed at one code at a time (zxing-cpp only says where they are)."""
    import zxingcpp

    found = []
    for code in zxingcpp.read_barcodes(picture):
        corners = [code.position.top_left, code.position.bottom_right]
        left, top = min(p.x for p in corners) - 30, min(p.y for p in corners) - 30
        right, bottom = max(p.x for p in corners) + 30, max(p.y for p in corners) + 30
        found += images._with_opencv(picture.crop((left, top, right, bottom)))
    return found


def test_scanning_the_page_image_gives_the_paper_verdict_with_its_note(tmp_path: Path) -> None:
    learner, employer = tmp_path / "learner", tmp_path / "employer"
    signed = tmp_path / "badge.json"
    signed.write_text(json.dumps(long_badge(words=20)))
    run(learner, "init")
    record_id = run(learner, "import", signed).stdout.split()[1]
    pdf = tmp_path / "badge.pdf"
    written = run(learner, "paper", record_id, "--out", pdf, "--language", "fr")
    assert "1 QR code" in written.stdout
    assert "Siti Rahayu" in page_text(pdf.read_bytes(), tmp_path)
    assert Catalog("fr")("paper.instruction") in page_text(pdf.read_bytes(), tmp_path)
    [page] = rasterise(pdf.read_bytes(), tmp_path, 150)
    (tmp_path / "page.png").write_bytes(page)

    scanned = run(employer, "scan", "--json", tmp_path / "page.png", check=False)
    verdict = json.loads(scanned.stdout)
    holder = next(c for c in verdict["checks"] if c["id"] == "credential.holder")
    assert holder["code"] == Code.PAPER and holder["warning"]
    assert holder["message"] == english(holder)
    assert verdict["verdict"] != Outcome.VALID
    assert {c["id"] for c in verdict["checks"]} >= {"credential.signature", "credential.issuer"}
    assert not any(c["id"].startswith(("holder-signature", "replay")) for c in verdict["checks"])
    again = run(employer, "scan", tmp_path / "page.png", check=False)  # paper is shown often
    assert english({"code": Code.PAPER, "params": {}}) in again.stdout


def test_paper_from_a_trusted_issuer_is_never_plainly_valid(tmp_path: Path) -> None:
    pack, [record_id] = holder_with(tmp_path, "eddsa-rdfc-2022")
    copy = paper.for_held(pack.show(record_id), [])
    verdict = verifier_for(tmp_path).verify_texts(copy.texts)
    assert verdict.verdict is Outcome.WARNINGS
    assert [c.code for c in verdict.checks if c.warning] == [Code.PAPER]


@pytest.mark.parametrize(("backend", "blur"), [("installed", 1.0), ("pyzbar", 0.6)])
def test_photo_of_a_printed_page_rotated_blurred_jpeg_at_100_dpi_still_decodes(
    tmp_path: Path, backend: str, blur: float
) -> None:
    """The wallet's decoder (zxing-cpp here) with a 1 px blur; pyzbar, Android's, with a
    lighter one (it loses the codes at 1 px on a 100 dpi raster, 3.3 px a module)."""
    credential = held(tmp_path, long_badge(words=120))
    copy = paper.for_held(credential, [])
    assert len(copy.texts) == 2  # one row of codes, at 5 px a module at 150 dpi
    [page] = rasterise(printed(copy), tmp_path, 100)
    photo = Image.open(io.BytesIO(page)).convert("RGB")
    photo = photo.rotate(5, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    photo = photo.filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=40)
    if backend == "installed":
        found = images.decode_image(out.getvalue())
    else:
        found = BACKENDS[backend](images._open(out.getvalue()))
    assert compact.decode(frames.reassemble(found)).document == credential.credential


def test_edited_text_on_the_page_changes_nothing_the_codes_say(tmp_path: Path) -> None:
    credential = held(tmp_path, long_badge(words=20))
    honest = paper.for_held(credential, [])
    forged = dataclasses.replace(honest, learner="Somebody Else", achievement="Master Engineer")
    pdf = printed(forged)
    assert "Somebody Else" in page_text(pdf, tmp_path)
    [page] = rasterise(pdf, tmp_path, 150)
    verdict = verifier_for(tmp_path).scan_images([page])
    assert verdict.verified
    shown = {c.pointer: c.value for c in verdict.claims}
    assert shown["/credentialSubject/name"] == "Siti Rahayu"
    assert "Somebody Else" not in json.dumps(verdict.to_json())


def test_a_code_from_another_badge_pasted_on_the_page_is_refused(tmp_path: Path) -> None:
    first = paper.encode(long_badge(number=1))[0]
    other = paper.encode(long_badge(number=2))[0]
    assert len(first) == len(other) == 3
    with pytest.raises(PayloadError, match="different sequence"):
        frames.reassemble([first[0], other[1], first[2]])
    single = paper.encode(long_badge(words=20))[0]
    with pytest.raises(PayloadError, match="separate"):
        frames.reassemble([*single, *paper.encode(long_badge(words=21))[0]])


def test_an_ecdsa_sd_badge_prints_only_the_claims_the_learner_chose(tmp_path: Path) -> None:
    pack, [record_id] = holder_with(tmp_path, "ecdsa-sd-2023")
    kept = paper.for_held(pack.show(record_id), ["/credentialSubject/achievement/name"])
    assert not kept.whole and kept.description == ""
    pdf = printed(kept)
    assert ENGLISH("paper.derived") in page_text(pdf, tmp_path)
    [page] = rasterise(pdf, tmp_path, 150)
    verdict = verifier_for(tmp_path).scan_images([page])
    assert verdict.verdict is Outcome.WARNINGS, verdict.checks
    shown = {c.pointer for c in verdict.claims}
    assert "/credentialSubject/achievement/name" in shown
    assert "/credentialSubject/achievement/description" not in shown


def test_an_a6_card_keeps_modules_of_at_least_0_4_mm_and_decodes(tmp_path: Path) -> None:
    credential = held(tmp_path, long_badge(words=40))
    copy = paper.for_held(credential, [])
    pdf = printed(copy, paper_layout.PageSize.A6)
    pages = rasterise(pdf, tmp_path, 300)
    found = [text for page in pages for text in images.decode_image(page)]
    assert compact.decode(frames.reassemble(found)).document == credential.credential
    width_mm = Image.open(io.BytesIO(pages[0])).width / 300 * 25.4
    assert round(width_mm) == 105
    assert paper_layout.smallest_module_mm(paper_layout.PageSize.A6) >= 0.4
    assert paper_layout.smallest_module_mm(paper_layout.PageSize.A4) >= 0.4


def test_the_page_prints_in_every_language(tmp_path: Path) -> None:
    credential = held(tmp_path, long_badge(words=20))
    copy = paper.for_held(credential, [])
    for language in ("es", "fr", "id"):
        words = Catalog(language)
        text = page_text(paper_layout.render_pdf(copy, paper_layout.PageSize.A4, words), tmp_path)
        assert words("paper.instruction") in " ".join(text.split())
        assert words("paper.learner", name="Siti Rahayu") in text


def test_the_page_fonts_draw_every_letter_of_the_four_catalogs() -> None:
    """A page is drawn in DejaVu cut to Latin, Greek and Cyrillic (faster to embed); its
    words come from the catalogs, so every letter they use must be in the cut fonts."""
    drawn = paper_layout.page_alphabet()
    for language in ("en", "es", "fr", "id"):
        catalog = json.loads(Path(f"assets/locales/{language}.json").read_text("utf-8"))
        assert {c for text in catalog.values() for c in text if ord(c) not in drawn} == set()


def test_a_name_in_another_script_prints_in_the_whole_font(tmp_path: Path) -> None:
    """Greek and Cyrillic are in the page fonts; Georgian is not, so that page takes the
    whole DejaVu and the name still prints (a missing glyph would leave a blank)."""
    for name in ("Ελένη Παπαδοπούλου", "Анна Смирнова", "ნინო ბერიძე", "Nguyễn Thị Hương"):
        badge = sample_badge()
        badge["credentialSubject"]["name"] = name
        copy = paper.paper_copy(issuer.issue(badge, KEY, "eddsa-rdfc-2022"), {}, "", [])
        assert name in page_text(printed(copy), tmp_path)


def test_the_badge_image_prints_when_embedded_and_a_damaged_one_leaves_it_out(
    tmp_path: Path,
) -> None:
    logo = io.BytesIO()
    Image.new("RGB", (64, 64), "black").save(logo, "PNG")
    badge = sample_badge()
    for data, expected in ((logo.getvalue(), True), (b"\x89PNG\r\n\x1a\n broken", False)):
        uri = "data:image/png;base64," + base64.b64encode(data).decode()
        badge["credentialSubject"]["achievement"]["image"] = {"id": uri, "type": "Image"}
        copy = paper.for_held(
            held(tmp_path / str(expected), issuer.issue(badge, KEY, "eddsa-rdfc-2022")), []
        )
        assert (copy.image is not None) is expected
        assert (b"/Subtype /Image" in printed(copy)) is expected


def test_a_trainer_prints_a_badge_for_a_learner_with_no_phone_and_the_log_says_paper(
    tmp_path: Path,
) -> None:
    clock = Clock()
    clock.now = ORGANISATION_NOW.timestamp()
    organisation = Organisation.create(
        tmp_path / "org.json", "org pass", name=ORG_NAME, kdf_params=kdf.KdfParams.minimum()
    )
    trainer = trainer_in(tmp_path / "trainer", clock, "Amina")
    profile = trainer.profile()
    assert profile is not None
    granted = organisation.authorize(
        profile["did"], [PUMP], ORGANISATION_NOW + timedelta(days=30), ORGANISATION_NOW
    )
    trainer.accept_authorization(granted)
    trainer.save_template(
        "Borehole pump care", "Services a hand pump.", "Observed.", template_id=PUMP
    )

    issued = trainer.issue(PUMP, "Ana Lima", paper=True)
    assert "id" not in issued.credential["credentialSubject"]  # her name, no DID
    [entry] = trainer.log()
    assert (entry.delivery, entry.recipient) == ("paper", "Ana Lima")
    [link] = trainer.chain_after(0)
    sealed = issuance_log.unseal(organisation._secrets.log_key, link["sealed"])
    assert sealed is not None and sealed["delivery"] == "paper"
    assert "delivery" not in json.dumps(link).replace(link["sealed"], "")  # the server: no

    now = ORGANISATION_NOW + timedelta(minutes=1)
    copy = paper.for_issued(issued.credential, now)
    assert copy.learner == "Ana Lima" and copy.verdict is not Outcome.INVALID
    [page] = rasterise(printed(copy), tmp_path, 150)
    verifier = verifier_for(tmp_path, clock)
    verdict = verifier.scan_images([page])
    assert verdict.verified, verdict.checks
    assert Code.PAPER in [c.code for c in verdict.checks]
    shown = {c.pointer: c.value for c in verdict.claims}
    assert shown["/credentialSubject/name"] == "Ana Lima"


def test_trainer_issue_paper_on_the_command_line(tmp_path: Path) -> None:
    trainer = tmp_path / "trainer"
    run(trainer, "init")
    run(trainer, "trainer", "setup", "--name", "Amina")
    template = "urn:example:achievement:pump-care"
    run(
        trainer,
        "trainer",
        "template",
        "--achievement",
        template,
        "--name",
        "Pump care",
        "--description",
        "Services a pump.",
        "--criteria",
        "Observed.",
    )
    pdf = tmp_path / "ana.pdf"
    run(trainer, "trainer", "issue", "--achievement", template, "--to", "Ana Lima", "--paper", pdf)
    text = page_text(pdf.read_bytes(), tmp_path)
    assert ENGLISH("paper.learner", name="Ana Lima") in text and "Pump care" in text


def test_revocation_applies_to_paper(tmp_path: Path) -> None:
    revoked = paper.encode(status_badge(5))[0]
    lists = {LIST_URL: CachedStatusList(status_list({5}), ORGANISATION_NOW)}
    store = VerifierStore(tmp_path / "employer")
    clock = Clock()
    clock.now = (ORGANISATION_NOW + timedelta(days=1)).timestamp()
    verdict = PresentationVerifier(store, clock=clock, status_lists=lists.get).verify_texts(revoked)
    assert verdict.verdict is Outcome.INVALID
    assert "status.revoked" in [c.code for c in verdict.checks if not c.ok]
    assert Code.PAPER in [c.code for c in verdict.checks]


@pytest.mark.parametrize("document", [{"a": "b"}, {"type": ["VerifiablePresentation"]}])
def test_a_paper_code_that_holds_no_credential_is_unusable_input(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    texts = frames.split(compact.encode(document, paper=True), frames.MAX_VERSION)
    with pytest.raises(UnusableInput):
        verifier_for(tmp_path).verify_texts(texts)


def test_a_description_longer_than_a_page_runs_on_and_the_codes_follow(tmp_path: Path) -> None:
    credential = held(tmp_path, long_badge(words=1500))
    copy = paper.for_held(credential, [])
    pdf = printed(copy)
    pages = rasterise(pdf, tmp_path, 100)
    assert len(pages) >= 2
    assert copy.description.split()[-1] in page_text(pdf, tmp_path)  # none of it lost
    found = images.decode_image(pages[-1])  # the codes together, at their largest
    assert compact.decode(frames.reassemble(found)).document == credential.credential
