"""An issuing organisation: its key and profile, the trainers it authorises, the status
list indexes it reserves for them, the revocations it publishes, and its trust bundle.

The organisation lives in one file (`wallet org init --out ORG.json`). Its signing key and
its issuance-log key are sealed under the organisation's passphrase (Argon2id, AES-GCM);
everything else in the file is what the organisation publishes anyway.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from wallet.protocol import issuance_log
from wallet.store import kdf, sealing
from wallet.store.errors import VaultCorrupt
from wallet.vc import bitstring_status_list, did_key, eddsa_jcs_2022, trust_bundle, vc_data_model
from wallet.vc.data_integrity import format_datetime
from wallet.vc.errors import MalformedInput
from wallet.vc.jsonld import bundled_context_hashes
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.proofs import proof_options

FILE_TYPE = "LearnerWalletOrganisation"
BLOCK = 1024  # status indexes reserved per trainer authorisation: a season of field work
LIST_ENTRIES = bitstring_status_list.MIN_ENTRIES
BUNDLE_LIFETIME = timedelta(days=90)  # verifiers warn, rather than trust, after this
_AAD = b"learner-wallet organisation secrets v1"


class OrganisationError(MalformedInput):
    """A wrong passphrase, an unreadable file, or a request the organisation cannot grant."""

    kind = "organisation"


@dataclass(frozen=True)
class Skipped:
    """A log entry the organisation did not act on. Codes: "outside-block" (a list or
    index outside the trainer's own block), "claimed" (a credential another entry already
    placed), "unreadable" (no payload this organisation can unseal), "unknown-kind"."""

    trainer: str
    seq: int
    kind: str
    reason: str


@dataclass(frozen=True)
class LogRead:
    new: int  # entries taken in (skipped ones included: they are part of the chain)
    skipped: list[Skipped]


@dataclass(frozen=True)
class Secrets:
    signing: KeyPair
    log_key: X25519PrivateKey


def _sign(document: dict[str, Any], key: KeyPair, now: datetime) -> dict[str, Any]:
    return eddsa_jcs_2022.sign(document, proof_options(key, eddsa_jcs_2022.NAME, created=now), key)


class Organisation:
    def __init__(self, path: Path, data: dict[str, Any], secrets: Secrets) -> None:
        self.path = path
        self.data = data
        self._secrets = secrets

    # --- the file ---------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path,
        passphrase: str,
        *,
        name: str,
        url: str = "",
        image: str = "",
        kdf_params: kdf.KdfParams | None = None,
    ) -> Organisation:
        if not name.strip():
            raise OrganisationError("the organisation needs a name")
        if path.exists():
            raise OrganisationError(f"{path} exists; an organisation file is never overwritten")
        signing, log_key = KeyPair.generate(KeyType.ED25519), issuance_log.new_log_key()
        params = kdf_params or kdf.calibrate()
        raw_log_key = log_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        secret = json.dumps(
            {"signing": signing.secret_multikey(), "log": raw_log_key.hex()}
        ).encode()
        data = {
            "type": FILE_TYPE,
            "profile": {
                "id": did_key.did_for(signing.public),
                "type": "Profile",
                "name": name.strip(),
                **({"url": url} if url else {}),
                **({"image": image} if image else {}),
            },
            "logKey": issuance_log.public_text(log_key),
            "kdf": params.to_json(),
            "secrets": sealing.seal(params.derive(passphrase), secret, _AAD).hex(),
            "authorizations": [],
            "statusLists": [],
            "issued": {},
            "revoked": [],
            "logHeads": {},
            "bundleSequence": 0,
        }
        organisation = cls(path, data, Secrets(signing, log_key))
        organisation.save()
        return organisation

    @classmethod
    def open(cls, path: Path, passphrase: str) -> Organisation:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("type") != FILE_TYPE:
                raise ValueError("not an organisation file")
            key = kdf.KdfParams.from_json(data["kdf"]).derive(passphrase)
            blob = bytes.fromhex(data["secrets"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise OrganisationError(f"cannot read the organisation file {path}: {error}") from None
        try:
            secret = json.loads(sealing.unseal(key, blob, _AAD))
        except VaultCorrupt:  # the passphrase is wrong, or the sealed part was altered
            raise OrganisationError("that passphrase does not open this organisation") from None
        secrets = Secrets(
            KeyPair.from_secret_multikey(secret["signing"]),
            X25519PrivateKey.from_private_bytes(bytes.fromhex(secret["log"])),
        )
        return cls(path, data, secrets)

    def save(self) -> None:
        """Replace the file atomically: a crash leaves the old file or the new, never half."""
        temporary = self.path.with_name(self.path.name + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(self.data, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    @property
    def did(self) -> str:
        return self.data["profile"]["id"]

    @property
    def name(self) -> str:
        return self.data["profile"]["name"]

    # --- trainers ---------------------------------------------------------------------------

    def authorize(
        self, trainer: str, achievements: list[str], until: datetime, now: datetime
    ) -> dict[str, Any]:
        """A signed credential: this trainer's key may issue these achievements until then,
        numbering their status entries from a block of indexes reserved for it alone."""
        if did_key.resolve(trainer) is None:
            raise OrganisationError(f"{trainer} is not a did:key a trainer device would show")
        if not achievements or not all(a.strip() for a in achievements):
            raise OrganisationError("name at least one achievement the trainer may issue")
        if until <= now:
            raise OrganisationError("the authorisation must end in the future")
        status_list, start = self._reserve_block()
        authorization = {
            "@context": [vc_data_model.VC_V2],
            "id": f"urn:uuid:{uuid.uuid4()}",
            "type": ["VerifiableCredential", trust_bundle.AUTHORIZATION_TYPE],
            "issuer": self.data["profile"],
            "validFrom": format_datetime(now),
            "validUntil": format_datetime(until),
            "credentialSubject": {
                "id": trainer,
                "mayIssue": sorted(set(achievements)),
                "statusAllocation": {
                    "statusListCredential": status_list,
                    "statusListIndexStart": start,
                    "statusListIndexEnd": start + BLOCK,
                },
                "issuanceLogKey": self.data["logKey"],
            },
        }
        signed = _sign(authorization, self._secrets.signing, now)
        self.data["authorizations"].append(signed)
        self.save()
        return signed

    def _reserve_block(self) -> tuple[str, int]:
        lists = self.data["statusLists"]
        if not lists or lists[-1]["reserved"] + BLOCK > LIST_ENTRIES:
            lists.append({"id": f"urn:uuid:{uuid.uuid4()}", "reserved": 0, "credential": None})
        current = lists[-1]
        start = current["reserved"]
        current["reserved"] += BLOCK
        return current["id"], start

    # --- issuance logs and revocation -------------------------------------------------------

    def trainers(self) -> list[str]:
        return sorted({a["credentialSubject"]["id"] for a in self.data["authorizations"]})

    def log_head(self, trainer: str) -> int:
        """The sequence number of the last entry read from `trainer`'s log (0: none yet)."""
        head = self.data["logHeads"].get(trainer)
        return head["seq"] if head else 0

    def read_logs(self, fetch: Callable[[str, int], list[dict[str, Any]]]) -> dict[str, LogRead]:
        """Read each authorised trainer's log from where the last read stopped; `fetch`
        (trainer, after) returns the entries after `after`, as `sync.fetch_log` does from
        a server. What was read, by trainer, for the trainers with something new."""
        read = {}
        for trainer in self.trainers():
            if entries := fetch(trainer, self.log_head(trainer)):
                read[trainer] = self.read_log(trainer, entries)
        return read

    def read_log(self, trainer: str, entries: list[dict[str, Any]]) -> LogRead:
        """Take in log entries fetched from the server (which checked the chain; so do we,
        from the head we hold). Trainers' revocations are queued. A signed entry is still
        only the trainer's word: one that names a place outside its own block, or a
        credential already placed, is skipped and reported, never applied."""
        head = self.data["logHeads"].get(trainer)
        held = self.log_head(trainer)
        fresh = [e for e in entries if not _held(e, held)]
        issuance_log.check_continues(trainer, head, fresh)
        blocks = self._authorizations(trainer)
        skipped = []
        for entry in fresh:
            reason = self._apply(entry, blocks)
            if reason is not None:
                skipped.append(Skipped(trainer, entry["seq"], str(entry.get("kind")), reason))
        if fresh:
            self.data["logHeads"][trainer] = fresh[-1]
            self.save()
        return LogRead(len(fresh), skipped)

    def _apply(self, entry: dict[str, Any], blocks: list[trust_bundle.Authorization]) -> str | None:
        """Act on one entry; the reason it was skipped, or None."""
        place = {"list": entry.get("statusListCredential"), "index": entry.get("statusListIndex")}
        if not any(b.covers(place["list"], place["index"]) for b in blocks):
            return "outside-block"
        kind = entry.get("kind")
        if kind == issuance_log.EntryKind.REVOKED:
            self._queue_revocation(place)
            return None
        if kind != issuance_log.EntryKind.ISSUED:
            return "unknown-kind"
        payload = issuance_log.unseal(self._secrets.log_key, entry.get("sealed"))
        credential = payload.get("credential") if payload else None
        if not isinstance(credential, str):
            return "unreadable"
        if self.data["issued"].setdefault(credential, place) != place:
            return "claimed"
        return None

    def _authorizations(self, trainer: str | None = None) -> list[trust_bundle.Authorization]:
        """What this organisation granted (to one trainer, or to all)."""
        granted = [trust_bundle.Authorization.parse(a) for a in self.data["authorizations"]]
        return [a for a in granted if trainer is None or a.trainer == trainer]

    def _reserved(self, place: dict[str, Any]) -> bool:
        return any(a.covers(place.get("list"), place.get("index")) for a in self._authorizations())

    def ignored_revocations(self) -> list[dict[str, Any]]:
        """Revocations kept in the file that name no reserved place (queued before trainers'
        entries were checked against their blocks): kept, reported, never published."""
        return [p for p in self.data["revoked"] if not self._reserved(p)]

    def revoke(self, credential_id: str) -> None:
        place = self.data["issued"].get(credential_id)
        if place is None:
            raise OrganisationError(
                f"no trainer's log names {credential_id}: sync the logs first (--server)"
            )
        if not self._reserved(place):
            raise OrganisationError(
                f"the log placed {credential_id} outside every trainer's block: it cannot be "
                "revoked through a status list"
            )
        self._queue_revocation(place)
        self.save()

    def _queue_revocation(self, place: dict[str, Any]) -> None:
        if place not in self.data["revoked"]:
            self.data["revoked"].append(place)

    # --- publishing -------------------------------------------------------------------------

    def status_list(self, list_id: str, now: datetime) -> dict[str, Any]:
        """The signed list, re-signed only when a bit changed, so an unchanged list costs
        a verifier nothing on the next update."""
        entry = next(s for s in self.data["statusLists"] if s["id"] == list_id)
        bits = bytearray(LIST_ENTRIES // 8)
        ignored = self.ignored_revocations()
        for place in self.data["revoked"]:
            if place.get("list") == list_id and place not in ignored:
                bits[place["index"] // 8] |= 0x80 >> (place["index"] % 8)  # 3.1: index 0 leftmost
        encoded = bitstring_status_list.encode_bitstring(bytes(bits))
        current = entry["credential"]
        if current and current["credentialSubject"]["encodedList"] == encoded:
            return current
        credential = {
            "@context": [vc_data_model.VC_V2],
            "id": list_id,
            "type": ["VerifiableCredential", bitstring_status_list.LIST_CREDENTIAL_TYPE],
            "issuer": self.did,
            "validFrom": format_datetime(now),
            "credentialSubject": {
                "id": f"{list_id}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encoded,
            },
        }
        entry["credential"] = _sign(credential, self._secrets.signing, now)
        return entry["credential"]

    def bundle_entries(self, now: datetime) -> dict[str, Any]:
        """This organisation's share of a trust bundle: a registry merges many."""
        entries: dict[str, Any] = {
            trust_bundle.entry_id(trust_bundle.ORGANISATION, self.did): self.data["profile"]
        }
        for authorization in self.data["authorizations"]:
            key = trust_bundle.entry_id(trust_bundle.AUTHORIZATION, authorization["id"])
            entries[key] = authorization
        for status in self.data["statusLists"]:
            key = trust_bundle.entry_id(trust_bundle.STATUS_LIST, status["id"])
            entries[key] = self.status_list(status["id"], now)
        return entries

    def publish(self, now: datetime, lifetime: timedelta = BUNDLE_LIFETIME) -> dict[str, Any]:
        """A trust bundle with this organisation as its publisher (an employer pins it)."""
        entries = {**context_entries(), **self.bundle_entries(now)}
        self.data["bundleSequence"] += 1
        bundle = trust_bundle.sign_bundle(
            entries, self._secrets.signing, self.data["bundleSequence"], now, now + lifetime
        )
        self.save()
        return bundle


def _held(entry: Any, held: int) -> bool:
    """Already taken in: anything else, garbage included, goes to the chain check."""
    seq = entry.get("seq") if isinstance(entry, dict) else None
    return isinstance(seq, int) and not isinstance(seq, bool) and seq <= held


def context_entries() -> dict[str, Any]:
    return {
        trust_bundle.entry_id(trust_bundle.CONTEXT, url): {"url": url, "sha256": digest}
        for url, digest in sorted(bundled_context_hashes().items())
    }
