"""`wallet receive / present / challenge / scan`, and `import` of QR images, as processes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import sample_badge, shared_path
from tests.support import ENGLISH, english, run
from tests.support import wallet as run_plain
from wallet.qr import compact, frames, images
from wallet.services.wallet import Wallet
from wallet.vc.verification import Outcome


def issue_to(tmp_path: Path, did: str, suite: str = "ecdsa-sd-2023") -> tuple[Path, str]:
    key = tmp_path / f"issuer-{suite}.json"
    key_type = "ed25519" if suite == "eddsa-rdfc-2022" else "p256"
    issuer_did = run_plain("keys", "new", "--type", key_type, "--out", key).stdout.strip()
    badge = sample_badge()
    badge["credentialSubject"]["id"] = did
    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(json.dumps(badge))
    signed = tmp_path / "signed.json"
    run_plain("issue", "--key", key, "--suite", suite, "--out", signed, unsigned)
    return signed, issuer_did


def test_two_way_presentation_through_images(tmp_path: Path) -> None:
    holder, employer = tmp_path / "holder", tmp_path / "employer"
    run(holder, "init")
    receive = run(holder, "receive", "--json", "--png", tmp_path / "receive.png")
    did = json.loads(receive.stdout.splitlines()[0])["did"]
    assert images.decode_image((tmp_path / "receive.png").read_bytes()) == [did]
    signed, issuer_did = issue_to(tmp_path, did)
    imported = run(holder, "import", signed).stdout.split()[1]

    challenge = run(
        employer, "challenge", "--domain", "hr.example", "--png", tmp_path / "c.png"
    ).stdout.split()[0]
    assert images.decode_image((tmp_path / "c.png").read_bytes()) == [f"LWC:{challenge}:hr.example"]
    presented = run(
        holder,
        "present",
        imported,
        "--reveal",
        "/credentialSubject/name",
        "--challenge",
        challenge,
        "--domain",
        "hr.example",
        "--png",
        tmp_path / "p.png",
        "--text",
        tmp_path / "p.txt",
    )
    assert "QR version 15" in presented.stdout or "QR version 1" in presented.stdout
    run(employer, "trust", "add-issuer", issuer_did, "--name", "Skills Collective")
    scanned = run(
        employer,
        "scan",
        "--json",
        "--challenge",
        challenge,
        "--domain",
        "hr.example",
        tmp_path / "p.png",
    )
    report = json.loads(scanned.stdout)
    assert report["verdict"] == "valid" and report["verified"] is True
    assert {"id", "ok", "message"} <= set(report["checks"][0])
    assert {c["label"]: c["value"] for c in report["claims"]}["Learner's name"] == "Amina Diallo"
    again = run(
        employer,
        "scan",
        "--challenge",
        challenge,
        "--domain",
        "hr.example",
        tmp_path / "p.png",
        check=False,
    )
    assert again.returncode == 1 and "already shown" in again.stdout
    other = run(
        employer,
        "scan",
        "--challenge",
        "uAAAAAAAAAAAAAAAAAAAAAA",
        "--domain",
        "hr.example",
        tmp_path / "p.png",
        check=False,
    )
    assert other.returncode == 1


def test_scan_refuses_unusable_images(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("RGB", (64, 64), "white").save(blank)
    result = run(tmp_path / "v", "scan", blank, check=False)
    assert result.returncode == 2 and ENGLISH("error.no_qr") in result.stderr
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    assert run(tmp_path / "v", "scan", junk, check=False).returncode == 2


def test_import_a_credential_from_qr_image_and_text(tmp_path: Path) -> None:
    holder = tmp_path / "holder"
    run(holder, "init")
    did = run(holder, "receive").stdout.split()[0]
    signed, _ = issue_to(tmp_path, did, "eddsa-rdfc-2022")
    texts = frames.split(compact.encode(json.loads(signed.read_text())), 10)
    assert len(texts) > 1
    for number, text in enumerate(texts):
        (tmp_path / f"frame{number}.png").write_bytes(images.render_png(text)[0])
    text_file = tmp_path / "frames.txt"
    text_file.write_text("\n".join(reversed(texts)))
    result = run(holder, "import", text_file)
    assert result.stdout.startswith("imported ")
    vpqr = shared_path("vectors", "vpqr", "derived-ecdsa-sd-2023.txt")
    from_dcc = run(holder, "import", vpqr)
    assert from_dcc.stdout.startswith("imported ") and "not verified" not in from_dcc.stdout
    single = tmp_path / "one.png"
    single.write_bytes(
        images.render_png(frames.split(compact.encode(json.loads(signed.read_text())), 40)[0])[0]
    )
    assert run(holder, "import", single).stdout.startswith("duplicate ")


def test_scan_keeps_history_and_catches_a_replay_as_the_app_does(tmp_path: Path) -> None:
    """Issue 19: `wallet scan` recorded no history, while the app's verifier keeps every
    verdict. Scanned twice from the CLI, both verdicts are in the employer's history and
    the second is refused as a replay; the app, on the same wallet, refuses it too."""
    holder, employer = tmp_path / "holder", tmp_path / "employer"
    run(holder, "init")
    signed, _ = issue_to(tmp_path, run(holder, "receive").stdout.split()[0])
    record_id = run(holder, "import", signed).stdout.split()[1]
    run(holder, "present", record_id, "--png", tmp_path / "vp.png")
    run(employer, "init")

    first = run(employer, "scan", "--json", tmp_path / "vp.png", check=False)
    again = run(employer, "scan", tmp_path / "vp.png", check=False)
    assert json.loads(first.stdout)["verified"] is True
    assert again.returncode == 1 and "already shown" in again.stdout

    app = Wallet(employer)
    app.unlock("cli passphrase")
    newest, oldest = app.history.entries()
    assert oldest.verdict.verified is True and newest.verdict.verdict == Outcome.INVALID
    replay = {c.id: c for c in newest.verdict.checks}["replay"]
    assert not replay.ok and "already shown" in english(replay)
    in_app = app.verify_images([(tmp_path / "vp.png").read_bytes()])
    assert {c.id: c for c in in_app.checks}["replay"] == replay
    assert len(app.history.entries()) == 3


def test_import_photos_of_one_frame_sequence_as_one_credential(tmp_path: Path) -> None:
    holder = tmp_path / "holder"
    run(holder, "init")
    signed, _ = issue_to(tmp_path, run(holder, "receive").stdout.split()[0], "eddsa-rdfc-2022")
    texts = frames.split(compact.encode(json.loads(signed.read_text())), 10)
    assert len(texts) > 1
    pictures = [tmp_path / f"frame{number}.png" for number in range(len(texts))]
    for picture, text in zip(pictures, texts, strict=True):
        picture.write_bytes(images.render_png(text)[0])
    result = run(holder, "import", *reversed(pictures))
    assert result.stdout.startswith("imported ") and result.stdout.strip().endswith("QR frames")
