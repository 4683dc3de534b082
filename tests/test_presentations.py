"""Presentations as QR images, verified offline: round trips for each suite, the refusals
a verifier must make, frame sequences, size, and fuzzed payloads."""

from __future__ import annotations

import contextlib
import copy
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import sample_badge
from tests.support import (
    ENGLISH,
    ISSUER_KEYS,
    SUITES,
    Clock,
    english,
    holder_with,
    verifier_for,
)
from wallet.qr import base45, compact, frames, images
from wallet.qr.errors import IncompleteSequence, PayloadError
from wallet.services.issuer import signing as issuer
from wallet.services.learner import presenter
from wallet.services.learner.backpack import PresentationRefused
from wallet.vc.errors import UnusableInput
from wallet.vc.multikey import KeyPair, KeyType


def pngs(document: dict[str, Any], max_version: int = 15) -> list[bytes]:
    return [
        images.render_png(text)[0] for text in frames.split(compact.encode(document), max_version)
    ]


def failed(verdict: Any) -> dict[str, str]:
    return {c.id: english(c) for c in verdict.checks if not c.ok}


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("mode", ["two-way", "one-way"])
def test_present_render_scan_valid(tmp_path: Path, suite: str, mode: str) -> None:
    pack, [record_id] = holder_with(tmp_path, suite)
    challenge = presenter.new_challenge() if mode == "two-way" else None
    domain = "employer.example" if challenge else None
    presentation = pack.present(
        [record_id], ["/credentialSubject/name"], challenge=challenge, domain=domain
    )
    assert presentation.presented_whole == ([] if suite == "ecdsa-sd-2023" else [record_id])
    verdict = verifier_for(tmp_path).scan_images(pngs(presentation.document), challenge, domain)
    assert verdict.verdict == "valid", failed(verdict)
    labels = {ENGLISH(f"claim.{c.pointer}"): c.value for c in verdict.claims}
    assert labels["Achievement"] == "Teamwork" and labels["Learner's name"] == "Amina Diallo"
    if suite == "ecdsa-sd-2023":
        assert "Description" not in labels  # withheld


def test_standard_presentation_fits_qr_version_15(tmp_path: Path) -> None:
    pack, [record_id] = holder_with(tmp_path, "ecdsa-sd-2023")
    challenge = presenter.new_challenge()
    document = pack.present([record_id], ["/credentialSubject/name"], challenge=challenge).document
    [text] = frames.split(compact.encode(document), 15)
    assert images.render_png(text)[1] <= 15


def test_changed_challenge(tmp_path: Path) -> None:
    pack, [record_id] = holder_with(tmp_path, "ecdsa-sd-2023")
    document = pack.present(
        [record_id], [], challenge=presenter.new_challenge(), domain="a.example"
    ).document
    verdict = verifier_for(tmp_path).scan_images(
        pngs(document), presenter.new_challenge(), "a.example"
    )
    assert verdict.verdict == "invalid"
    assert "different challenge" in failed(verdict)["challenge"]


def test_expired_one_way(tmp_path: Path) -> None:
    clock = Clock()
    pack, [record_id] = holder_with(tmp_path, "eddsa-rdfc-2022", clock=clock)
    document = pack.present([record_id], []).document
    clock.now += 10 * 60
    verdict = verifier_for(tmp_path, clock).scan_images(pngs(document))
    assert "expired 5 minutes ago" in failed(verdict)["expiry"]


def test_replayed(tmp_path: Path) -> None:
    pack, [record_id] = holder_with(tmp_path, "ecdsa-sd-2023")
    images_once = pngs(pack.present([record_id], []).document)
    checker = verifier_for(tmp_path)
    assert checker.scan_images(images_once).verdict == "valid"
    verdict = checker.scan_images(images_once)
    assert "already shown" in failed(verdict)["replay"]


def test_tampered_claim(tmp_path: Path) -> None:
    pack, [record_id] = holder_with(tmp_path, "ecdsa-sd-2023")
    document = pack.present([record_id], ["/credentialSubject/name"]).document
    forged = copy.deepcopy(document)
    forged["verifiableCredential"][0]["credentialSubject"]["name"] = "Someone Else"
    verdict = verifier_for(tmp_path).scan_images(pngs(forged))
    assert verdict.verdict == "invalid"
    assert "altered" in failed(verdict)["credential.signature"]
    assert "holder-signature" in failed(verdict)


