"""The backpack commands as a script would use them: init, import, list, show, export,
delete, backup, restore, and regaining access with the recovery words."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support import ENGLISH, distinctive_badge, run


def test_backpack_commands_end_to_end(tmp_path: Path) -> None:
    wallet_dir = tmp_path / "wallet"
    words = json.loads(run(wallet_dir, "init", "--json").stdout)["recovery"]
    assert len(words.split()) == 12
    assert run(wallet_dir, "init", check=False).returncode == 2  # never over an existing wallet

    files = []
    for number in range(3):
        path = tmp_path / f"badge{number}.json"
        path.write_text(json.dumps(distinctive_badge(number)))
        files.append(path)
    junk = tmp_path / "junk.json"
    junk.write_text("{oops")
    result = run(wallet_dir, "import", *files, files[0], junk, check=False)
    lines = result.stdout.splitlines()
    assert result.returncode == 2  # one file was refused
    assert [line.split()[0] for line in lines] == ["imported"] * 3 + ["duplicate", "refused"]
    assert lines[4].endswith(f": {ENGLISH('error.malformed')}")  # the sentence, not the detail
    ids = [line.split()[1] for line in lines[:3]]

    listed = json.loads(run(wallet_dir, "list", "--json").stdout)
    assert listed["total"] == 3
    assert [c["id"] for c in listed["credentials"]] == ids[::-1]
    found = json.loads(run(wallet_dir, "list", "--json", "--search", "pump #1").stdout)
    assert [c["id"] for c in found["credentials"]] == [ids[1]]

    shown = json.loads(run(wallet_dir, "show", ids[0][:8], "--json").stdout)
    assert shown["report"]["verified"] is True
    assert "VERIFIED" in run(wallet_dir, "show", ids[0]).stdout
    exported = tmp_path / "plain.json"
    run(wallet_dir, "export", ids[0], "--out", exported)
    assert json.loads(exported.read_text()) == json.loads(files[0].read_text())

    run(wallet_dir, "delete", ids[2])
    assert json.loads(run(wallet_dir, "list", "--json").stdout)["total"] == 2

    backup = tmp_path / "backup.bin"
    run(wallet_dir, "backup", "--out", backup)
    restored = tmp_path / "restored"
    # restoring with the words sets the passphrase given then, as the app does (issue 12)
    result = run(restored, "restore", backup, "--recover", words, passphrase="restored here")
    assert "restored 2 credentials" in result.stdout
    assert run(restored, "show", ids[0], passphrase="restored here").returncode == 0
    assert run(restored, "show", ids[0], check=False).returncode == 2  # not the old one

    wrong = run(wallet_dir, "list", passphrase="not it", check=False)
    assert wrong.returncode == 2 and ENGLISH("error.wrong_passphrase") in wrong.stderr
    run(wallet_dir, "init", "--recover", words, passphrase="a brand new one")
    assert (
        json.loads(run(wallet_dir, "list", "--json", passphrase="a brand new one").stdout)["total"]
        == 2
    )
    assert run(wallet_dir, "list", check=False).returncode == 2


def test_missing_wallet_is_explained(tmp_path: Path) -> None:
    result = run(tmp_path / "nowhere", "list", check=False)
    assert result.returncode == 2
    assert result.stderr == f"wallet: error: {ENGLISH('error.no_wallet')}\n"


def test_import_pasted_text(tmp_path: Path) -> None:
    wallet_dir = tmp_path / "wallet"
    run(wallet_dir, "init")
    result = subprocess.run(
        [sys.executable, "-m", "wallet", "--wallet", str(wallet_dir), "import", "-"],
        input=json.dumps(distinctive_badge(7)),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "WALLET_PASSPHRASE": "cli passphrase"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported ") and "pasted text" in result.stdout
