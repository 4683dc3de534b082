"""`wallet bench` figures for the trust bundle: a registry's bundle of 100 organisations,
1,000 trainer authorisations and 10 status lists; what one revocation costs a verifier
that already holds it; and how long a verifier takes to read it."""

from __future__ import annotations

import gzip
import json
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wallet.services.issuer.organisation import Organisation, context_entries
from wallet.store import kdf
from wallet.vc import did_key, trust_bundle
from wallet.vc.multikey import KeyPair, KeyType

ORGANISATIONS, WITH_TRAINERS, TRAINERS_EACH = 100, 10, 100  # 10 lists: one per training org
_NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _wire(document: object) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def run() -> Iterator[tuple[str, float, str]]:
    registry = KeyPair.generate(KeyType.ED25519)
    with tempfile.TemporaryDirectory() as folder:
        organisations = [
            Organisation.create(
                Path(folder) / f"org{n}.json",
                "bench",
                name=f"Training organisation {n}",
                url=f"https://org{n}.example",
                kdf_params=kdf.KdfParams.minimum(),
            )
            for n in range(ORGANISATIONS)
        ]
        for organisation in organisations[:WITH_TRAINERS]:
            for _ in range(TRAINERS_EACH):
                trainer = did_key.did_for(KeyPair.generate(KeyType.P256).public)
                organisation.authorize(trainer, ["urn:example:a"], _NOW + timedelta(days=365), _NOW)

        def publish(sequence: int, now: datetime) -> dict[str, Any]:
            entries = context_entries()
            for organisation in organisations:
                entries.update(organisation.bundle_entries(now))
            return trust_bundle.sign_bundle(entries, registry, sequence, now, now + timedelta(90))

        first = publish(1, _NOW)
        name = "trust.bundle-100-orgs-1000-trainers-10-lists"
        yield f"{name}.size", len(_wire(first)), "bytes"
        yield f"{name}.gzip", len(gzip.compress(_wire(first))), "bytes"
        start = time.perf_counter()
        trust_bundle.TrustBundle.read(trust_bundle.apply(None, first, first["header"]["publisher"]))
        yield f"{name}.verify-and-read", time.perf_counter() - start, "s"

        revoking = organisations[0]
        list_id = revoking.data["statusLists"][0]["id"]
        revoking.data["issued"]["urn:uuid:bench"] = {"list": list_id, "index": 17}
        revoking.revoke("urn:uuid:bench")
        second = publish(2, _NOW + timedelta(hours=1))
        update = trust_bundle.delta(trust_bundle.hashes(first["entries"]), second, 1)
        yield "trust.update-one-revocation.size", len(_wire(update)), "bytes"
        yield "trust.update-one-revocation.gzip", len(gzip.compress(_wire(update))), "bytes"
