"""The vault and its backups against someone holding the files: edited headers (KDF
bombs), a restore killed half way, a restored device that must not be a clone, file modes,
empty passphrases, the unlock back-off, and both Argon2id implementations."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import (
    ENGLISH,
    PASSPHRASE,
    as_source,
    distinctive_badge,
    new_backpack,
)
from wallet.cli import main
from wallet.services.learner import backpack
from wallet.services.learner.backpack import CREDENTIAL, Backpack
from wallet.services.learner.settings import Settings
from wallet.services.sync import client as sync
from wallet.services.wallet import Wallet
from wallet.store import backup as backup_file
from wallet.store import kdf
from wallet.store.errors import (
    BackupCorrupt,
    EmptyPassphrase,
    KdfParametersRefused,
    RolledBack,
    TooManyAttempts,
    VaultError,
    WrongPassphrase,
)
from wallet.store.vault import DATABASE_NAME, DEVICE_KEY, Vault

ROOT = Path(__file__).resolve().parent.parent


def cli(
    wallet_dir: Path,
    *args: str | Path,
    passphrase: str = PASSPHRASE,
    stdin: str = "",
    limit_memory: int | None = None,
) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if limit_memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_memory, limit_memory))

    result = subprocess.run(
        [sys.executable, "-m", "wallet", "--wallet", str(wallet_dir), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "WALLET_PASSPHRASE": passphrase},
        preexec_fn=limit,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def small_backup(tmp_path: Path) -> tuple[bytes, str]:
    pack, words = new_backpack(tmp_path / "original")
    list(pack.import_sources([as_source("b.json", distinctive_badge(1))]))
    pack.backup(tmp_path / "w.backup")
    pack.vault.close()
    return (tmp_path / "w.backup").read_bytes(), words


class Derivations:
    """Every Argon2id the wallet runs, as (memory KiB, passes, lanes): observed, not faked."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[int, int, int]] = []
        real = kdf.argon2id

        def observed(secret: bytes, salt: bytes, iterations: int, lanes: int, memory: int):
            self.calls.append((memory, iterations, lanes))
            return real(secret, salt, iterations, lanes, memory)

        monkeypatch.setattr(kdf, "argon2id", observed)

    def within_bounds(self) -> bool:
        return all(
            kdf.MIN_MEMORY_KIB <= m <= kdf.MAX_MEMORY_KIB
            and kdf.MIN_ITERATIONS <= t <= kdf.MAX_ITERATIONS
            and kdf.MIN_LANES <= p <= kdf.MAX_LANES
            for m, t, p in self.calls
        )


# --- M5: KDF bombs ---------------------------------------------------------------------------


def test_m5_kdf_bomb_backup_is_refused_by_the_cli_before_any_derivation(tmp_path: Path) -> None:
    data, _ = small_backup(tmp_path)
    bomb = tmp_path / "bomb.backup"
    bomb.write_bytes(backup_file.with_kdf(data, {"memory_kib": 8 * 1024 * 1024, "iterations": 50}))
    # under a 2 GiB address-space cap, so the code before the fix fails instead of swapping
    result = cli(tmp_path / "new", "restore", bomb, limit_memory=2 << 30)
    assert result.returncode == 2
    assert ENGLISH("error.backup_corrupt") in result.stderr  # refused before deriving
    assert not Vault.exists(tmp_path / "new")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"memory_kib": kdf.MAX_MEMORY_KIB + 1}, "memory_kib"),
        ({"memory_kib": 8}, "memory_kib"),
        ({"iterations": 33}, "iterations"),
        ({"iterations": 1}, "iterations"),
        ({"lanes": 9}, "lanes"),
        ({"lanes": 0}, "lanes"),
        ({"iterations": "2"}, "iterations"),
        ({"memory_kib": True}, "memory_kib"),
        ({"salt": "00" * 8}, "salt"),
        ({"salt": "zz" * 16}, "salt"),
        ({"algorithm": "scrypt"}, "Argon2id"),
    ],
)
def test_m5_out_of_bound_kdf_parameters_are_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: dict[str, Any], named: str
) -> None:
    data, _ = small_backup(tmp_path)
    derivations = Derivations(monkeypatch)
    with pytest.raises(BackupCorrupt, match=named):
        backpack.restore(
            backup_file.with_kdf(data, change), tmp_path / "new", lambda v: v.unlock("x")
        )
    assert derivations.calls == []
    assert not Vault.exists(tmp_path / "new")


