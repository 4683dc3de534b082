"""eddsa-rdfc-2022: Ed25519 over RDFC-1.0 canonical N-Quads (W3C VC-DI-EdDSA, section 3.3)."""

from wallet.vc.data_integrity import DATA_INTEGRITY_PROOF, RdfcSuite, Suite, whole_document
from wallet.vc.multikey import KeyType

NAME = "eddsa-rdfc-2022"
_RDFC = RdfcSuite(frozenset({KeyType.ED25519}), lambda _: "sha256")

verify = _RDFC.verify
sign = _RDFC.sign
SUITE = Suite(DATA_INTEGRITY_PROOF, NAME, _RDFC.key_types, verify, whole_document(NAME, sign))
