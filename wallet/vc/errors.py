"""Typed errors for input the engine cannot use.

A credential that is well-formed but fails a check is *not* an error: it yields a report
with a failed check. These exceptions mean the input itself is unusable, so callers can
tell "not genuine" from "cannot read this" (the CLI maps them to exit code 2).

Each class names its failure with a `kind` (the shells' catalogs hold its sentence under
`error.<kind>`, saying what happened and what to do next) and carries its `params`; the
message is a developer's detail, for logs and scripts.
"""

from typing import Any


class UnusableInput(Exception):
    """Base class: the message is safe to show (no secrets), but it is not translated."""

    kind = "unusable"
    params: dict[str, Any] = {}  # noqa: RUF012 (read only; instances set their own)


class MalformedInput(UnusableInput):
    """Not JSON, not a JSON object, or a field of the wrong shape."""

    kind = "malformed"


class InputTooLarge(UnusableInput):
    """The document exceeds a size limit: `code` says of what ("bytes", "values" in one
    list, "digits" in one number) and `limit` how many are allowed."""

    kind = "too_large"

    def __init__(self, message: str, code: str, limit: int) -> None:
        super().__init__(message)
        self.code = code
        self.params = {"limit": limit}


class ContextNotAllowed(UnusableInput):
    """A JSON-LD context that is not bundled with the wallet; we never fetch."""

    kind = "context_not_allowed"

    def __init__(self, url: str) -> None:
        super().__init__(f"unknown JSON-LD context {url!r}: only bundled contexts are allowed")
        self.url = url
        self.params = {"url": url}


class UndefinedTerm(UnusableInput):
    """A term, type or relative IRI the document's contexts do not define (safe mode)."""

    kind = "undefined_term"

    def __init__(self, term: str) -> None:
        super().__init__(
            f"{term!r} is not defined by the document's contexts (nor an absolute IRI)"
        )
        self.term = term
        self.params = {"term": term}


class ProcessingLimitExceeded(UnusableInput):
    """Canonicalization would exceed its blank-node, work or time budget."""

    kind = "processing_limit"


class UnknownCryptosuite(UnusableInput):
    """A proof type or cryptosuite this wallet does not implement."""

    kind = "unknown_cryptosuite"

    def __init__(self, message: str, suite: str) -> None:
        super().__init__(message)
        self.params = {"suite": suite}


class MalformedProof(UnusableInput):
    """A proof whose fields cannot be decoded (bad multibase, CBOR, key bytes...)."""

    kind = "malformed_proof"


class InvalidPointer(UnusableInput):
    """A JSON Pointer that is malformed or selects nothing in the document."""

    kind = "invalid_pointer"


class KeyFileError(UnusableInput):
    """A key file that cannot be read as one of our key types."""

    kind = "key_file"
