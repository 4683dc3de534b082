"""did:key, resolved locally: the DID *is* the public key, so no network is involved.

Spec: The did:key Method v0.9, section 3.1.2 "Read (Resolve)".
"""

from __future__ import annotations

from dataclasses import dataclass

from wallet.vc.errors import MalformedProof
from wallet.vc.multikey import PublicKey

PREFIX = "did:key:"


@dataclass(frozen=True)
class VerificationMethod:
    id: str
    controller: str
    public_key: PublicKey


def did_for(public_key: PublicKey) -> str:
    return PREFIX + public_key.multikey()


def verification_method_id(public_key: PublicKey) -> str:
    multikey = public_key.multikey()
    return f"{PREFIX}{multikey}#{multikey}"


def resolve(did_url: str) -> VerificationMethod | None:
    """The fragment must name the DID's own key; did:key documents hold no other."""
    if not did_url.startswith(PREFIX):
        return None
    did, _, fragment = did_url.partition("#")
    multikey = did[len(PREFIX) :]
    if fragment and fragment != multikey:
        return None
    try:
        key = PublicKey.from_multikey(multikey)
    except MalformedProof:
        return None
    return VerificationMethod(f"{did}#{multikey}", did, key)
