"""Passphrase key derivation: Argon2id (RFC 9106), parameters stored in the vault header.

OWASP's floor is m=19 MiB, t=2, p=1; we calibrate upward to about half a second on the
device that creates the vault, because that device is the one that will have to unlock it.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

MIN_MEMORY_KIB = 19 * 1024
MIN_ITERATIONS = 2
_TARGET_SECONDS = 0.5
_PREFERRED_MEMORY_KIB = 64 * 1024
_MAX_ITERATIONS = 16


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int
    iterations: int
    lanes: int
    salt: bytes

    def derive(self, passphrase: str) -> bytes:
        return Argon2id(
            salt=self.salt,
            length=32,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_kib,
        ).derive(passphrase.encode("utf-8"))

    def to_json(self) -> dict[str, object]:
        return {"algorithm": "argon2id", **asdict(self), "salt": self.salt.hex()}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> KdfParams:
        if data.get("algorithm") != "argon2id":
            raise ValueError("unsupported key derivation")
        params = cls(
            int(data["memory_kib"]),  # type: ignore[call-overload]
            int(data["iterations"]),  # type: ignore[call-overload]
            int(data["lanes"]),  # type: ignore[call-overload]
            bytes.fromhex(str(data["salt"])),
        )
        if params.memory_kib < MIN_MEMORY_KIB or params.iterations < MIN_ITERATIONS:
            raise ValueError("key derivation parameters are below the safe minimum")
        return params

    @classmethod
    def minimum(cls) -> KdfParams:
        """OWASP's minimum: for tests and for devices too slow for anything more."""
        return cls(MIN_MEMORY_KIB, MIN_ITERATIONS, 1, os.urandom(16))


def calibrate() -> KdfParams:
    """Keep 64 MiB and add iterations until ~0.5 s; on a slow device, trade memory first."""
    probe = KdfParams(_PREFERRED_MEMORY_KIB, MIN_ITERATIONS, 1, os.urandom(16))
    start = time.perf_counter()
    probe.derive("calibration")
    elapsed = max(time.perf_counter() - start, 1e-3)
    if elapsed >= _TARGET_SECONDS:
        memory = max(MIN_MEMORY_KIB, int(_PREFERRED_MEMORY_KIB * _TARGET_SECONDS / elapsed))
        return KdfParams(memory, MIN_ITERATIONS, 1, os.urandom(16))
    iterations = math.ceil(MIN_ITERATIONS * _TARGET_SECONDS / elapsed)
    return KdfParams(
        _PREFERRED_MEMORY_KIB,
        min(max(iterations, MIN_ITERATIONS), _MAX_ITERATIONS),
        1,
        os.urandom(16),
    )
