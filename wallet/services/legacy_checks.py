"""Checks stored before they became data: their English sentences, read back into codes
and params, so a verification kept last month renders in today's language.

Wallets before this version sealed each check as `{id, ok, message, warning}` in the
verifier's history and in every credential's report. `upgrade_stored` rewrites the
history once, after the vault is unlocked (schema migration 5 notes that there may be
some); `upgrade_checks` also serves reports as they are read, and records a device that
has not updated yet syncs in. A
sentence no pattern knows is kept as it was written (`legacy`), never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from wallet.store.schema import LEGACY_CHECKS
from wallet.store.vault import Vault

Params = dict[str, Any]
_DATE = r"\d{4}-\d\d-\d\d"
_UNITS = {"minute": 60, "hour": 3_600, "day": 86_400}


def _seconds(age: str) -> int:
    """ "2 days ago" -> 172800; "just now" -> 0 (what `describe_age` wrote)."""
    found = re.fullmatch(r"(\d+) (minute|hour|day)s? ago", age)
    return int(found[1]) * _UNITS[found[2]] if found else 0


def _iso(date: str) -> str:
    """ "2026-12-01" or "2026-12-01 14:05" (UTC) as the ISO form params carry."""
    return date.replace(" ", "T") + ("T00:00:00Z" if len(date) == 10 else ":00Z")


def _bundle(text: str) -> Params:
    found = re.fullmatch(r"trust bundle issued (.+?)(?:, expired (.+))?", text)
    if found is None:
        return {"code": "legacy", "params": {"text": text}}
    if found[2] is None:
        return {"code": "trust.bundle-age", "params": {"issued": _seconds(found[1])}}
    issued, expired = _seconds(found[1]), _seconds(found[2])
    return {"code": "trust.bundle-expired", "params": {"issued": issued, "expired": expired}}


_CLEARED = {"revoked": "revocation", "suspended": "suspension"}


def _purpose(word: str) -> str:
    return _CLEARED.get(word, word.removeprefix("flagged for "))


_PROOF: list[tuple[str, str, Callable[[re.Match[str]], Params]]] = [
    (r"The signature is valid\.", "proof.valid", lambda m: {}),
    (r"The signature does not match the content\.", "proof.mismatch", lambda m: {}),
    (
        r"The signing key (\S+) is not known on this device\.",
        "proof.unknown-key",
        lambda m: {"key": m[1]},
    ),
    (
        r"The key type (\S+) cannot make this kind of proof\.",
        "proof.key-type",
        lambda m: {"key_type": m[1]},
    ),
    (
        r"The proof is for '(.*)', not '(.*)'\.",
        "proof.purpose",
        lambda m: {"purpose": m[1], "expected": m[2]},
    ),
    (
        r"The number of signatures does not match the statements\.",
        "proof.count-mismatch",
        lambda m: {},
    ),
    (r"The issuer's signature does not match the content\.", "proof.base-mismatch", lambda m: {}),
    (r"A disclosed statement has been altered\.", "proof.altered", lambda m: {}),
    (r"The selectively disclosed signature is valid\.", "proof.disclosed-valid", lambda m: {}),
    (r"The issuer's selective-disclosure signature is valid\.", "proof.base-valid", lambda m: {}),
]

_STATUS = r"Not (revoked|suspended|flagged for \S+)"

# (pattern of the old sentence, code, params from the match), in the order to try them
_CHECKS: list[tuple[str, str, Callable[[re.Match[str]], Params]]] = [
    (
        r"Well-formed (.+?); the holder withheld (.+)\.",
        "structure.withheld",
        lambda m: {"kind": m[1], "fields": m[2].split(", ")},
    ),
    (r"Well-formed (.+)\.", "structure.ok", lambda m: {"kind": m[1]}),
    (
        r"Not a valid (Verifiable Credential|Open Badge 3\.0): (.+)\.",
        "structure.invalid",
        lambda m: {"kind": m[1], "problems": m[2].split("; ")},
    ),
    (r"The credential carries no proof\.", "signature.none", lambda m: {}),
    (
        r"Holder's (\S+): (.+)",
        "holder-signature.proof",
        lambda m: {"suite": m[1], "reason": _proof(m[2])},
    ),
    (r"Signed by the issuer (\S+)\.", "issuer.signed", lambda m: {"issuer": m[1]}),
    (
        r"Signed by (.+), not by the named issuer (\S+)\.",
        "issuer.other-signer",
        lambda m: {"signers": m[1].split(", "), "issuer": m[2]},
    ),
    (r"No valid signature from the issuer (\S+)\.", "issuer.unsigned", lambda m: {"issuer": m[1]}),
    (
        rf"Not valid until ({_DATE} \d\d:\d\d) UTC\.",
        "validity.not-yet",
        lambda m: {"start": _iso(m[1])},
    ),
    (rf"Expired on ({_DATE})\.", "validity.expired", lambda m: {"end": _iso(m[1])}),
    (rf"Valid until ({_DATE})\.", "validity.until", lambda m: {"end": _iso(m[1])}),
    (r"Valid, with no expiry date\.", "validity.no-expiry", lambda m: {}),
    (r"The issuer publishes no status: it cannot be revoked\.", "status.none", lambda m: {}),
    (
        r"Status unknown: no (\S+) list for this issuer is cached\.",
        "status.unknown",
        lambda m: {"purpose": m[1]},
    ),
    (r"The cached status list's signature is not valid\.", "status.list-signature", lambda m: {}),
    (
        r"Status unknown: the cached list is signed by (\S+), not the issuer\.",
        "status.list-other-issuer",
        lambda m: {"list_issuer": m[1]},
    ),
    (
        r"Revoked by the issuer \(list fetched (.+)\)\.",
        "status.revoked",
        lambda m: {"age": _seconds(m[1])},
    ),
    (
        r"Suspended by the issuer \(list fetched (.+)\)\.",
        "status.suspended",
        lambda m: {"age": _seconds(m[1])},
    ),
    (
        rf"{_STATUS}, but the list has expired \(fetched (.+)\)\.",
        "status.clear-list-expired",
        lambda m: {"purpose": _purpose(m[1]), "age": _seconds(m[2])},
    ),
    (
        rf"{_STATUS} \(list fetched (.+)\)\. Out of date: trust bundle issued .+?, expired (.+)\.",
        "status.out-of-date",
        lambda m: {"purpose": _purpose(m[1]), "age": _seconds(m[2]), "expired": _seconds(m[3])},
    ),
    (
        rf"{_STATUS} \(list fetched (.+)\)\.",
        "status.clear",
        lambda m: {"purpose": _purpose(m[1]), "age": _seconds(m[2])},
    ),
    (r"The presentation is not signed by its holder\.", "holder-signature.none", lambda m: {}),
    (
        r"Signed by the holder just now for this presentation\.",
        "holder-signature.valid",
        lambda m: {},
    ),
    (r"It was not made for your challenge and domain\.", "challenge.mismatch", lambda m: {}),
    (r"It answers the challenge you showed\.", "challenge.answered", lambda m: {}),
    (
        r"It answers a different challenge than the one you showed\.",
        "challenge.other",
        lambda m: {},
    ),
    (
        r"It answers a verifier's challenge, but none was given\.",
        "challenge.unexpected",
        lambda m: {},
    ),
    (
        r"A one-way presentation must say when it was made and expires\.",
        "expiry.undated",
        lambda m: {},
    ),
    (r"It claims to stay valid for too long to be trusted\.", "expiry.too-long", lambda m: {}),
    (r"It was made in the future: check this device's clock\.", "expiry.future", lambda m: {}),
    (
        r"It expired (\d+) minutes ago: ask for a fresh one\.",
        "expiry.expired",
        lambda m: {"age": int(m[1]) * 60},
    ),
    (r"Made moments ago and still within its short lifetime\.", "expiry.fresh", lambda m: {}),
    (r"Not checked: the holder's signature does not hold\.", "replay.not-checked", lambda m: {}),
    (
        rf"This exact presentation was already shown at ({_DATE} \d\d:\d\d) UTC\.",
        "replay.seen",
        lambda m: {"at": _iso(m[1])},
    ),
    (r"Not seen before\.", "replay.new", lambda m: {}),
    (r"Not bound to anyone: whoever holds it can show it\.", "holder.unbound", lambda m: {}),
    (r"Shown by the person it was issued to\.", "holder.bound", lambda m: {}),
    (
        r"Shown by someone other than the person it was issued to\.",
        "holder.someone-else",
        lambda m: {},
    ),
    (
        rf"Issued by a trainer (.+) authorised until ({_DATE}), in your (.+)\.",
        "trust.trusted-trainer",
        lambda m: {"name": m[1], "until": _iso(m[2]), "bundle": _bundle(m[3])},
    ),
    (
        r"Issued by a trainer (.+) authorised, but without a revocation status: .+\.",
        "trust.not-revocable",
        lambda m: {"name": m[1]},
    ),
    (
        r"Its revocation status is outside the indexes (.+) reserved for this trainer: .+\.",
        "trust.status-outside-block",
        lambda m: {"name": m[1]},
    ),
    (r"Issued by (.+), which you trust\.", "trust.trusted-by-hand", lambda m: {"name": m[1]}),
    (
        r"Issued by (.+), in your (trust bundle .+)\.",
        "trust.trusted",
        lambda m: {"name": m[1], "bundle": _bundle(m[2])},
    ),
    (
        r"The issuer (.*) is not on your trusted list\.",
        "trust.not-trusted",
        lambda m: {"issuer": m[1]},
    ),
    (
        r"Claims to be from (.+), but (.+) never authorised the key (\S+) \((.+)\)\.",
        "trust.impostor",
        lambda m: {"claimed": m[1], "name": m[2], "issuer": m[3], "bundle": _bundle(m[4])},
    ),
    (
        r"Claims to be from (.+), but the key belongs to (.+) \((.+)\)\.",
        "trust.name-mismatch",
        lambda m: {"claimed": m[1], "name": m[2], "bundle": _bundle(m[3])},
    ),
    (
        r"The trainer is not authorised to issue the achievement (.+)\.",
        "trust.out-of-scope",
        lambda m: {"achievement": m[1]},
    ),
    (
        rf"Issued ({_DATE}), after the trainer's authorisation ended \(({_DATE})\)\.",
        "trust.after-authorisation",
        lambda m: {"issued": _iso(m[1]), "ended": _iso(m[2])},
    ),
    (
        r"Issued outside the dates of the trainer's authorisation\.",
        "trust.outside-authorisation",
        lambda m: {},
    ),
    (r"(\S+): (.+)", "signature.proof", lambda m: {"suite": m[1], "reason": _proof(m[2])}),
]


def _match(
    table: list[tuple[str, str, Callable[[re.Match[str]], Params]]], text: str
) -> tuple[str, Params]:
    for pattern, code, params in table:
        found = re.fullmatch(pattern, text)
        if found is not None:
            return code, params(found)
    return "legacy", {"text": text}


def _proof(text: str) -> Params:
    code, params = _match(_PROOF, text)
    return {"code": code, "params": params}


def upgrade_check(check: dict[str, Any]) -> dict[str, Any]:
    """A stored check in today's form; one already in it is returned as it is."""
    if "code" in check:
        return check
    code, params = _match(_CHECKS, str(check.get("message", "")))
    ok, warning = bool(check.get("ok")), bool(check.get("warning"))
    severity = "failure" if not ok else "warning" if warning else "ok"
    return {
        "id": check["id"],
        "code": code,
        "params": params,
        "severity": severity,
        "ok": ok,
        "warning": warning and ok,
    }


def upgrade_checks(holder: dict[str, Any]) -> dict[str, Any]:
    """A stored report or verdict (anything with `checks`) with every check upgraded."""
    return {**holder, "checks": [upgrade_check(c) for c in holder.get("checks", [])]}


def _is_legacy(holder: dict[str, Any]) -> bool:
    return any("code" not in c for c in holder.get("checks", []))


def upgrade_stored(vault: Vault, kind: str) -> int:
    """Rewrite, once, every record of `kind` (the verifier's history) still holding
    sentences; returns how many. The rewrite syncs like any change, so the wallet's other
    devices get it too. Credentials' reports are upgraded as they are read (the card index
    pins each credential's version) and rewritten by the next re-verification."""
    if not vault.meta(LEGACY_CHECKS):
        return 0
    rewritten = 0
    with vault.transaction():
        for record_id in vault.ids(kind):
            payload = vault.get(record_id, kind).payload
            if _is_legacy(payload):
                vault.put(record_id, kind, upgrade_checks(payload))
                rewritten += 1
        vault.set_meta(LEGACY_CHECKS, False)
    return rewritten
