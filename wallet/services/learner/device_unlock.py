"""Unlock without typing the passphrase, with a key the platform keystore keeps behind the
phone's fingerprint, face or PIN (the app's biometric unlock).

The keystore holds a random device key; the wallet's directory holds the data key wrapped
by it (`device-unlock.bin`, 0600). Neither opens the wallet alone: the file is useless
without the keystore's key, and the keystore's key is useless without this wallet's file.
The passphrase and the recovery words keep working as before; turning this off deletes
the file, so a key left in the keystore opens nothing."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from wallet.store.errors import WrongPassphrase
from wallet.store.vault import Vault

FILE_NAME = "device-unlock.bin"
KEY_BYTES = 32


def enabled(directory: Path) -> bool:
    return (directory / FILE_NAME).exists()


def enable(vault: Vault) -> bytes:
    """Wrap the open vault's data key for this device; returns the device key, for the
    platform keystore and nowhere else."""
    device_key = secrets.token_bytes(KEY_BYTES)
    wrapped = vault.wrap_for_device(device_key)
    path = vault.directory / FILE_NAME
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(wrapped)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return device_key


def unlock(vault: Vault, device_key: bytes) -> None:
    """Raises WrongPassphrase when the key does not open this wallet (the keystore was
    reset, the wallet replaced, or this turned off): the user types the passphrase."""
    try:
        wrapped = (vault.directory / FILE_NAME).read_bytes()
    except FileNotFoundError:
        raise WrongPassphrase("biometric unlock is off for this wallet") from None
    vault.unlock_with_device_key(device_key, wrapped)


def disable(directory: Path) -> None:
    (directory / FILE_NAME).unlink(missing_ok=True)
