"""What a held credential's card says: one of three states, with the reasons as codes the
screens translate. A learner keeps every badge they could plausibly hold; the card says
plainly which ones are genuine, which need a connection once, and which cannot be
verified and why. Only input that is not a credential at all, or is unsafe to process,
is refused at the door (`UNSAFE`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wallet.vc import clr, did_web, open_badges_v2, vc_data_model
from wallet.vc.errors import (
    ContextNotAllowed,
    InputTooLarge,
    MalformedProof,
    ProcessingLimitExceeded,
    UndefinedTerm,
    UnknownCryptosuite,
    UnusableInput,
)
from wallet.vc.verification import Check, Code, Severity

VERIFIED = "verified"
NEEDS_CONNECTION = "needs-connection"  # keys, status lists or a hosted check not fetched yet
CANNOT_VERIFY = "cannot-verify"

# Refused at import, by name: too large to hold, or would cost unbounded work to check
UNSAFE: tuple[type[UnusableInput], ...] = (InputTooLarge, ProcessingLimitExceeded)

# The check a report carries when the engine could not read the credential: its stable id,
# and its code `readable.<reason>` with a reason below (catalog keys `reason.<code>`)
READABLE_CHECK = "readable"

# Why a readable credential cannot be checked, by the engine's typed error
_UNREADABLE = (
    (UnknownCryptosuite, "unknown-proof-type"),
    (ContextNotAllowed, "unknown-context"),
    (UndefinedTerm, "undefined-term"),
    (MalformedProof, "damaged-proof"),
)
# A failed check, by id, and what it means for the learner
_FAILED = {
    "structure": "malformed",
    "issuer": "wrong-issuer",
    "hosted": "not-as-issued",
    "recipient": "issued-to-someone-else",
}
# Failures whose code says more than their check's id
_BY_CODE = {
    open_badges_v2.SIGNED_OB2: "signed-ob2",
    open_badges_v2.NOT_CHECKED_ONLINE: "not-checked-online",
}
# Failures that only mean a fetch has not happened yet, by what the fetch would bring
_EXPLAINED_BY = {
    "issuer-keys": ("tampered-signature",),
    "hosted-check": ("not-checked-online",),
}


def unreadable_check(error: UnusableInput) -> Check:
    """The check of a credential the engine could not read, saying why by the error's type
    (its params, a context's URL or an undefined term, go with it)."""
    reason = next((code for kind, code in _UNREADABLE if isinstance(error, kind)), "unreadable")
    return Check(READABLE_CHECK, f"{READABLE_CHECK}.{reason}", Severity.FAILURE, dict(error.params))


def state_of(
    credential: dict[str, Any],
    checks: list[dict[str, Any]],
    *,
    missing: Sequence[str],
    other_holder: bool,
    enveloped: bool,
) -> dict[str, Any]:
    """`checks` as stored (Check.to_json); `missing`: what a fetch would bring
    ("issuer-keys", "status-list", "hosted-check"). `other_holder`: bound to a DID this
    wallet does not hold, noted on the card even when everything else passes. `enveloped`:
    kept as a token (VC-JWT, SD-JWT VC), signed by its JWS rather than a `proof`."""
    notes = ["other-holder"] if other_holder else []
    reasons = [_reason(check) for check in map(Check.from_json, checks) if not check.ok]
    if not enveloped and not open_badges_v2.is_assertion(credential) and "proof" not in credential:
        # the missing proof fails the signature and issuer checks: say it once, as itself
        reasons = ["unsigned"] + [
            r for r in reasons if r not in ("tampered-signature", "wrong-issuer")
        ]
    if "tampered-signature" in reasons:  # then the issuer check fails too: say it once
        reasons = [r for r in reasons if r != "wrong-issuer"]
    for need in missing:  # a check that failed only for want of what a fetch brings
        reasons = [r for r in reasons if r not in _EXPLAINED_BY.get(need, ())]
    reasons = list(dict.fromkeys("tampered" if r == "tampered-signature" else r for r in reasons))
    if reasons:
        return {
            "state": CANNOT_VERIFY,
            "reasons": reasons,
            "missing": list(missing),
            "notes": notes,
        }
    if missing:
        return {"state": NEEDS_CONNECTION, "reasons": [], "missing": list(missing), "notes": notes}
    return {"state": VERIFIED, "reasons": [], "missing": [], "notes": notes}


def _reason(check: Check) -> str:
    """A failed check's reason on the card, from its id and code (never its words)."""
    check_id, code = check.id, check.code
    if check_id == READABLE_CHECK:
        return code.removeprefix(f"{READABLE_CHECK}.")
    if code in _BY_CODE:
        return _BY_CODE[code]
    if check_id.startswith(f"{clr.NESTED_CHECK}-"):
        return "nested-not-verified"
    if check_id.startswith("signature"):
        return "tampered-signature"
    if check_id == "status":
        return "suspended" if code == Code.STATUS_SUSPENDED else "revoked"
    if check_id == "validity":
        return "not-yet-valid" if code == Code.VALIDITY_NOT_YET else "expired"
    return _FAILED.get(check_id, check_id)


def web_controllers(credential: dict[str, Any]) -> set[str]:
    """The web controllers (did:web DIDs, https controller documents) whose keys verify
    this credential: a did:web issuer, and its proofs' signers."""
    found = set()
    issuer = vc_data_model.issuer_id(credential)
    if isinstance(issuer, str) and did_web.is_did_web(issuer):
        found.add(did_web.did_of(issuer))
    for proof in vc_data_model.as_list(credential.get("proof")):
        method = proof.get("verificationMethod") if isinstance(proof, dict) else None
        controller = did_web.controller_of(method)
        if controller is not None:
            found.add(controller)
    return found
