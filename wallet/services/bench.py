"""`wallet bench`: the speed figures we promise, measured the same way every time.

Medians of warm runs over the bundled sample badge. Tests never time things; this does.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from wallet.assets import assets_dir
from wallet.services import holder, issuer, verifier
from wallet.vc.multikey import KeyPair, KeyType

_NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _median_ms(operation: Callable[[], object], runs: int) -> float:
    for _ in range(3):
        operation()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        operation()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def _verified(document: dict) -> Callable[[], object]:
    def run() -> object:
        report = verifier.verify(document, now=_NOW)
        if not report.verified:
            raise AssertionError(f"bench credential failed to verify: {report.to_json()}")
        return report

    return run


def run(runs: int = 200) -> Iterator[tuple[str, float, str]]:
    """Yields (name, value, unit) one figure at a time, so slow figures print as they come."""
    sample = json.loads((assets_dir() / "samples" / "teamwork-badge.json").read_text())
    ed_key = KeyPair.generate(KeyType.ED25519)
    p256_key = KeyPair.generate(KeyType.P256)

    eddsa = issuer.issue(sample, ed_key, "eddsa-rdfc-2022")
    yield "verify.ob3.eddsa-rdfc-2022", _median_ms(_verified(eddsa), runs), "ms"

    ecdsa = issuer.issue(sample, p256_key, "ecdsa-rdfc-2019")
    yield "verify.ob3.ecdsa-rdfc-2019-p256", _median_ms(_verified(ecdsa), runs), "ms"

    base = issuer.issue(sample, p256_key, "ecdsa-sd-2023")
    reveal = ["/credentialSubject/achievement/name"]
    derived = holder.derive(base, reveal)
    yield "verify.ob3.ecdsa-sd-2023-derived", _median_ms(_verified(derived), runs), "ms"

    slow_runs = max(5, runs // 10)
    yield (
        "sign.ob3.eddsa-rdfc-2022",
        _median_ms(lambda: issuer.issue(sample, ed_key, "eddsa-rdfc-2022"), slow_runs),
        "ms",
    )
    yield (
        "sign.ob3.ecdsa-sd-2023-base",
        _median_ms(lambda: issuer.issue(sample, p256_key, "ecdsa-sd-2023"), slow_runs),
        "ms",
    )
    yield (
        "derive.ob3.ecdsa-sd-2023",
        _median_ms(lambda: holder.derive(base, reveal), slow_runs),
        "ms",
    )
    compact = json.dumps(derived, separators=(",", ":"))
    yield "size.ob3.ecdsa-sd-2023-derived-1-claim.json", len(compact.encode()), "bytes"
