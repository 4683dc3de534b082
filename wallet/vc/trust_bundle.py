"""The offline trust bundle: which organisations a verifier trusts, which trainer keys
they authorised for which achievements and until when, their current status lists, and
the hashes of the JSON-LD contexts the credentials rely on, and the DID documents of its
did:web issuers, so their keys are pinned by the bundle rather than fetched.

A bundle is a map of entries under a signed header. The header names the publisher (the
did:key a verifier pins), a sequence number, `issued`, `expires`, and the root: a SHA-256
over every entry's hash. An update ships only the entries that changed plus a new signed
header; the receiver applies it to its copy and checks that the root comes out the same,
so one revocation costs one status list, not the whole bundle.

Headers are signed with eddsa-jcs-2022 and authorisations and status lists are ordinary
credentials, so nothing here needs the network or a JSON-LD context beyond VC 2.0's.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeGuard

from wallet.vc import (
    bitstring_status_list,
    did_web,
    eddsa_jcs_2022,
    jcs,
    open_badges_v2,
    vc_data_model,
)
from wallet.vc.bitstring_status_list import CachedStatusList
from wallet.vc.data_integrity import (
    DATA_INTEGRITY_PROOF,
    KeyResolver,
    format_datetime,
    parse_datetime,
    resolve_offline,
)
from wallet.vc.did_key import VerificationMethod, did_for, verification_method_id
from wallet.vc.errors import MalformedInput, MalformedProof
from wallet.vc.multikey import KeyPair
from wallet.vc.names import comparable
from wallet.vc.rdfc import DEFAULT_LIMITS
from wallet.vc.verification import nested, seconds_between, verify_credential

AUTHORIZATION_TYPE = "TrainerAuthorization"
HEADER_TYPE = "TrustBundle"
ORGANISATION, AUTHORIZATION, STATUS_LIST, CONTEXT = "org", "auth", "status", "context"
DID_DOCUMENT = "did"  # a did:web issuer's DID document, `did:<did>`
# an Open Badges 2.0 issuer's signing key, `ob2key:<key URL>`: {"key": its CryptographicKey,
# "profile": the issuer profile listing it, "revocationList": that profile's list or null}
OB2_KEY = "ob2key"
MAX_BYTES = 16_000_000  # a registry's whole bundle: thousands of authorisations


class BundleError(MalformedProof):
    """A bundle or update that does not verify: wrong publisher, bad signature, bad root,
    an update for a version we do not hold, or an older sequence than we hold."""

    kind = "trust_bundle"


def entry_id(kind: str, key: str) -> str:
    return f"{kind}:{key}"


def hashes(entries: dict[str, Any]) -> dict[str, str]:
    return {key: jcs.digest(value) for key, value in entries.items()}


def root_of(entries: dict[str, Any]) -> str:
    return jcs.digest(hashes(entries))


def sign_bundle(
    entries: dict[str, Any], publisher: KeyPair, sequence: int, issued: datetime, expires: datetime
) -> dict[str, Any]:
    header = {
        "type": HEADER_TYPE,
        "publisher": did_for(publisher.public),
        "sequence": sequence,
        "issued": format_datetime(issued),
        "expires": format_datetime(expires),
        "root": root_of(entries),
    }
    proof = {
        "type": DATA_INTEGRITY_PROOF,
        "cryptosuite": eddsa_jcs_2022.NAME,
        "created": header["issued"],
        "verificationMethod": verification_method_id(publisher.public),
        "proofPurpose": "assertionMethod",
    }
    return {"header": eddsa_jcs_2022.sign(header, proof, publisher), "entries": entries}


def delta(old_hashes: dict[str, str], bundle: dict[str, Any], base: int) -> dict[str, Any]:
    """What a holder of version `base` (whose entry hashes are `old_hashes`) needs."""
    entries = bundle["entries"]
    return {
        "header": bundle["header"],
        "base": base,
        "changed": {k: v for k, v in entries.items() if old_hashes.get(k) != jcs.digest(v)},
        "removed": sorted(set(old_hashes) - set(entries)),
    }


def apply(
    current: dict[str, Any] | None, received: dict[str, Any], publisher: str
) -> dict[str, Any]:
    """The bundle after a full bundle or an update arrives, verified end to end; the
    current copy is never modified, so a bad update leaves the verifier as it was."""
    if not isinstance(received, dict) or not isinstance(received.get("header"), dict):
        raise BundleError("not a trust bundle (no signed header)")
    if "entries" in received:
        entries = received["entries"]
    else:
        if current is None or received.get("base") != current["header"]["sequence"]:
            raise BundleError("the update is for a bundle version this device does not hold")
        changed, removed = received.get("changed", {}), received.get("removed", [])
        if not isinstance(changed, dict) or not isinstance(removed, list):
            raise BundleError("the update's changed entries or removed ids are malformed")
        entries = {k: v for k, v in current["entries"].items() if k not in removed}
        entries.update(changed)
    if not isinstance(entries, dict):
        raise BundleError("the bundle's entries are not an object")
    header = received["header"]
    verify_header(header, publisher)
    if current is not None and header["sequence"] < current["header"]["sequence"]:
        raise BundleError("the bundle is older than the one this device holds")
    if root_of(entries) != header.get("root"):
        raise BundleError("the bundle's entries do not match its signed root")
    return {"header": copy.deepcopy(header), "entries": copy.deepcopy(entries)}


def verify_header(header: dict[str, Any], publisher: str) -> None:
    if header.get("type") != HEADER_TYPE or header.get("publisher") != publisher:
        raise BundleError(f"the bundle is not published by {publisher}")
    if not isinstance(header.get("sequence"), int) or isinstance(header.get("sequence"), bool):
        raise BundleError("the bundle's sequence must be a whole number")
    document = {k: v for k, v in header.items() if k != "proof"}
    proof = header.get("proof")
    if not isinstance(proof, dict) or proof.get("cryptosuite") != eddsa_jcs_2022.NAME:
        raise BundleError(f"the bundle header is not signed with {eddsa_jcs_2022.NAME}")
    if not str(proof.get("verificationMethod", "")).startswith(publisher + "#"):
        raise BundleError("the bundle is signed by a key other than its publisher's")
    result = eddsa_jcs_2022.verify(document, proof, resolve_offline(), DEFAULT_LIMITS)
    if not result.ok:
        raise BundleError("the bundle's signature does not verify")
    header_date(header, "issued")
    header_date(header, "expires")


def header_date(header: dict[str, Any], name: str) -> datetime:
    """The header's `issued` or `expires`, which a bundle must carry as dates."""
    moment = parse_datetime(header.get(name))
    if moment is None:
        raise BundleError("the bundle's issued and expires must be dates")
    return moment


