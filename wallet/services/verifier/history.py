"""The employer's record of past verifications, sealed in the vault like everything that
holds credential content."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from wallet.services.verifier.presentations import Verdict
from wallet.store.vault import Vault

VERIFICATION = "verification"
KEPT = 200  # enough to look back a few weeks; older entries are dropped


class VerificationHistory:
    def __init__(self, vault: Vault, clock: Callable[[], float] = time.time) -> None:
        self.vault = vault
        self._clock = clock

    def record(self, verdict: Verdict) -> None:
        at = datetime.fromtimestamp(self._clock(), UTC).isoformat(timespec="seconds")
        with self.vault.transaction():
            self.vault.put(str(uuid.uuid4()), VERIFICATION, {"at": at, **verdict.to_json()})
            for old in self.vault.ids(VERIFICATION)[KEPT:]:
                self.vault.delete(old)

    def entries(self) -> list[dict[str, Any]]:
        """Newest first."""
        return [self.vault.get(i, VERIFICATION).payload for i in self.vault.ids(VERIFICATION)]
