"""Vault errors. Messages never contain secrets or content; each class's `kind` names its
sentence in the shells' catalogs (`error.<kind>`), and `params` fill it."""

from typing import Any


class VaultError(Exception):
    """Base class for everything the vault refuses."""

    kind = "vault"
    params: dict[str, Any] = {}  # noqa: RUF012 (read only; instances set their own)


class NoVault(VaultError):
    kind = "no_wallet"


class VaultExists(VaultError):
    kind = "wallet_exists"


class WrongPassphrase(VaultError):
    kind = "wrong_passphrase"


class WrongRecoveryWords(VaultError):
    kind = "wrong_words"


class TooManyAttempts(VaultError):
    kind = "too_many_attempts"

    def __init__(self, wait_seconds: float) -> None:
        super().__init__(f"too many wrong attempts: try again in {wait_seconds:.0f} s")
        self.wait_seconds = wait_seconds
        self.params = {"count": round(wait_seconds)}


class VaultLocked(VaultError):
    kind = "locked"


class VaultCorrupt(VaultError):
    """The database or a record fails its integrity checks; nothing was changed."""

    kind = "vault_corrupt"


class BackupCorrupt(VaultError):
    """A backup file that is truncated, tampered with, or not a backup."""

    kind = "backup_corrupt"


class RecordNotFound(VaultError):
    kind = "not_found"


class KdfParametersRefused(VaultError, ValueError):
    """Stored Argon2id parameters outside the wallet's bounds: refused before deriving."""

    kind = "kdf_refused"


class Argon2Unavailable(VaultError):
    """Neither cryptography nor argon2-cffi can compute Argon2id on this device."""

    kind = "argon2_unavailable"


class EmptyPassphrase(VaultError):
    """A wallet passphrase may not be empty."""

    kind = "empty_passphrase"


class RolledBack(VaultCorrupt):
    """Records or index pages are older than the vault's sealed state says they must be."""
