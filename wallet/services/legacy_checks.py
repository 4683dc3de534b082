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


_CLEARED = {"revoked": "revocation", "suspended": "suspension"}

# Each table: (the old sentence, with a named group per param, its code), in the order to
# try them. A group `name__kind` is read by `_READ[kind]` (the catalog's format spec that
# writes it again, where there is one); a bare `name` is kept as text.
Table = list[tuple[str, str]]
_STATUS = r"Not (?P<purpose__cleared>revoked|suspended|flagged for \S+)"
_BUNDLE: Table = [
    (
        r"trust bundle issued (?P<issued__ago>.+?), expired (?P<expired__ago>.+)",
        "trust.bundle-expired",
    ),
    (r"trust bundle issued (?P<issued__ago>.+)", "trust.bundle-age"),
]
_PROOF: Table = [
    (r"The signature is valid\.", "proof.valid"),
    (r"The signature does not match the content\.", "proof.mismatch"),
    (r"The signing key (?P<key>\S+) is not known on this device\.", "proof.unknown-key"),
    (r"The key type (?P<key_type>\S+) cannot make this kind of proof\.", "proof.key-type"),
    (r"The proof is for '(?P<purpose>.*)', not '(?P<expected>.*)'\.", "proof.purpose"),
    (r"The number of signatures does not match the statements\.", "proof.count-mismatch"),
    (r"The issuer's signature does not match the content\.", "proof.base-mismatch"),
    (r"A disclosed statement has been altered\.", "proof.altered"),
    (r"The selectively disclosed signature is valid\.", "proof.disclosed-valid"),
    (r"The issuer's selective-disclosure signature is valid\.", "proof.base-valid"),
]
_CHECKS: Table = [
    (
        r"Well-formed (?P<kind>.+?); the holder withheld (?P<fields__list>.+)\.",
        "structure.withheld",
    ),
    (r"Well-formed (?P<kind>.+)\.", "structure.ok"),
    (
        r"Not a valid (?P<kind>Verifiable Credential|Open Badge 3\.0): (?P<problems__items>.+)\.",
        "structure.invalid",
    ),
    (r"The credential carries no proof\.", "signature.none"),
    (r"Holder's (?P<suite>\S+): (?P<reason__proof>.+)", "holder-signature.proof"),
    (r"Signed by the issuer (?P<issuer>\S+)\.", "issuer.signed"),
    (
        r"Signed by (?P<signers__list>.+), not by the named issuer (?P<issuer>\S+)\.",
        "issuer.other-signer",
    ),
    (r"No valid signature from the issuer (?P<issuer>\S+)\.", "issuer.unsigned"),
    (rf"Not valid until (?P<start__date>{_DATE} \d\d:\d\d) UTC\.", "validity.not-yet"),
    (rf"Expired on (?P<end__date>{_DATE})\.", "validity.expired"),
    (rf"Valid until (?P<end__date>{_DATE})\.", "validity.until"),
    (r"Valid, with no expiry date\.", "validity.no-expiry"),
    (r"The issuer publishes no status: it cannot be revoked\.", "status.none"),
    (
        r"Status unknown: no (?P<purpose>\S+) list for this issuer is cached\.",
        "status.unknown",
    ),
    (r"The cached status list's signature is not valid\.", "status.list-signature"),
    (
        r"Status unknown: the cached list is signed by (?P<list_issuer>\S+), not the issuer\.",
        "status.list-other-issuer",
    ),
    (r"Revoked by the issuer \(list fetched (?P<age__ago>.+)\)\.", "status.revoked"),
    (r"Suspended by the issuer \(list fetched (?P<age__ago>.+)\)\.", "status.suspended"),
    (
        rf"{_STATUS}, but the list has expired \(fetched (?P<age__ago>.+)\)\.",
        "status.clear-list-expired",
    ),
    (
        (
            rf"{_STATUS} \(list fetched (?P<age__ago>.+)\)\. Out of date: trust bundle issued .+?,"
            r" expired (?P<expired__ago>.+)\."
        ),
        "status.out-of-date",
    ),
    (rf"{_STATUS} \(list fetched (?P<age__ago>.+)\)\.", "status.clear"),
    (r"The presentation is not signed by its holder\.", "holder-signature.none"),
    (r"Signed by the holder just now for this presentation\.", "holder-signature.valid"),
    (r"It was not made for your challenge and domain\.", "challenge.mismatch"),
    (r"It answers the challenge you showed\.", "challenge.answered"),
    (r"It answers a different challenge than the one you showed\.", "challenge.other"),
    (r"It answers a verifier's challenge, but none was given\.", "challenge.unexpected"),
    (r"A one-way presentation must say when it was made and expires\.", "expiry.undated"),
    (r"It claims to stay valid for too long to be trusted\.", "expiry.too-long"),
    (r"It was made in the future: check this device's clock\.", "expiry.future"),
    (r"It expired (?P<age__ago>\d+ minutes ago): ask for a fresh one\.", "expiry.expired"),
    (r"Made moments ago and still within its short lifetime\.", "expiry.fresh"),
    (r"Not checked: the holder's signature does not hold\.", "replay.not-checked"),
    (
        rf"This exact presentation was already shown at (?P<at__date>{_DATE} \d\d:\d\d) UTC\.",
        "replay.seen",
    ),
    (r"Not seen before\.", "replay.new"),
    (r"Not bound to anyone: whoever holds it can show it\.", "holder.unbound"),
    (r"Shown by the person it was issued to\.", "holder.bound"),
    (r"Shown by someone other than the person it was issued to\.", "holder.someone-else"),
    (
        (
            rf"Issued by a trainer (?P<name>.+) authorised until (?P<until__date>{_DATE}),"
            r" in your (?P<bundle__bundle>.+)\."
        ),
        "trust.trusted-trainer",
    ),
    (
        r"Issued by a trainer (?P<name>.+) authorised, but without a revocation status: .+\.",
        "trust.not-revocable",
    ),
    (
        (
            r"Its revocation status is outside the indexes (?P<name>.+) reserved for this trainer:"
            r" .+\."
        ),
        "trust.status-outside-block",
    ),
    (r"Issued by (?P<name>.+), which you trust\.", "trust.trusted-by-hand"),
    (
        r"Issued by (?P<name>.+), in your (?P<bundle__bundle>trust bundle .+)\.",
        "trust.trusted",
    ),
    (r"The issuer (?P<issuer>.*) is not on your trusted list\.", "trust.not-trusted"),
    (
        (
            r"Claims to be from (?P<claimed>.+), but (?P<name>.+) never authorised the key"
            r" (?P<issuer>\S+) \((?P<bundle__bundle>.+)\)\."
        ),
        "trust.impostor",
    ),
    (
        (
            r"Claims to be from (?P<claimed>.+), but the key belongs to (?P<name>.+)"
            r" \((?P<bundle__bundle>.+)\)\."
        ),
        "trust.name-mismatch",
    ),
    (
        r"The trainer is not authorised to issue the achievement (?P<achievement>.+)\.",
        "trust.out-of-scope",
    ),
    (
        (
            rf"Issued (?P<issued__date>{_DATE}), after the trainer's authorisation ended"
            rf" \((?P<ended__date>{_DATE})\)\."
        ),
        "trust.after-authorisation",
    ),
    (r"Issued outside the dates of the trainer's authorisation\.", "trust.outside-authorisation"),
    (r"(?P<suite>\S+): (?P<reason__proof>.+)", "signature.proof"),
]


