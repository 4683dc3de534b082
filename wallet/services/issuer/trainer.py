"""The field trainer's side: an issuer profile whose key never leaves the vault,
achievement templates, issuing to a learner face to face, and the issuance log."""

from __future__ import annotations

import base64
import io
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from PIL import Image

from wallet.protocol import issuance_log
from wallet.qr import frames, images
from wallet.services.issuer import signing as issuer
from wallet.services.learner import sources
from wallet.services.learner.backpack import load_key, store_key
from wallet.store.errors import RecordNotFound
from wallet.store.vault import Vault
from wallet.vc import bitstring_status_list, did_key, ecdsa_sd_2023, open_badges, vc_data_model
from wallet.vc.data_integrity import format_datetime
from wallet.vc.errors import MalformedInput, UnusableInput
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.trust_bundle import Authorization
from wallet.vc.verification import verify_credential

ISSUER_PROFILE = "issuer_profile"
TEMPLATE = "template"
ISSUANCE = "issuance"
AUTHORIZATION = "trainer_authorization"
ISSUER_KEY = "issuer_key"  # sealed in the vault like the learner's holder keys
CHAIN = "issuance_chain"  # the signed, hash-chained log the organisation receives
_PROFILE_ID = "issuer-profile"
_CHAIN_HEAD = "issuance-chain-head"


class NotRevocable(UnusableInput):
    """A revocation that could never take effect, refused rather than marked: `code` is
    "own-name" (issued without an organisation's status entry, so no list can say it) or
    "no-authorisation" (the authorisation it was issued under is gone from this device)."""

    kind = "not_revocable"

    def __init__(self, code: str, achievement: str) -> None:
        super().__init__(f"{achievement}: not revocable ({code})")
        self.code = code
        self.params = {"name": achievement}


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    description: str = ""
    criteria: str = ""
    image: str = ""  # a URL or data: URI


@dataclass(frozen=True)
class LogEntry:
    id: str
    credential_id: str
    achievement: str
    recipient: str
    issued: str
    revoked: str | None = None
    status_list: str | None = None  # set when issued under an organisation's authorisation
    status_index: int | None = None
    delivery: str = "qr"  # or "paper": printed for a learner with no phone (`wallet paper`)


@dataclass(frozen=True)
class Issued:
    credential: dict[str, Any]
    qr_texts: list[str]  # one LW1 code, or LWF frames to show in turn
    entry: LogEntry


def achievement_id(template: Template) -> str:
    """A template made for an organisation's achievement carries its id; others get one."""
    return template.id if ":" in template.id else f"urn:uuid:{template.id}"


def open_badge(
    *,
    issuer_name: str,
    template: Template,
    recipient: str,
    now: datetime,
) -> dict[str, Any]:
    """An unsigned OB 3.0 credential: a DID recipient becomes the subject id (so the
    learner can prove it is theirs), anything else is the learner's name."""
    if not template.name.strip():
        raise MalformedInput("an achievement needs a name")
    recipient = recipient.strip()
    if not recipient:
        raise MalformedInput("give the learner's DID (scan their receive code) or their name")
    achievement: dict[str, Any] = {
        "id": achievement_id(template),
        "type": ["Achievement"],
        "name": template.name.strip(),
    }
    if template.description.strip():
        achievement["description"] = template.description.strip()
    if template.criteria.strip():
        achievement["criteria"] = {"narrative": template.criteria.strip()}
    if template.image:
        achievement["image"] = {"id": template.image, "type": "Image"}
    subject: dict[str, Any] = {"type": ["AchievementSubject"], "achievement": achievement}
    if recipient.startswith("did:"):
        subject["id"] = recipient
    else:
        subject["name"] = recipient
    return {
        "@context": [vc_data_model.VC_V2, open_badges.CONTEXT],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "", "type": ["Profile"], "name": issuer_name},
        "validFrom": format_datetime(now),
        "name": template.name.strip(),
        "credentialSubject": subject,
    }


