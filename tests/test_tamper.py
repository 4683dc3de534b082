"""Tamper detection, as a property: mutate a signed credential anywhere (values, keys,
types, proof fields). If the mutation changes what was signed, verification fails and says
why; if it does not (key order, say), verification still passes.

"What was signed" is judged independently of the verifier: the canonical N-Quads of the
unsecured document, and the proof object itself.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.conftest import NOW, sample_badge
from tests.support import english
from wallet.services.issuer import signing as issuer
from wallet.vc import ecdsa_sd_2023
from wallet.vc.data_integrity import canonical, split_proofs
from wallet.vc.errors import UnusableInput
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.verification import verify_credential

Path = tuple[str | int, ...]


@cache
def signed(kind: str) -> dict[str, Any]:
    badge = sample_badge()
    if kind == "eddsa-rdfc-2022":
        return issuer.issue(badge, KeyPair.generate(KeyType.ED25519), kind)
    if kind == "ecdsa-rdfc-2019":
        return issuer.issue(badge, KeyPair.generate(KeyType.P384), kind)
    base = issuer.issue(badge, KeyPair.generate(KeyType.P256), "ecdsa-sd-2023")
    if kind == "ecdsa-sd-2023-base":
        return base
    return ecdsa_sd_2023.derive(
        base, ["/credentialSubject/name", "/credentialSubject/achievement/name"]
    )


KINDS = ["eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ecdsa-sd-2023-base", "ecdsa-sd-2023-derived"]


def paths(value: Any, prefix: Path = ()) -> list[Path]:
    """Every place in the document, the root's children first; @context excluded (a changed
    context is either refused or re-canonicalized, both covered by the oracle anyway)."""
    found: list[Path] = []
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else []
    )
    for key, child in children:
        if key == "@context":
            continue
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def parent_of(document: Any, path: Path) -> Any:
    for key in path[:-1]:
        document = document[key]
    return document


def mutate(data: st.DataObject, document: dict[str, Any]) -> dict[str, Any]:
    mutated = copy.deepcopy(document)
    path = data.draw(st.sampled_from(paths(mutated)), label="path")
    parent = parent_of(mutated, path)
    key = path[-1]
    value = parent[key]
    scalar = st.one_of(
        st.text(min_size=1, max_size=12),
        st.integers(-5, 5),
        st.booleans(),
        st.sampled_from(["Achievement", "Profile", "VerifiableCredential", "z6Mk", "urn:x:1"]),
    )
    action = data.draw(
        st.sampled_from(["replace", "edit-string", "delete", "rename", "wrap", "add-sibling"]),
        label="action",
    )
    if action == "edit-string" and isinstance(value, str) and value:
        at = data.draw(st.integers(0, len(value) - 1))
        parent[key] = value[:at] + data.draw(st.characters(codec="utf-8")) + value[at + 1 :]
    elif action == "delete":
        del parent[key]
    elif action == "rename" and isinstance(parent, dict):
        parent[data.draw(st.sampled_from(["name", "type", "id", "description", "narrative"]))] = (
            parent.pop(key)
        )
    elif action == "wrap":
        parent[key] = value[0] if isinstance(value, list) and len(value) == 1 else [value]
    elif action == "add-sibling" and isinstance(parent, dict):
        parent[data.draw(st.sampled_from(["name", "description", "narrative"]))] = data.draw(scalar)
    elif action == "add-sibling" and isinstance(parent, list):
        parent.append(data.draw(scalar))
    else:
        parent[key] = data.draw(scalar)
    return mutated


def signed_content(document: dict[str, Any]) -> tuple[str, Any] | None:
    """What the signature covers; None when the document cannot even be canonicalized."""
    try:
        unsecured, proofs = split_proofs(document)
        return canonical(unsecured).text(), proofs
    except UnusableInput:
        return None


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_change_to_signed_data_fails_with_a_reason(kind: str, data: st.DataObject) -> None:
    original = signed(kind)
    mutated = mutate(data, original)
    changed = signed_content(mutated) != signed_content(original)
    try:
        report = verify_credential(mutated, now=NOW)
    except UnusableInput as error:
        event("refused as unusable")
        assert changed, f"unchanged content refused: {error}"
        assert str(error)
        return
    event("signed content changed" if changed else "signed content unchanged")
    if not changed:
        # the same RDF in another JSON shape: every signature still holds (the structure
        # and issuer checks may still object: VC 2.0 fixes the JSON shape of `issuer`...)
        assert all(c.ok for c in report.checks if c.id.startswith("signature")), report.to_json()
        return
    assert not report.verified, "a change to signed content went unnoticed"
    failed = [check for check in report.checks if not check.ok]
    assert all(english(check) for check in failed)
    assert any(c.id.startswith("signature") for c in failed), report.to_json()


@pytest.mark.parametrize("kind", KINDS)
def test_reordering_keys_is_not_tampering(kind: str) -> None:
    original = signed(kind)
    reordered = {key: original[key] for key in reversed(list(original))}
    assert verify_credential(reordered, now=NOW).verified
