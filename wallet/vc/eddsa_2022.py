"""`eddsa-2022`: the name early drafts of VC-DI-EdDSA gave the suite now called
eddsa-rdfc-2022, still found in files issued in 2023 (1EdTech's validator accepts both).

The bytes decide: the proof is checked with eddsa-rdfc-2022's algorithm (RDFC-1.0, SHA-256,
Ed25519) over its own proof configuration, `cryptosuite: "eddsa-2022"` included, as those
issuers signed it. Verify only: nothing new is issued under the old name.
"""

from wallet.vc import eddsa_rdfc_2022
from wallet.vc.data_integrity import DATA_INTEGRITY_PROOF, Suite

NAME = "eddsa-2022"
SUITE = Suite(DATA_INTEGRITY_PROOF, NAME, eddsa_rdfc_2022.SUITE.key_types, eddsa_rdfc_2022.verify)