def test_vp_signed_by_a_key_that_does_not_control_the_subject(tmp_path: Path) -> None:
    pack, [record_id] = holder_with(tmp_path, "ecdsa-sd-2023")
    credential = presenter.disclose(pack.show(record_id).credential, [])[0]
    stranger = KeyPair.generate(KeyType.ED25519)
    document = presenter.sign_presentation([credential], [stranger], now=datetime.now(UTC))
    verdict = verifier_for(tmp_path).scan_images(pngs(document))
    assert "someone other than the person" in failed(verdict)["credential.holder"]


def test_cannot_present_a_credential_issued_to_someone_else(tmp_path: Path) -> None:
    pack, _ = holder_with(tmp_path, "eddsa-rdfc-2022")
    badge = sample_badge()
    badge["credentialSubject"]["id"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    signed = issuer.issue(badge, ISSUER_KEYS["eddsa-rdfc-2022"], "eddsa-rdfc-2022")
    [result] = pack.import_sources([("x.json", lambda: json.dumps(signed).encode())])
    with pytest.raises(PresentationRefused, match="does not hold"):
        pack.present([result.id], [])


def test_three_whole_credentials_travel_as_frames(tmp_path: Path) -> None:
    pack, ids = holder_with(tmp_path, "eddsa-rdfc-2022", count=3)
    document = pack.present(ids, []).document
    texts = frames.split(compact.encode(document), 10)
    assert len(texts) > 2
    shuffled = texts + texts[:2]
    random.Random(7).shuffle(shuffled)
    verdict = verifier_for(tmp_path).verify_texts(shuffled)
    assert verdict.verdict == "valid", failed(verdict)
    assert sum(1 for c in verdict.checks if c.id.endswith(".signature")) == 3
    with pytest.raises(IncompleteSequence, match=f"frames 2 of {len(texts)} are missing"):
        frames.reassemble([texts[0], *texts[2:]])
    other = frames.split(compact.encode(pack.present(ids[:2], []).document), 10)
    with pytest.raises(PayloadError, match="different sequence"):
        frames.reassemble([texts[0], other[1]])


def test_frames_from_images_with_progress(tmp_path: Path) -> None:
    pack, ids = holder_with(tmp_path, "eddsa-rdfc-2022", count=3)
    pictures = pngs(pack.present(ids, []).document, max_version=12)
    assembler = frames.Reassembler()
    progress = [assembler.add(images.decode_image(p)[0]) for p in reversed(pictures)]
    assert progress[-1] == (len(pictures), len(pictures))
    assert [received for received, _ in progress] == list(range(1, len(pictures) + 1))


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.binary(max_size=600) | st.text(max_size=300))
def test_fuzzed_payloads_fail_cleanly(
    tmp_path_factory: pytest.TempPathFactory, payload: bytes | str
) -> None:
    text = payload if isinstance(payload, str) else compact.PREFIX + base45.encode(payload)
    checker = verifier_for(tmp_path_factory.mktemp("fuzz"))
    with contextlib.suppress(UnusableInput):
        checker.verify_texts([text])


@pytest.fixture(scope="module")
def real_payload(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    pack, [record_id] = holder_with(tmp_path_factory.mktemp("payload"), "ecdsa-sd-2023")
    return compact.encode(pack.present([record_id], ["/credentialSubject/name"]).document)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutated_real_payloads_fail_cleanly(
    real_payload: bytes, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """Any change that alters the presentation is invalid; a change to the bytes alone
    (a non-minimal length, say) may decode to the same presentation, which is harmless."""
    mutated = bytearray(real_payload)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(mutated) - 1))
        mutated[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        mutated = mutated[: data.draw(st.integers(0, len(mutated)))]
    checker = verifier_for(tmp_path_factory.mktemp("mutated"))
    try:
        verdict = checker.verify_texts([compact.PREFIX + base45.encode(bytes(mutated))])
    except UnusableInput:
        return
    if compact.decode(bytes(mutated)).document != compact.decode(real_payload).document:
        assert verdict.verdict == "invalid"
