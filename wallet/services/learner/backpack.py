"""The learner's backpack: every credential they hold, verified on arrival, kept sealed.

Imports commit in small batches and report each credential only after its batch is
durable, so an interrupted import never claims more than it kept.
"""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from wallet.services import legacy_checks
from wallet.services.learner import intake, presenter, settings
from wallet.services.learner.key_cache import DidDocuments, IssuerMetadata, SigningKeys
from wallet.services.learner.sources import Source, read_credentials
from wallet.services.verifier import credentials as verifier
from wallet.store import backup as backup_file
from wallet.store import kdf
from wallet.store.card_index import ORDERS, PAGE_SIZE, CardIndex, Entry
from wallet.store.errors import RecordNotFound, VaultCorrupt, VaultLocked
from wallet.store.vault import Vault, require_passphrase
from wallet.vc import (
    bitstring_status_list,
    did_key,
    envelopes,
    jose,
    open_badges_v2,
    sd_jwt_vc,
    vc_data_model,
    vc_jwt,
)
from wallet.vc.bitstring_status_list import CachedStatusList
from wallet.vc.envelopes import Enveloped
from wallet.vc.errors import MalformedInput, UnusableInput
from wallet.vc.jwk import Jwk
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.verification import Report

CREDENTIAL = "credential"
STATUS_LIST = "status_list"
HOLDER_KEY = "holder_key"  # one per credential; the trainer's issuer key is kept the same way
BATCH_SIZE = 50
IDLE_TIMEOUT_SECONDS = 300.0
_SHORT_ID = 6