def test_m5_vault_header_kdf_bomb_is_refused_at_unlock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    pack.vault.close()
    with sqlite3.connect(tmp_path / "w" / DATABASE_NAME) as db:
        header = json.loads(db.execute("SELECT value FROM meta WHERE key = 'header'").fetchone()[0])
        header["kdf"]["memory_kib"] = 8 * 1024 * 1024
        header["kdf"]["iterations"] = 50
        db.execute("UPDATE meta SET value = ? WHERE key = 'header'", [json.dumps(header)])
    derivations = Derivations(monkeypatch)
    with pytest.raises(KdfParametersRefused, match="memory_kib=8388608"):
        Vault.open(tmp_path / "w").unlock(PASSPHRASE)
    assert derivations.calls == []
    assert main(["--wallet", str(tmp_path / "w"), "list"]) == 2


# --- fuzzing the backup parser ----------------------------------------------------------------

_FUZZ_SOURCE: dict[str, bytes] = {}


def _fuzz_backup() -> bytes:
    if "data" not in _FUZZ_SOURCE:
        with tempfile.TemporaryDirectory() as scratch:
            vault, _ = Vault.create(
                Path(scratch) / "w", PASSPHRASE, kdf_params=kdf.KdfParams.minimum()
            )
            with vault.transaction():
                for number in range(3):
                    vault.put(f"note{number}", "note", {"n": number, "text": "x" * 50})
            backup_file.write_backup(vault, Path(scratch) / "b")
            _FUZZ_SOURCE["data"] = (Path(scratch) / "b").read_bytes()
            vault.close()
    return _FUZZ_SOURCE["data"]


_KDF_VALUES = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40),
    st.sampled_from([0, 1, 8, 2**20, 2**20 + 1, 2**23, 2**32, 50, 33, 32, 9]),
    st.text(max_size=5),
    st.none(),
    st.booleans(),
)


@st.composite
def hostile_backups(draw: st.DrawFn) -> bytes:
    data = bytearray(_fuzz_backup())
    how = draw(st.sampled_from(["truncate", "flip", "header"]))
    if how == "truncate":
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    if how == "flip":
        for _ in range(draw(st.integers(1, 4))):
            position = draw(st.integers(0, len(data) - 1))
            data[position] ^= 1 << draw(st.integers(0, 7))
        return bytes(data)
    field = draw(st.sampled_from(["memory_kib", "iterations", "lanes", "salt", "algorithm"]))
    return backup_file.with_kdf(bytes(data), {field: draw(_KDF_VALUES)})


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(hostile_backups())
def test_fuzzed_backups_give_a_typed_error_within_budget(
    monkeypatch: pytest.MonkeyPatch, data: bytes
) -> None:
    derivations = Derivations(monkeypatch)
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "restored"
        tracemalloc.start()
        started = time.process_time()
        try:
            backup_file.restore_backup(data, target, lambda v: v.unlock(PASSPHRASE)).close()
            assert data == _fuzz_backup()  # only the untouched backup restores
        except VaultError:
            assert not Vault.exists(target)
        finally:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert time.process_time() - started < 5.0
        assert peak < 32 * 1024 * 1024
        assert derivations.within_bounds(), derivations.calls
        assert len(derivations.calls) <= 1


# --- M1: a restored backup is a new device, not a clone ----------------------------------------


def test_m1_restored_device_receives_what_the_original_pushes_after_the_backup(
    tmp_path: Path,
    server: tuple[str, Path, str],
) -> None:
    url, _, _ = server
    original, words = new_backpack(tmp_path / "a")
    list(original.import_sources([as_source("1.json", distinctive_badge(1))]))
    sync.SyncClient(original, url).sync()
    assert original.vault.has(DEVICE_KEY)
    original.backup(tmp_path / "a.backup")

    restored = backpack.restore(
        (tmp_path / "a.backup").read_bytes(),
        tmp_path / "b",
        lambda v: v.unlock_with_recovery(words),
    )
    assert not restored.vault.has(DEVICE_KEY)  # its own identity comes at its first sync
    sync.SyncClient(restored, url).sync()
    a_key = original.vault.get(DEVICE_KEY, DEVICE_KEY).payload
    assert restored.vault.get(DEVICE_KEY, DEVICE_KEY).payload != a_key

    [added] = list(original.import_sources([as_source("2.json", distinctive_badge(2))]))
    sync.SyncClient(original, url).sync()
    result = sync.SyncClient(restored, url).sync()
    assert result.pulled >= 1
    assert added.id in restored.vault.ids(CREDENTIAL)
    assert restored.show(added.id).credential == original.show(added.id).credential


