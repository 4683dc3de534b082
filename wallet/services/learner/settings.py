"""User settings, sealed in the vault. Each value carries its own update time, so two
devices that change different settings both keep their change (last writer wins per field)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from wallet.store.errors import RecordNotFound
from wallet.store.vault import Vault

SETTINGS = "settings"
# the learner's email addresses, which Open Badges 2.0 recipient identities are compared with
RECIPIENT_EMAILS = "recipient_emails"
_RECORD_ID = "settings"


class Settings:
    def __init__(self, vault: Vault, clock: Callable[[], float] = time.time) -> None:
        self.vault = vault
        self._clock = clock

    def _values(self) -> dict[str, dict[str, Any]]:
        try:
            return self.vault.get(_RECORD_ID, SETTINGS).payload["values"]
        except RecordNotFound:
            return {}

    def get(self, name: str, default: Any = None) -> Any:
        entry = self._values().get(name)
        return default if entry is None else entry["value"]

    def set(self, name: str, value: Any) -> None:
        with self.vault.transaction():
            values = self._values()
            values[name] = {"value": value, "updated": int(self._clock() * 1000)}
            self.vault.put(_RECORD_ID, SETTINGS, {"values": values})


def recipient_emails(vault: Vault) -> list[str]:
    """The addresses the learner gave (Settings), for OB 2.0 recipient checks."""
    found = Settings(vault).get(RECIPIENT_EMAILS, [])
    return [e for e in found if isinstance(e, str)] if isinstance(found, list) else []
