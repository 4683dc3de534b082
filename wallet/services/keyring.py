"""Keys kept in the vault: holder keys (one per credential) and issuer keys (trainers).
They are sealed like every record and never leave it unencrypted."""

from __future__ import annotations

from wallet.store.vault import Vault
from wallet.vc import did_key
from wallet.vc.multikey import KeyPair

HOLDER_KEY = "holder_key"
ISSUER_KEY = "issuer_key"


def store(vault: Vault, kind: str, key: KeyPair) -> str:
    """Keep a key under its did:key; returns the DID."""
    did = did_key.did_for(key.public)
    with vault.transaction():
        vault.put(did, kind, {"secretKeyMultibase": key.secret_multikey()})
    return did


def load(vault: Vault, kind: str, did: str) -> KeyPair:
    return KeyPair.from_secret_multikey(vault.get(did, kind).payload["secretKeyMultibase"])
