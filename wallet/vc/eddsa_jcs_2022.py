"""eddsa-jcs-2022: Ed25519 over JCS-canonical JSON (W3C VC-DI-EdDSA, section 3.3).

For documents that are plain signed JSON rather than linked data, such as the trust
bundle: no JSON-LD processing, so no context has to be bundled for them.
"""

from __future__ import annotations

from typing import Any

from wallet.vc.data_integrity import JcsSuite, jcs_hash_data
from wallet.vc.multikey import KeyType

NAME = "eddsa-jcs-2022"
_JCS = JcsSuite(NAME, frozenset({KeyType.ED25519}), lambda _: "sha256")


def hash_data(document: dict[str, Any], proof: dict[str, Any]) -> bytes:
    return jcs_hash_data(document, proof, "sha256")


sign = _JCS.sign
verify = _JCS.verify
SUITE = _JCS.suite()
