"""Issue 17, unlock in under a second on the device that unlocks: a restored wallet is
calibrated for its new device (the CLI's `restore` too), and an unlock that takes over a
second here re-wraps the data key under lighter parameters, never below OWASP's floor.
The timer is faked at the edge; `wallet bench` measures the real times."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support import PASSPHRASE
from wallet.services.learner.backpack import Backpack
from wallet.services.wallet import Wallet
from wallet.store import kdf
from wallet.store.errors import WrongPassphrase
from wallet.store.vault import Vault

# heavier than the floor, and with two lanes, which `kdf.calibrate` never chooses
FROM_ANOTHER_DEVICE = kdf.KdfParams(24 * 1024, 6, 2, bytes(range(16)))
FLOOR = (kdf.MIN_MEMORY_KIB, kdf.MIN_ITERATIONS)


def took(seconds: float) -> Callable[[], float]:
    """A timer under which each key derivation takes `seconds`."""
    readings = iter(range(1_000))
    return lambda: next(readings) % 2 * seconds


def stored_params(directory: Path) -> kdf.KdfParams:
    vault = Vault.open(directory)
    try:
        return kdf.KdfParams.from_json(vault.header()["kdf"])
    finally:
        vault.close()


def unlock(directory: Path, passphrase: str, seconds: float) -> None:
    vault = Vault.open(directory, timer=took(seconds))
    try:
        vault.unlock(passphrase)
    finally:
        vault.close()


@pytest.fixture
def wallet_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "wallet"
    Vault.create(directory, PASSPHRASE, kdf_params=FROM_ANOTHER_DEVICE)[0].close()
    return directory


def test_slow_unlock_rewraps_the_data_key_under_lighter_parameters(wallet_dir: Path) -> None:
    unlock(wallet_dir, PASSPHRASE, 1.5)  # 3x the half second aimed at: passes go first
    lighter = stored_params(wallet_dir)
    assert (lighter.memory_kib, lighter.iterations) == (24 * 1024, 2)
    assert lighter.lanes == 2 and lighter.salt != FROM_ANOTHER_DEVICE.salt
    unlock(wallet_dir, PASSPHRASE, 0.5)  # the same passphrase opens it, quickly now
    assert stored_params(wallet_dir) == lighter
    with pytest.raises(WrongPassphrase):
        unlock(wallet_dir, "not the passphrase", 0.5)


def test_slow_unlock_never_goes_below_the_owasp_floor(wallet_dir: Path) -> None:
    unlock(wallet_dir, PASSPHRASE, 60.0)  # a very slow phone
    at_floor = stored_params(wallet_dir)
    assert (at_floor.memory_kib, at_floor.iterations) == FLOOR
    unlock(wallet_dir, PASSPHRASE, 60.0)  # still slow: nothing lighter to wrap under
    assert stored_params(wallet_dir) == at_floor


def test_unlock_within_a_second_or_wrong_keeps_the_parameters(wallet_dir: Path) -> None:
    unlock(wallet_dir, PASSPHRASE, 1.0)
    assert stored_params(wallet_dir) == FROM_ANOTHER_DEVICE
    with pytest.raises(WrongPassphrase):
        unlock(wallet_dir, "not the passphrase", 5.0)
    assert stored_params(wallet_dir) == FROM_ANOTHER_DEVICE


@given(
    memory=st.integers(kdf.MIN_MEMORY_KIB, kdf.MAX_MEMORY_KIB),
    iterations=st.integers(kdf.MIN_ITERATIONS, kdf.MAX_ITERATIONS),
    lanes=st.integers(kdf.MIN_LANES, kdf.MAX_LANES),
    seconds=st.floats(0.0, 1e4),
)
def test_retuned_is_lighter_and_never_below_the_floor(
    memory: int, iterations: int, lanes: int, seconds: float
) -> None:
    params = kdf.KdfParams(memory, iterations, lanes, bytes(16))
    lighter = kdf.retuned(params, seconds)
    if seconds <= kdf.SLOW_UNLOCK_SECONDS or (memory, iterations) == FLOOR:
        assert lighter is None
        return
    assert lighter is not None
    assert kdf.MIN_MEMORY_KIB <= lighter.memory_kib <= memory
    assert kdf.MIN_ITERATIONS <= lighter.iterations <= iterations
    assert lighter.memory_kib * lighter.iterations < memory * iterations
    assert lighter.lanes == lanes
    assert kdf.KdfParams.from_json(lighter.to_json()) == lighter  # within the stored bounds


def _backup_from_another_device(tmp_path: Path) -> Path:
    vault, _ = Vault.create(tmp_path / "other", PASSPHRASE, kdf_params=FROM_ANOTHER_DEVICE)
    backup = tmp_path / "backup.bin"
    Backpack(vault).backup(backup)
    vault.close()
    return backup


def test_restore_with_the_passphrase_calibrates_for_this_device(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = _backup_from_another_device(tmp_path)
    here = kdf.KdfParams(kdf.MIN_MEMORY_KIB, 3, 1, os.urandom(16))  # what this device picks
    monkeypatch.setattr(kdf, "calibrate", lambda: here)
    Wallet(tmp_path / "restored").restore(None, backup.read_bytes(), PASSPHRASE)
    assert stored_params(tmp_path / "restored") == here
    Wallet(tmp_path / "restored").unlock(PASSPHRASE)  # the same passphrase opens it


def test_cli_restore_calibrates_for_this_device(tmp_path: Path) -> None:
    backup = _backup_from_another_device(tmp_path)
    restored = tmp_path / "restored"
    result = subprocess.run(
        [sys.executable, "-m", "wallet", "--wallet", str(restored), "restore", str(backup)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "WALLET_PASSPHRASE": PASSPHRASE},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    params = stored_params(restored)
    assert params.lanes == 1 and params.salt != FROM_ANOTHER_DEVICE.salt
    Wallet(restored).unlock(PASSPHRASE)