# --- M9: a restore killed half way --------------------------------------------------------------


def test_m9_restore_killed_after_the_header_leaves_no_wallet_and_can_be_redone(
    tmp_path: Path,
) -> None:
    vault, _ = Vault.create(tmp_path / "big", PASSPHRASE, kdf_params=kdf.KdfParams.minimum())
    with vault.transaction():
        for number in range(20_000):
            vault.put(f"note{number:05d}", "note", {"pad": os.urandom(300).hex()})
    backup_file.write_backup(vault, tmp_path / "big.backup")
    vault.close()
    target = tmp_path / "target"
    process = subprocess.Popen(
        [sys.executable, "-m", "wallet", "--wallet", str(target), "restore", "big.backup"],
        cwd=tmp_path,
        env={**os.environ, "WALLET_PASSPHRASE": PASSPHRASE},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the header is in the database once it exists
        started = list(tmp_path.glob(".target.restoring-*/" + DATABASE_NAME))
        if started or (target / DATABASE_NAME).exists():
            break
        time.sleep(0.005)
    time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL  # killed mid-way, not finished

    assert not Vault.exists(target)  # no half wallet that opens
    result = cli(target, "restore", tmp_path / "big.backup")
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.glob(".target.restoring-*")) == []  # the leftover is gone
    restored = Vault.open(target)
    restored.unlock(PASSPHRASE)
    assert len(restored.ids("note")) == 20_000


# --- L6 / L7: file modes, empty passphrases, words off the command line, the back-off -----------


