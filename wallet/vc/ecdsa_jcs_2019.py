"""ecdsa-jcs-2019: ECDSA P-256/P-384 over JCS-canonical JSON (W3C VC-DI-ECDSA, section 3.4).

The hash follows the curve, as in ecdsa-rdfc-2019: SHA-256 for P-256, SHA-384 for P-384
(section 3.4.4).
"""

from wallet.vc.data_integrity import JcsSuite
from wallet.vc.ecdsa_rdfc_2019 import hash_for
from wallet.vc.multikey import KeyType

NAME = "ecdsa-jcs-2019"
_JCS = JcsSuite(NAME, frozenset({KeyType.P256, KeyType.P384}), hash_for)

sign = _JCS.sign
verify = _JCS.verify
SUITE = _JCS.suite()
