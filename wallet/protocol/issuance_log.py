"""A trainer device's issuance log: append-only, hash-chained, each entry signed by the
trainer's key, so the organisation (and the server that carries it) can tell that nothing
was edited, removed or reordered. What was issued, and to whom, is sealed to the
organisation's log key; the server sees only positions, status indexes and times.

Entry: {trainer, seq (from 1), prev (hash of entry seq-1, "" for the first), at, kind
("issued" or "revoked"), statusListCredential, statusListIndex, sealed, signature}.
"""

from __future__ import annotations

import base64
import json
import os
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wallet.vc import did_key, jcs, multibase
from wallet.vc.errors import MalformedInput, MalformedProof
from wallet.vc.multikey import KeyPair


class EntryKind(StrEnum):
    """What a trainer's log entry records about the badge at its status index."""

    ISSUED = "issued"
    REVOKED = "revoked"


_SEAL_INFO = b"learner-wallet issuance log v1"


class LogBroken(MalformedInput):
    """The chain breaks at `position` (a 1-based sequence number)."""

    kind = "log_broken"

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"the issuance log breaks at entry {position}: {reason}")
        self.position = position
        self.reason = reason


def _signed_bytes(entry: dict[str, Any]) -> bytes:
    return jcs.canonicalize({k: v for k, v in entry.items() if k != "signature"})


def append(
    previous: dict[str, Any] | None,
    key: KeyPair,
    *,
    at: str,
    kind: EntryKind,
    status_list: str,
    status_index: int,
    sealed: str,
) -> dict[str, Any]:
    entry = {
        "trainer": did_key.did_for(key.public),
        "seq": 1 if previous is None else previous["seq"] + 1,
        "prev": "" if previous is None else jcs.digest(previous),
        "at": at,
        "kind": kind,
        "statusListCredential": status_list,
        "statusListIndex": status_index,
        "sealed": sealed,
    }
    entry["signature"] = multibase.encode_base58btc(key.sign(_signed_bytes(entry)))
    return entry


def check_continues(
    trainer: str, head: dict[str, Any] | None, entries: list[dict[str, Any]]
) -> None:
    """Raise LogBroken unless `entries` extend `head` (the last entry already held, or None)
    entry by entry: the next number, the previous entry's hash, the trainer's signature."""
    method = did_key.resolve(trainer)
    if method is None:
        raise MalformedInput(f"{trainer} is not a did:key this server can check")
    expected_seq = 1 if head is None else head["seq"] + 1
    expected_prev = "" if head is None else jcs.digest(head)
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("trainer") != trainer:
            raise LogBroken(expected_seq, "an entry from another trainer, or not an entry")
        if entry.get("seq") != expected_seq:
            raise LogBroken(expected_seq, f"expected entry {expected_seq}, got {entry.get('seq')}")
        if entry.get("prev") != expected_prev:
            raise LogBroken(expected_seq, "it does not follow the entry before it")
        signature = entry.get("signature")
        if not isinstance(signature, str) or not method.public_key.verify(
            _decode_signature(signature), _signed_bytes(entry)
        ):
            raise LogBroken(expected_seq, "its signature does not match its content")
        expected_seq, expected_prev = expected_seq + 1, jcs.digest(entry)


def _decode_signature(text: str) -> bytes:
    """An unreadable signature is a break at its entry, like a wrong one."""
    try:
        return multibase.decode(text)
    except MalformedProof:
        return b""


# --- sealing to the organisation: X25519, HKDF-SHA256, AES-256-GCM --------------------------


def new_log_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def public_text(key: X25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _derive(shared: bytes, ephemeral: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=ephemeral, info=_SEAL_INFO).derive(shared)


def seal(recipient: str, payload: dict[str, Any]) -> str:
    try:
        public = X25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(recipient + "=="))
    except ValueError as error:
        raise MalformedInput("the organisation's log key is not an X25519 key") from error
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    nonce = os.urandom(12)
    key = _derive(ephemeral.exchange(public), ephemeral_raw)
    body = AESGCM(key).encrypt(nonce, json.dumps(payload).encode(), None)
    return base64.urlsafe_b64encode(ephemeral_raw + nonce + body).decode().rstrip("=")


def unseal(key: X25519PrivateKey, sealed: Any) -> dict[str, Any] | None:
    """None when the payload is not for this key, was altered, or is not an object: the
    trainer who signed the entry may have sealed anything."""
    if not isinstance(sealed, str):
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed + "==")
        ephemeral = X25519PublicKey.from_public_bytes(raw[:32])
        plain = AESGCM(_derive(key.exchange(ephemeral), raw[:32])).decrypt(
            raw[32:44], raw[44:], None
        )
        payload = json.loads(plain)
    except (ValueError, InvalidTag):
        return None
    return payload if isinstance(payload, dict) else None
