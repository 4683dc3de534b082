"""Ed25519Signature2020 (W3C CCG, legacy): verify only, because older badges still carry it.

Same construction as eddsa-rdfc-2022, under its own proof type and context.
"""

from typing import Any

from wallet.vc.data_integrity import KeyResolver, ProofResult, verify_rdfc
from wallet.vc.multikey import KeyType
from wallet.vc.rdfc import Limits

PROOF_TYPE = "Ed25519Signature2020"


def verify(
    document: dict[str, Any], proof: dict[str, Any], resolver: KeyResolver, limits: Limits
) -> ProofResult:
    return verify_rdfc(
        document,
        proof,
        resolver,
        key_types={KeyType.ED25519},
        hash_for=lambda _: "sha256",
        expected_prefix="z",
        limits=limits,
    )
