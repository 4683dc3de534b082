"""The standard presentation's QR size over many samples (issue 17): fresh issuer and
holder keys, challenges and nonces each time, so signatures and varints vary as they do
in the field. Figures for the sample badge and for a badge with long names and a full
profile, answering a challenge and one-way (as the share screen makes it)."""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wallet.assets import assets_dir
from wallet.qr import compact, frames
from wallet.services.issuer import signing as issuer
from wallet.services.learner import presenter
from wallet.vc import bitstring_status_list, did_key, ecdsa_sd_2023
from wallet.vc.multikey import KeyPair, KeyType

SAMPLES = 40
REVEAL = ["/credentialSubject/achievement/name", "/credentialSubject/name"]
_NOW = datetime(2026, 6, 1, tzinfo=UTC)
_STATUS_LIST = "https://example.org/status/7"


def sample_badge() -> dict[str, Any]:
    """The bundled teamwork badge as an organisation's trainer issues it: with a
    revocation entry at a random index of the organisation's status list."""
    badge = json.loads((assets_dir() / "samples" / "teamwork-badge.json").read_text())
    badge["credentialStatus"] = _status_entry()
    return badge


def long_names_badge() -> dict[str, Any]:
    """A realistic large badge: long names, an issuer Profile with url and email,
    alignments, a subject with identifiers and results, an end date."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:3f1d2c4b-5a69-4e7d-8c1b-0a2e3f4d5c6b",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "https://training.example.org/institutes/coastal-renewable-energy",
            "type": ["Profile"],
            "name": "Coastal Institute for Renewable Energy and Water Engineering",
            "url": "https://training.example.org/institutes/coastal-renewable-energy",
            "email": "certification.office@training.example.org",
        },
        "validFrom": "2026-03-02T08:30:00Z",
        "validUntil": "2029-03-02T08:30:00Z",
        "name": "Solar Photovoltaic Installation and Maintenance, Level 3 (Advanced)",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": "Nomvula Thandiwe Mahlangu-Oyelaran de la Cruz",
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "learner-2026-000418",
                    "identityType": "studentId",
                    "hashed": False,
                }
            ],
            "result": [
                {"type": ["Result"], "value": "Distinction", "resultDescription": "urn:r:1"},
                {"type": ["Result"], "value": "92", "resultDescription": "urn:r:2"},
            ],
            "achievement": {
                "id": "https://training.example.org/achievements/solar-pv-installation-level-3",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": "Solar Photovoltaic Installation and Maintenance, Level 3 (Advanced)",
                "description": "Designs, installs, commissions and maintains grid-tied and "
                "off-grid photovoltaic systems up to 30 kW to national wiring standards.",
                "criteria": {
                    "narrative": "Passed the written examination and installed a 5 kW "
                    "off-grid system under assessment, with a safety record."
                },
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Install and commission solar PV systems",
                        "targetUrl": "https://frameworks.example.org/energy/pv-install-3",
                        "targetFramework": "National Energy Skills Framework",
                        "targetCode": "NESF-PV-3",
                    },
                    {
                        "type": ["Alignment"],
                        "targetName": "Work safely with electrical installations",
                        "targetUrl": "https://frameworks.example.org/energy/electrical-safety",
                    },
                ],
            },
        },
        "credentialStatus": _status_entry(),
    }


def _status_entry() -> dict[str, Any]:
    index = secrets.randbelow(bitstring_status_list.MIN_ENTRIES)
    return bitstring_status_list.StatusEntry("revocation", index, 1, _STATUS_LIST).to_json()


def standard_presentation(badge: dict[str, Any], *, answers_challenge: bool) -> dict[str, Any]:
    """One presentation with fresh keys: issued ecdsa-sd-2023 under the default profile to
    a holder DID, revealing the achievement name and the learner's name."""
    issuer_key = KeyPair.generate(KeyType.P256)
    holder_key = KeyPair.generate(KeyType.ED25519)
    badge = copy.deepcopy(badge)
    badge["credentialSubject"]["id"] = did_key.did_for(holder_key.public)
    badge["credentialStatus"] = _status_entry()
    derived = ecdsa_sd_2023.derive(issuer.issue(badge, issuer_key, ecdsa_sd_2023.NAME), REVEAL)
    challenge = presenter.new_challenge() if answers_challenge else None
    return presenter.sign_presentation([derived], [holder_key], now=_NOW, challenge=challenge)


@dataclass(frozen=True)
class Sizes:
    """Over the samples: payload bytes and text characters (min, max), codes each needs
    as `frames.texts_for` splits it, and the QR version of a single code."""

    payload: tuple[int, int]
    chars: tuple[int, int]
    codes: tuple[int, int]
    one_code: int  # samples that are one code
    version: tuple[int, int]  # of one code, at level L


def measure(badge: dict[str, Any], *, answers_challenge: bool, samples: int = SAMPLES) -> Sizes:
    payloads, chars, codes, versions = [], [], [], []
    for _ in range(samples):
        document = standard_presentation(badge, answers_challenge=answers_challenge)
        texts, size = frames.texts_for(document)
        payloads.append(size)
        chars.append(len(compact.to_text(document)))
        codes.append(len(texts))
        versions.append(version_for(len(texts[0])))
    return Sizes(
        (min(payloads), max(payloads)),
        (min(chars), max(chars)),
        (min(codes), max(codes)),
        codes.count(1),
        (min(versions), max(versions)),
    )


def version_for(characters: int) -> int:
    """The smallest QR version holding this many alphanumeric characters at level L."""
    return next(v for v in range(1, 41) if frames.alphanumeric_capacity(v) >= characters)


def figures(samples: int = SAMPLES) -> Iterator[tuple[str, float, str]]:
    for badge_name, badge in (("sample", sample_badge()), ("long-names", long_names_badge())):
        for mode, answers in (("challenge", True), ("one-way", False)):
            sizes = measure(badge, answers_challenge=answers, samples=samples)
            name = f"qr.standard-presentation.{badge_name}.{mode}"
            yield f"{name}.payload-max", sizes.payload[1], "bytes"
            yield f"{name}.chars-min", sizes.chars[0], "chars"
            yield f"{name}.chars-max", sizes.chars[1], "chars"
            yield f"{name}.codes-max", sizes.codes[1], "codes"
            yield f"{name}.one-code", sizes.one_code, f"of-{samples}"
            yield f"{name}.version-max", sizes.version[1], "version-at-level-L"
