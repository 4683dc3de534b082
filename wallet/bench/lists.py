"""`wallet bench`'s list figures (issue 17): what a user waits for when they open the
backpack, sort it by name or search it, at each size the bench's wallet passes through.

The bench imports 10,000 credentials, each signed and verified; 50,000 that way would take
minutes, so `fill` adds copies of one imported credential, renamed, re-dated and sealed as
an import seals them, and indexed in batches: the records and pages are what an import
writes, without the signing and verifying.
"""

from __future__ import annotations

import json
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator

from wallet.services.learner.backpack import CREDENTIAL, Backpack, card_for

_RUNS = 15
_FILL_BATCH = 10_000  # records per transaction: each index page is rewritten once a batch
_COMMON = "skill"  # in every bench badge's name: the first 50 matches end the search
_ABSENT = "nothing-matches"  # in none: a search that must read every page


def _median_ms(operation: Callable[[], object]) -> float:
    operation()  # warm
    samples = []
    for _ in range(_RUNS):
        start = time.perf_counter()
        operation()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def figures(pack: Backpack) -> Iterator[tuple[str, float, str]]:
    """The first page, a page sorted by name (the middle one, as a user scrolling would
    reach), a search and the peak memory of all three, at the wallet's current size."""
    held = pack.list(page_size=1).total
    middle = held // 100  # page_size 50: the page half way through
    yield f"vault.list.first-page-50-of-{held}", _median_ms(lambda: pack.list()), "ms"
    yield (
        f"vault.list.by-name-50-of-{held}",
        _median_ms(lambda: pack.list(sort="name", page=middle)),
        "ms",
    )
    yield f"vault.list.search-{held}", _median_ms(lambda: pack.search(_COMMON)), "ms"
    yield f"vault.list.search-no-match-{held}", _median_ms(lambda: pack.search(_ABSENT)), "ms"
    tracemalloc.start()
    pack.list()
    pack.list(sort="name", page=middle)
    pack.search(_COMMON)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    yield f"vault.list.peak-memory-{held}", peak / 2**20, "MiB"


def fill(pack: Backpack, total: int) -> None:
    """Bring the wallet to `total` credentials with renamed copies of its newest one."""
    vault = pack.vault
    [model] = vault.ids(CREDENTIAL, limit=1)
    template = json.dumps(vault.get(model, CREDENTIAL).payload)
    held = pack.list(page_size=1).total
    while held < total:
        with vault.transaction():
            entries = []
            for number in range(held, min(held + _FILL_BATCH, total)):
                payload = json.loads(template)
                credential = payload["credential"]
                credential["id"] = f"urn:uuid:00000000-0000-4000-9000-{number:012d}"
                credential["credentialSubject"]["name"] = f"Learner {number}"
                credential["credentialSubject"]["achievement"]["name"] = f"Skill {number % 97}"
                credential["validFrom"] = f"20{10 + number % 16}-{1 + number % 12:02d}-01T00:00:00Z"
                record_id = vault.fingerprint(credential["id"].encode())
                entries.append(
                    card_for(record_id, vault.put(record_id, CREDENTIAL, payload), payload)
                )
            pack.index.upsert(entries)
        held += len(entries)
