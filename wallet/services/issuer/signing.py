"""Issue credentials on this device, under a key the issuer holds: in the vault (a
trainer), or in a JSON key file (`wallet keys new`, `wallet issue --key`)."""

from __future__ import annotations

import copy
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from wallet.vc import did_key, ecdsa_sd_2023, json_pointer, proofs
from wallet.vc.errors import InvalidPointer, KeyFileError, MalformedProof
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


def write_key_file(path: Path, key: KeyPair) -> None:
    """The file holds a secret, so it is written 0600."""
    body = {
        "type": str(key.public.key_type),
        "id": did_key.did_for(key.public),
        "publicKeyMultibase": key.public.multikey(),
        "secretKeyMultibase": key.secret_multikey(),
    }
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(body, handle, indent=2)
        handle.write("\n")


def read_key_file(path: Path) -> KeyPair:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        key = KeyPair.from_secret_multikey(body["secretKeyMultibase"])
    except (OSError, ValueError, KeyError, TypeError, MalformedProof) as exc:
        raise KeyFileError(f"cannot read key file {path}: {type(exc).__name__}") from None
    declared = body.get("publicKeyMultibase")
    if declared is not None and declared != key.public.multikey():
        raise KeyFileError(f"key file {path}: public key does not match the secret key")
    return key
