"""The recovery secret: 128 random bits shown once as 12 BIP39 words, with a checksum so
a mistyped word is caught before it is tried."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from mnemonic import Mnemonic

from wallet.store.errors import WrongRecoveryWords

_WORDS = Mnemonic("english")


def new_secret() -> bytes:
    return os.urandom(16)


def to_words(secret: bytes) -> str:
    return _WORDS.to_mnemonic(secret)


def from_words(words: str) -> bytes:
    normalized = " ".join(words.lower().split())
    if not _WORDS.check(normalized):
        raise WrongRecoveryWords("those recovery words are not valid: check each word")
    return bytes(_WORDS.to_entropy(normalized))


def account_seed(secret: bytes) -> bytes:
    """The seed of the sync account key: derived from the recovery secret, so every device
    that knows the words reaches the same account, and the server never sees the secret."""
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"learner-wallet/sync-account").derive(secret)
