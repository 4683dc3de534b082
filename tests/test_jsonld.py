"""The offline document loader and JSON-LD safe mode."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, shared_path
from wallet.vc.errors import ContextNotAllowed, MalformedInput, UndefinedTerm
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
