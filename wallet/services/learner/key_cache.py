"""Issuers' DID documents (did:web, and https controller documents) as this device fetched
them once, pinned, for offline checks.

A did:web key comes from the issuer's web server, so it is only as good as the first fetch
and every later one. The first document fetched is pinned: later fetches that name other
keys do not replace it; the change is kept beside it and reported (a Check on every
credential of that issuer, and in the fetch result) until the user accepts it. Offline
verification uses the pinned keys and says how old they are. Nothing here touches the
network: `fetching.py` does, when the user allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wallet.store.errors import RecordNotFound
from wallet.store.vault import Vault
from wallet.vc import did_web, open_badges_v2
from wallet.vc.data_integrity import KeyResolver, resolve_offline
from wallet.vc.did_key import VerificationMethod
from wallet.vc.errors import MalformedInput
from wallet.vc.multikey import PublicKey
from wallet.vc.verification import Check, Severity, seconds_between

DID_DOCUMENT = "did_document"
SIGNING_KEY = "ob2_key"  # an Open Badges 2.0 CryptographicKey, with its issuer profile
# A check every credential of a did:web issuer carries: its stable id, for the catalogs
KEYS_CHECK = "issuer-keys"
# What that check says (catalog keys `reason.<code>`)
KEYS_NOT_HERE = "issuer-keys.not-here"
KEYS_CHANGED = "issuer-keys.changed"
KEYS_FETCHED = "issuer-keys.fetched"


@dataclass(frozen=True)
class KeyChange:
    """A fetched document whose keys differ from the pinned ones: reported, not accepted."""

    did: str
    pinned: dict[str, str]  # method id -> multikey, as pinned
    fetched: dict[str, str]  # as the issuer's server now says
    seen: datetime


@dataclass(frozen=True)
class CachedDid:
    did: str
    document: did_web.DidDocument
    fetched: datetime  # when the pinned document was fetched
    change: KeyChange | None


class DidDocuments:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    def _record_id(self, did: str) -> str:
        return "did-" + self.vault.fingerprint(did.encode())  # the DID itself stays sealed

    def _payload(self, did: str) -> dict[str, Any] | None:
        try:
            return self.vault.get(self._record_id(did), DID_DOCUMENT).payload
        except RecordNotFound:
            return None

    def get(self, did: str) -> CachedDid | None:
        payload = self._payload(did)
        if payload is None:
            return None
        change = payload.get("change")
        return CachedDid(
            did,
            did_web.parse_document(did, payload["document"]),
            datetime.fromisoformat(payload["fetched"]),
            None
            if change is None
            else KeyChange(
                did, payload["pinned"], change["keys"], datetime.fromisoformat(change["seen"])
            ),
        )

    def store(self, did: str, document: dict[str, Any], fetched: datetime) -> KeyChange | None:
        """Keep a freshly fetched document: pinned when it is the first, or names the same
        keys; otherwise kept aside as a change, and returned so the caller reports it."""
        keys = did_web.parse_document(did, document).fingerprints()  # refuses another DID's
        payload = self._payload(did)
        if payload is None or payload["pinned"] == keys:
            new = {"did": did, "document": document, "fetched": fetched.isoformat(), "pinned": keys}
            with self.vault.transaction():
                self.vault.put(self._record_id(did), DID_DOCUMENT, {**new, "change": None})
            return None
        change = {"document": document, "keys": keys, "seen": fetched.isoformat()}
        with self.vault.transaction():
            self.vault.put(self._record_id(did), DID_DOCUMENT, {**payload, "change": change})
        return KeyChange(did, payload["pinned"], keys, fetched)

    def pending_changes(self) -> list[str]:
        """The DIDs whose fetched keys differ from the pinned ones, waiting for the user."""
        payloads = (self.vault.get(i, DID_DOCUMENT).payload for i in self.vault.ids(DID_DOCUMENT))
        return sorted(p["did"] for p in payloads if p.get("change") is not None)

    def accept_change(self, did: str) -> None:
        """The user has confirmed the issuer's new keys: pin them."""
        payload = self._payload(did)
        if payload is None or payload.get("change") is None:
            return
        change = payload["change"]
        pinned = {
            "did": did,
            "document": change["document"],
            "fetched": change["seen"],
            "pinned": change["keys"],
            "change": None,
        }
        with self.vault.transaction():
            self.vault.put(self._record_id(did), DID_DOCUMENT, pinned)

    def resolver(self) -> KeyResolver:
        """did:key from the identifier, did:web from the pinned documents; never the network."""
        offline = resolve_offline()

        def resolve(method_id: str) -> VerificationMethod | None:
            controller = did_web.controller_of(method_id)
            if controller is None:
                return offline(method_id)
            cached = self.get(controller)
            return None if cached is None else cached.document.methods.get(method_id)

        return resolve

    def keys_for(self, issuer: str, kid: str | None = None) -> list[PublicKey]:
        """The pinned keys `issuer` may sign with, or only the one `kid` names: the hook a
        JOSE verifier (VC-JWT, SD-JWT VC) asks for keys."""
        cached = self.get(issuer) if did_web.controller_of(issuer) == issuer else None
        if cached is None:
            return []
        methods = cached.document.methods
        if kid is None:
            return [m.public_key for m in methods.values()]
        method = methods.get(kid) or methods.get(f"{issuer}#{kid.lstrip('#')}")
        return [] if method is None else [method.public_key]

    def check(self, did: str, now: datetime) -> Check | None:
        """What a credential of this issuer shows about the keys it was checked with."""
        if did_web.controller_of(did) != did:
            return None
        cached = self.get(did)
        if cached is None:
            return Check(KEYS_CHECK, KEYS_NOT_HERE, Severity.WARNING, {"did": did})
        age = seconds_between(cached.fetched, now)
        if cached.change is not None:
            changed = {"changed": seconds_between(cached.change.seen, now), "age": age}
            return Check(KEYS_CHECK, KEYS_CHANGED, Severity.WARNING, changed)
        return Check(KEYS_CHECK, KEYS_FETCHED, params={"age": age})


