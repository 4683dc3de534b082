"""Offline, strict JSON-LD to RDF.

- Contexts come only from `assets/contexts/`; any other URL is refused by name.
- Safe mode: a term the contexts do not define (pyld would drop it) and a relative IRI
  (pyld would drop it, or resolve it against a placeholder base) are errors. A catch-all
  `@vocab` that the issuer deliberately included (the W3C examples or undefined-terms
  contexts) does define terms: that was the issuer's choice, and it is signed.
- pyld is pinned (3.3.0) because we lean on three of its internals for speed; see
  `_StrictProcessor`. Each is a cache that cannot change results, only avoid repeated work.
- Bounded: pyld's node map compares each new value of a property with every value already
  there, so N values cost N^2. A walk of the plain JSON refuses documents too big in shape
  (`MAX_VALUES_PER_PROPERTY`, `MAX_NODES`, `MAX_DEPTH`) before pyld sees them, and every
  recursive step inside pyld checks the verification's time budget (`budget`).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import OrderedDict
from functools import cache
from typing import Any

import pyld.context_resolver
from pyld import jsonld as pyld_jsonld
from pyld.context_resolver import ContextResolver

from wallet.assets import assets_dir
from wallet.vc import budget
from wallet.vc.errors import (
    ContextNotAllowed,
    InputTooLarge,
    MalformedInput,
    ProcessingLimitExceeded,
    UndefinedTerm,
    UnusableInput,
)

Dataset = dict[str, list[dict[str, Any]]]

# Far above any credential (the samples and vectors stay under 50 values, 200 objects and
# depth 12), far below what makes pyld slow: 1,000 values of one property cost ~0.3 s.
MAX_VALUES_PER_PROPERTY = 1_000
MAX_NODES = 10_000  # JSON objects in one document
MAX_DEPTH = 64


@cache
def bundled_contexts() -> dict[str, Any]:
    """URL -> parsed context document, loaded once; the objects are shared and never mutated."""
    directory = assets_dir() / "contexts"
    index = json.loads((directory / "index.json").read_text(encoding="utf-8"))
    return {
        url: json.loads((directory / name).read_text(encoding="utf-8"))
        for url, name in index.items()
    }


@cache
def bundled_context_hashes() -> dict[str, str]:
    """URL -> SHA-256 of the bundled file: what a trust bundle pins, so a verifier can tell
    that its copy of each context is the one the issuers meant."""
    directory = assets_dir() / "contexts"
    index = json.loads((directory / "index.json").read_text(encoding="utf-8"))
    return {
        url: hashlib.sha256((directory / name).read_bytes()).hexdigest()
        for url, name in index.items()
    }


@cache
def published_digests() -> dict[str, list[dict[str, str]]]:
    """URL -> the digests (sha256, sha384, sha512, hex) of each version of the bytes
    published there, for checking a relatedResource's digest offline (VCDM 2.0 section 5.3).
    Not our bundled files' digests: some bundled copies are re-serialized, and an issuer
    digests what it downloaded. A URL here may list several versions (the W3C changed the
    v2 context's bytes between CR2 and the REC, each stating its hash in appendix B.1)."""
    path = assets_dir() / "contexts" / "published-digests.json"
    found: dict[str, list[dict[str, str]]] = json.loads(path.read_text(encoding="utf-8"))
    return found


def load_document(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader. The `static` tag lets pyld keep resolved contexts across calls."""
    document = bundled_contexts().get(url)
    if document is None:
        raise ContextNotAllowed(url)
    return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}


_canonical_json = pyld.context_resolver.canonicalize
_key_memo: dict[tuple[tuple[str, int], ...], bytes] = {}


def _context_cache_key(ctx: dict[str, Any]) -> bytes:
    """pyld keys every inline scoped context by its JCS serialization, recomputed on each
    use (about half of all expansion time). Scoped contexts from bundled documents are the
    same immutable objects every time, so their key can be remembered by identity."""
    bundled_ids = _bundled_object_ids()
    if all(id(value) in bundled_ids for value in ctx.values()):
        identity = tuple((k, id(v)) for k, v in ctx.items())
        key = _key_memo.get(identity)
        if key is None:
            key = _key_memo[identity] = _canonical_json(ctx)
        return key
    return _canonical_json(ctx)


@cache
def _bundled_object_ids() -> frozenset[int]:
    ids: set[int] = set()

    def walk(node: Any) -> None:
        ids.add(id(node))
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for document in bundled_contexts().values():
        walk(document)
    # Bundled objects live as long as the process and are never mutated, so equal identity
    # implies equal content and an id is never reused for something else.
    return frozenset(ids)


pyld.context_resolver.canonicalize = _context_cache_key


# RFC 3987 section 2.2: a scheme, then no whitespace, controls or characters IRIs never hold
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+")


def _is_absolute_iri(value: str) -> bool:
    """pyld resolves relative IRIs against a placeholder base when a document has none;
    an IRI under that placeholder is a relative reference in disguise. pyld also takes
    anything with a colon for an IRI (`https ://x`, which the data model's types refuse)."""
    return (
        ABSOLUTE_IRI.fullmatch(value) is not None
        and not value.startswith("_:")
        and not value.startswith(pyld_jsonld.DEFAULT_BASE_IRI)
    )


class _StrictProcessor(pyld_jsonld.JsonLdProcessor):
    def __init__(self) -> None:
        super().__init__(on_property_dropped=self._property_dropped)
        # parent active-context uuid -> its non-propagating child, see _process_context
        self._non_propagating: OrderedDict[str, dict[str, Any]] = _NON_PROPAGATING

    @staticmethod
    def _property_dropped(expanded: str | None) -> None:
        raise UndefinedTerm(str(expanded))

    # The recursive steps of expansion, flattening and compaction: each checks the budget,
    # so even work the shape limits let through stops at the deadline.
    def _expand(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        budget.check()
        return super()._expand(*args, **kwargs)

    def _create_node_map(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        budget.check()
        return super()._create_node_map(*args, **kwargs)

    def _compact(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        budget.check()
        return super()._compact(*args, **kwargs)

    def _process_context(self, active_ctx, local_ctx, options, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Type-scoped contexts do not propagate, so pyld clones the active context with a
        fresh uuid each time and its processed-context cache never hits. The clone depends
        only on its parent, so we hand pyld the same clone for the same parent."""
        propagate = kwargs.get("propagate", args[1] if len(args) > 1 else True)
        if (
            propagate is False
            and isinstance(local_ctx, dict)
            and "@propagate" not in local_ctx
            and not active_ctx.get("previousContext")
            and "_uuid" in active_ctx
        ):
            child = self._non_propagating.get(active_ctx["_uuid"])
            if child is None:
                child = self._clone_active_context(active_ctx)
                child["previousContext"] = active_ctx
                self._non_propagating[active_ctx["_uuid"]] = child
                if len(self._non_propagating) > 256:
                    self._non_propagating.popitem(last=False)
            active_ctx = child
        items = local_ctx if isinstance(local_ctx, list) else [local_ctx]
        if not any(isinstance(c, dict) and c.get("@vocab", "") is None for c in items):
            return super()._process_context(active_ctx, local_ctx, options, *args, **kwargs)
        # pyld 3.3.0 deletes @vocab on `"@vocab": null` without checking it is set, and
        # raises KeyError on valid JSON-LD (1.1 section 4.1.2 step 5.8.2: null clears it).
        # Clearing what is not set changes nothing, so such a context drops the key; the
        # items go one by one, since an earlier one may set the @vocab a later one clears.
        for item in items:
            clears = isinstance(item, dict) and item.get("@vocab", "") is None
            if clears and "@vocab" not in active_ctx:
                item = {k: v for k, v in item.items() if k != "@vocab"}
            active_ctx = super()._process_context(active_ctx, item, options, *args, **kwargs)
        return active_ctx

    def _graph_to_rdf(self, graph, issuer, options):  # type: ignore[no-untyped-def]
        """pyld silently skips relative IRIs when producing RDF; safe mode refuses them."""
        for node_id, node in graph.items():
            if not node_id.startswith("_:") and not _is_absolute_iri(node_id):
                raise UndefinedTerm(node_id)
            for prop, values in node.items():
                if prop == "@type":
                    for type_iri in values:
                        if not type_iri.startswith("_:") and not _is_absolute_iri(type_iri):
                            raise UndefinedTerm(type_iri)
                elif not prop.startswith("@") and not _is_absolute_iri(prop):
                    raise UndefinedTerm(prop)
                else:
                    for value in values:
                        ref = value.get("@id") if isinstance(value, dict) else None
                        if isinstance(ref, str) and not (
                            ref.startswith("_:") or _is_absolute_iri(ref)
                        ):
                            raise UndefinedTerm(ref)
        return super()._graph_to_rdf(graph, issuer, options)


_NON_PROPAGATING: OrderedDict[str, dict[str, Any]] = OrderedDict()
_RESOLVED_CONTEXTS = pyld_jsonld._resolved_context_cache


def _unwrap(error: pyld_jsonld.JsonLdError) -> UnusableInput:
    """pyld wraps loader and callback errors; surface ours, else its innermost reason."""
    innermost: BaseException = error
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, UnusableInput):
            return cause
        if isinstance(cause, pyld_jsonld.JsonLdError):
            innermost = cause
        cause = cause.__cause__ or cause.__context__
    code = getattr(innermost, "code", None) or getattr(innermost, "type", "")
    reason = innermost.args[0] if innermost.args else ""
    return MalformedInput(f"invalid JSON-LD ({code}): {reason}")


def _run(operation: str, *args: Any) -> Any:
    options = {
        "documentLoader": load_document,
        "contextResolver": ContextResolver(_RESOLVED_CONTEXTS, load_document),
        "base": None,  # a credential has no base IRI: relative references stay relative
        "produceGeneralizedRdf": False,
        "extractAllScripts": True,
        "processingMode": "json-ld-1.1",
    }
    try:
        with budget.time_budget():
            return getattr(_StrictProcessor(), operation)(*args, options)
    except pyld_jsonld.JsonLdError as exc:
        raise _unwrap(exc) from None
    except RecursionError:
        raise ProcessingLimitExceeded("the document is nested too deeply") from None
    except UnusableInput:
        raise
    except Exception as exc:  # noqa: BLE001 (every failure inside pyld is refused by type)
        # pyld assumes well-typed input in places (a relative context IRI without a base,
        # a NaN inside @json...): its own crash on our input is still unusable input
        raise MalformedInput(f"invalid JSON-LD ({type(exc).__name__}): {exc}") from None


def check_shape(document: Any) -> None:
    """Refuse, before pyld, what would make it slow or crash: too many values of one
    property, too many objects, too deep, a context we do not bundle, a non-finite number.
    One pass over the plain JSON, linear in its size."""
    nodes = 0
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ProcessingLimitExceeded("the document is nested too deeply")
        if isinstance(value, dict):
            nodes += 1
            if nodes > MAX_NODES:
                raise ProcessingLimitExceeded(f"the document has more than {MAX_NODES:,} objects")
            if "@context" in value:
                _check_context_urls(value["@context"])
            for key, item in value.items():
                if isinstance(item, list) and len(item) > MAX_VALUES_PER_PROPERTY:
                    raise InputTooLarge(
                        f"{key!r} has {len(item):,} values (limit {MAX_VALUES_PER_PROPERTY:,})",
                        "values",
                        MAX_VALUES_PER_PROPERTY,
                    )
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if len(value) > MAX_VALUES_PER_PROPERTY:
                raise InputTooLarge(
                    f"a list has {len(value):,} values (limit {MAX_VALUES_PER_PROPERTY:,})",
                    "values",
                    MAX_VALUES_PER_PROPERTY,
                )
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise MalformedInput(f"{value} is not a JSON number")


def _check_context_urls(contexts: Any) -> None:
    """A context named by a string must be bundled: a relative one, too, is refused by name
    (pyld would try to resolve it against a base a credential does not have)."""
    for context in contexts if isinstance(contexts, list) else [contexts]:
        if isinstance(context, str) and context not in bundled_contexts():
            raise ContextNotAllowed(context)


def _context_of(document: dict[str, Any]) -> Any:
    contexts = document.get("@context") if isinstance(document, dict) else None
    if contexts is None:
        raise MalformedInput("the document has no @context")
    return contexts


def to_rdf(document: dict[str, Any]) -> Dataset:
    """Deserialize JSON-LD to an RDF dataset, offline and in safe mode."""
    _context_of(document)
    check_shape(document)
    return _run("to_rdf", document)


def expand(document: dict[str, Any]) -> list[Any]:
    _context_of(document)
    check_shape(document)
    return _run("expand", document)


def compact(expanded: list[Any], context: Any) -> dict[str, Any]:
    check_shape(expanded)
    return _run("compact", expanded, {"@context": context})
