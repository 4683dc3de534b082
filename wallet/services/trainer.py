"""The field trainer's side: an issuer profile whose key never leaves the vault,
achievement templates, issuing to a learner face to face, and the issuance log."""

from __future__ import annotations

import base64
import io
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from PIL import Image

from wallet.qr import images
from wallet.services import issuer, keyring, qr_display
from wallet.store.errors import RecordNotFound
from wallet.store.vault import Vault
from wallet.vc import did_key, ecdsa_sd_2023, open_badges, vc_data_model
from wallet.vc.data_integrity import format_datetime
from wallet.vc.errors import MalformedInput
from wallet.vc.multikey import KeyPair, KeyType

ISSUER_PROFILE = "issuer_profile"
TEMPLATE = "template"
ISSUANCE = "issuance"
_PROFILE_ID = "issuer-profile"


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


@dataclass(frozen=True)
class Issued:
    credential: dict[str, Any]
    qr_texts: list[str]  # one LW1 code, or LWF frames to show in turn
    entry: LogEntry


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
        "id": f"urn:uuid:{template.id}",
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
            did = keyring.store(self.vault, keyring.ISSUER_KEY, KeyPair.generate(KeyType.P256))
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

    def issue(self, template_id: str, recipient: str) -> Issued:
        profile = self.profile()
        if profile is None:
            raise MalformedInput("set up the issuer (name and key) before issuing")
        now = self._now()
        document = open_badge(
            issuer_name=profile["name"],
            template=self.template(template_id),
            recipient=recipient,
            now=now,
        )
        key = keyring.load(self.vault, keyring.ISSUER_KEY, profile["did"])
        credential = issuer.issue(document, key, ecdsa_sd_2023.NAME, created=now)
        entry = LogEntry(
            str(uuid.uuid4()),
            credential["id"],
            document["name"],
            recipient.strip(),
            now.isoformat(timespec="seconds"),
        )
        with self.vault.transaction():
            self.vault.put(entry.id, ISSUANCE, asdict(entry))
        return Issued(credential, qr_display.texts_for(credential)[0], entry)

    def log(self) -> list[LogEntry]:
        """Newest first."""
        return [LogEntry(**self.vault.get(i, ISSUANCE).payload) for i in self.vault.ids(ISSUANCE)]

    def revoke(self, entry_id: str) -> LogEntry:
        """Marked in the log, which syncs to the organisation; publishing it in a status
        list is the organisation's job."""
        entry = LogEntry(**self.vault.get(entry_id, ISSUANCE).payload)
        if entry.revoked:
            return entry
        revoked = LogEntry(
            **{**asdict(entry), "revoked": self._now().isoformat(timespec="seconds")}
        )
        with self.vault.transaction():
            self.vault.put(entry_id, ISSUANCE, asdict(revoked))
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
