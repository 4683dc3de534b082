"""RDF Dataset Canonicalization (RDFC-1.0), bounded against dataset poisoning.

pyld's URDNA2015 reproduces RDFC-1.0 output, but a crafted graph of look-alike blank
nodes makes its N-degree hashing explode (pyld issue #179). RDFC-1.0 section 4.4.2 asks
implementations to bound that work, so we count permutations before they run and
check the verification's time budget (`budget`), and refuse graphs with too many blank
nodes outright.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pyld.canon import URDNA2015

from wallet.vc import budget
from wallet.vc.errors import ProcessingLimitExceeded
from wallet.vc.jsonld import Dataset


@dataclass(frozen=True)
class Limits:
    """Budgets for one verification; generous for real credentials, fatal for bombs."""

    max_bytes: int = 1_000_000
    max_blank_nodes: int = 1_000
    max_permutations: int = 5_000
    max_seconds: float = budget.DEFAULT_SECONDS  # the whole verification, every step in it


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Canonical:
    nquads: list[str]  # sorted, each ending in "\n"
    id_map: dict[str, str]  # input blank node label -> canonical label, both without "_:"
    quads: list[dict[str, Any]]  # the same statements as pyld quads, canonically labelled

    def text(self) -> str:
        return "".join(self.nquads)


class _BoundedURDNA2015(URDNA2015):
    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self._limits = limits
        self._permutations = 0

    def hash_first_degree_quads(self, id_):  # type: ignore[no-untyped-def]
        budget.check()  # once per blank node: a large graph spends its time here
        return super().hash_first_degree_quads(id_)

    def create_hash_to_related(self, id_, issuer):  # type: ignore[no-untyped-def]
        # RDFC-1.0 4.8.3 step 5.4 tries every permutation of each related list; count them
        # here, before hash_n_degree_quads starts on them.
        related = super().create_hash_to_related(id_, issuer)
        for blank_nodes in related.values():
            self._permutations += math.factorial(min(len(blank_nodes), 20))
        if self._permutations > self._limits.max_permutations:
            raise ProcessingLimitExceeded(
                "canonicalization refused: the blank nodes are too alike to order cheaply "
                f"(over {self._limits.max_permutations} permutations)"
            )
        budget.check()
        return related


def canonicalize(dataset: Dataset, limits: Limits = DEFAULT_LIMITS) -> Canonical:
    """Canonical N-Quads plus the blank node map that selective disclosure needs.

    The dataset is consumed: pyld relabels its blank nodes in place.
    """
    blank_nodes = _count_blank_nodes(dataset)
    if blank_nodes > limits.max_blank_nodes:
        raise ProcessingLimitExceeded(
            f"the document has {blank_nodes} blank nodes (limit {limits.max_blank_nodes})"
        )
    algorithm = _BoundedURDNA2015(limits)
    try:
        with budget.time_budget(limits.max_seconds):
            text = algorithm.main(dataset, {"format": "application/n-quads"})
    except RecursionError:
        raise ProcessingLimitExceeded("the document is nested too deeply") from None
    id_map = {old[2:]: new[2:] for old, new in algorithm.canonical_issuer.existing.items()}
    return Canonical(text.splitlines(keepends=True), id_map, algorithm.quads)


def _count_blank_nodes(dataset: Dataset) -> int:
    labels: set[str] = set()
    for triples in dataset.values():
        for triple in triples:
            for position in ("subject", "object", "name"):
                component: Any = triple.get(position)
                if component and component["type"] == "blank node":
                    labels.add(component["value"])
    for graph_name in dataset:
        if graph_name.startswith("_:"):
            labels.add(graph_name)
    return len(labels)
