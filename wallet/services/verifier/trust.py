"""The verifier's trust bundles: pin one by hand (`wallet trust add`); sync keeps it fresh."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from wallet.store.verifier_store import DATABASE_NAME, VerifierStore
from wallet.vc import json_document, trust_bundle
from wallet.vc.jsonld import bundled_context_hashes
from wallet.vc.rdfc import Limits


@dataclass(frozen=True)
class Pinned:
    publisher: str
    name: str  # the publisher's organisation name when the bundle lists it, else its DID
    sequence: int
    organisations: int
    authorizations: int
    context_mismatches: list[str]  # contexts whose bundled copy here differs from the bundle's
    # did:web issuers' DID documents the bundle pins, by DID, and when the bundle was issued
    did_documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    issued: datetime | None = None
    # Open Badges 2.0 signing keys the bundle pins, by URL (`trust_bundle.OB2_KEY` entries)
    ob2_keys: dict[str, dict[str, Any]] = field(default_factory=dict)


def add_bundle(store: VerifierStore, data: bytes) -> Pinned:
    """Pin the bundle's publisher: from now on only bundles it signs replace this one. A
    bundle already pinned from the same publisher is replaced only by a newer one."""
    document = json_document.parse(data, Limits(max_bytes=trust_bundle.MAX_BYTES))
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
        _name(read),
        checked["header"]["sequence"],
        len(read.organisations),
        len(read.authorizations),
        sorted(url for url, digest in read.context_hashes().items() if ours.get(url) != digest),
        dict(read.did_documents),
        read.issued,
        dict(read.ob2_keys),
    )


def pinned(directory: Path) -> list[trust_bundle.TrustBundle]:
    """The trust bundles a verifier in `directory` pinned, read for verifying; none when
    no verifier is kept there (nothing is created: `wallet verify` only reads)."""
    if not (directory / DATABASE_NAME).exists():
        return []
    with closing(VerifierStore(directory)) as store:
        return [trust_bundle.TrustBundle.read(document) for document in store.bundles()]


@dataclass(frozen=True)
class Held:
    name: str
    sequence: int
    issued: datetime
    expires: datetime


def held(store: VerifierStore) -> list[Held]:
    """The pinned bundles, for a verifier's settings screen to say what it trusts and since
    when."""
    found = []
    for document in store.bundles():
        read = trust_bundle.TrustBundle.read(document)
        found.append(Held(_name(read), document["header"]["sequence"], read.issued, read.expires))
    return found


@dataclass(frozen=True)
class HandTrusted:
    did: str
    name: str


def hand_trusted(store: VerifierStore) -> list[HandTrusted]:
    """The issuers trusted by hand (`wallet trust add-issuer`, or from a verdict), which a
    verifier reviews in settings: a trust once given should be as easy to take back."""
    return [HandTrusted(did, name) for did, name in store.trusted_issuers()]


def untrust(store: VerifierStore, did: str) -> None:
    """Take back a trust given by hand; a pinned bundle may still vouch for the issuer."""
    store.distrust(did)


def _name(read: trust_bundle.TrustBundle) -> str:
    return read.organisations.get(read.publisher, {}).get("name") or read.publisher
