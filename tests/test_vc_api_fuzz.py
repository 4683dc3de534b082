"""Fuzzing the VC-API (wallet/server/vc_api.py) over HTTP on 127.0.0.1: bodies that are not
JSON, JSON of every shape, and genuine credentials with one field changed, sent to every
endpoint. Whatever arrives, the answer is a success, a verdict (400 with its checks) or a
4xx with a named error and a reason, never a 500, in bounded time."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import in_thread, send
from wallet.server.app import create_app
from wallet.server.limits import DEFAULT, Rate
from wallet.server.storage import ServerStore
from wallet.server.vc_api import VcApi
from wallet.vc import did_key, proofs
from wallet.vc.multikey import KeyPair, KeyType

TOKEN = "fuzz-token"
ED25519, P256 = KeyPair.generate(KeyType.ED25519), KeyPair.generate(KeyType.P256)
PER_REQUEST_SECONDS = 10.0  # CPU of this process (client and server); generous
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TARGETS = [
    "/credentials/verify",
    "/presentations/verify",
    "/credentials/derive",
    "/issuers/eddsa-rdfc-2022-ed25519/credentials/issue",
    "/issuers/ecdsa-sd-2023-p-256/credentials/issue",
]


def credential(key: KeyPair) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did_key.did_for(key.public),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "name": "Alice"},
    }


SIGNED = proofs.sign(credential(ED25519), ED25519, "eddsa-rdfc-2022")
SD_SIGNED = proofs.sign(credential(P256), P256, "ecdsa-sd-2023", mandatory_pointers=["/issuer"])


def vc_1_1(key: KeyPair) -> dict[str, Any]:
    """As the ECDSA suite's interop test sends it: VC 1.1 with a context object after the base
    context (the Data Integrity context is injected when signed)."""
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            {"name": "https://schema.org/name", "description": "https://schema.org/description"},
        ],
        "id": "urn:uuid:36245ee9-9074-4b05-a777-febff2e69757",
        "type": ["VerifiableCredential"],
        "issuer": did_key.did_for(key.public),
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:uuid:1a0e4ef5", "name": "Alice", "description": "A"},
    }


@dataclass
class Served:
    port: int


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder: Path = tmp_path_factory.mktemp("vcapi-fuzz")
    limits = replace(DEFAULT, vc_api_rate=Rate(1e9, 1e9))  # the rate is tested elsewhere
    app = create_app(
        ServerStore(f"sqlite:///{folder / 's.db'}"), limits=limits, vc=VcApi((ED25519, P256), TOKEN)
    )
    with in_thread(app) as port:
        yield Served(port)


surrogates = st.integers(0xD800, 0xDFFF).map(chr)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=12)
    | surrogates
    | st.sampled_from(
        ["did:key:z6Mk", "urn:uuid:1", "https://www.w3.org/ns/credentials/v2", "/issuer", "z"]
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=8)
            | st.sampled_from(["@context", "@vocab", "@id", "@type", "id", "type", "proof"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=16,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, so one can be changed."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*prefix, index))
    return found


@st.composite
def changed(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """A copy of `document` with one value replaced, or one member dropped."""
    copy = json.loads(json.dumps(document))
    where = draw(st.sampled_from(paths(copy)[1:]))
    parent = copy
    for step in where[:-1]:
        parent = parent[step]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[where[-1]]
    else:
        parent[where[-1]] = draw(json_values)
    return copy


def bodies_for(target: str) -> st.SearchStrategy[bytes]:
    field = "credential" if target.startswith("/issuers/") else "verifiableCredential"
    base = SD_SIGNED if "sd" in target or "derive" in target else SIGNED
    if target.startswith("/issuers/"):
        base = {k: v for k, v in base.items() if k != "proof"}
    options = st.fixed_dictionaries(
        {},
        optional={
            "selectivePointers": st.lists(
                st.sampled_from(["/credentialSubject/name", "/x", "~", ""])
            )
            | json_values,
            "mandatoryPointers": st.lists(st.sampled_from(["/issuer", "/nope", "a"])) | json_values,
            "challenge": json_values,
            "domain": json_values,
        },
    )
    document = changed(base) | st.just(base)
    if target.startswith("/issuers/"):
        older = vc_1_1(P256 if "p-256" in target else ED25519)
        document = document | changed(older) | st.just(older)
    if target == "/presentations/verify":
        document = document.map(
            lambda vc: {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [vc],
            }
        ) | changed(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [SIGNED],
            }
        )
        field = "verifiablePresentation"
    structured = st.builds(
        lambda doc, opts: json.dumps({field: doc, "options": opts}).encode(), document, options
    )
    return (
        structured
        | st.binary(max_size=256)
        | json_values.map(lambda v: json.dumps(v).encode())
        | st.integers(1, 3_000).map(lambda n: b'{"' + field.encode() + b'":' + b"[" * n)
    )


def answered_well(port: int, target: str, body: bytes) -> tuple[int, Any]:
    start = time.process_time()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    status, answer = send(port, "POST", target, body, headers)
    assert time.process_time() - start < PER_REQUEST_SECONDS
    assert status < 500, (status, answer)
    if status >= 400:
        assert isinstance(answer, dict), answer
        named = answer.get("error") and answer.get("message")
        verdict = answer.get("verified") is False and answer.get("errors")
        assert named or verdict, answer
    return status, answer


@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_every_endpoint(served: Served, target: str) -> None:
    @FUZZ
    @given(body=bodies_for(target))
    def run(body: bytes) -> None:
        answered_well(served.port, target, body)

    run()