class ImportStatus(StrEnum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"  # held already: the same document, byte for byte in JSON
    REFUSED = "refused"  # unreadable or not a credential; `reason` says why


@dataclass(frozen=True)
class ImportResult:
    source: str
    status: ImportStatus
    id: str | None = None
    reason: str = ""  # a refusal's detail, for logs and the CLI
    verified: bool | None = None
    kind: str = ""  # a refusal's error kind: the shells say `error.<kind>` with `params`
    params: dict[str, Any] = field(default_factory=dict)
    # the card's state (intake.VERIFIED, NEEDS_CONNECTION, CANNOT_VERIFY) and its reasons
    state: dict[str, Any] | None = None


@dataclass(frozen=True)
class _Pending:
    source: str
    record_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class HeldCredential:
    id: str
    credential: dict[str, Any]
    report: dict[str, Any]
    checked: str
    tags: list[str]
    card: dict[str, Any]  # what lists show: name, issuer, date, image
    format: str = "json"  # or an `envelopes.FORMATS` token format
    token: str = ""  # the VC-JWT or SD-JWT VC as received (its signature covers it)
    online: dict[str, Any] | None = None  # what an OB 2.0 online check brought, dated


class PresentationRefused(UnusableInput):
    kind = "not_yours"


class TokenNotPresentable(PresentationRefused):
    """A VC-JWT or SD-JWT VC cannot go inside our QR presentation (not yet)."""

    kind = "token_not_presentable"


@dataclass(frozen=True)
class Presentation:
    document: dict[str, Any]
    presented_whole: list[str]  # ids with no selective-disclosure proof: shown in full


@dataclass(frozen=True)
class Page:
    cards: list[dict[str, Any]]
    total: int


def _first_text(*values: Any) -> str:
    return next((v for v in values if isinstance(v, str) and v), "")


def card_for(
    record_id: str, version: int, payload: dict[str, Any], state: dict[str, Any] | None = None
) -> Entry:
    """What list and search show, and what they can find a credential by. `state` is
    derived on this device (`Backpack._state`) and lives in the local card only: records
    that sync carry no more than they did."""
    credential = payload["credential"]
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    issuer = credential.get("issuer")
    if open_badges_v2.is_assertion(credential):  # OB 2.0: the badge class names the badge
        online = payload.get("online") or {}
        embedded = credential.get("badge")
        achievement = embedded if isinstance(embedded, dict) else online.get("badge") or {}
        issuer = achievement.get("issuer")
        issuer = issuer if isinstance(issuer, dict) else online.get("issuer") or issuer
    issuer_name = (
        _first_text(issuer.get("name"), issuer.get("id"))
        if isinstance(issuer, dict)
        else _first_text(issuer)
    )
    skills = [
        _first_text(a.get("targetName"), a.get("targetCode"))
        for a in vc_data_model.as_list(achievement.get("alignment"))
        if isinstance(a, dict)
    ]
    image = achievement.get("image") or credential.get("image")
    card = {
        "id": record_id,
        "version": version,
        "name": _first_text(achievement.get("name"), credential.get("name"), "Credential"),
        "issuer": issuer_name,
        "issued": _first_text(
            credential.get("validFrom"), credential.get("issuanceDate"), credential.get("issuedOn")
        ),
        "description": _first_text(achievement.get("description"), credential.get("description"))[
            :280
        ],
        "image": _first_text(image.get("id") if isinstance(image, dict) else image),
        "tags": payload.get("tags", []),
        "verified": payload["report"]["verified"],
        "state": state,
        "checked": payload["checked"],
        "holder": payload.get("holder"),
    }
    search_text = " ".join(
        [
            card["name"],
            _first_text(credential.get("name")),
            issuer_name,
            card["description"],
            *skills,
            *card["tags"],
        ]
    )
    return Entry(record_id, card["name"].lower(), search_text, card)


def merge_edits(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """One credential changed on two devices: `theirs`, with each field we changed later
    taken from `ours` (tags by their own update time, the newer verification report)."""
    merged = dict(theirs)
    if ours.get("tags_updated", 0) > merged.get("tags_updated", 0):
        merged["tags"], merged["tags_updated"] = ours["tags"], ours["tags_updated"]
    if ours.get("checked", "") > merged.get("checked", ""):
        merged["report"], merged["checked"] = ours["report"], ours["checked"]
    if _online_date(ours) > _online_date(merged):  # an OB 2.0 online check, by its own date
        merged["online"] = ours["online"]
    return merged


def _online_date(payload: dict[str, Any]) -> str:
    online = payload.get("online")
    return str(online.get("checked", "")) if isinstance(online, dict) else ""


class Backpack:
    def __init__(
        self,
        vault: Vault,
        *,
        clock: Callable[[], float] = time.time,
        idle_timeout: float = IDLE_TIMEOUT_SECONDS,
    ) -> None:
        self.vault = vault
        self.index = CardIndex(vault)
        self.did_documents = DidDocuments(vault)
        self.signing_keys = SigningKeys(vault)
        self.issuer_metadata = IssuerMetadata(vault)
        self._clock = clock
        self._idle_timeout = idle_timeout
        self._last_activity = clock()

    # --- locking ----------------------------------------------------------------------------

    def _active(self) -> None:
        """Every use goes through here: lock after inactivity, then count this as activity."""
        if self.vault.unlocked and self.idle():
            self.vault.lock()
        if not self.vault.unlocked:
            raise VaultLocked("the wallet is locked: unlock it to continue")
        self._last_activity = self._clock()

    def idle(self) -> bool:
        return self._clock() - self._last_activity > self._idle_timeout

    def unlock(self, passphrase: str) -> None:
        self.vault.unlock(passphrase)
        self._last_activity = self._clock()

    def lock(self) -> None:
        self.vault.lock()

    # --- import -----------------------------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _record_for(self, held: dict[str, Any] | Enveloped) -> tuple[str, dict[str, Any]]:
        if isinstance(held, Enveloped):  # kept as received; the view is what cards show
            record_id = self.vault.fingerprint(held.token.encode("ascii"))
            document = envelopes.view(held)
            extra: dict[str, Any] = held.to_json()
        else:
            canonical = json.dumps(held, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            record_id = self.vault.fingerprint(canonical.encode())
            document, extra = held, {}
        subject_id = _holder_did(held)
        ours = isinstance(subject_id, str) and self.vault.has(subject_id)
        payload: dict[str, Any] = {
            "credential": document,
            **extra,
            "holder": subject_id if ours else None,  # linked to one of our holder keys
            "tags": [],
        }
        self._check(payload)
        return record_id, payload

    def _check(self, payload: dict[str, Any]) -> None:
        """Verify offline with what this device holds."""
        payload["checked"] = self._now().isoformat(timespec="seconds")
        payload["report"] = self._verify(payload)

    def _state(self, payload: dict[str, Any]) -> dict[str, Any]:
        """What the card shows (`intake.state_of`), from the report and this device's caches."""
        document = payload["credential"]
        token = payload.get("token")
        try:  # bound by the subject's DID, or a token's `cnf` key (then ours if we hold it)
            bound = _holder_did(Enveloped(payload["format"], token) if token else document)
        except UnusableInput:  # a damaged `cnf`: the holder check says so
            bound = None
        other_holder = (
            isinstance(bound, str) and bound.startswith("did:") and payload.get("holder") is None
        )
        return intake.state_of(
            document,
            legacy_checks.upgrade_checks(payload["report"])["checks"],  # maybe an old report
            missing=self._missing(document, payload.get("online"), payload.get("format", "")),
            other_holder=other_holder,
            enveloped=bool(payload.get("token")),
        )

    def import_sources(self, sources: Iterable[tuple[str, Source]]) -> Iterator[ImportResult]:
        """Yield results in input order, batch by batch, each only after its batch has
        committed: an interrupted import never reports more than it kept."""
        self._active()
        batch: list[ImportResult | _Pending] = []
        seen: set[str] = set()
        for name, load in sources:
            try:  # a presentation (a VPQR code, an exchange's answer) brings several
                records = [self._record_for(held) for held in read_credentials(name, load())]
            except UnusableInput as error:
                refused = ImportResult(
                    name,
                    ImportStatus.REFUSED,
                    reason=str(error),
                    kind=error.kind,
                    params=error.params,
                )
                batch.append(refused)
                continue
            except OSError as error:
                reason = f"cannot read: {error.strerror}"
                batch.append(
                    ImportResult(name, ImportStatus.REFUSED, reason=reason, kind="unreadable")
                )
                continue
            for record_id, payload in records:
                if record_id in seen or self.vault.has(record_id):
                    batch.append(ImportResult(name, ImportStatus.DUPLICATE, record_id))
                    continue
                seen.add(record_id)
                batch.append(_Pending(name, record_id, payload))
            if sum(isinstance(item, _Pending) for item in batch) >= BATCH_SIZE:
                yield from self._commit(batch)
                batch = []
        yield from self._commit(batch)

    def _commit(self, batch: list[ImportResult | _Pending]) -> Iterator[ImportResult]:
        pending = [item for item in batch if isinstance(item, _Pending)]
        states: dict[str, dict[str, Any]] = {}
        if pending:
            with self.vault.transaction():
                entries = []
                for item in pending:
                    version = self.vault.put(item.record_id, CREDENTIAL, item.payload)
                    state = states[item.record_id] = self._state(item.payload)
                    entries.append(card_for(item.record_id, version, item.payload, state))
                self.index.upsert(entries)
        for done in batch:
            if isinstance(done, _Pending):
                verified = done.payload["report"]["verified"]
                yield ImportResult(
                    done.source,
                    ImportStatus.IMPORTED,
                    done.record_id,
                    verified=verified,
                    state=states[done.record_id],
                )
            else:
                yield done

    # --- browse -----------------------------------------------------------------------------

    def list(
        self, *, page: int = 0, page_size: int = 50, sort: str = "recent", tag: str | None = None
    ) -> Page:
        """Newest first by default; "name" (A to Z) and "issued" (newest first) read the
        card index's sorted pages. Without a tag, a page reads only the index pages that
        hold it; a tag filter reads every card, one index page at a time."""
        self._active()
        with self.vault.serial():  # the root and its pages, with no sync batch in between
            return self._page(page * page_size, page_size, sort, tag)

    def _page(self, start: int, page_size: int, sort: str, tag: str | None) -> Page:
        if tag is None:
            if sort in ORDERS:
                cards, total = self.index.ordered(
                    sort, start, page_size, descending=sort == "issued"
                )
                return Page(cards, total)
            chosen = self.vault.ids(CREDENTIAL, offset=start, limit=page_size)
            found = self.index.cards(chosen)
            return Page([found[i] for i in chosen if i in found], self.index.total())
        every = (
            self.index.walk(sort, descending=sort == "issued")
            if sort in ORDERS
            else self._newest_first()
        )
        cards, total = [], 0
        for card in every:
            if tag in card["tags"]:
                if start <= total < start + page_size:
                    cards.append(card)
                total += 1
        return Page(cards, total)

    def _newest_first(self) -> Iterator[dict[str, Any]]:
        """Every card, newest record first, an index page's worth of ids at a time."""
        offset = 0
        while chosen := self.vault.ids(CREDENTIAL, offset=offset, limit=PAGE_SIZE):
            found = self.index.cards(chosen)
            yield from (found[i] for i in chosen if i in found)
            offset += len(chosen)

    # `list` names the method above from here to the end of the class: builtins.list is the type
    def search(self, text: str, *, limit: int = 50) -> builtins.list[dict[str, Any]]:
        self._active()
        found = []
        with self.vault.serial():
            for _, _, card in self.index.search(text.split()):
                found.append(card)
                if len(found) >= limit:
                    break
        return found

    def resolve_id(self, prefix: str) -> str:
        """Full ids are long; a unique prefix of six or more characters will do."""
        self._active()
        if len(prefix) < _SHORT_ID:
            raise RecordNotFound(f"give at least {_SHORT_ID} characters of the id")
        matches = [i for i in self.vault.ids(CREDENTIAL) if i.startswith(prefix)]
        if len(matches) != 1:
            raise RecordNotFound(
                f"no credential with id {prefix}" if not matches else f"{prefix} matches several"
            )
        return matches[0]

    def show(self, record_id: str) -> HeldCredential:
        self._active()
        with self.vault.serial():  # a sync on the worker commits nothing in between
            record = self.vault.get(record_id, CREDENTIAL)
            card = self.index.cards([record_id]).get(record_id)
        if card is None or card["version"] != record.version:
            raise VaultCorrupt(
                f"credential {record_id} does not match the index: restored or rolled back?"
            )
        payload = record.payload
        return HeldCredential(
            record_id,
            payload["credential"],
            legacy_checks.upgrade_checks(payload["report"]),
            payload["checked"],
            payload["tags"],
            card,
            payload.get("format", "json"),
            payload.get("token", ""),
            payload.get("online"),
        )

    def export(self, record_id: str) -> dict[str, Any] | str:
        """The credential exactly as issued, only when the user asks for it: plain JSON, or
        the token (VC-JWT, SD-JWT VC) as received, since only those bytes verify."""
        held = self.show(record_id)
        return held.token or held.credential

    # --- change -----------------------------------------------------------------------------

    def _rewrite(self, record_id: str, change: Callable[[dict[str, Any]], None]) -> Entry:
        """The record changed and written; its new card, for the caller to index."""
        record = self.vault.get(record_id, CREDENTIAL)
        payload = record.payload
        change(payload)
        version = self.vault.put(record_id, CREDENTIAL, payload)
        state = self._state(payload)
        return card_for(record_id, version, payload, state)

    def set_tags(self, record_id: str, tags: builtins.list[str]) -> None:
        self._active()
        clean = sorted({t.strip() for t in tags if t.strip()})

        def change(payload: dict[str, Any]) -> None:
            payload["tags"] = clean
            payload["tags_updated"] = int(self._clock() * 1000)  # last writer wins, per field

        with self.vault.transaction():
            self.index.upsert([self._rewrite(record_id, change)])

    def delete(self, record_id: str) -> None:
        self._active()
        with self.vault.transaction():
            self.vault.get(record_id, CREDENTIAL)  # only credentials are deleted here
            self.vault.delete(record_id)
            self.index.remove(record_id)

    def reverify_all(self) -> tuple[int, int]:
        """(checked, now failing). Reports are refreshed so the UI can show their age."""
        self._active()
        ids = self.vault.ids(CREDENTIAL)
        return len(ids), self._reverify(ids)

    def reverify(self, record_ids: Sequence[str]) -> int:
        """Check these credentials again (after a fetch brought keys or lists): how many."""
        self._active()
        self._reverify(record_ids)
        return len(record_ids)

    def _reverify(self, ids: Sequence[str]) -> int:
        failing = 0

        def change(payload: dict[str, Any]) -> None:
            nonlocal failing
            self._check(payload)
            failing += not payload["report"]["verified"]

        for start in range(0, len(ids), BATCH_SIZE):
            with self.vault.transaction():  # each index page written once per batch
                batch = ids[start : start + BATCH_SIZE]
                self.index.upsert([self._rewrite(record_id, change) for record_id in batch])
        return failing

    def record_online_check(self, record_id: str, result: dict[str, Any]) -> None:
        """Keep an Open Badges 2.0 hosted check's verdict with its date, and re-check."""
        self._active()

        def change(payload: dict[str, Any]) -> None:
            payload["online"] = result
            self._check(payload)

        with self.vault.transaction():
            self.index.upsert([self._rewrite(record_id, change)])

    # --- holder identity and trust data ------------------------------------------------

    def new_holder_key(self, key_type: KeyType = KeyType.ED25519) -> str:
        """A fresh did:key per credential, so separate badges cannot be linked by DID.
        P-256 for issuers that bind an SD-JWT VC to an ES256 key (most SD-JWT VC issuers)."""
        self._active()
        return store_key(self.vault, HOLDER_KEY, KeyPair.generate(key_type))

    def holder_key(self, did: str) -> KeyPair:
        self._active()
        return load_key(self.vault, HOLDER_KEY, did)

    def _status_list_id(self, url: str) -> str:
        return "status-" + self.vault.fingerprint(url.encode())  # the URL itself stays sealed

    def cache_status_list(
        self, credential: dict[str, Any], fetched: datetime, *, url: str | None = None
    ) -> None:
        """Keep a status list credential, with when it was fetched, for offline checks: found
        by the URL it was fetched from (what credentials name) and by its `id`, which need
        not be that URL (issue 14)."""
        self._active()
        list_id = credential.get("id")
        keys = {key for key in (url, list_id) if isinstance(key, str)}
        if not keys:
            raise MalformedInput("a status list credential needs an id or the URL it came from")
        payload = {"credential": credential, "fetched": fetched.isoformat(), "url": url}
        with self.vault.transaction():
            for key in sorted(keys):
                self.vault.put(self._status_list_id(key), STATUS_LIST, payload)

    def status_list_payload(self, url: str) -> dict[str, Any] | None:
        """The cached list as stored (credential, fetch time, URL), for deciding a refresh."""
        try:
            return self.vault.get(self._status_list_id(url), STATUS_LIST).payload
        except RecordNotFound:
            return None

    def cached_status_list(self, url: str) -> CachedStatusList | None:
        payload = self.status_list_payload(url)
        if payload is None:
            return None
        return CachedStatusList(payload["credential"], datetime.fromisoformat(payload["fetched"]))

    def _verify(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Offline, with the keys and lists this device holds. A credential the engine
        cannot read is kept, its report saying why (`intake.READABLE_CHECK`); only unsafe
        input raises (`intake.UNSAFE`)."""
        now = self._now()
        document = payload["credential"]
        online = payload.get("online")
        if payload.get("format") == open_badges_v2.SIGNED_FORMAT:
            key = self._signing_key(document)
            emails = settings.recipient_emails(self.vault)
            badge_class = (online or {}).get("badge")  # fetched with the key, when by URL
            checks = open_badges_v2.signed_checks(payload["token"], key, now, emails, badge_class)
            pinned = self.signing_keys.check(key.id, now) if key is not None else None
            return Report(checks if pinned is None else [*checks, pinned]).to_json()
        if open_badges_v2.is_assertion(document):
            return open_badges_v2.offline_report(document, online, now)
        held: dict[str, Any] | Enveloped = document
        if payload.get("token"):
            held = Enveloped(payload["format"], payload["token"])
        try:
            report = verifier.verify(
                held,
                now=now,
                status_lists=self.cached_status_list,
                resolver=self.did_documents.resolver(),
                keys=self._jwt_keys,
            )
        except intake.UNSAFE:
            raise
        except UnusableInput as error:
            return Report([intake.unreadable_check(error)]).to_json()
        keys = [self.did_documents.check(did, now) for did in intake.web_controllers(document)]
        https_issuer = IssuerMetadata.issuer_of(payload.get("format", ""), document)
        if https_issuer is not None:
            keys.append(self.issuer_metadata.check(https_issuer, now))
        return Report(report.checks + [k for k in keys if k is not None]).to_json()

    def _jwt_keys(self, issuer: str, kid: str | None) -> builtins.list[Jwk]:
        """A token's issuer keys from the pinned did:web documents and JWT VC Issuer
        Metadata (`key_cache.keys_for`)."""
        pinned = [Jwk.from_public_key(k) for k in self.did_documents.keys_for(issuer, kid)]
        return pinned + self.issuer_metadata.keys_for(issuer, kid)

    def _signing_key(self, assertion: dict[str, Any]) -> open_badges_v2.SigningKey | None:
        """A signed OB 2.0 assertion's key, when fetched once (`fetching.py`)."""
        url = open_badges_v2.creator(assertion)
        return None if url is None else self.signing_keys.get(url)

    def _missing(
        self, document: dict[str, Any], online: dict[str, Any] | None, held_format: str
    ) -> Sequence[str]:
        """What a fetch would bring this credential (`fetching.py`), none of it held yet."""
        if open_badges_v2.is_assertion(document) and (
            open_badges_v2.verification_type(document) == "signed"
        ):
            fetchable = open_badges_v2.creator(document) is not None
            return ("issuer-keys",) if fetchable and self._signing_key(document) is None else ()
        if open_badges_v2.is_assertion(document):
            hosted = open_badges_v2.verification_type(document) == "hosted"
            return ("hosted-check",) if hosted and online is None else ()
        keys = any(self.did_documents.get(did) is None for did in intake.web_controllers(document))
        https_issuer = IssuerMetadata.issuer_of(held_format, document)
        if https_issuer is not None and self.issuer_metadata.fetched(https_issuer) is None:
            keys = True
        lists = any(  # only what the fetcher may fetch: https (an http list stays unknown)
            isinstance(entry, dict)
            and entry.get("type") in bitstring_status_list.ENTRY_TYPES
            and isinstance(entry.get("statusListCredential"), str)
            and entry["statusListCredential"].startswith("https://")
            and self.status_list_payload(entry["statusListCredential"]) is None
            for entry in vc_data_model.as_list(document.get("credentialStatus"))
        )
        return ("issuer-keys",) * keys + ("status-list",) * lists

    # --- presenting -------------------------------------------------------------------------

    def _holder_key_for(self, credential: dict[str, Any]) -> KeyPair:
        subject = credential.get("credentialSubject")
        subject_id = subject.get("id") if isinstance(subject, dict) else None
        if subject_id is None:
            return KeyPair.generate(KeyType.ED25519)  # a bearer credential: any key will do
        try:
            return load_key(self.vault, HOLDER_KEY, subject_id)
        except RecordNotFound:
            raise PresentationRefused(
                f"this credential was issued to {subject_id}, a DID this wallet does not hold, "
                "so it cannot prove the credential is yours"
            ) from None

    def present(
        self,
        record_ids: builtins.list[str],
        reveal: builtins.list[str],
        *,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> Presentation:
        """A signed VP of these credentials, revealing the mandatory claims plus `reveal`."""
        self._active()
        chosen, keys, whole = [], [], []
        for record_id in record_ids:
            held = self.show(record_id)
            if held.token:
                raise TokenNotPresentable(
                    f"{record_id[:12]} is a {held.format} credential: it is presented as a "
                    "token (SD-JWT VC with `present_sd_jwt`), not inside a QR presentation"
                )
            credential = held.credential
            keys.append(self._holder_key_for(credential))
            disclosed, is_whole = presenter.disclose(credential, reveal)
            chosen.append(disclosed)
            if is_whole:
                whole.append(record_id)
        presentation = presenter.sign_presentation(
            chosen, keys, now=self._now(), challenge=challenge, domain=domain
        )
        return Presentation(presentation, whole)

    def present_sd_jwt(
        self, record_id: str, reveal: builtins.list[str], *, nonce: str, audience: str
    ) -> str:
        """The SD-JWT VC with only the disclosures `reveal` needs, and a key-binding JWT for
        this verifier's nonce and audience signed by the holder key the credential names."""
        self._active()
        held = self.show(record_id)
        if held.format != sd_jwt_vc.FORMAT:
            raise PresentationRefused(f"{record_id[:12]} is not an SD-JWT VC")
        did = _holder_did(Enveloped(held.format, held.token))
        if did is None:
            raise PresentationRefused("this SD-JWT VC binds no holder key that can sign")
        try:
            key = load_key(self.vault, HOLDER_KEY, did)
        except RecordNotFound:
            raise PresentationRefused(
                "this SD-JWT VC is bound to a key this wallet does not hold, so it cannot "
                "prove the credential is yours"
            ) from None
        return sd_jwt_vc.present(
            held.token,
            reveal,
            jose.KeyPairSigner(key),
            now=self._now(),
            nonce=nonce,
            audience=audience,
        )

    # --- backup -----------------------------------------------------------------------------

    def backup(self, path: Path) -> int:
        self._active()
        return backup_file.write_backup(self.vault, path)

    def refresh_cards(self, record_ids: Iterable[str]) -> None:
        """Bring these cards in line with their records after the records changed
        underneath (a sync's batch), writing each index page once, as import does: a
        deleted or missing record leaves the index. Call inside a transaction."""
        entries: list[Entry] = []
        gone: list[str] = []
        for record_id in dict.fromkeys(record_ids):
            try:
                record = self.vault.get(record_id, CREDENTIAL)
            except RecordNotFound:
                gone.append(record_id)
                continue
            state = self._state(record.payload)
            entries.append(card_for(record_id, record.version, record.payload, state))
        self.index.remove(*gone)
        self.index.upsert(entries)

    def rebuild_index(self) -> None:
        """Derive the card index again from the records (after a restore)."""
        self._active()
        with self.vault.transaction():
            entries = []
            for record_id in reversed(self.vault.ids(CREDENTIAL)):
                record = self.vault.get(record_id, CREDENTIAL)
                state = self._state(record.payload)
                entries.append(card_for(record_id, record.version, record.payload, state))
            self.index.rebuild(entries)


def _holder_did(held: dict[str, Any] | Enveloped) -> str | None:
    """The DID of the key a credential is bound to: a token's `cnf.jwk` (RFC 7800) as the
    did:key our keyring keeps holder keys under, when it has one; else its subject's id
    (an SD-JWT VC has none: without `cnf` it is bound to no one)."""
    if isinstance(held, Enveloped) and held.format in (sd_jwt_vc.FORMAT, vc_jwt.FORMAT):
        sd = held.format == sd_jwt_vc.FORMAT
        claims = sd_jwt_vc.parse(held.token).payload if sd else vc_jwt.parse(held.token).claims
        bound = sd_jwt_vc.holder_jwk(claims)
        if bound is not None or sd:
            public = bound.public_key() if bound is not None else None
            return did_key.did_for(public) if public is not None else None
    document = envelopes.view(held) if isinstance(held, Enveloped) else held
    subject = document.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    return subject_id if isinstance(subject_id, str) else None


def restore(
    data: bytes,
    directory: Path,
    unlock: Callable[[Vault], None],
    new_passphrase: str | None = None,
    *,
    kdf_params: kdf.KdfParams | None = None,
) -> Backpack:
    """A wallet from a backup, complete (index rebuilt, the new passphrase set) before it
    appears in `directory`; an empty new passphrase is refused before any work."""
    if new_passphrase is not None:
        require_passphrase(new_passphrase)

    def finish(vault: Vault) -> None:
        Backpack(vault).rebuild_index()
        if new_passphrase is not None:
            vault.change_passphrase(new_passphrase, kdf_params)

    return Backpack(backup_file.restore_backup(data, directory, unlock, finish))


def store_key(vault: Vault, kind: str, key: KeyPair) -> str:
    """Keep a key sealed in the vault under its did:key, which it returns; it never leaves
    the vault unencrypted."""
    did = did_key.did_for(key.public)
    with vault.transaction():
        vault.put(did, kind, {"secretKeyMultibase": key.secret_multikey()})
    return did


def load_key(vault: Vault, kind: str, did: str) -> KeyPair:
    return KeyPair.from_secret_multikey(vault.get(did, kind).payload["secretKeyMultibase"])