class SigningKeys:
    """Open Badges 2.0 issuers' keys (CryptographicKey documents), each fetched once from the
    URL a signed assertion names, with the issuer profile that lists it and the profile's
    revocation list, all dated. The key and profile stay as first fetched (pinned); only
    the revocation list is fetched again (`fetching.py`)."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    def _record_id(self, url: str) -> str:
        return "ob2key-" + self.vault.fingerprint(url.encode())

    def stored(self, url: str) -> dict[str, Any] | None:
        """What was fetched for `url`, as kept: key, profile, revocation list, date."""
        try:
            return self.vault.get(self._record_id(url), SIGNING_KEY).payload
        except RecordNotFound:
            return None

    def get(self, url: str) -> open_badges_v2.SigningKey | None:
        payload = self.stored(url)
        if payload is None:
            return None
        return open_badges_v2.signing_key(
            payload["key"], payload["profile"], payload["revocation_list"], payload["fetched"]
        )

    def store(
        self,
        url: str,
        key: dict[str, Any],
        profile: dict[str, Any],
        revocation_list: dict[str, Any] | None,
        fetched: datetime,
    ) -> None:
        """Keep what was fetched for `url`; refuses a key document naming another URL or
        holding no usable key (a typed `UnusableInput`)."""
        when = fetched.isoformat(timespec="seconds")
        found = open_badges_v2.signing_key(key, profile, revocation_list, when)
        if found.id != url:
            raise MalformedInput("the key document names another key than its URL")
        payload = {"key": key, "profile": profile, "revocation_list": revocation_list}
        with self.vault.transaction():
            self.vault.put(self._record_id(url), SIGNING_KEY, {**payload, "fetched": when})