@dataclass(frozen=True)
class Authorization:
    id: str
    organisation: str
    trainer: str
    achievements: frozenset[str]
    valid_from: datetime
    valid_until: datetime
    status_list: str | None
    status_start: int = 0  # the block of indexes reserved for this trainer: [start, end)
    status_end: int = 0

    @classmethod
    def parse(cls, credential: dict[str, Any]) -> Authorization:
        subject = credential.get("credentialSubject")
        start = parse_datetime(credential.get("validFrom"))
        end = parse_datetime(credential.get("validUntil"))
        if (
            AUTHORIZATION_TYPE not in vc_data_model.as_list(credential.get("type"))
            or not isinstance(subject, dict)
            or start is None
            or end is None
        ):
            raise MalformedInput("not a trainer authorisation with validFrom and validUntil")
        allocation = subject.get("statusAllocation")
        allocation = allocation if isinstance(allocation, dict) else {}
        status_list = allocation.get("statusListCredential")
        first, last = allocation.get("statusListIndexStart"), allocation.get("statusListIndexEnd")
        return cls(
            str(credential.get("id")),
            str(vc_data_model.issuer_id(credential)),
            str(subject.get("id")),
            frozenset(vc_data_model.as_list(subject.get("mayIssue"))),
            start,
            end,
            status_list if isinstance(status_list, str) else None,
            first if _whole(first) else 0,
            last if _whole(last) else 0,
        )

    def covers(self, status_list: Any, index: Any) -> bool:
        """Whether this index of this list is in the trainer's block: the only places its
        badges may point to, and the only ones its revocation requests may name."""
        return (
            self.status_list is not None
            and status_list == self.status_list
            and _whole(index)
            and self.status_start <= index < self.status_end
        )

    def covers_status(self, credential: dict[str, Any]) -> bool:
        """Whether the credential's revocation entry lies in this block, so that the
        organisation can revoke it (a 1-bit entry: the lists it publishes)."""
        for value in vc_data_model.as_list(credential.get("credentialStatus")):
            try:
                entry = bitstring_status_list.StatusEntry.parse(value)
            except MalformedInput:
                continue
            if (
                entry.purpose == "revocation"
                and entry.size == 1
                and self.covers(entry.list_url, entry.index)
            ):
                return True
        return False


