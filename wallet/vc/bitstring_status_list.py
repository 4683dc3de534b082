"""W3C Bitstring Status List v1.0: revocation and suspension without asking the issuer.

A status list credential carries a GZIP'd bitstring; a credential points at one index.
Index 0 is the left-most bit (section 3.1). Lists are read from a local cache only.
The CCG's StatusList2021 (DCC's issuance, 2022-24) is the same bitstring under older type
names, with `encodedList` in plain base64: it is read the same way.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wallet.vc import multibase
from wallet.vc.errors import MalformedInput, MalformedProof

ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LEGACY_ENTRY_TYPE = "StatusList2021Entry"  # VC Status List 2021 (CCG draft)
LEGACY_LIST_CREDENTIAL_TYPE = "StatusList2021Credential"
ENTRY_TYPES = (ENTRY_TYPE, LEGACY_ENTRY_TYPE)
MIN_ENTRIES = 131_072  # section 4.1 Validate Algorithm, minimumNumberOfEntries
_MAX_BYTES = 16 * 1024 * 1024  # an expanded list larger than this is a gzip bomb, not a list


@dataclass(frozen=True)
class CachedStatusList:
    """A status list credential as the device stored it, with when it was fetched."""

    credential: dict[str, Any]
    fetched: datetime
    delegates: frozenset[str] = (
        frozenset()
    )  # issuers whose credentials the list's issuer answers for
    vouched_until: datetime | None = None  # a trust bundle's list: the bundle's `expires`


@dataclass(frozen=True)
class StatusEntry:
    purpose: str
    index: int
    size: int
    list_url: str

    @classmethod
    def parse(cls, entry: Any) -> StatusEntry:
        if not isinstance(entry, dict) or entry.get("type") not in ENTRY_TYPES:
            raise MalformedInput(f"credentialStatus must be a {ENTRY_TYPE}")
        try:
            index = _whole_number(entry["statusListIndex"], "statusListIndex")
            size = _whole_number(entry.get("statusSize", 1), "statusSize")
            url = entry["statusListCredential"]
            purpose = entry["statusPurpose"]
        except KeyError as exc:
            raise MalformedInput(f"credentialStatus entry is incomplete: no {exc}") from None
        if size < 1 or not isinstance(url, str) or not isinstance(purpose, str):
            raise MalformedInput("credentialStatus entry has an invalid index, size or URL")
        return cls(purpose, index, size, url)

    def to_json(self) -> dict[str, Any]:
        """The credentialStatus entry (section 2.1), the index written as a string."""
        entry = {
            "id": f"{self.list_url}#{self.index}",
            "type": ENTRY_TYPE,
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }
        return entry if self.size == 1 else {**entry, "statusSize": self.size}


def _whole_number(value: Any, name: str) -> int:
    """Section 2.1: statusListIndex is an integer written as a string (statusSize a
    number); a float, a bool or a long digit string is not an index into any list."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**18:
        return value
    raise MalformedInput(f"credentialStatus {name} must be a whole number, not {value!r:.40}")


def encode_bitstring(bits: bytes) -> str:
    """Section 4.2 Bitstring Generation: GZIP then multibase base64url."""
    return multibase.encode_base64url(gzip.compress(bits, mtime=0))


def expand_bitstring(encoded: Any) -> bytes:
    """Section 4.3 Bitstring Expansion; lists published without the `u` are accepted."""
    if not isinstance(encoded, str) or not encoded:
        raise MalformedProof("status list has no encodedList")
    # StatusList2021 lists are plain base64 (its section 2.3), some with padding
    body = encoded.removeprefix("u").rstrip("=").replace("+", "-").replace("/", "_")
    compressed = multibase.b64url_decode(body)
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        bits = decompressor.decompress(compressed, _MAX_BYTES)
    except zlib.error as exc:
        raise MalformedProof("status list is not valid GZIP") from exc
    if decompressor.unconsumed_tail:
        raise MalformedProof("status list expands beyond 16 MiB")
    return bits


def read_status(bitstring: bytes, entry: StatusEntry) -> int:
    """The `size`-bit value at `index`, most significant bit first."""
    if len(bitstring) * 8 // entry.size < MIN_ENTRIES:
        raise MalformedProof(f"status list holds fewer than {MIN_ENTRIES} entries")
    start = entry.index * entry.size
    if start + entry.size > len(bitstring) * 8:
        raise MalformedProof(f"status index {entry.index} is outside the status list")
    value = 0
    for bit in range(start, start + entry.size):
        value = value << 1 | (bitstring[bit // 8] >> (7 - bit % 8)) & 1
    return value


def list_subject(credential: dict[str, Any]) -> dict[str, Any]:
    types = credential.get("type", [])
    subject = credential.get("credentialSubject")
    named = set(types if isinstance(types, list) else [types])
    if not named & {LIST_CREDENTIAL_TYPE, LEGACY_LIST_CREDENTIAL_TYPE} or not (
        isinstance(subject, dict)
    ):
        raise MalformedProof(f"not a {LIST_CREDENTIAL_TYPE}")
    return subject
