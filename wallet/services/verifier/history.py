"""The employer's record of past verifications, sealed in the vault like everything that
holds credential content. Each keeps its checks as codes and params, so it reads in
whatever language the screen is in when it is opened again."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from wallet.services import legacy_checks
from wallet.services.verifier.presentations import Verdict
from wallet.store.vault import Vault

VERIFICATION = "verification"  # the record kind (store/schema.py's migration 5 names it too)
KEPT = 200  # enough to look back a few weeks; older entries are dropped


@dataclass(frozen=True)
class PastVerification:
    at: datetime
    verdict: Verdict


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

    def upgrade_stored(self) -> int:
        """Verifications kept before checks were data, rewritten once (see legacy_checks)."""
        return legacy_checks.upgrade_stored(self.vault, VERIFICATION)

    def entries(self) -> list[PastVerification]:
        """Newest first. A verification synced in from a device not yet updated is read
        through the same upgrade."""
        found = []
        for record_id in self.vault.ids(VERIFICATION):
            payload = legacy_checks.upgrade_checks(self.vault.get(record_id, VERIFICATION).payload)
            found.append(
                PastVerification(datetime.fromisoformat(payload["at"]), Verdict.from_json(payload))
            )
        return found
