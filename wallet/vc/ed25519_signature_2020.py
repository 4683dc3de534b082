"""Ed25519Signature2020 (W3C CCG, legacy): verify only, because older badges still carry it.

The same construction as eddsa-rdfc-2022, under its own proof type and context.
"""

from wallet.vc.data_integrity import RdfcSuite
from wallet.vc.multikey import KeyType

PROOF_TYPE = "Ed25519Signature2020"

verify = RdfcSuite(frozenset({KeyType.ED25519}), lambda _: "sha256").verify
