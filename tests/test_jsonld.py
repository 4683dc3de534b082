"""The offline document loader and JSON-LD safe mode."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ROOT, shared_path
from wallet.vc.errors import ContextNotAllowed, MalformedInput, UndefinedTerm, UnusableInput
from wallet.vc.jsonld import bundled_contexts, load_document, to_rdf


def test_bundle_is_the_shared_contexts() -> None:
    shared = shared_path("contexts")
    index = json.loads((shared / "index.json").read_text())
    assert json.loads((ROOT / "assets" / "contexts" / "index.json").read_text()) == index
    for url, name in index.items():
        assert bundled_contexts()[url] == json.loads((shared / name).read_text()), url


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/context.json",
        "http://www.w3.org/ns/credentials/v2",  # http, not https: a different URL
        "https://www.w3.org/ns/credentials/v2/",
    ],
)
def test_loader_refuses_everything_not_bundled(url: str) -> None:
    with pytest.raises(ContextNotAllowed) as caught:
        load_document(url)
    assert caught.value.url == url
    assert url in str(caught.value)


def test_context_referenced_from_inside_a_context_is_refused() -> None:
    document = {
        "@context": {
            "note": {"@id": "https://schema.org/note", "@context": "https://evil.example/scoped"}
        },
        "@id": "urn:x",
        "note": {"@id": "urn:y"},
    }
    with pytest.raises(ContextNotAllowed, match=r"https://evil\.example/scoped"):
        to_rdf(document)


def test_invalid_json_ld_names_the_innermost_reason() -> None:
    with pytest.raises(MalformedInput, match="invalid JSON-LD") as caught:
        to_rdf({"@context": [{"@context": "https://www.w3.org/ns/credentials/v2"}], "@id": "x"})
    assert "Could not expand" not in str(caught.value)


def test_dropped_term_is_an_error_not_a_silence() -> None:
    document = {
        "@context": {"name": "https://schema.org/name"},
        "@id": "urn:x",
        "name": "kept",
        "shoeSize": 42,
    }
    with pytest.raises(UndefinedTerm, match="shoeSize"):
        to_rdf(document)


def test_issuer_chosen_vocab_defines_terms() -> None:
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/undefined-terms/v2",
        ],
        "id": "urn:x",
        "shoeSize": 42,
    }
    [triple] = to_rdf(document)["@default"]
    assert (
        triple["predicate"]["value"] == "https://www.w3.org/ns/credentials/undefined-term#shoeSize"
    )


VOCAB = "https://www.w3.org/ns/credentials/undefined-terms/v2"


@pytest.mark.parametrize(
    ("contexts", "outcome"),
    [
        ([{"@vocab": None}], UndefinedTerm),  # nothing to clear; shoeSize stays undefined
        ([VOCAB, {"@vocab": None}], UndefinedTerm),  # set, then cleared
        ([{"@vocab": None}, VOCAB], None),  # cleared, then set
        ([{"@vocab": None, "shoeSize": "https://example.com/shoeSize"}], None),
    ],
)
def test_a_vocab_cleared_with_null_is_json_ld_not_a_crash(
    contexts: list[object], outcome: type[Exception] | None
) -> None:
    """JSON-LD 1.1 (Context Processing 5.8.2): `"@vocab": null` clears the vocabulary
    mapping. pyld 3.3.0 raised KeyError when none was set; now it is processed as written."""
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", *contexts],
        "id": "urn:x",
        "shoeSize": 42,
    }
    if outcome is None:
        assert len(to_rdf(document)["@default"]) == 1
    else:
        with pytest.raises(outcome, match="shoeSize"):
            to_rdf(document)


KEYWORDS = ["@vocab", "@base", "@version", "@protected", "@propagate", "@import", "@language"]
KEYWORDS += ["@direction", "@type", "@id", "@container", "@context", "@reverse", "@nest"]
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from(["", "x", "urn:x", "https://e.example/", "@id", "@vocab", "1.1", "en"])
    | st.sampled_from(KEYWORDS),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from([*KEYWORDS, "name", "shoeSize"]), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(
    context=st.dictionaries(st.sampled_from([*KEYWORDS, "name", "shoeSize"]), VALUES, max_size=4),
    value=VALUES,
)
def test_any_context_is_processed_or_refused_by_type(context: dict, value: object) -> None:
    """Every failure inside the JSON-LD processor is a typed refusal, never its crash."""
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", context],
        "id": "urn:x",
        "name": value,
        "shoeSize": value,
    }
    try:
        dataset = to_rdf(document)
    except UnusableInput as refused:
        assert refused.kind in {"malformed", "undefined_term", "context_not_allowed"}
        return
    assert isinstance(dataset.get("@default", []), list)


def test_an_identifier_that_is_not_an_iri_is_refused() -> None:
    """pyld takes anything with a colon for an absolute IRI and writes it into the RDF;
    `https ://x` is not one (RFC 3987: no spaces), so safe mode refuses it by name."""
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "https ://not-a-url/subject"},
    }
    with pytest.raises(UndefinedTerm, match="not-a-url"):
        to_rdf(document)
