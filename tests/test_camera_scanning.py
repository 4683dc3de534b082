"""What the camera scanner runs on each picture (services.scanning), and the employer's
two-way check in the app's session: an answer to the challenge this device showed is
valid, the same answer again is a replay, and an untrusted issuer can be trusted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import sample_badge
from wallet.bench.app import camera_picture
from wallet.qr import frames, images
from wallet.qr.errors import PayloadError
from wallet.services.issuer import signing as issuer
from wallet.services.issuer import trainer as trainer_service
from wallet.services.learner import sources
from wallet.services.scanning import FrameScan, OneCode, as_source
from wallet.services.verifier.presentations import UntrustedIssuer, Verdict
from wallet.services.wallet import Wallet
from wallet.vc import did_key, ecdsa_sd_2023
from wallet.vc.errors import MalformedInput
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.verification import Check

TEXTS = frames.split(os.urandom(2600), frames.MAX_VERSION)
PICTURES = [camera_picture(png) for png in images.render_pngs(TEXTS)]
NOTHING = camera_picture(None)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.sampled_from([*range(len(PICTURES)), None]), max_size=12), st.randoms())
def test_scan_reads_frames_in_any_order_with_repeats(before: list[int | None], rnd: object) -> None:
    """Whatever the camera caught before (repeats, no code), once every frame has been
    seen the scan is complete and holds each code once."""
    order = [*before, *rnd.sample(range(len(PICTURES)), len(PICTURES))]
    scan = FrameScan()
    for number, index in enumerate(order):
        complete = scan.feed(NOTHING if index is None else PICTURES[index])
        read = {i for i in order[: number + 1] if i is not None}
        assert scan.progress == (len(read), len(TEXTS) if read else 0)
        assert scan.missing == ([n + 1 for n in range(len(TEXTS)) if n not in read] if read else [])
        assert complete == (len(read) == len(TEXTS))
    assert sorted(scan.result) == sorted(TEXTS)
    assert frames.reassemble(scan.result) == frames.reassemble(TEXTS)


def test_scan_refuses_a_code_from_another_sequence_and_keeps_what_it_read() -> None:
    other = frames.split(os.urandom(2600), frames.MAX_VERSION)
    scan = FrameScan()
    scan.feed(PICTURES[0])
    with pytest.raises(PayloadError):
        scan.feed(camera_picture(images.render_pngs(other[1:2])[0]))
    assert scan.progress == (1, len(TEXTS))
    for picture in PICTURES[1:]:
        scan.feed(picture)
    assert scan.result == TEXTS


def test_one_code_waits_for_a_picture_that_holds_it(tmp_path: Path) -> None:
    employer = Wallet(tmp_path / "employer")
    challenge = employer.new_challenge()
    scan = OneCode(Wallet.read_challenge)
    assert not scan.feed(NOTHING)
    assert scan.feed(camera_picture(images.render_pngs([challenge.text])[0]))
    assert scan.result == (challenge.value, challenge.domain)


def test_one_code_reads_a_learners_receive_code() -> None:
    """The trainer's issue screen: a did:key; a challenge QR in view is refused, in words."""
    did = did_key.did_for(KeyPair.generate(KeyType.ED25519).public)
    scan = OneCode(trainer_service.read_receive_code)
    with pytest.raises(MalformedInput):
        scan.feed(camera_picture(images.render_pngs(["LWC:abc:example.org"])[0]))
    assert scan.feed(camera_picture(images.render_pngs([did])[0]))
    assert scan.result == did


def test_a_scanned_sequence_imports_like_a_file() -> None:
    """The add-credential and authorisation screens hand the scan to `parse_source`."""
    signed = issuer.issue(sample_badge(), KeyPair.generate(KeyType.P256), ecdsa_sd_2023.NAME)
    texts, _ = frames.texts_for(signed)
    assert len(texts) > 1
    scan = FrameScan()
    for picture in reversed([camera_picture(png) for png in images.render_pngs(texts)]):
        scan.feed(picture)
    assert sources.parse_source(*as_source("scan", scan.result)) == signed


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> tuple[Wallet, Wallet, KeyPair]:
    folder = tmp_path_factory.mktemp("people")
    learner, employer = Wallet(folder / "learner"), Wallet(folder / "employer")
    learner.create("learner passphrase")
    employer.create("employer passphrase")
    return learner, employer, KeyPair.generate(KeyType.P256)


def _answer(learner: Wallet, key: KeyPair, challenge: tuple[str, str] | None) -> list[str]:
    badge = sample_badge()
    badge["credentialSubject"]["id"] = learner.backpack.new_holder_key()
    data = json.dumps(issuer.issue(badge, key, ecdsa_sd_2023.NAME)).encode()
    [held] = list(learner.backpack.import_sources([("badge.json", lambda: data)]))
    return learner.share(held.id, ["/credentialSubject/name"], challenge).texts


def test_app_accepts_an_answer_to_its_own_challenge_and_refuses_its_replay(
    people: tuple[Wallet, Wallet, KeyPair],
) -> None:
    learner, employer, key = people
    challenge = employer.new_challenge()
    texts = _answer(learner, key, (challenge.value, challenge.domain))

    first = employer.verify_texts(texts, challenge)
    assert first.verified, [c for c in first.checks if not c.ok]
    assert _check(first, "challenge").ok

    again = employer.verify_texts(texts, challenge)
    assert again.verdict == "invalid"
    assert not _check(again, "replay").ok


def test_app_refuses_an_answer_to_another_challenge_or_none(
    people: tuple[Wallet, Wallet, KeyPair],
) -> None:
    learner, employer, key = people
    shown, other = employer.new_challenge(), employer.new_challenge()
    elsewhere = _answer(learner, key, (other.value, other.domain))
    assert employer.verify_texts(elsewhere, shown).verdict == "invalid"
    one_way = _answer(learner, key, None)
    assert not _check(employer.verify_texts(one_way, shown), "challenge").ok


def test_trusting_an_untrusted_issuer_from_the_verdict(
    people: tuple[Wallet, Wallet, KeyPair],
) -> None:
    learner, employer, _ = people
    key = KeyPair.generate(KeyType.P256)
    did = did_key.did_for(key.public)
    before = employer.verify_texts(_answer(learner, key, None))
    assert before.verdict == "valid with warnings"
    assert before.untrusted == [UntrustedIssuer(did, "")]

    assert employer.trust_issuer(did, "") == did
    after = employer.verify_texts(_answer(learner, key, None))
    assert after.verdict == "valid"
    assert after.untrusted == []


def _check(verdict: Verdict, check_id: str) -> Check:
    return next(c for c in verdict.checks if c.id == check_id)
