"""`wallet bench` figures for paper copies: the PDF's size, its codes, and the time to make
it (the credential to codes and the page), for the sample badge and a long one."""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from wallet.services.issuer import signing as issuer
from wallet.services.learner import paper, paper_layout
from wallet.vc.data_integrity import format_datetime
from wallet.vc.multikey import KeyPair
from wallet.vc.verification import verify_credential

_WORDS = ("pump", "valve", "seal", "bearing", "shaft", "gasket", "filter", "rotor", "pipe")


class _Words:
    """Keys for words: the bench may not import the UI's catalogs; the page costs the same."""

    def __call__(self, key: str, /, **values: object) -> str:
        return " ".join([key, *map(str, values.values())])

    def date(self, value: str) -> str:
        return value[:10]


def _long(sample: dict[str, Any]) -> dict[str, Any]:
    """The sample with a 220-word description: three codes on an A4 page."""
    badge = copy.deepcopy(sample)
    badge["credentialSubject"]["achievement"]["description"] = " ".join(
        f"{_WORDS[i % len(_WORDS)]}{(i * 7919) % 1000}" for i in range(220)
    )
    return badge


def run(
    sample: dict[str, Any], key: KeyPair, now: datetime, runs: int
) -> Iterator[tuple[str, float, str]]:
    words = _Words()
    for name, unsigned in (("sample", sample), ("long", _long(sample))):
        credential = issuer.issue(unsigned, key, "eddsa-rdfc-2022")
        report = verify_credential(credential, now=now).to_json()

        def render(document: dict[str, Any] = credential, checks: dict[str, Any] = report) -> bytes:
            page = paper.paper_copy(document, checks, format_datetime(now), [])
            return paper_layout.render_pdf(page, paper_layout.PageSize.A4, words)

        pdf = render()
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            render()
            samples.append(time.perf_counter() - start)
        codes = len(paper.encode(credential)[0])
        yield f"paper.{name}.a4.pdf", len(pdf), "bytes"
        yield f"paper.{name}.a4.codes", codes, "codes"
        yield f"paper.{name}.a4.render", statistics.median(samples) * 1000, "ms"
