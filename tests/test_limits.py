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


# --- issue 13: the JSON-LD shape limits and one budget for the whole verification ---------


def test_h4_shape_limits_each_refuse_by_name() -> None:
    from wallet.vc import jsonld
    from wallet.vc.errors import ContextNotAllowed, InputTooLarge

    badge = sample_badge()
    with pytest.raises(InputTooLarge, match=r"'tag' has 1,001 values \(limit 1,000\)"):
        jsonld.check_shape({**badge, "tag": ["x"] * 1_001})
    many = [{"name": str(i)} for i in range(1_000)]
    with pytest.raises(ProcessingLimitExceeded, match="more than 10,000 objects"):
        jsonld.check_shape({**badge, "a": [many] * 11})
    node: dict[str, Any] = {}
    deep = {**badge, "credentialSubject": node}
    for _ in range(100):
        node["about"] = node = {}
    with pytest.raises(ProcessingLimitExceeded, match="nested too deeply"):
        jsonld.check_shape(deep)
    with pytest.raises(ContextNotAllowed, match=r"'context\.json'"):
        jsonld.check_shape({**badge, "credentialSubject": {"@context": "context.json"}})
    jsonld.check_shape(badge)


def test_h4_json_ld_steps_run_under_the_verification_budget() -> None:
    from wallet.vc import budget, jsonld

    with budget.time_budget(0.0), pytest.raises(ProcessingLimitExceeded, match="longer than"):
        jsonld.to_rdf(sample_badge())
    with pytest.raises(ProcessingLimitExceeded, match=r"verification took longer than 0\.0 s"):
        verify_credential(sample_badge(), now=NOW, limits=Limits(max_seconds=0.0))