def test_l6_vault_files_and_backups_are_private(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        pack, _ = new_backpack(tmp_path / "w")
        list(pack.import_sources([as_source("b.json", distinctive_badge(1))]))
        pack.backup(tmp_path / "w.backup")
        modes = {
            name: stat.S_IMODE((tmp_path / "w" / name).stat().st_mode)
            for name in (DATABASE_NAME, DATABASE_NAME + "-wal", DATABASE_NAME + "-shm")
        }
        assert modes == dict.fromkeys(modes, 0o600)
        assert stat.S_IMODE((tmp_path / "w").stat().st_mode) == 0o700
        assert stat.S_IMODE((tmp_path / "w.backup").stat().st_mode) == 0o600
        pack.vault.close()
    finally:
        os.umask(previous)


def test_l7_empty_passphrase_is_refused_everywhere(tmp_path: Path) -> None:
    fast = kdf.KdfParams.minimum()
    with pytest.raises(EmptyPassphrase):
        Vault.create(tmp_path / "a", "", kdf_params=fast)
    with pytest.raises(EmptyPassphrase):
        Vault.create(tmp_path / "a", "   ", kdf_params=fast)
    assert not Vault.exists(tmp_path / "a")

    pack, words = new_backpack(tmp_path / "b")
    with pytest.raises(EmptyPassphrase):
        pack.vault.change_passphrase("", fast)
    pack.backup(tmp_path / "b.backup")
    data = (tmp_path / "b.backup").read_bytes()
    with pytest.raises(EmptyPassphrase):
        backpack.restore(data, tmp_path / "c", lambda v: v.unlock_with_recovery(words), "")
    assert not Vault.exists(tmp_path / "c")

    session = Wallet(tmp_path / "d")
    with pytest.raises(EmptyPassphrase):
        session.create("")
    with pytest.raises(EmptyPassphrase):
        session.restore(words, data, "")
    assert not session.exists
    with pytest.raises(EmptyPassphrase):
        Wallet(tmp_path / "b").change_passphrase(PASSPHRASE, "")

    result = cli(tmp_path / "e", "init", passphrase="")
    assert result.returncode == 2
    assert "passphrase" in result.stderr
    assert not Vault.exists(tmp_path / "e")


def test_l7_recovery_words_are_read_from_stdin_not_the_command_line(tmp_path: Path) -> None:
    created = cli(tmp_path / "w", "init", "--json")
    assert created.returncode == 0, created.stderr
    words = json.loads(created.stdout)["recovery"]
    assert cli(tmp_path / "w", "backup", "--out", tmp_path / "w.backup").returncode == 0

    restored = cli(
        tmp_path / "r", "restore", tmp_path / "w.backup", "--recover", stdin=words + "\n"
    )
    assert restored.returncode == 0, restored.stderr
    again = cli(tmp_path / "w", "init", "--recover", passphrase="a new one", stdin=words + "\n")
    assert again.returncode == 0, again.stderr
    vault = Vault.open(tmp_path / "w")
    vault.unlock("a new one")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert '--recover "' not in readme


def test_l7_unlock_back_off_survives_deleting_its_row(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    pack.vault.close()
    vault = Vault.open(tmp_path / "w")
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            vault.unlock("guess")
    with pytest.raises(TooManyAttempts):
        vault.unlock("guess")
    vault.close()
    with sqlite3.connect(tmp_path / "w" / DATABASE_NAME) as db:
        db.execute("DELETE FROM meta WHERE key = 'attempts'")
    vault = Vault.open(tmp_path / "w")
    with pytest.raises(TooManyAttempts) as waiting:
        vault.unlock(PASSPHRASE)
    assert waiting.value.wait_seconds >= 299


def test_l7_a_new_wallet_opens_at_once(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    pack.vault.close()
    Vault.open(tmp_path / "w").unlock(PASSPHRASE)  # the back-off row is there from the start


# --- issue 12: one Argon2id, two implementations -----------------------------------------------

_BLOCKER = textwrap.dedent(
    """
    import importlib.abc
    import os
    import sys

    BLOCKED = set(os.environ.get("TEST_BLOCK_MODULES", "").split(","))
    UNSUPPORTED = os.environ.get("TEST_ARGON2_UNSUPPORTED") == "1"

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name in BLOCKED:
                raise ImportError(f"{name} is hidden by the test")
            return None

    sys.meta_path.insert(0, Block())
    if UNSUPPORTED:  # what cryptography 48 on OpenSSL 3.0 does
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives.kdf import argon2

        class Argon2id:
            def __init__(self, **kwargs):
                raise UnsupportedAlgorithm("argon2id is not supported by this OpenSSL")

        argon2.Argon2id = Argon2id
    """
)
_CRYPTOGRAPHY = "cryptography.hazmat.primitives.kdf.argon2"


def _hidden(tmp_path: Path, modules: list[str], unsupported: bool = False) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(_BLOCKER, encoding="utf-8")
    return {
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
        "TEST_BLOCK_MODULES": ",".join(modules),
        "TEST_ARGON2_UNSUPPORTED": "1" if unsupported else "",
    }


def _python(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


_CREATE = """
import sys
from pathlib import Path
from wallet.store import kdf
from wallet.store.vault import Vault
vault, words = Vault.create(Path(sys.argv[1] if len(sys.argv) > 1 else {path!r}), "pw",
                            kdf_params=kdf.KdfParams(19456, 2, 2, bytes(range(16))))
print(kdf._backend.__qualname__)
"""
_OPEN = """
from pathlib import Path
from wallet.store import kdf
from wallet.store.vault import Vault
vault = Vault.open(Path({path!r}))
vault.unlock("pw")
print(kdf._backend.__qualname__)
"""


@pytest.mark.parametrize(
    ("maker", "opener"),
    [
        ({"modules": ["argon2"]}, {"modules": [_CRYPTOGRAPHY]}),
        ({"modules": [_CRYPTOGRAPHY]}, {"modules": ["argon2"]}),
        ({"modules": [], "unsupported": True}, {"modules": ["argon2"]}),
    ],
    ids=["cryptography-then-argon2-cffi", "argon2-cffi-then-cryptography", "openssl-3.0"],
)
def test_issue12_a_vault_made_with_one_argon2id_opens_with_the_other(
    tmp_path: Path, maker: dict[str, Any], opener: dict[str, Any]
) -> None:
    path = str(tmp_path / "w")
    made = _python(_hidden(tmp_path, **maker), _CREATE.format(path=path))
    assert made.returncode == 0, made.stderr
    opened = _python(_hidden(tmp_path, **opener), _OPEN.format(path=path))
    assert opened.returncode == 0, opened.stderr
    assert made.stdout != opened.stdout  # two implementations, one result


def test_issue12_no_argon2id_at_all_is_a_clear_error_at_creation(tmp_path: Path) -> None:
    env = _hidden(tmp_path, ["argon2", _CRYPTOGRAPHY])
    result = subprocess.run(
        [sys.executable, "-m", "wallet", "--wallet", str(tmp_path / "w"), "init"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env, "WALLET_PASSPHRASE": PASSPHRASE},
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2
    assert ENGLISH("error.argon2_unavailable") in result.stderr
    assert not Vault.exists(tmp_path / "w")


# --- L7: rollback of any record kind, with its index page ---------------------------------------

LEGACY_VAULT = ROOT / "tests" / "data" / "vault-c4f2b8d.db"  # made by c4f2b8d (header format 1)
LEGACY_PASSPHRASE = "legacy passphrase"
LEGACY_WORDS = "ankle indoor sight session magnet drama brisk viable envelope type uniform talent"
LEGACY_CREDENTIAL = "n365painnebkvhdsvelgfbyx6ro74mjb"


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def _put_back(path: Path, table: str, rows: list[tuple[Any, ...]]) -> None:
    """What an attacker with the file can do: write older rows (still sealed) back."""
    with sqlite3.connect(path) as db:
        for row in rows:
            marks = ",".join("?" * len(row))
            db.execute(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", row)


def test_l7_credential_rolled_back_with_its_index_page_is_caught(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    [item] = list(pack.import_sources([as_source("b.json", distinctive_badge(1))]))
    pack.set_tags(item.id, ["before"])
    database = tmp_path / "w" / DATABASE_NAME
    pack.vault.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    old_record = _rows(database, f"SELECT * FROM records WHERE id = '{item.id}'")
    old_pages = _rows(database, "SELECT * FROM index_pages")
    old_root = _rows(database, "SELECT * FROM meta WHERE key = 'index_root'")
    pack.set_tags(item.id, ["after"])
    pack.vault.close()

    _put_back(database, "records", old_record)
    _put_back(database, "index_pages", old_pages)
    _put_back(database, "meta", old_root)
    vault = Vault.open(tmp_path / "w")
    with pytest.raises(RolledBack):
        vault.unlock(PASSPHRASE)
    assert not vault.unlocked


def test_l7_any_record_kind_rolled_back_is_caught(tmp_path: Path) -> None:
    pack, words = new_backpack(tmp_path / "w")
    Settings(pack.vault, lambda: 1.0).set("language", "fr")
    database = tmp_path / "w" / DATABASE_NAME
    pack.vault.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    old = _rows(database, "SELECT * FROM records WHERE kind = 'settings'")
    Settings(pack.vault, lambda: 2.0).set("language", "es")
    pack.vault.close()

    _put_back(database, "records", old)
    with pytest.raises(RolledBack):
        Vault.open(tmp_path / "w").unlock_with_recovery(words)


def test_l7_the_sealed_state_cannot_be_deleted_or_the_header_downgraded(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    list(pack.import_sources([as_source("b.json", distinctive_badge(1))]))
    pack.vault.close()
    database = tmp_path / "w" / DATABASE_NAME
    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM meta WHERE key = 'state'")
    with pytest.raises(RolledBack):
        Vault.open(tmp_path / "w").unlock(PASSPHRASE)
    with sqlite3.connect(database) as db:  # "an older wallet, with no state to check"
        header = json.loads(db.execute("SELECT value FROM meta WHERE key = 'header'").fetchone()[0])
        header["format"] = 1
        db.execute("UPDATE meta SET value = ? WHERE key = 'header'", [json.dumps(header)])
    with pytest.raises(WrongPassphrase):
        Vault.open(tmp_path / "w").unlock(PASSPHRASE)


def test_l7_index_page_rolled_back_under_an_open_wallet_is_caught_by_the_index_root(
    tmp_path: Path,
) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    [item] = list(pack.import_sources([as_source("b.json", distinctive_badge(1))]))
    database = tmp_path / "w" / DATABASE_NAME
    old_pages = _rows(database, "SELECT * FROM index_pages")
    pack.set_tags(item.id, ["newer"])
    _put_back(database, "index_pages", old_pages)
    with pytest.raises(RolledBack):
        pack.list()


def test_a_wallet_made_before_the_rollback_state_still_opens_and_keeps_working(
    tmp_path: Path,
) -> None:
    (tmp_path / "w").mkdir()
    shutil.copy(LEGACY_VAULT, tmp_path / "w" / DATABASE_NAME)
    vault = Vault.open(tmp_path / "w")
    vault.unlock(LEGACY_PASSPHRASE)
    pack = Backpack(vault)
    assert pack.show(LEGACY_CREDENTIAL).tags == ["legacy"]
    assert [c["id"] for c in pack.search("legacy")] == [LEGACY_CREDENTIAL]
    pack.set_tags(LEGACY_CREDENTIAL, ["legacy", "kept"])
    vault.close()
    again = Vault.open(tmp_path / "w")
    again.unlock_with_recovery(LEGACY_WORDS)
    assert Backpack(again).show(LEGACY_CREDENTIAL).tags == ["kept", "legacy"]
