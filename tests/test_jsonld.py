"""The offline document loader and JSON-LD safe mode."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ROOT, shared_path
from wallet.vc.errors import ContextNotAllowed, MalformedInput, UndefinedTerm, UnusableInput
from wallet.vc.jsonld import (
    bundled_context_hashes,
    bundled_contexts,
    load_document,
    published_digests,
    to_rdf,
)


def test_bundle_holds_the_shared_contexts() -> None:
    shared = shared_path("contexts")
    index = json.loads((shared / "index.json").read_text())
    bundled = json.loads((ROOT / "assets" / "contexts" / "index.json").read_text())
    assert bundled.items() >= index.items()
    for url, name in index.items():
        assert bundled_contexts()[url] == json.loads((shared / name).read_text()), url


# Contexts real credentials use beyond ../shared/contexts, each the published text, from
# the repository that publishes it (issue 14). A changed byte changes what every credential
# using it means, so each file is pinned.
PUBLISHED_CONTEXTS = {
    # digitalcredentials/dcc v1/dcc-context-v1.json (served at digitalcredentials.github.io)
    "https://w3id.org/dcc/v1": "1543695325471b0d23e839a28166ba4ea445cca294ac46fe034ca584cbfc6077",
    # w3c/vc-bitstring-status-list contexts/v1.jsonld
    "https://www.w3.org/ns/credentials/status/v1": (
        "fda5add353231e6a6884a46b12e6c75464281900cb348284d9c360f62381d9f7"
    ),
    # digitalbazaar/vc-status-list-context contexts/vc-status-list-v1.jsonld (the CCG draft)
    "https://w3id.org/vc/status-list/2021/v1": (
        "634d71c159289f068c96012e4511c657fdf82ac4231900081bda3ba24e2e1160"
    ),
    # 1EdTech/digital-credentials-public-validator, the copies its document loader serves
    "https://purl.imsglobal.org/spec/clr/v2p0/context.json": (
        "e198d7b517d74c5036434ce495086f67b10244709e9a3df9dcb7f8b1579b6167"
    ),
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": (
        "880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6"
    ),
    # 1EdTech/openbadges-specification ob_v2p0/v2/context.json, the openbadgespec.org page
    # w3id.org/openbadges/v2 redirects to
    "https://w3id.org/openbadges/v2": (
        "3c0c25a0e581c64cbe632197377c4f334c6c0b95f0d90e3b74449781612b153d"
    ),
    "https://openbadgespec.org/v2/context.json": (
        "3c0c25a0e581c64cbe632197377c4f334c6c0b95f0d90e3b74449781612b153d"
    ),
    # digitalbazaar/ed25519-signature-2018-context contexts/ed25519-signature-2018-v1.jsonld
    # (byte for byte the copy 1EdTech's validator serves)
    "https://w3id.org/security/suites/ed25519-2018/v1": (
        "166c6abb9e08176cee5f6c87c9c1bbfefa5717da391bcac525e5437f93eab809"
    ),
}


@pytest.mark.parametrize("url", sorted(PUBLISHED_CONTEXTS))
def test_published_context_is_bundled_with_its_pinned_hash(url: str) -> None:
    directory = ROOT / "assets" / "contexts"
    name = json.loads((directory / "index.json").read_text())[url]
    assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == PUBLISHED_CONTEXTS[url]
    assert bundled_context_hashes()[url] == PUBLISHED_CONTEXTS[url]
    assert load_document(url)["document"]["@context"]


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


def test_published_digests_are_those_of_the_published_bytes() -> None:
    """assets/contexts/published-digests.json, which relatedResource digests are checked
    against offline: the bundled files pinned above are the published bytes, so their
    digests are the bundle's; the v2 context's two versions are those VCDM 2.0 states in
    appendix B.1 (CR2, 2024; REC, 2025). Our v2 copy is re-serialized, so its own digest
    is not among them."""
    published = published_digests()
    for url, sha256 in PUBLISHED_CONTEXTS.items():
        assert [version["sha256"] for version in published[url]] == [sha256]
    v2 = "https://www.w3.org/ns/credentials/v2"
    assert [version["sha256"] for version in published[v2]] == [
        "24a18c90e9856d526111f29376e302d970b2bd10182e33959995b0207d7043b9",
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    ]
    assert bundled_context_hashes()[v2] not in [v["sha256"] for v in published[v2]]
    for versions in published.values():
        for version in versions:
            assert {len(version[n]) for n in ("sha256", "sha384", "sha512")} == {64, 96, 128}
