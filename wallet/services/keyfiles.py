"""JSON key files for test and issuer use. They hold a secret, so they are written 0600."""

from __future__ import annotations

import json
import os
from pathlib import Path

from wallet.vc import did_key
from wallet.vc.errors import KeyFileError, MalformedProof
from wallet.vc.multikey import KeyPair, KeyType


def write_key_file(path: Path, key: KeyPair) -> None:
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


def new_key(key_type: KeyType) -> KeyPair:
    return KeyPair.generate(key_type)
