"""The learner's backpack: every credential they hold, verified on arrival, kept sealed.

Imports commit in small batches and report each credential only after its batch is
durable, so an interrupted import never claims more than it kept.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wallet.services import keyring
from wallet.services.learner import intake, presenter
from wallet.services.learner.key_cache import DidDocuments
from wallet.services.learner.sources import Source, file_loader, parse_source
from wallet.services.verifier import credentials as verifier
from wallet.store import backup as backup_file
from wallet.store import kdf
from wallet.store.card_index import CardIndex, Entry
from wallet.store.errors import RecordNotFound, VaultCorrupt, VaultLocked
from wallet.store.vault import Vault, require_passphrase
from wallet.vc import bitstring_status_list, open_badges_v2, vc_data_model
from wallet.vc.bitstring_status_list import CachedStatusList
from wallet.vc.errors import MalformedInput, UnusableInput
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.verification import Check, Report

CREDENTIAL = "credential"
STATUS_LIST = "status_list"
BATCH_SIZE = 50
IDLE_TIMEOUT_SECONDS = 300.0
_SHORT_ID = 6


@dataclass(frozen=True)
class ImportResult:
    source: str
    status: str  # "imported" | "duplicate" | "refused"
    id: str | None = None
    reason: str = ""
    verified: bool | None = None
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


class PresentationRefused(UnusableInput):
    pass


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
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
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

    def _record_for(self, document: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        record_id = self.vault.fingerprint(canonical.encode())
        subject = document.get("credentialSubject")
        subject_id = subject.get("id") if isinstance(subject, dict) else None
        ours = isinstance(subject_id, str) and self.vault.has(subject_id)
        payload = {
            "credential": document,
            "holder": subject_id if ours else None,  # linked to one of our holder keys
            "tags": [],
        }
        self._check(payload)
        return record_id, payload

    def _check(self, payload: dict[str, Any]) -> None:
        """Verify offline with what this device holds."""
        payload["report"] = self._verify(payload["credential"], payload.get("online"))
        payload["checked"] = self._now().isoformat(timespec="seconds")

    def _state(self, payload: dict[str, Any]) -> dict[str, Any]:
        """What the card shows (`intake.state_of`), from the report and this device's caches."""
        document = payload["credential"]
        subject = document.get("credentialSubject")
        subject_id = subject.get("id") if isinstance(subject, dict) else None
        other_holder = (
            isinstance(subject_id, str)
            and subject_id.startswith("did:")
            and payload.get("holder") is None
        )
        return intake.state_of(
            document,
            payload["report"]["checks"],
            missing=self._missing(document, payload.get("online")),
            other_holder=other_holder,
        )

    def import_sources(self, sources: Iterable[tuple[str, Source]]) -> Iterator[ImportResult]:
        """Yield results in input order, batch by batch, each only after its batch has
        committed: an interrupted import never reports more than it kept."""
        self._active()
        batch: list[ImportResult | _Pending] = []
        seen: set[str] = set()
        for name, load in sources:
            try:
                record_id, payload = self._record_for(parse_source(name, load()))
            except UnusableInput as error:
                batch.append(ImportResult(name, "refused", reason=str(error)))
                continue
            except OSError as error:
                batch.append(ImportResult(name, "refused", reason=f"cannot read: {error.strerror}"))
                continue
            if record_id in seen or self.vault.has(record_id):
                batch.append(ImportResult(name, "duplicate", record_id))
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
        for item in batch:
            if isinstance(item, _Pending):
                verified = item.payload["report"]["verified"]
                yield ImportResult(
                    item.source,
                    "imported",
                    item.record_id,
                    verified=verified,
                    state=states[item.record_id],
                )
            else:
                yield item

    def import_files(self, paths: Iterable[Path]) -> Iterator[ImportResult]:
        return self.import_sources((str(path), file_loader(path)) for path in paths)

    # --- browse -----------------------------------------------------------------------------

    def list(
        self, *, page: int = 0, page_size: int = 50, sort: str = "recent", tag: str | None = None
    ) -> Page:
        """Newest first by default; "name" and "issued" sort through the card index."""
        self._active()
        if sort == "recent" and tag is None:
            ids = self.vault.ids(CREDENTIAL)
            chosen = ids[page * page_size : (page + 1) * page_size]
            cards = self.index.cards(chosen)
            return Page([cards[i] for i in chosen if i in cards], len(ids))
        matches = [card for _, _, card in self.index.search([])]
        if tag is not None:
            matches = [c for c in matches if tag in c["tags"]]
        key = {"name": lambda c: c["name"].lower(), "issued": lambda c: c["issued"]}.get(sort)
        if key is None:
            order = {record_id: n for n, record_id in enumerate(self.vault.ids(CREDENTIAL))}
            key = lambda c: order.get(c["id"], 0)
        matches.sort(key=key, reverse=sort != "name")
        return Page(matches[page * page_size : (page + 1) * page_size], len(matches))

    def search(self, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
        self._active()
        found = []
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
            payload["report"],
            payload["checked"],
            payload["tags"],
            card,
        )

    def export(self, record_id: str) -> dict[str, Any]:
        """The credential as plain JSON, only when the user asks for it."""
        return self.show(record_id).credential

    # --- change -----------------------------------------------------------------------------

    def _rewrite(self, record_id: str, change: Callable[[dict[str, Any]], None]) -> None:
        record = self.vault.get(record_id, CREDENTIAL)
        payload = record.payload
        change(payload)
        version = self.vault.put(record_id, CREDENTIAL, payload)
        self.index.upsert([card_for(record_id, version, payload, self._state(payload))])

    def set_tags(self, record_id: str, tags: list[str]) -> None:
        self._active()
        clean = sorted({t.strip() for t in tags if t.strip()})

        def change(payload: dict[str, Any]) -> None:
            payload["tags"] = clean
            payload["tags_updated"] = int(self._clock() * 1000)  # last writer wins, per field

        with self.vault.transaction():
            self._rewrite(record_id, change)

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
            with self.vault.transaction():
                for record_id in ids[start : start + BATCH_SIZE]:
                    self._rewrite(record_id, change)
        return failing

    def record_online_check(self, record_id: str, result: dict[str, Any]) -> None:
        """Keep an Open Badges 2.0 hosted check's verdict with its date, and re-check."""
        self._active()

        def change(payload: dict[str, Any]) -> None:
            payload["online"] = result
            self._check(payload)

        with self.vault.transaction():
            self._rewrite(record_id, change)

    # --- holder identity and trust data ------------------------------------------------

    def new_holder_key(self) -> str:
        """A fresh did:key per credential, so separate badges cannot be linked by DID."""
        self._active()
        return keyring.store(self.vault, keyring.HOLDER_KEY, KeyPair.generate(KeyType.ED25519))

    def holder_key(self, did: str) -> KeyPair:
        self._active()
        return keyring.load(self.vault, keyring.HOLDER_KEY, did)

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

    def _verify(self, document: dict[str, Any], online: dict[str, Any] | None) -> dict[str, Any]:
        """Offline, with the keys and lists this device holds. A credential the engine
        cannot read is kept, its report saying why (`intake.READABLE_CHECK`); only unsafe
        input raises (`intake.UNSAFE`)."""
        now = self._now()
        if open_badges_v2.is_assertion(document):
            return open_badges_v2.offline_report(document, online, now)
        try:
            report = verifier.verify(
                document,
                now=now,
                status_lists=self.cached_status_list,
                resolver=self.did_documents.resolver(),
            )
        except intake.UNSAFE:
            raise
        except UnusableInput as error:
            check = Check(intake.READABLE_CHECK, False, f"Cannot be verified: {error}")
            reason = intake.unreadable_reason(error)
            return {"verified": False, "checks": [{**check.to_json(), "reason": reason}]}
        keys = [self.did_documents.check(did, now) for did in intake.web_controllers(document)]
        return Report(report.checks + [k for k in keys if k is not None]).to_json()

    def _missing(self, document: dict[str, Any], online: dict[str, Any] | None) -> Sequence[str]:
        """What a fetch would bring this credential (`fetching.py`), none of it held yet."""
        if open_badges_v2.is_assertion(document):
            hosted = open_badges_v2.verification_type(document) == "hosted"
            return ("hosted-check",) if hosted and online is None else ()
        keys = any(self.did_documents.get(did) is None for did in intake.web_controllers(document))
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
            return keyring.load(self.vault, keyring.HOLDER_KEY, subject_id)
        except RecordNotFound:
            raise PresentationRefused(
                f"this credential was issued to {subject_id}, a DID this wallet does not hold, "
                "so it cannot prove the credential is yours"
            ) from None

    def present(
        self,
        record_ids: list[str],
        reveal: list[str],
        *,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> Presentation:
        """A signed VP of these credentials, revealing the mandatory claims plus `reveal`."""
        self._active()
        chosen, keys, whole = [], [], []
        for record_id in record_ids:
            credential = self.show(record_id).credential
            keys.append(self._holder_key_for(credential))
            disclosed, is_whole = presenter.disclose(credential, reveal)
            chosen.append(disclosed)
            if is_whole:
                whole.append(record_id)
        presentation = presenter.sign_presentation(
            chosen, keys, now=self._now(), challenge=challenge, domain=domain
        )
        return Presentation(presentation, whole)

    # --- backup -----------------------------------------------------------------------------

    def backup(self, path: Path) -> int:
        self._active()
        return backup_file.write_backup(self.vault, path)

    def refresh_card(self, record_id: str) -> None:
        """Bring one card in line with its record after the record changed underneath (a
        sync): a deleted or missing record leaves the index. Call inside a transaction."""
        try:
            record = self.vault.get(record_id, CREDENTIAL)
        except RecordNotFound:
            self.index.remove(record_id)
            return
        state = self._state(record.payload)
        self.index.upsert([card_for(record_id, record.version, record.payload, state)])

    def rebuild_index(self) -> None:
        """Derive the card index again from the records (after a restore)."""
        self._active()
        with self.vault.transaction():
            self.index.clear()
            entries = []
            for record_id in reversed(self.vault.ids(CREDENTIAL)):
                record = self.vault.get(record_id, CREDENTIAL)
                state = self._state(record.payload)
                entries.append(card_for(record_id, record.version, record.payload, state))
            self.index.upsert(entries)


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
