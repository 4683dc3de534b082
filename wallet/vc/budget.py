"""One time budget for one verification, shared by every JSON-LD and canonicalization step.

Each step alone may be cheap while their sum is not (a credential, its proofs, its status
list credential), so the outermost caller sets a deadline and every step inside it checks
the same one. A step called on its own (signing, a test) gets a budget of its own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from wallet.vc.errors import ProcessingLimitExceeded

DEFAULT_SECONDS = 2.0

_deadline: ContextVar[tuple[float, float] | None] = ContextVar("deadline", default=None)


@contextmanager
def time_budget(seconds: float = DEFAULT_SECONDS) -> Iterator[None]:
    """Start a deadline `seconds` from now, unless an outer one is already running."""
    if _deadline.get() is not None:
        yield
        return
    token = _deadline.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def check() -> None:
    """Raise once the running budget is spent; cheap enough to call per JSON-LD node."""
    current = _deadline.get()
    if current is not None and time.monotonic() > current[0]:
        raise ProcessingLimitExceeded(f"verification took longer than {current[1]} s")
