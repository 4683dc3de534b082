"""The verifier's trust bundles: pin one by hand (`wallet trust add`); sync keeps it fresh."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wallet.store.verifier_store import VerifierStore
from wallet.vc import trust_bundle
from wallet.vc.jsonld import bundled_context_hashes


@dataclass(frozen=True)
class Pinned:
    publisher: str
    sequence: int
    organisations: int
    authorizations: int
    context_mismatches: list[str]  # contexts whose bundled copy here differs from the bundle's


def add_bundle(store: VerifierStore, document: Any) -> Pinned:
    """Pin the bundle's publisher: from now on only bundles it signs replace this one. A
    bundle already pinned from the same publisher is replaced only by a newer one."""
    if not isinstance(document, dict) or not isinstance(document.get("header"), dict):
        raise trust_bundle.BundleError("not a trust bundle (no signed header)")
    publisher = str(document["header"].get("publisher"))
    held = next((b for b in store.bundles() if b["header"]["publisher"] == publisher), None)
    checked = trust_bundle.apply(held, document, publisher)
    read = trust_bundle.TrustBundle.read(checked)
    store.save_bundle(checked)
    ours = bundled_context_hashes()
    return Pinned(
        publisher,
        checked["header"]["sequence"],
        len(read.organisations),
        len(read.authorizations),
        sorted(url for url, digest in read.context_hashes().items() if ours.get(url) != digest),
    )
