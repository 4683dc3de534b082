"""Kill `wallet import` with SIGKILL at random moments during a 1,000-credential import,
many times over. Every credential it reported is kept and readable, and nothing is half
written: the database checks clean and the card index agrees with the records."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import sample_badge
from wallet.services.issuer import signing as issuer
from wallet.services.learner.backpack import CREDENTIAL, Backpack
from wallet.store import kdf
from wallet.store.vault import DATABASE_NAME, Vault
from wallet.vc.multikey import KeyPair, KeyType

PASSPHRASE = "crash test passphrase"
COUNT = 1_000
KILLS = 8


def write_credentials(directory: Path) -> list[Path]:
    key = KeyPair.generate(KeyType.ED25519)
    template = sample_badge()
    paths = []
    for number in range(COUNT):
        template["id"] = f"urn:uuid:00000000-0000-4000-8000-{number:012d}"
        template["credentialSubject"]["name"] = f"Learner {number}"
        path = directory / f"badge-{number:04d}.json"
        path.write_text(json.dumps(issuer.issue(template, key, "eddsa-rdfc-2022")))
        paths.append(path)
    return paths


def reported(output: str) -> set[str]:
    return {line.split()[1] for line in output.splitlines() if line.startswith("imported ")}


def check_consistent(directory: Path, must_hold: set[str]) -> set[str]:
    with sqlite3.connect(directory / DATABASE_NAME) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    vault = Vault.open(directory)
    vault.unlock(PASSPHRASE)
    pack = Backpack(vault)
    held = set(vault.ids(CREDENTIAL))
    assert must_hold <= held, f"reported but lost: {sorted(must_hold - held)[:3]}"
    for record_id in held:  # every record decrypts and matches its index entry
        assert pack.show(record_id).report["verified"]
    assert pack.index.count() == len(held)
    vault.close()
    return held


def test_sigkill_during_import_loses_nothing_reported(tmp_path: Path) -> None:
    files = write_credentials(tmp_path)
    wallet_dir = tmp_path / "wallet"
    Vault.create(wallet_dir, PASSPHRASE, kdf_params=kdf.KdfParams.minimum())[0].close()
    command = [
        sys.executable,
        "-m",
        "wallet",
        "--wallet",
        str(wallet_dir),
        "import",
        *map(str, files),
    ]
    environment = {**os.environ, "WALLET_PASSPHRASE": PASSPHRASE}
    rng = random.Random(20261122)
    kept: set[str] = set()
    progress = []
    for _ in range(KILLS):
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment, text=True
        )
        time.sleep(rng.uniform(0.3, 3.0))
        process.send_signal(signal.SIGKILL)
        output, _ = process.communicate(timeout=60)
        kept |= reported(output)
        kept = check_consistent(wallet_dir, kept)
        progress.append(len(kept))
    assert any(0 < n < COUNT for n in progress), f"no kill landed mid-import: {progress}"
    finish = subprocess.run(
        command, capture_output=True, text=True, env=environment, timeout=300, check=False
    )
    assert finish.returncode == 0, finish.stderr
    assert len(check_consistent(wallet_dir, kept)) == COUNT
