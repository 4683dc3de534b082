"""Typed errors for input the engine cannot use.

A credential that is well-formed but fails a check is *not* an error: it yields a report
with a failed check. These exceptions mean the input itself is unusable, so callers can
tell "not genuine" from "cannot read this" (the CLI maps them to exit code 2).
"""


class UnusableInput(Exception):
    """Base class: the message is plain language and safe to show to a user."""


class MalformedInput(UnusableInput):
    """Not JSON, not a JSON object, or a field of the wrong shape."""


class InputTooLarge(UnusableInput):
    """The document exceeds the configured size limit."""


class ContextNotAllowed(UnusableInput):
    """A JSON-LD context that is not bundled with the wallet; we never fetch."""

    def __init__(self, url: str) -> None:
        super().__init__(f"unknown JSON-LD context {url!r}: only bundled contexts are allowed")
        self.url = url


class UndefinedTerm(UnusableInput):
    """A term, type or relative IRI the document's contexts do not define (safe mode)."""

    def __init__(self, term: str) -> None:
        super().__init__(
            f"{term!r} is not defined by the document's contexts (nor an absolute IRI)"
        )
        self.term = term


class ProcessingLimitExceeded(UnusableInput):
    """Canonicalization would exceed its blank-node, work or time budget."""


class UnknownCryptosuite(UnusableInput):
    """A proof type or cryptosuite this wallet does not implement."""


class MalformedProof(UnusableInput):
    """A proof whose fields cannot be decoded (bad multibase, CBOR, key bytes...)."""


class InvalidPointer(UnusableInput):
    """A JSON Pointer that is malformed or selects nothing in the document."""


class KeyFileError(UnusableInput):
    """A key file that cannot be read as one of our key types."""
