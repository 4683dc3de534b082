"""Ed25519Signature2020 (W3C CCG, legacy): verify only, because older badges still carry it.

The same construction as eddsa-rdfc-2022, under its own proof type and context.
"""

from wallet.vc.data_integrity import RdfcSuite, Suite
from wallet.vc.multikey import KeyType

PROOF_TYPE = "Ed25519Signature2020"
_RDFC = RdfcSuite(frozenset({KeyType.ED25519}), lambda _: "sha256")

verify = _RDFC.verify
SUITE = Suite(PROOF_TYPE, None, _RDFC.key_types, verify)
