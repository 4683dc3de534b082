"""Vault errors. Messages are plain language and never contain secrets or content."""


class VaultError(Exception):
    """Base class for everything the vault refuses."""


class NoVault(VaultError):
    pass


class VaultExists(VaultError):
    pass


class WrongPassphrase(VaultError):
    pass


class WrongRecoveryWords(VaultError):
    pass


class TooManyAttempts(VaultError):
    def __init__(self, wait_seconds: float) -> None:
        super().__init__(f"too many wrong attempts: try again in {wait_seconds:.0f} s")
        self.wait_seconds = wait_seconds


class VaultLocked(VaultError):
    pass


class VaultCorrupt(VaultError):
    """The database or a record fails its integrity checks; nothing was changed."""


class BackupCorrupt(VaultError):
    """A backup file that is truncated, tampered with, or not a backup."""


class RecordNotFound(VaultError):
    pass


class KdfParametersRefused(VaultError, ValueError):
    """Stored Argon2id parameters outside the wallet's bounds: refused before deriving."""


class Argon2Unavailable(VaultError):
    """Neither cryptography nor argon2-cffi can compute Argon2id on this device."""


class EmptyPassphrase(VaultError):
    """A wallet passphrase may not be empty."""


class RolledBack(VaultCorrupt):
    """Records or index pages are older than the vault's sealed state says they must be."""
