"""eddsa-rdfc-2022: Ed25519 over RDFC-1.0 canonical N-Quads (W3C VC-DI-EdDSA, section 3.3)."""

from typing import Any

from wallet.vc.data_integrity import KeyResolver, ProofResult, sign_rdfc, verify_rdfc
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.rdfc import Limits

NAME = "eddsa-rdfc-2022"


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


def sign(document: dict[str, Any], proof: dict[str, Any], key: KeyPair) -> dict[str, Any]:
    return sign_rdfc(document, proof, key, hash_name="sha256")
