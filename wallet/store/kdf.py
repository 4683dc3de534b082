"""Passphrase key derivation: Argon2id (RFC 9106), parameters stored in the vault header.

OWASP's floor is m=19 MiB, t=2, p=1; we calibrate upward to about half a second on the
device that creates the vault, because that device is the one that will have to unlock it.
A vault restored or joined is calibrated again on its new device; one whose unlock still
takes over a second here (its parameters came from a faster phone) is re-wrapped under
lighter ones (`retuned`), never below the floor.

The parameters come from files an attacker can edit (a vault header, a backup header, an
organisation file) and are used before any MAC can be checked, since the MAC key is what
they derive. So every stored set is bounded on both sides before a single derivation: a
1.4 KB file must not be able to ask a phone for 8 GiB and 50 passes.

Two implementations, one result: `cryptography` has Argon2id only when it is linked to
OpenSSL >= 3.2, and Flet's Android Python links OpenSSL 3.0, so there `argon2-cffi` (the
reference C code) derives instead. Both compute Argon2id version 0x13 (RFC 9106 section
3), so a vault made on one device opens on the other.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from wallet.store.errors import Argon2Unavailable, KdfParametersRefused

MIN_MEMORY_KIB = 19 * 1024
MAX_MEMORY_KIB = 1024 * 1024  # 1 GiB: more than an old phone can give one app
MIN_ITERATIONS = 2
MAX_ITERATIONS = 32
MIN_LANES = 1
MAX_LANES = 8
MIN_SALT_BYTES = 16
MAX_SALT_BYTES = 64
KEY_BYTES = 32
_TARGET_SECONDS = 0.5
SLOW_UNLOCK_SECONDS = 1.0  # an unlock slower than this re-wraps the data key (`retuned`)
_PREFERRED_MEMORY_KIB = 64 * 1024
_CALIBRATED_MAX_ITERATIONS = 16

Derive = Callable[[bytes, bytes, int, int, int], bytes]  # secret, salt, passes, lanes, KiB


def _cryptography_argon2id() -> Derive | None:
    try:
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id as Kdf
    except ImportError:  # cryptography < 44 has no Argon2 at all
        return None

    def derive(secret: bytes, salt: bytes, iterations: int, lanes: int, memory: int) -> bytes:
        return Kdf(
            salt=salt, length=KEY_BYTES, iterations=iterations, lanes=lanes, memory_cost=memory
        ).derive(secret)

    try:  # built against OpenSSL < 3.2, construction raises UnsupportedAlgorithm
        derive(b"probe", bytes(MIN_SALT_BYTES), 1, 1, 8)
    except UnsupportedAlgorithm:
        return None
    return derive


def _argon2_cffi_argon2id() -> Derive | None:
    try:
        from argon2.low_level import Type, hash_secret_raw
    except ImportError:
        return None

    def derive(secret: bytes, salt: bytes, iterations: int, lanes: int, memory: int) -> bytes:
        return hash_secret_raw(
            secret, salt, iterations, memory, lanes, KEY_BYTES, Type.ID, version=0x13
        )

    return derive


_backend: Derive | None = None


def argon2id(secret: bytes, salt: bytes, iterations: int, lanes: int, memory_kib: int) -> bytes:
    """The one Argon2id in the wallet: cryptography's where it works, else argon2-cffi's."""
    global _backend
    if _backend is None:
        _backend = _cryptography_argon2id() or _argon2_cffi_argon2id()
        if _backend is None:
            raise Argon2Unavailable(
                "this device has no Argon2id (cryptography built on OpenSSL >= 3.2, or "
                "argon2-cffi): the wallet cannot protect a passphrase here"
            )
    return _backend(secret, salt, iterations, lanes, memory_kib)


def _bounded(data: dict[str, object], name: str, low: int, high: int) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise KdfParametersRefused(
            f"the key derivation parameter {name} is missing or not a number"
        )
    if not low <= value <= high:
        raise KdfParametersRefused(
            f"the key derivation parameter {name}={value} is outside {low}..{high}"
        )
    return value


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int
    iterations: int
    lanes: int
    salt: bytes

    def derive(self, passphrase: str) -> bytes:
        return argon2id(
            passphrase.encode("utf-8"), self.salt, self.iterations, self.lanes, self.memory_kib
        )

    def to_json(self) -> dict[str, object]:
        return {"algorithm": "argon2id", **asdict(self), "salt": self.salt.hex()}

    @classmethod
    def from_json(cls, data: object) -> KdfParams:
        """Stored parameters, refused by name when outside the bounds (before any use)."""
        if not isinstance(data, dict) or data.get("algorithm") != "argon2id":
            raise KdfParametersRefused("the key derivation is not Argon2id")
        memory = _bounded(data, "memory_kib", MIN_MEMORY_KIB, MAX_MEMORY_KIB)
        iterations = _bounded(data, "iterations", MIN_ITERATIONS, MAX_ITERATIONS)
        lanes = _bounded(data, "lanes", MIN_LANES, MAX_LANES)
        salt_hex = data.get("salt")
        try:
            salt = bytes.fromhex(salt_hex) if isinstance(salt_hex, str) else b""
        except ValueError:
            salt = b""
        if not MIN_SALT_BYTES <= len(salt) <= MAX_SALT_BYTES:
            raise KdfParametersRefused(
                f"the key derivation salt must be {MIN_SALT_BYTES}..{MAX_SALT_BYTES} bytes of hex"
            )
        return cls(memory, iterations, lanes, salt)

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
        min(max(iterations, MIN_ITERATIONS), _CALIBRATED_MAX_ITERATIONS),
        1,
        os.urandom(16),
    )


def retuned(params: KdfParams, seconds: float) -> KdfParams | None:
    """Lighter parameters, about `_TARGET_SECONDS` here, for a derivation by `params` that
    took `seconds` on this device; None unless it took over `SLOW_UNLOCK_SECONDS` or when
    `params` are at OWASP's floor already. Argon2id's time grows with memory times passes
    (RFC 9106 section 3.2), so passes go first and memory, which costs an attacker's
    hardware most, only once passes are at the floor."""
    if seconds <= SLOW_UNLOCK_SECONDS:
        return None
    work = params.memory_kib * params.iterations * _TARGET_SECONDS / seconds
    iterations = max(MIN_ITERATIONS, min(params.iterations, int(work // params.memory_kib)))
    memory = max(MIN_MEMORY_KIB, min(params.memory_kib, int(work // iterations)))
    if (memory, iterations) == (params.memory_kib, params.iterations):
        return None
    return KdfParams(memory, iterations, params.lanes, os.urandom(16))
