"""Every number that bounds what one client can make the server do (docs/security.md).

One `Limits` per server; `wallet serve` runs with the defaults and tests pass smaller ones.
Rates are token buckets kept in the storage, so processes sharing a database share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wallet.protocol import sync as protocol
from wallet.vc import trust_bundle


@dataclass(frozen=True)
class Rate:
    """A token bucket: `burst` requests at once, refilled at `per_second`."""

    per_second: float
    burst: float

    @property
    def idle_seconds(self) -> float:
        """After this long untouched a bucket is full again, so its row can go."""
        return self.burst / self.per_second


@dataclass(frozen=True)
class Limits:
    # a connection's request headers must be complete this soon (serve.py)
    header_seconds: float = 10.0
    # bodies: refused at the cap while they stream in, and when they trickle
    max_body_bytes: int = 1_000_000
    max_bundle_bytes: int = trust_bundle.MAX_BYTES  # a registry's whole bundle
    max_bundle_header_bytes: int = 64_000  # the signed header, checked before the rest
    body_grace_seconds: float = 10.0  # then the body must keep up with the rate below
    body_min_bytes_per_second: float = 1_000.0  # a fifth of a 2G link (40 kbit/s)
    max_json_depth: int = 32
    # signed requests
    max_nonce_chars: int = 64
    max_did_chars: int = 128
    # rates: per device (signed), per client address (registration; logs and bundles)
    # (a first sync of 10,000 credentials is about 80 batches of 64 KB; the client paces
    # itself under protocol.DEVICE_REQUESTS_PER_SECOND and DEVICE_BURST)
    device_rate: Rate = field(
        default_factory=lambda: Rate(
            protocol.DEVICE_REQUESTS_PER_SECOND, float(protocol.DEVICE_BURST)
        )
    )
    registration_rate: Rate = field(default_factory=lambda: Rate(5.0, 500.0))
    address_rate: Rate = field(default_factory=lambda: Rate(20.0, 200.0))
    # the VC-API, per client address: one verification costs a core 5-50 ms
    vc_api_rate: Rate = field(default_factory=lambda: Rate(50.0, 1_000.0))
    sweep_every_seconds: float = 60.0  # expired nonces and full buckets, everyone's
    # quotas
    max_devices_per_account: int = 32
    max_records_per_account: int = 100_000
    max_record_bytes_per_account: int = 256_000_000
    max_header_bytes: int = 64_000
    max_log_entries: int = 1_000_000  # per trainer's chain
    max_bundle_versions: int = 10_000  # per publisher's series
    max_bundle_series_bytes: int = (
        512_000_000  # per publisher: newest body + every version's hashes
    )


DEFAULT = Limits()
