"""ecdsa-rdfc-2019: ECDSA P-256/P-384 over RDFC-1.0 N-Quads (W3C VC-DI-ECDSA, section 3.3).

The hash follows the curve: SHA-256 for P-256, SHA-384 for P-384 (section 3.3.4).
"""

from typing import Any

from wallet.vc.data_integrity import KeyResolver, ProofResult, sign_rdfc, verify_rdfc
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.rdfc import Limits

NAME = "ecdsa-rdfc-2019"
KEY_TYPES = {KeyType.P256, KeyType.P384}


def hash_for(key_type: KeyType) -> str:
    return "sha384" if key_type is KeyType.P384 else "sha256"


def verify(
    document: dict[str, Any], proof: dict[str, Any], resolver: KeyResolver, limits: Limits
) -> ProofResult:
    return verify_rdfc(
        document,
        proof,
        resolver,
        key_types=KEY_TYPES,
        hash_for=hash_for,
        expected_prefix="z",
        limits=limits,
    )


def sign(document: dict[str, Any], proof: dict[str, Any], key: KeyPair) -> dict[str, Any]:
    return sign_rdfc(document, proof, key, hash_name=hash_for(key.public.key_type))