def _whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class TrustCode(StrEnum):
    """Why an issuer is trusted or not, for a program (a screen, a test); as a check's code
    it reads `trust.<code>`."""

    TRUSTED = "trusted"
    TRUSTED_TRAINER = "trusted-trainer"
    IMPOSTOR = "impostor"
    NAME_MISMATCH = "name-mismatch"
    OUT_OF_SCOPE = "out-of-scope"
    AFTER_AUTHORISATION = "after-authorisation"
    OUTSIDE_AUTHORISATION = "outside-authorisation"
    NOT_REVOCABLE = "not-revocable"
    STATUS_OUTSIDE_BLOCK = "status-outside-block"
    TRUSTED_BY_HAND = "trusted-by-hand"  # no bundle knows it; the verifier trusted it by hand
    NOT_TRUSTED = "not-trusted"  # no bundle knows it, nor the verifier: a warning
    # nested in the params of the others: how old the bundle that judged is
    BUNDLE_AGE = "bundle-age"
    BUNDLE_EXPIRED = "bundle-expired"


@dataclass(frozen=True)
class TrustDecision:
    """The answer about one credential's issuer, as data for a check."""

    ok: bool
    code: TrustCode
    params: dict[str, Any] = field(default_factory=dict)
    warning: bool = False
    check: str = "trust"  # the check it answers: "trust", or "revocable" for a badge whose
    # status its organisation could not set

    @property
    def check_code(self) -> str:
        return f"trust.{self.code}"


def decide(
    credential: dict[str, Any],
    now: datetime,
    bundles: list[TrustBundle],
    trusted_by_hand: Callable[[str], str | None],
) -> TrustDecision:
    """Trust, decided once: the first pinned bundle that knows the issuer (or the name it
    claims), else the verifier's own list of issuers trusted by hand, else not trusted (a
    warning: the screen may offer to trust it)."""
    for bundle in bundles:
        verdict = bundle.judge(credential, now)
        if verdict is not None:
            return verdict
    issuer = vc_data_model.issuer_id(credential)
    name = trusted_by_hand(issuer) if issuer else None
    if name is not None:
        return TrustDecision(True, TrustCode.TRUSTED_BY_HAND, {"name": name})
    return TrustDecision(True, TrustCode.NOT_TRUSTED, {"issuer": issuer}, warning=True)


