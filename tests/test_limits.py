"""Each canonicalization budget fails fast with its own clear reason."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import NOW, sample_badge
from wallet.vc.data_integrity import canonical
from wallet.vc.errors import ProcessingLimitExceeded
from wallet.vc.rdfc import Limits
from wallet.vc.verification import verify_credential


def clique(size: int) -> dict[str, Any]:
    nodes = [
        {
            "@id": f"_:b{i}",
            "http://schema.org/knows": [{"@id": f"_:b{j}"} for j in range(size) if j != i],
        }
        for i in range(size)
    ]
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "VerifiableCredential",
        "credentialSubject": nodes,
    }


def test_blank_node_count() -> None:
    with pytest.raises(ProcessingLimitExceeded, match=r"6 blank nodes \(limit 4\)"):
        canonical(clique(5), Limits(max_blank_nodes=4))


def test_permutation_budget() -> None:
    with pytest.raises(ProcessingLimitExceeded, match="over 100 permutations"):
        canonical(clique(5), Limits(max_permutations=100))


def test_time_budget() -> None:
    with pytest.raises(ProcessingLimitExceeded, match=r"longer than 0\.0 s"):
        canonical(clique(5), Limits(max_permutations=10**9, max_seconds=0.0))


def test_deep_nesting() -> None:
    badge = sample_badge()
    node: dict[str, Any] = badge["credentialSubject"]
    for _ in range(5_000):
        node["http://schema.org/about"] = {}
        node = node["http://schema.org/about"]
    with pytest.raises(ProcessingLimitExceeded, match="nested too deeply"):
        verify_credential(badge, now=NOW)


def test_a_small_clique_still_canonicalizes_within_default_budgets() -> None:
    assert len(canonical(clique(3)).nquads) == 3 * 2 + 1 + 3  # knows, type, subject links
