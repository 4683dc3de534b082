"""Issue 7's whole scenario, with real processes: every step is the `wallet` command a
person would run, against a real `wallet serve` on 127.0.0.1.

An organisation authorises a trainer; the trainer issues 20 badges as QR images with the
server down; a verifier that synced the bundle before that finds the learners'
presentations valid offline; the trainer's log goes up; the organisation revokes one and
publishes; the verifier syncs; the revoked one is invalid and the rest stay valid; and
past the bundle's expiry the checks turn into warnings that say how old it is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support import PASSPHRASE, Server, new_backpack
from wallet.services.issuer.organisation import BUNDLE_LIFETIME

PUMP = "urn:example:achievement:borehole-pump"
LATRINE = "urn:example:achievement:latrine-siting"
LEARNERS, BADGES_EACH = 4, 5
DOMAIN = ["--domain", "hiring.example"]


def wallet(directory: Path | None, *args: str, ok: tuple[int, ...] = (0,)) -> str:
    command = [sys.executable, "-m", "wallet"]
    if directory is not None:
        command += ["--wallet", str(directory)]
    done = subprocess.run(
        [*command, *args],
        env={**os.environ, "WALLET_PASSPHRASE": PASSPHRASE},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in ok, f"wallet {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def frames_written(output: str) -> list[str]:
    return [line.split()[1] for line in output.splitlines() if line.startswith("wrote ")]


def scan_round(
    tmp: Path, verifier: Path, learners: list[Path], held: dict[Path, list[str]], now: str = ""
) -> dict[str, str]:
    """Each learner shows each badge, answering a fresh challenge; returns what the
    verifier's `wallet scan --json` said, by credential id."""
    verdicts = {}
    for learner in learners:
        for credential in held[learner]:
            asked = ["--challenge", wallet(verifier, "challenge", *DOMAIN).split()[0], *DOMAIN]
            picture = tmp / f"vp-{credential[-12:]}.png"
            shown = wallet(learner, "present", credential, *asked, "--png", str(picture))
            when = ["--now", now] if now else []
            scanned = wallet(
                verifier, "scan", *frames_written(shown), *asked, "--json", *when, ok=(0, 1)
            )
            report = json.loads(scanned)
            verdicts[credential] = report
    return verdicts


def test_offline_issuing_revocation_and_an_aging_bundle(tmp_path: Path) -> None:
    server = Server(tmp_path / "server")
    server.start()
    url = f"http://127.0.0.1:{server.port}"
    org = tmp_path / "org.json"
    wallet(None, "org", "init", "--name", "Water Skills Guild", "--out", str(org))

    folders = {name: tmp_path / name for name in ("trainer", "verifier")}
    learners = [tmp_path / f"learner{n}" for n in range(LEARNERS)]
    for folder in [*folders.values(), *learners]:
        new_backpack(folder)[0].vault.close()  # fast test KDF; every later step is a process
    trainer, verifier = folders["trainer"], folders["verifier"]

    trainer_did = wallet(trainer, "trainer", "setup", "--name", "Amina (field trainer)").strip()
    until = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    authorization = tmp_path / "authorization.json"
    wallet(
        None, "org", "authorize", "--org", str(org), "--trainer", trainer_did,
        "--achievement", PUMP, LATRINE, "--until", until, "--out", str(authorization),
    )  # fmt: skip
    wallet(trainer, "trainer", "accept", str(authorization))
    wallet(
        trainer, "trainer", "template", "--achievement", PUMP, "--name", "Borehole pump care",
        "--description", "Services a hand pump.", "--criteria", "Observed in the field.",
    )  # fmt: skip

    # the verifier syncs the bundle before any issuing
    first_bundle = tmp_path / "bundle-1.json"
    wallet(None, "org", "bundle", "--org", str(org), "--out", str(first_bundle), "--server", url)
    wallet(verifier, "trust", "add", str(first_bundle))
    wallet(verifier, "sync", "--server", url)

    # 1. offline: the server is down while the trainer issues 20 badges as QR images
    server.kill()
    held: dict[Path, list[str]] = {learner: [] for learner in learners}
    for number in range(LEARNERS * BADGES_EACH):
        learner = learners[number % LEARNERS]
        learner_did = wallet(learner, "receive").strip()
        picture = tmp_path / f"badge-{number}.png"
        issued = wallet(
            trainer, "trainer", "issue", "--achievement", PUMP, "--to", learner_did,
            "--png", str(picture),
        )  # fmt: skip
        credential_id = issued.splitlines()[0]
        imported = wallet(learner, "import", *frames_written(issued))
        held[learner].append(imported.split()[1])
        assert credential_id.startswith("urn:uuid:")
    ids = {learner: list(found) for learner, found in held.items()}

    # 2. the verifier, offline too, finds every presentation valid
    verdicts = scan_round(tmp_path, verifier, learners, ids)
    assert len(verdicts) == 20
    assert {v["verdict"] for v in verdicts.values()} == {"valid"}, verdicts
    trust = next(c for c in next(iter(verdicts.values()))["checks"] if c["id"].endswith("trust"))
    assert "Water Skills Guild" in trust["message"] and "trust bundle issued" in trust["message"]

    # 3. online again: the log goes up, the organisation revokes one and publishes
    server.start()
    wallet(trainer, "sync", "--server", url)
    revoked_record = ids[learners[1]][2]
    revoked_credential = json.loads(wallet(learners[1], "export", revoked_record))["id"]
    wallet(None, "org", "revoke", "--org", str(org), "--credential", revoked_credential,
           "--server", url)  # fmt: skip
    wallet(None, "org", "bundle", "--org", str(org), "--out", str(tmp_path / "b2.json"),
           "--server", url)  # fmt: skip
    wallet(verifier, "sync", "--server", url)

    # 4. the revoked badge is invalid, with the reason; the other 19 stay valid
    verdicts = scan_round(tmp_path, verifier, learners, ids)
    revoked = verdicts.pop(revoked_record)
    assert revoked["verdict"] == "invalid"
    [status] = [c for c in revoked["checks"] if c["id"].endswith("status")]
    assert not status["ok"] and "Revoked" in status["message"]
    assert {v["verdict"] for v in verdicts.values()} == {"valid"}

    # 5. past the bundle's expiry: warnings that say how old the bundle is
    later = (datetime.now(UTC) + BUNDLE_LIFETIME + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    verdicts = scan_round(tmp_path, verifier, learners[:1], {learners[0]: ids[learners[0]][:1]},
                          later)  # fmt: skip
    [report] = verdicts.values()
    assert report["verdict"] == "valid with warnings"
    warned = [c for c in report["checks"] if c["warning"]]
    assert {c["id"].rsplit(".", 1)[-1] for c in warned} >= {"trust", "status"}
    assert all("expired 3 days ago" in c["message"] for c in warned if "trust" in c["id"])
    server.kill()