def _coded(table: Table, text: str) -> Params:
    """The first pattern in `table` that the whole of `text` matches, as a nested message;
    a sentence none knows is kept as written."""
    for pattern, code in table:
        found = re.fullmatch(pattern, text)
        if found is not None:
            params = {}
            for group, value in found.groupdict().items():
                name, _, kind = group.partition("__")
                params[name] = _READ[kind](value) if kind else value
            return {"code": code, "params": params}
    return {"code": "legacy", "params": {"text": text}}


_READ: dict[str, Callable[[str], Any]] = {
    "ago": _seconds,
    "date": _iso,
    "list": lambda text: text.split(", "),
    "items": lambda text: text.split("; "),
    "cleared": lambda word: _CLEARED.get(word, word.removeprefix("flagged for ")),
    "proof": lambda text: _coded(_PROOF, text),
    "bundle": lambda text: _coded(_BUNDLE, text),
}


def upgrade_check(check: dict[str, Any]) -> dict[str, Any]:
    """A stored check in today's form; one already in it is returned as it is."""
    if "code" in check:
        return check
    coded = _coded(_CHECKS, str(check.get("message", "")))
    ok, warning = bool(check.get("ok")), bool(check.get("warning"))
    severity = "failure" if not ok else "warning" if warning else "ok"
    return {
        "id": check["id"],
        "code": coded["code"],
        "params": coded["params"],
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
