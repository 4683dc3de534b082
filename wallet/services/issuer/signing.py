"""Issue credentials on this device, under a key the issuer holds."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from wallet.vc import did_key, ecdsa_sd_2023, json_pointer, proofs
from wallet.vc.errors import InvalidPointer
from wallet.vc.multikey import KeyPair

# Our ecdsa-sd-2023 issuance profile (docs/qr-format.md). Mandatory: what verification
# needs, and what the badge *is* (the achievement's id, type and name), so revealing a
# claim about the learner costs one signed statement. The issuer's id is mandatory but
# not its name or url: a verifier names trusted issuers from its own list.
OPEN_BADGE_MANDATORY = [
    "/issuer/id",
    "/type",
    "/validFrom",
    "/validUntil",
    "/credentialStatus",
    "/credentialSubject/id",
    "/credentialSubject/type",
    "/credentialSubject/achievement/id",
    "/credentialSubject/achievement/type",
    "/credentialSubject/achievement/name",
]


def default_mandatory_pointers(document: dict[str, Any]) -> list[str]:
    present = []
    for pointer in OPEN_BADGE_MANDATORY:
        try:
            json_pointer.resolve(document, pointer)
        except InvalidPointer:
            continue
        present.append(pointer)
    return present


def issue(
    document: dict[str, Any],
    key: KeyPair,
    suite: str,
    *,
    mandatory_pointers: list[str] | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """Sign as the key's DID: `issuer.id` becomes the DID, other issuer fields stay."""
    unsigned = copy.deepcopy(document)
    issuer = unsigned.get("issuer")
    did = did_key.did_for(key.public)
    unsigned["issuer"] = {**issuer, "id": did} if isinstance(issuer, dict) else did
    if suite == ecdsa_sd_2023.NAME and mandatory_pointers is None:
        mandatory_pointers = default_mandatory_pointers(unsigned)
    return proofs.sign(unsigned, key, suite, mandatory_pointers=mandatory_pointers, created=created)
