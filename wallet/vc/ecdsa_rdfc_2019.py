"""ecdsa-rdfc-2019: ECDSA P-256/P-384 over RDFC-1.0 N-Quads (W3C VC-DI-ECDSA, section 3.3).

The hash follows the curve: SHA-256 for P-256, SHA-384 for P-384 (section 3.3.4).
"""

from wallet.vc.data_integrity import DATA_INTEGRITY_PROOF, RdfcSuite, Suite, whole_document
from wallet.vc.multikey import KeyType

NAME = "ecdsa-rdfc-2019"


def hash_for(key_type: KeyType) -> str:
    return "sha384" if key_type is KeyType.P384 else "sha256"


_RDFC = RdfcSuite(frozenset({KeyType.P256, KeyType.P384}), hash_for)

verify = _RDFC.verify
sign = _RDFC.sign
SUITE = Suite(DATA_INTEGRITY_PROOF, NAME, _RDFC.key_types, verify, whole_document(NAME, sign))
