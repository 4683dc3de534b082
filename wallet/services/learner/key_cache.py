"""Issuers' DID documents (did:web, and https controller documents), Open Badges 2.0 keys
and JWT VC Issuer Metadata (an https `iss`'s JWKS) as this device fetched them once,
pinned, for offline checks.

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
from wallet.vc import did_web, jwt_keys, open_badges_v2, sd_jwt_vc, vc_data_model, vc_jwt
from wallet.vc.data_integrity import KeyResolver, resolve_offline
from wallet.vc.did_key import VerificationMethod
from wallet.vc.errors import MalformedInput
from wallet.vc.jwk import Jwk
from wallet.vc.multikey import PublicKey
from wallet.vc.verification import Check, Severity, seconds_between

DID_DOCUMENT = "did_document"
ISSUER_METADATA = "jwt_vc_issuer"  # JWT VC Issuer Metadata, its JWKS folded in
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


class _Pins:
    """Documents naming an issuer's keys, fetched once and pinned: a later fetch naming
    other keys is kept aside as a change and reported (`KeyChange`, and a check on the
    issuer's credentials) until the user accepts it. One mechanism for did:web DID
    documents, Open Badges 2.0 CryptographicKeys and JWT VC Issuer Metadata. Stored: the name (a DID or a key's
    URL) as `did`, the `document`, when it was `fetched`, the `pinned` fingerprints, and
    the `change` waiting, if any."""

    kind: str
    prefix: str

    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    def _record_id(self, name: str) -> str:
        return self.prefix + self.vault.fingerprint(name.encode())  # the name stays sealed

    def _payload(self, name: str) -> dict[str, Any] | None:
        try:
            return self.vault.get(self._record_id(name), self.kind).payload
        except RecordNotFound:
            return None

    def _keys(self, name: str, document: dict[str, Any]) -> dict[str, str]:
        """Key id -> fingerprint; refuses a document that is not `name`'s."""
        raise NotImplementedError

    def _pin(
        self,
        name: str,
        document: dict[str, Any],
        fetched: datetime,
        with_keys: dict[str, Any] | None = None,
        always: dict[str, Any] | None = None,
    ) -> KeyChange | None:
        """Keep a freshly fetched document: pinned when it is the first, or names the same
        keys; otherwise kept aside as a change, and returned so the caller reports it.
        `with_keys` is pinned along with the document (an issuer profile); `always` is
        kept whichever keys are pinned (a revocation list)."""
        keys = self._keys(name, document)
        payload = self._payload(name)
        extra, later = with_keys or {}, always or {}
        if payload is None or payload["pinned"] == keys:
            new = {"did": name, "document": document, "fetched": fetched.isoformat()}
            kept = {**new, "pinned": keys, **extra, **later, "change": None}
            with self.vault.transaction():
                self.vault.put(self._record_id(name), self.kind, kept)
            return None
        change = {"document": document, "keys": keys, "seen": fetched.isoformat(), "with": extra}
        with self.vault.transaction():
            self.vault.put(self._record_id(name), self.kind, {**payload, **later, "change": change})
        return KeyChange(name, payload["pinned"], keys, fetched)

    @staticmethod
    def _change(payload: dict[str, Any]) -> KeyChange | None:
        change = payload.get("change")
        if change is None:
            return None
        seen = datetime.fromisoformat(change["seen"])
        return KeyChange(payload["did"], payload["pinned"], change["keys"], seen)

    def pending_changes(self) -> list[str]:
        """The names whose fetched keys differ from the pinned ones, waiting for the user."""
        payloads = (self.vault.get(i, self.kind).payload for i in self.vault.ids(self.kind))
        return sorted(p["did"] for p in payloads if p.get("change") is not None)

    def accept_change(self, name: str) -> None:
        """The user has confirmed the issuer's new keys: pin them."""
        payload = self._payload(name)
        if payload is None or payload.get("change") is None:
            return
        change = payload["change"]
        pinned = {
            **payload,
            "document": change["document"],
            "fetched": change["seen"],
            "pinned": change["keys"],
            **change.get("with", {}),
            "change": None,
        }
        with self.vault.transaction():
            self.vault.put(self._record_id(name), self.kind, pinned)

    def _check(self, payload: dict[str, Any], now: datetime) -> Check:
        """What a credential checked with these pinned keys shows: their age, or a change."""
        age = seconds_between(datetime.fromisoformat(payload["fetched"]), now)
        change = self._change(payload)
        if change is not None:
            changed = {"changed": seconds_between(change.seen, now), "age": age}
            return Check(KEYS_CHECK, KEYS_CHANGED, Severity.WARNING, changed)
        return Check(KEYS_CHECK, KEYS_FETCHED, params={"age": age})


class DidDocuments(_Pins):
    kind = DID_DOCUMENT
    prefix = "did-"

    def _keys(self, name: str, document: dict[str, Any]) -> dict[str, str]:
        return did_web.parse_document(name, document).fingerprints()  # refuses another DID's

    def get(self, did: str) -> CachedDid | None:
        payload = self._payload(did)
        if payload is None:
            return None
        return CachedDid(
            did,
            did_web.parse_document(did, payload["document"]),
            datetime.fromisoformat(payload["fetched"]),
            self._change(payload),
        )

    def store(self, did: str, document: dict[str, Any], fetched: datetime) -> KeyChange | None:
        """Keep a freshly fetched document (`_Pins._pin`)."""
        return self._pin(did, document, fetched)

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
        payload = self._payload(did)
        if payload is None:
            return Check(KEYS_CHECK, KEYS_NOT_HERE, Severity.WARNING, {"did": did})
        return self._check(payload, now)


class SigningKeys(_Pins):
    """Open Badges 2.0 issuers' keys (CryptographicKey documents), each fetched from the
    URL a signed assertion names, with the issuer profile that lists it and the profile's
    revocation list, all dated. The key and its profile are pinned by the first fetch; a
    key document fetched later that holds another key is reported as a did:web one is,
    while the revocation list is kept as fetched (`fetching.py`)."""

    kind = SIGNING_KEY
    prefix = "ob2key-"

    def _keys(self, name: str, document: dict[str, Any]) -> dict[str, str]:
        found = open_badges_v2.signing_key(document, {}, None, "")  # refuses a key-less one
        if found.id != name:
            raise MalformedInput("the key document names another key than its URL")
        return {found.id: found.key.thumbprint()}

    def stored(self, url: str) -> dict[str, Any] | None:
        """What was fetched for `url`, as kept: the key `document`, `profile`,
        `revocation_list`, the dates and any change waiting. Kept before keys were pinned
        (`key` beside them), it reads as pinned then."""
        payload = self._payload(url)
        if payload is None or "document" in payload:
            return payload
        key = payload.pop("key")
        pinned = {"did": url, "document": key, "pinned": self._keys(url, key), "change": None}
        return {**payload, **pinned, "lists_fetched": payload["fetched"]}

    def get(self, url: str) -> open_badges_v2.SigningKey | None:
        payload = self.stored(url)
        if payload is None:
            return None
        return open_badges_v2.signing_key(
            payload["document"],
            payload["profile"],
            payload["revocation_list"],
            payload["lists_fetched"],
        )

    def store(
        self,
        url: str,
        key: dict[str, Any],
        profile: dict[str, Any],
        revocation_list: dict[str, Any] | None,
        fetched: datetime,
    ) -> KeyChange | None:
        """Keep what was fetched for `url` (`_Pins._pin`): a key other than the pinned one
        is kept aside and returned. Refuses a key document naming another URL or holding
        no usable key (a typed `UnusableInput`)."""
        when = fetched.isoformat(timespec="seconds")
        open_badges_v2.signing_key(key, profile, revocation_list, when)  # refuses the unusable
        kept = self._payload(url)
        if kept is not None and "document" not in kept:
            upgraded = self.stored(url) or kept
            with self.vault.transaction():  # kept before keys were pinned: pin it as kept
                self.vault.put(self._record_id(url), self.kind, upgraded)
        lists = {"revocation_list": revocation_list, "lists_fetched": when}
        return self._pin(url, key, fetched, {"profile": profile}, lists)

    def check(self, url: str, now: datetime) -> Check | None:
        """What a signed assertion shows about its issuer's pinned key (None: not held)."""
        payload = self.stored(url)
        return None if payload is None else self._check(payload, now)


class IssuerMetadata(_Pins):
    """The keys of VC-JWT and SD-JWT VC issuers whose `iss` is an https URL: their JWT VC
    Issuer Metadata (SD-JWT VC draft), kept as `{"issuer", "jwks"}` with the JWKS a
    `jwks_uri` names fetched and folded in (`fetching.py`), pinned as a did:web document
    is: a later fetch naming other keys is reported, not accepted."""

    kind = ISSUER_METADATA
    prefix = "jwtvc-"

    @staticmethod
    def issuer_of(held_format: str, credential: dict[str, Any]) -> str | None:
        """The https issuer whose metadata a held token's keys come from, or None."""
        if held_format not in (vc_jwt.FORMAT, sd_jwt_vc.FORMAT):
            return None
        issuer = vc_data_model.issuer_id(credential)
        return issuer if issuer and jwt_keys.metadata_url(issuer) else None

    def _keys(self, name: str, document: dict[str, Any]) -> dict[str, str]:
        # the metadata's `issuer` MUST be identical to the token's `iss`
        if document.get("issuer") != name:
            raise MalformedInput("the issuer metadata names another issuer")
        entries = document["jwks"].get("keys") if isinstance(document.get("jwks"), dict) else None
        keys = {}
        for entry in entries if isinstance(entries, list) else []:
            for key in jwt_keys.keys_in({"keys": [entry]}, name, None):
                kid = entry.get("kid")
                keys[kid if isinstance(kid, str) else key.thumbprint()] = key.thumbprint()
        if not keys:
            raise MalformedInput("the issuer metadata holds no usable key")
        return keys

    def fetched(self, issuer: str) -> datetime | None:
        """When the pinned metadata was fetched (None: never)."""
        payload = self._payload(issuer)
        return None if payload is None else datetime.fromisoformat(payload["fetched"])

    def store(
        self,
        issuer: str,
        metadata: dict[str, Any],
        jwks: dict[str, Any] | None,
        fetched: datetime,
    ) -> KeyChange | None:
        """Keep fetched metadata, with the JWKS its `jwks_uri` named (`_Pins._pin`).
        Refuses metadata of another issuer, with both or neither of `jwks` and
        `jwks_uri`, or without a usable key (a typed `MalformedInput`)."""
        if ("jwks" in metadata) == ("jwks_uri" in metadata):  # exactly one MUST be present
            raise MalformedInput("issuer metadata needs exactly one of jwks and jwks_uri")
        keys = metadata.get("jwks", jwks)
        return self._pin(issuer, {"issuer": metadata.get("issuer"), "jwks": keys}, fetched)

    def keys_for(self, issuer: str, kid: str | None = None) -> list[Jwk]:
        """The pinned keys `issuer` may sign with (the one `kid` names, when given)."""
        payload = self._payload(issuer)
        return [] if payload is None else jwt_keys.keys_in(payload["document"], issuer, kid)

    def check(self, issuer: str, now: datetime) -> Check:
        """What a token of this issuer shows about the keys it was checked with."""
        payload = self._payload(issuer)
        if payload is None:
            return Check(KEYS_CHECK, KEYS_NOT_HERE, Severity.WARNING, {"did": issuer})
        return self._check(payload, now)