class Trainer:
    def __init__(self, vault: Vault, clock: Callable[[], float] = time.time) -> None:
        self.vault = vault
        self._clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    # --- issuer profile ---------------------------------------------------------------------

    def profile(self) -> dict[str, str] | None:
        try:
            return self.vault.get(_PROFILE_ID, ISSUER_PROFILE).payload
        except RecordNotFound:
            return None

    def set_up(self, name: str) -> dict[str, str]:
        """Name the issuer; the first time, also make its P-256 key (ecdsa-sd-2023, so
        learners can reveal claims one by one). Renaming keeps the key."""
        if not name.strip():
            raise MalformedInput("the issuer needs a name")
        current = self.profile()
        did = current["did"] if current else None
        if did is None:  # a key kept without a profile is harmless; the next set-up adds one
            did = store_key(self.vault, ISSUER_KEY, KeyPair.generate(KeyType.P256))
        profile = {"name": name.strip(), "did": did}
        with self.vault.transaction():
            self.vault.put(_PROFILE_ID, ISSUER_PROFILE, profile)
        return profile

    # --- templates --------------------------------------------------------------------------

    def templates(self) -> list[Template]:
        found = [Template(**self.vault.get(i, TEMPLATE).payload) for i in self.vault.ids(TEMPLATE)]
        return sorted(found, key=lambda t: t.name.lower())

    def template(self, template_id: str) -> Template:
        return Template(**self.vault.get(template_id, TEMPLATE).payload)

    def save_template(
        self,
        name: str,
        description: str = "",
        criteria: str = "",
        image: str = "",
        *,
        template_id: str | None = None,
    ) -> Template:
        if not name.strip():
            raise MalformedInput("an achievement needs a name")
        template = Template(
            template_id or str(uuid.uuid4()), name.strip(), description, criteria, image
        )
        with self.vault.transaction():
            self.vault.put(template.id, TEMPLATE, asdict(template))
        return template

    # --- issuing ----------------------------------------------------------------------------

    # --- the organisation's authorisation ---------------------------------------------------

    def accept_authorization(self, credential: dict[str, Any]) -> Authorization:
        """Keep an organisation's authorisation for this device's key, after checking it is
        one, that the organisation signed it, and that it names this key."""
        profile = self.profile()
        if profile is None:
            raise MalformedInput("set up the issuer (name and key) before accepting")
        authorization = Authorization.parse(credential)
        report = verify_credential(credential, now=authorization.valid_from)
        if not all(c.ok for c in report.checks if c.id.startswith(("signature", "issuer"))):
            raise MalformedInput("the authorisation is not signed by the organisation it names")
        if authorization.trainer != profile["did"]:
            raise MalformedInput("that authorisation is for another trainer's key")
        with self.vault.transaction():
            self.vault.put(authorization.id, AUTHORIZATION, credential)
        return authorization

    def accept_authorization_files(self, files: list[tuple[str, bytes]]) -> Authorization:
        """From the app: a file, a QR photo, or photos of each frame of a QR sequence. Each
        authorised achievement without a template gets one to fill in."""
        if not files:
            raise MalformedInput("choose the authorisation file or its QR pictures")
        name, data = sources.as_sources(files, "QR frames")[0]
        granted = self.accept_authorization(sources.parse_source(name, data))
        known = {t.id for t in self.templates()}
        for achievement in sorted(granted.achievements - known):
            self.save_template(achievement.rsplit(":", 1)[-1], template_id=achievement)
        return granted

    def authorizations(self) -> list[dict[str, Any]]:
        return [self.vault.get(i, AUTHORIZATION).payload for i in self.vault.ids(AUTHORIZATION)]

    def _authorization_for(self, achievement: str, now: datetime) -> dict[str, Any] | None:
        """The authorisation to issue under; None when this trainer has none at all (it
        then issues in its own name). One that exists but does not cover this is an error."""
        held = self.authorizations()
        if not held:
            return None
        for credential in held:
            granted = Authorization.parse(credential)
            if (
                achievement in granted.achievements
                and granted.valid_from <= now <= granted.valid_until
            ):
                return credential
        raise MalformedInput(
            "your organisation has not authorised you to issue this achievement now"
        )

    # --- issuing ----------------------------------------------------------------------------

    def issue(self, template_id: str, recipient: str, *, paper: bool = False) -> Issued:
        """Sign a badge for `recipient`, and log it; `paper` when it goes to a printed copy
        (for a learner with no phone: issued to their name), which the log records."""
        profile = self.profile()
        if profile is None:
            raise MalformedInput("set up the issuer (name and key) before issuing")
        now = self._now()
        template = self.template(template_id)
        authorization = self._authorization_for(achievement_id(template), now)
        organisation = authorization["issuer"] if authorization else None
        document = open_badge(
            issuer_name=organisation["name"] if organisation else profile["name"],
            template=template,
            recipient=recipient,
            now=now,
        )
        # never sign a badge a verifier would refuse; the error names what to fill in
        vc_data_model.refuse_nonconforming(open_badges.structure_problems(document))
        status_list: str | None = None
        index: int | None = None
        if authorization:
            status_list, index = self._status_entry(authorization)
            document["credentialStatus"] = bitstring_status_list.StatusEntry(
                "revocation", index, 1, status_list
            ).to_json()
        key = load_key(self.vault, ISSUER_KEY, profile["did"])
        credential = issuer.issue(document, key, ecdsa_sd_2023.NAME, created=now)
        entry = LogEntry(
            str(uuid.uuid4()),
            credential["id"],
            document["name"],
            recipient.strip(),
            now.isoformat(timespec="seconds"),
            status_list=status_list,
            status_index=index,
            delivery="paper" if paper else "qr",
        )
        with self.vault.transaction():
            self.vault.put(entry.id, ISSUANCE, asdict(entry))
            if authorization:
                self._chain(key, authorization, issuance_log.EntryKind.ISSUED, entry, now)
        return Issued(credential, frames.texts_for(credential)[0], entry)

    def _status_entry(self, authorization: dict[str, Any]) -> tuple[str, int]:
        """A random unused index from this trainer's block: random, so that neighbouring
        indexes say nothing about who was issued what, and when (herd privacy)."""
        allocation = authorization["credentialSubject"]["statusAllocation"]
        status_list = allocation["statusListCredential"]
        start, end = allocation["statusListIndexStart"], allocation["statusListIndexEnd"]
        used = {e.status_index for e in self.log() if e.status_list == status_list}
        free = [i for i in range(start, end) if i not in used]
        if not free:
            raise MalformedInput("every status index your organisation reserved is used")
        return status_list, secrets.choice(free)

    def _chain(
        self,
        key: KeyPair,
        authorization: dict[str, Any],
        kind: issuance_log.EntryKind,
        entry: LogEntry,
        now: datetime,
    ) -> None:
        subject = authorization["credentialSubject"]
        what = {
            "credential": entry.credential_id,
            "achievement": entry.achievement,
            "recipient": entry.recipient,
        }
        if entry.delivery != "qr":  # the organisation learns it went to paper, the server not
            what["delivery"] = entry.delivery
        sealed = issuance_log.seal(subject["issuanceLogKey"], what)
        head = self.chain_head()
        link = issuance_log.append(
            head,
            key,
            at=format_datetime(now),
            kind=kind,
            status_list=entry.status_list or "",
            status_index=entry.status_index if entry.status_index is not None else -1,
            sealed=sealed,
        )
        self.vault.put(f"{link['seq']:010d}", CHAIN, link)
        self.vault.put(_CHAIN_HEAD, CHAIN, link)

    def chain_head(self) -> dict[str, Any] | None:
        try:
            return self.vault.get(_CHAIN_HEAD, CHAIN).payload
        except RecordNotFound:
            return None

    def chain_after(self, seq: int) -> list[dict[str, Any]]:
        """The signed log entries after `seq`, oldest first, for upload."""
        head = self.chain_head()
        last = head["seq"] if head else 0
        return [self.vault.get(f"{n:010d}", CHAIN).payload for n in range(seq + 1, last + 1)]

    def log(self) -> list[LogEntry]:
        """Newest first."""
        return [LogEntry(**self.vault.get(i, ISSUANCE).payload) for i in self.vault.ids(ISSUANCE)]

    def revoke_credential(self, credential_id: str) -> LogEntry:
        """`revoke` for the log entry that issued `credential_id` (`wallet trainer revoke`)."""
        entry = next((e for e in self.log() if e.credential_id == credential_id), None)
        if entry is None:
            raise MalformedInput(f"this device's issuance log has no {credential_id}")
        return self.revoke(entry.id)

    def revoke(self, entry_id: str) -> LogEntry:
        """Marked in the log, with a signed revocation request in the chain the
        organisation receives; publishing it is the organisation's job. A badge no list
        can ever revoke is refused (`NotRevocable`), never marked as revoked."""
        entry = LogEntry(**self.vault.get(entry_id, ISSUANCE).payload)
        if entry.revoked:
            return entry
        if entry.status_list is None:
            raise NotRevocable("own-name", entry.achievement)
        now = self._now()
        revoked = LogEntry(**{**asdict(entry), "revoked": now.isoformat(timespec="seconds")})
        authorization = next(
            (
                a
                for a in self.authorizations()
                if a["credentialSubject"]["statusAllocation"]["statusListCredential"]
                == entry.status_list
            ),
            None,
        )
        if authorization is None:
            raise NotRevocable("no-authorisation", entry.achievement)
        with self.vault.transaction():
            self.vault.put(entry_id, ISSUANCE, asdict(revoked))
            profile = self.profile() or {}
            key = load_key(self.vault, ISSUER_KEY, profile["did"])
            self._chain(key, authorization, issuance_log.EntryKind.REVOKED, revoked, now)
        return revoked


def read_receive_code(picture: bytes) -> str:
    """The learner's DID from a photo of their "receive" QR."""
    for text in images.decode_image(picture):
        if did_key.resolve(text) is not None:  # a damaged key is refused now, not after signing
            return text
    raise MalformedInput("that QR code is not a learner's receive code (a did:key)")


BADGE_IMAGE_PIXELS = 64  # small enough that the badge still travels in a few QR frames


def badge_image(picture: bytes) -> str:
    """A picked image as a small PNG data: URI, so the badge needs no network to show it."""
    try:
        with Image.open(io.BytesIO(picture)) as opened:
            small = opened.convert("RGBA")
            small.thumbnail((BADGE_IMAGE_PIXELS, BADGE_IMAGE_PIXELS))
    except (OSError, Image.DecompressionBombError) as error:
        raise MalformedInput("that file is not an image this app can read") from error
    out = io.BytesIO()
    small.save(out, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
