"""Sample badges, so a new user can try every role before holding a real credential.

They come from a throwaway key under a name that says what it is; no verifier trusts it,
so a sample is never shown as trusted."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from wallet.services.issuer import signing as issuer
from wallet.services.issuer.trainer import Template, open_badge
from wallet.services.learner.backpack import Backpack, ImportResult
from wallet.services.learner.sources import in_memory
from wallet.vc import ecdsa_sd_2023
from wallet.vc.multikey import KeyPair, KeyType

DEMO_ISSUER = "Demo issuer (sample badges, not trusted)"
_SAMPLES = (
    Template(
        str(uuid.UUID(int=1)),
        "Teamwork (sample)",
        "Works well in a small team.",
        "Led a group of four through a week-long repair project.",
    ),
    Template(
        str(uuid.UUID(int=2)),
        "First aid basics (sample)",
        "Can give basic first aid.",
        "Passed a practical assessment of recovery position and CPR.",
    ),
    Template(
        str(uuid.UUID(int=3)),
        "Digital literacy (sample)",
        "Uses a phone safely for learning and work.",
        "Completed six guided sessions and a final task.",
    ),
)


def add_sample_badges(backpack: Backpack, *, now: datetime) -> list[ImportResult]:
    key = KeyPair.generate(KeyType.P256)
    sources = []
    for template in _SAMPLES:
        document = open_badge(
            issuer_name=DEMO_ISSUER,
            template=template,
            recipient=backpack.new_holder_key(),
            now=now,
        )
        signed = issuer.issue(document, key, ecdsa_sd_2023.NAME, created=now)
        data = json.dumps(signed).encode()
        sources.append((template.name, in_memory(data)))
    return list(backpack.import_sources(sources))
