"""eddsa-rdfc-2022: Ed25519 over RDFC-1.0 canonical N-Quads (W3C VC-DI-EdDSA, section 3.3)."""

from wallet.vc.data_integrity import RdfcSuite
from wallet.vc.multikey import KeyType

NAME = "eddsa-rdfc-2022"
SUITE = RdfcSuite(frozenset({KeyType.ED25519}), lambda _: "sha256")

verify = SUITE.verify
sign = SUITE.sign