@dataclass
class TrustBundle:
    """A verified bundle, read for verification. Every authorisation's own signature is
    checked before it counts; one that fails is ignored, as if it were absent."""

    document: dict[str, Any]
    issued: datetime
    expires: datetime
    organisations: dict[str, dict[str, Any]] = field(default_factory=dict)
    authorizations: list[Authorization] = field(default_factory=list)
    status_lists: dict[str, CachedStatusList] = field(default_factory=dict)
    # did:web issuers' documents as the bundle pins them, by DID (the raw JSON and parsed)
    did_documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    _parsed_dids: dict[str, did_web.DidDocument] = field(default_factory=dict)
    # Open Badges 2.0 signing keys as the bundle pins them, by the key's URL (raw entries)
    ob2_keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    _parsed_ob2: dict[str, open_badges_v2.SigningKey] = field(default_factory=dict)

    @classmethod
    def read(cls, document: dict[str, Any]) -> TrustBundle:
        """Read once per bundle version: checking a registry's thousand authorisations
        takes about half a second, and a verifier scans many times between syncs."""
        header = document["header"]
        key = (header["publisher"], header["sequence"], header["root"])
        if key not in _READ:
            if len(_READ) >= _READ_KEEP:
                _READ.pop(next(iter(_READ)))
            _READ[key] = cls._read(document)
        return _READ[key]

    @classmethod
    def _read(cls, document: dict[str, Any]) -> TrustBundle:
        header = document["header"]
        issued = header_date(header, "issued")
        expires = header_date(header, "expires")
        bundle = cls(document, issued, expires)
        delegates: dict[str, set[str]] = {}
        for key, entry in document["entries"].items():
            kind = key.split(":", 1)[0]
            if kind == ORGANISATION:
                bundle.organisations[entry["id"]] = entry
            elif kind == DID_DOCUMENT:  # refuses a document of another DID than its key's
                did = key.removeprefix(DID_DOCUMENT + ":")
                bundle._parsed_dids[did] = did_web.parse_document(did, entry)
                bundle.did_documents[did] = entry
            elif kind == OB2_KEY:  # refuses a key of another URL than its entry's
                url = key.removeprefix(OB2_KEY + ":")
                found = open_badges_v2.signing_key(
                    entry.get("key") or {},
                    entry.get("profile") or {},
                    entry.get("revocationList"),
                    issued.isoformat(timespec="seconds"),
                )
                if found.id != url:
                    raise MalformedInput("a bundled Open Badges 2.0 key names another URL")
                bundle._parsed_ob2[url] = found
                bundle.ob2_keys[url] = entry
        for key, entry in document["entries"].items():
            if not key.startswith(AUTHORIZATION + ":"):
                continue
            report = verify_credential(entry, now=issued)
            signed = all(c.ok for c in report.checks if c.id.startswith(("signature", "issuer")))
            authorization = Authorization.parse(entry)
            if signed and authorization.organisation in bundle.organisations:
                bundle.authorizations.append(authorization)
                if authorization.status_list:
                    delegates.setdefault(authorization.status_list, set()).add(
                        authorization.trainer
                    )
        for key, entry in document["entries"].items():
            if key.startswith(STATUS_LIST + ":"):
                list_id = str(entry.get("id"))
                bitstring_status_list.list_subject(entry)  # refuses what is not a status list
                bundle.status_lists[list_id] = CachedStatusList(
                    entry, issued, frozenset(delegates.get(list_id, ())), expires
                )
        return bundle

    def signing_key(self, url: str) -> open_badges_v2.SigningKey | None:
        """An Open Badges 2.0 signing key this bundle pins (dated by the bundle)."""
        return self._parsed_ob2.get(url)

    def method(self, method_id: str) -> VerificationMethod | None:
        """A did:web verification method from the documents this bundle pins."""
        controller = did_web.controller_of(method_id)
        document = self._parsed_dids.get(controller) if controller else None
        return None if document is None else document.methods.get(method_id)

    @property
    def publisher(self) -> str:
        return self.document["header"]["publisher"]

    def context_hashes(self) -> dict[str, str]:
        prefix = CONTEXT + ":"
        return {
            key.removeprefix(prefix): value["sha256"]
            for key, value in self.document["entries"].items()
            if key.startswith(prefix)
        }

    def age(self, now: datetime) -> dict[str, Any]:
        """How old this bundle is, as a nested message for a trust check's params."""
        issued = seconds_between(self.issued, now)
        if now > self.expires:
            expired = seconds_between(self.expires, now)
            return nested(f"trust.{TrustCode.BUNDLE_EXPIRED}", issued=issued, expired=expired)
        return nested(f"trust.{TrustCode.BUNDLE_AGE}", issued=issued)

    def judge(self, credential: dict[str, Any], now: datetime) -> TrustDecision | None:
        """Whether the credential's issuer is trusted by this bundle; None when the bundle
        has nothing to say about it (neither the issuer nor the name it claims)."""
        issuer = vc_data_model.issuer_id(credential)
        age = self.age(now)
        expired = now > self.expires
        claimed = _claimed_names(credential)
        if issuer in self.organisations:
            name = self.organisations[issuer].get("name", issuer)
            if not _named(claimed, name):
                return _misnamed(claimed, name, age)
            return TrustDecision(True, TrustCode.TRUSTED, {"name": name, "bundle": age}, expired)
        granted = [a for a in self.authorizations if a.trainer == issuer]
        if not granted:
            for organisation in self.organisations.values():
                pretended = next(
                    (c for c in claimed if _named([c], organisation.get("name"))), None
                )
                if pretended is not None:
                    params = {
                        "claimed": pretended,
                        "name": organisation.get("name"),
                        "issuer": issuer,
                        "bundle": age,
                    }
                    return TrustDecision(False, TrustCode.IMPOSTOR, params)
            return None
        achievement = _achievement_id(credential)
        issued_at = parse_datetime(credential.get("validFrom"))
        in_scope = [a for a in granted if achievement in a.achievements]
        if not in_scope:
            return TrustDecision(False, TrustCode.OUT_OF_SCOPE, {"achievement": achievement})
        in_dates = [a for a in in_scope if issued_at and a.valid_from <= issued_at <= a.valid_until]
        if not in_dates:
            last = max(a.valid_until for a in in_scope)
            if issued_at and issued_at > last:
                params = {"issued": format_datetime(issued_at), "ended": format_datetime(last)}
                return TrustDecision(False, TrustCode.AFTER_AUTHORISATION, params)
            return TrustDecision(False, TrustCode.OUTSIDE_AUTHORISATION)
        named = [a for a in in_dates if _named(claimed, self._name_of(a))]
        if not named:
            return _misnamed(claimed, self._name_of(in_dates[0]), age)
        for authorization in named:
            if authorization.covers_status(credential):
                params = {
                    "name": self._name_of(authorization),
                    "until": format_datetime(authorization.valid_until),
                    "bundle": age,
                }
                return TrustDecision(True, TrustCode.TRUSTED_TRAINER, params, expired)
        name = self._name_of(named[0])
        if credential.get("credentialStatus") is None:
            return TrustDecision(False, TrustCode.NOT_REVOCABLE, {"name": name}, check="revocable")
        return TrustDecision(
            False, TrustCode.STATUS_OUTSIDE_BLOCK, {"name": name}, check="revocable"
        )

    def _name_of(self, authorization: Authorization) -> str:
        return str(self.organisations[authorization.organisation].get("name"))


