"""Reading DCC / Digital Bazaar VPQR codes: `VC1-`/`VP1-`, `R` (base45), then CBOR-LD.

CBOR-LD 1.0 (tag 51997, registry entry 1: no type tables) compresses JSON-LD terms to
integers. The integers are assigned while contexts load, in the order a converter walks
the document: the document's contexts, then type-scoped contexts in sorted type order,
then each property's scoped context as its entries are visited in sorted term order; keys
within a context get ids in sorted order, 100, 102, 104... (odd ids mark arrays). So the
decoder must replay that walk exactly. Contexts come from the bundle only; decoding only.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from wallet.qr import base45
from wallet.qr.errors import PayloadError
from wallet.vc import cbor, multibase
from wallet.vc.errors import ContextNotAllowed, MalformedProof
from wallet.vc.jsonld import bundled_contexts

VPQR_PREFIXES = ("VC1-", "VP1-")
_TAG_1_0 = b"\xd9\xcb\x1d"  # CBOR tag 51997
_FIRST_TERM_ID = 100
_KEYWORDS = {
    "@context": 0,
    "@type": 2,
    "@id": 4,
    "@value": 6,
    "@direction": 8,
    "@graph": 10,
    "@included": 12,
    "@index": 14,
    "@json": 16,
    "@language": 18,
    "@list": 20,
    "@nest": 22,
    "@reverse": 24,
    "@base": 26,
    "@container": 28,
    "@default": 30,
    "@embed": 32,
    "@explicit": 34,
    "@none": 36,
    "@omitDefault": 38,
    "@prefix": 40,
    "@preserve": 42,
    "@protected": 44,
    "@requireAll": 46,
    "@set": 48,
    "@version": 50,
    "@vocab": 52,
    "@propagate": 54,
}
_URL_SCHEMES = {
    1: "http://",
    2: "https://",
    3: "urn:uuid:",
    4: "data:",
    1024: "did:v1:nym:",
    1025: "did:key:",
}
_XSD = "http://www.w3.org/2001/XMLSchema#"
_MULTIBASE = "https://w3id.org/security#multibase"
_NOTHING = object()
_MAX_DEPTH = 64


def decode_text(text: str) -> dict[str, Any]:
    """A VPQR text: `VC1-`/`VP1-`, a multibase prefix, the CBOR-LD bytes. `R` is base45;
    `B` is base32 upper case without padding (RFC 4648), what the DCC wallet's earlier
    `vpqr` releases wrote, since QR alphanumeric mode holds it."""
    if not text.startswith(VPQR_PREFIXES) or text[4:5] not in ("R", "B"):
        raise PayloadError("not a VPQR payload (expected VC1-R or VP1-R and base45)")
    if text[4] == "R":
        return decode(base45.decode(text[5:]))
    body = text[5:]
    if not re.fullmatch(r"[A-Z2-7]*", body):
        raise PayloadError("a VPQR base32 payload holds a character base32 does not use")
    try:
        data = base64.b32decode(body + "=" * (-len(body) % 8))
    except binascii.Error:
        raise PayloadError("a VPQR base32 payload is damaged") from None
    return decode(data)


def decode(data: bytes) -> dict[str, Any]:
    if not data.startswith(_TAG_1_0):
        raise PayloadError("only CBOR-LD 1.0 (tag 51997) VPQR payloads can be read")
    try:
        top = cbor.decode(data[len(_TAG_1_0) :], max_depth=_MAX_DEPTH)
    except MalformedProof as error:
        raise PayloadError(f"the VPQR payload is damaged: {error}") from None
    if not (isinstance(top, list) and len(top) == 2 and isinstance(top[0], int)):
        raise PayloadError("the CBOR-LD header is malformed")
    registry, payload = top
    if registry == 0:  # uncompressed JSON-LD
        if not isinstance(payload, dict):
            raise PayloadError("the VPQR payload is not a JSON object")
        return payload
    if registry != 1:
        raise PayloadError(f"CBOR-LD registry entry {registry} is not known here")
    if not isinstance(payload, dict):
        raise PayloadError("the CBOR-LD payload is not a map")
    try:
        return _Converter().convert(payload)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
        raise PayloadError("the CBOR-LD payload does not match its contexts") from None


class _Loader:
    """Term ids, assigned in load order, and loaded contexts (by URL or by identity)."""

    def __init__(self) -> None:
        self.loaded: dict[Any, tuple[dict[str, Any], dict[str, dict[str, Any]]]] = {}
        self.term_to_id = dict(_KEYWORDS)
        self.id_to_term = {v: k for k, v in _KEYWORDS.items()}
        self.next_id = _FIRST_TERM_ID

    def id_for(self, term: str) -> int | str:
        return self.term_to_id.get(term, term)

    def term_for(self, term_id: Any) -> tuple[str, bool]:
        if isinstance(term_id, str):
            return term_id, False
        plural = term_id & 1 == 1
        term = self.id_to_term.get(term_id - 1 if plural else term_id)
        if term is None:
            raise PayloadError(f"unknown CBOR-LD term id {term_id}")
        return term, plural

    def load(self, context: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        key = context if isinstance(context, str) else id(context)
        entry = self.loaded.get(key)
        if entry is not None:
            return entry
        if isinstance(context, str):
            document = bundled_contexts().get(context)
            if document is None:
                raise ContextNotAllowed(context)
            return self._add(document["@context"], context)
        return self._add(context, key)

    def _add(
        self, context: dict[str, Any], key: Any
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        if "@import" in context:
            imported, _ = self.load(context["@import"])
            context = {**imported, **context}
        protected = bool(context.get("@protected"))
        term_map: dict[str, dict[str, Any]] = {}
        for term in sorted(context):
            definition = context[term]
            if term in _KEYWORDS or definition is None:
                continue
            if isinstance(definition, str):
                definition = {"@id": definition}
            elif not isinstance(definition, dict):
                raise PayloadError(f"invalid term definition for {term!r}")
            term_map[term] = {**definition, "protected": protected}
            if term not in self.term_to_id:
                self.term_to_id[term] = self.next_id
                self.id_to_term[self.next_id] = term
                self.next_id += 2
        entry = (context, term_map)
        self.loaded[key] = entry
        return entry


def _resolve_curie(active: dict[str, dict[str, Any]], context: dict[str, Any], value: Any) -> Any:
    if not isinstance(value, str) or ":" not in value:
        return value
    prefix, _, suffix = value.partition(":")
    definition = context.get(prefix)
    if definition is None:
        definition = active.get(prefix)
    if definition is None:
        return value
    base = definition if isinstance(definition, str) else definition.get("@id")
    return _resolve_curie(active, context, f"{base}{suffix}")


class _ActiveContext:
    def __init__(
        self, loader: _Loader, terms: dict[str, dict[str, Any]], previous: _ActiveContext | None
    ) -> None:
        self.loader = loader
        self.terms = terms
        self.previous = previous
        self.type_terms = ["@type"] + [t for t, d in terms.items() if d.get("@id") == "@type"]

    def _update(
        self,
        active: dict[str, dict[str, Any]],
        contexts: Any,
        *,
        property_scope: bool = False,
        type_scope: bool = False,
    ) -> dict[str, dict[str, Any]]:
        for context in (
            contexts if isinstance(contexts, list) else [{} if contexts is None else contexts]
        ):
            context, loaded_terms = self.loader.load(context)
            propagate = context.get("@propagate", not type_scope)
            new_terms = {k: {**v, "propagate": propagate} for k, v in loaded_terms.items()}
            for term, definition in new_terms.items():
                if "@id" in definition:
                    definition["@id"] = _resolve_curie(active, context, definition["@id"])
                else:
                    resolved = _resolve_curie(active, context, term)
                    if ":" in resolved:
                        definition["@id"] = resolved
                if "@type" in definition:
                    definition["@type"] = _resolve_curie(active, context, definition["@type"])
            for term, active_definition in active.items():
                if term in new_terms:
                    continue  # a protected term may only be redefined identically; trust the bundle
                if not (term in context and context[term] is None):
                    new_terms[term] = {**active_definition}
            active = new_terms
        return active

    def with_contexts(self, contexts: Any) -> _ActiveContext:
        return _ActiveContext(self.loader, self._update(self.terms, contexts), self)

    def with_types(self, types: set[str]) -> _ActiveContext:
        terms = self.terms
        for type_name in sorted(types):
            terms = self._update(terms, terms.get(type_name, {}).get("@context"), type_scope=True)
        return _ActiveContext(self.loader, terms, self)

    def for_property(self, term: str) -> _ActiveContext:
        scoped = self.terms.get(term, {}).get("@context")
        return _ActiveContext(
            self.loader, self._update(self._reverted(), scoped, property_scope=True), self
        )

    def _reverted(self) -> dict[str, dict[str, Any]]:
        terms = {t: d for t, d in self.terms.items() if d.get("propagate")}
        for term in (t for t, d in self.terms.items() if not d.get("propagate")):
            current: _ActiveContext | None = self
            definition = None
            while current is not None and current.previous is not None:
                current = current.previous
                definition = current.terms.get(term)
                if definition is None or definition.get("propagate"):
                    break
            if definition is not None:
                terms[term] = definition
        return terms

    def term_info(self, term_id: Any) -> tuple[str, bool, dict[str, Any]]:
        term, plural = self.loader.term_for(term_id)
        return term, plural, self.terms.get(term, {})


class _Converter:
    def __init__(self) -> None:
        self.loader = _Loader()

    def convert(self, payload: dict[Any, Any]) -> dict[str, Any]:
        return self._convert(_ActiveContext(self.loader, {}, None), payload)

    def _convert(self, active: _ActiveContext, payload: dict[Any, Any]) -> dict[str, Any]:
        output: dict[str, Any] = {}
        single, plural = payload.get(0), payload.get(1)
        if single is not None and plural is not None:
            raise PayloadError("both singular and plural contexts in CBOR-LD")
        if single is not None:
            output["@context"] = self._context_value(single)
        elif plural is not None:
            output["@context"] = [self._context_value(v) for v in plural]
        active = active.with_contexts(output.get("@context"))
        active = active.with_types(self._object_types(active, payload))
        entries = []
        for key, value in payload.items():
            if key in (0, 1):
                continue
            term, is_plural, definition = active.term_info(key)
            entries.append((term, is_plural, definition, value))
        for term, is_plural, definition, value in sorted(entries, key=lambda e: e[0]):
            scoped = active.for_property(term)
            term_type = definition.get("@type")
            values = value if is_plural else [value]
            converted = [self._value(scoped, term, definition, term_type, v) for v in values]
            output[term] = converted if is_plural else converted[0]
        return output

    @staticmethod
    def _context_value(value: Any) -> Any:
        if isinstance(value, int):
            raise PayloadError("compressed contexts need a type table this registry entry lacks")
        return value

    def _object_types(self, active: _ActiveContext, payload: dict[Any, Any]) -> set[str]:
        found = set()
        for type_term in active.type_terms:
            term_id = self.loader.id_for(type_term)
            value = payload.get(term_id)
            if value is None:
                value = payload.get(term_id + 1 if isinstance(term_id, int) else f"{term_id}1")
            if value is None:
                continue
            term, _, definition = active.term_info(term_id)
            for item in value if isinstance(value, list) else [value]:
                decoded = self._decode_scalar(term, definition, "@vocab", item)
                found.add(item if decoded is _NOTHING else decoded)
        return found

    def _value(
        self,
        active: _ActiveContext,
        term: str,
        definition: dict[str, Any],
        term_type: Any,
        value: Any,
    ) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict):
            decoded = self._decode_scalar(term, definition, term_type, value)
            if decoded is not _NOTHING:
                return decoded
        if isinstance(value, list):
            return [self._value(active, term, definition, term_type, v) for v in value]
        return self._convert(active, value)

    def _decode_scalar(
        self, term: str, definition: dict[str, Any], term_type: Any, value: Any
    ) -> Any:
        is_url = "@id" in (term, definition.get("@id")) or "@type" in (term, definition.get("@id"))
        table = "url" if is_url or term_type in ("@id", "@vocab") else (term_type or "none")
        if isinstance(value, bytes) and table in ("url", "none", _XSD + "date", _XSD + "dateTime"):
            raise PayloadError("a compressed value needs a type table this registry entry lacks")
        if table == "url":
            if isinstance(value, int) and not isinstance(value, bool):
                return self.loader.term_for(value)[0]
            if isinstance(value, list):
                return _decode_url(value)
        elif table == _MULTIBASE and isinstance(value, bytes) and value[:1] in (b"z", b"u"):
            encode = multibase.encode_base58btc if value[:1] == b"z" else multibase.encode_base64url
            return encode(value[1:])
        elif table == _XSD + "dateTime":
            if isinstance(value, int):
                return _moment(value).strftime("%Y-%m-%dT%H:%M:%SZ")
            if isinstance(value, list) and len(value) == 2:
                seconds, millis = value
                if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                    raise PayloadError("a dateTime must be whole seconds and milliseconds")
                moment = _moment(seconds + millis // 1000)
                return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"
        elif table == _XSD + "date" and isinstance(value, int):
            return _moment(value).strftime("%Y-%m-%d")
        return _NOTHING if isinstance(value, list) else value


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FIRST_SECOND, _LAST_SECOND = -62_135_596_800, 253_402_300_799  # years 0001 to 9999


def _moment(seconds: Any) -> datetime:
    """Seconds since 1970 as a time; what `datetime` cannot hold is a damaged payload."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise PayloadError("a dateTime must be a whole number of seconds")
    if not _FIRST_SECOND <= seconds <= _LAST_SECOND:
        raise PayloadError("a dateTime is out of range (years 1 to 9999)")
    return _EPOCH + timedelta(seconds=seconds)


def _decode_url(value: list[Any]) -> str:
    scheme = _URL_SCHEMES.get(value[0]) if value else None
    if scheme in ("http://", "https://") and len(value) == 2 and isinstance(value[1], str):
        return scheme + value[1]
    if scheme == "urn:uuid:" and len(value) == 2:
        raw = value[1]
        if isinstance(raw, bytes) and len(raw) == 16:
            hexed = raw.hex()
            return f"urn:uuid:{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"
        if isinstance(raw, str):
            return scheme + raw
    if scheme in ("did:key:", "did:v1:nym:") and 1 < len(value) <= 3:
        parts = [p if isinstance(p, str) else multibase.encode_base58btc(p) for p in value[1:]]
        return scheme + parts[0] + (f"#{parts[1]}" if len(parts) > 1 else "")
    if scheme == "data:" and len(value) in (2, 3) and isinstance(value[1], str):
        if len(value) == 3:
            import base64

            return f"data:{value[1]};base64,{base64.b64encode(value[2]).decode()}"
        return f"data:{value[1]}"
    raise PayloadError(f"unknown compressed URL {value[:1]}")