_READ: dict[tuple[str, int, str], TrustBundle] = {}  # a signed header's sequence and root
_READ_KEEP = 8


def _claimed_names(credential: dict[str, Any]) -> list[str]:
    """Every name the issuer profile claims: a string, or language values (OB 3.0 allows
    a name per language)."""
    issuer = credential.get("issuer")
    names = vc_data_model.as_list(issuer.get("name")) if isinstance(issuer, dict) else []
    values = [n.get("@value") if isinstance(n, dict) else n for n in names]
    return [v for v in values if isinstance(v, str)]


def _named(claimed: list[str], name: Any) -> bool:
    """Whether every name the credential claims reads as `name` (none claimed is no lie)."""
    expected = comparable(name) if isinstance(name, str) else None
    return all(comparable(c) == expected for c in claimed)


def _misnamed(claimed: list[str], name: str, age: dict[str, Any]) -> TrustDecision:
    other = next(c for c in claimed if not _named([c], name))
    return TrustDecision(
        False, TrustCode.NAME_MISMATCH, {"claimed": other, "name": name, "bundle": age}
    )


def _achievement_id(credential: dict[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return achievement.get("id") if isinstance(achievement, dict) else None


def signing_keys(bundles: list[TrustBundle]) -> Callable[[str], open_badges_v2.SigningKey | None]:
    """The Open Badges 2.0 signing keys the bundles pin, by URL; offline."""

    def find(url: str) -> open_badges_v2.SigningKey | None:
        return next((k for b in bundles if (k := b.signing_key(url)) is not None), None)

    return find


def resolver(bundles: list[TrustBundle]) -> KeyResolver:
    """did:key from the identifier, did:web from the documents the bundles pin; offline."""
    offline = resolve_offline()

    def resolve(method_id: str) -> VerificationMethod | None:
        found = offline(method_id)
        for bundle in bundles:
            found = found or bundle.method(method_id)
        return found

    return resolve
