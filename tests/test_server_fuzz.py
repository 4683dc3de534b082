"""Fuzzing the server's request parsers over HTTP on 127.0.0.1: signed headers, JSON
bodies, `since` and the other numbers in queries, CBOR bodies. Whatever arrives, the
answer is a 4xx with a named error and a reason (or a success), never a 500, and each
request costs a bounded amount of the process's time (server and client share it)."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import Device, in_thread, new_did, send
from wallet.protocol import sync as protocol

PER_REQUEST_SECONDS = 5.0  # CPU of this process (client and server); generous
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Device]]:
    from wallet.server.app import create_app
    from wallet.server.limits import DEFAULT, Rate
    from wallet.server.storage import ServerStore

    folder: Path = tmp_path_factory.mktemp("fuzz")
    unlimited = Rate(1e9, 1e9)  # the rates are tested elsewhere; here every request counts
    limits = replace(
        DEFAULT, device_rate=unlimited, address_rate=unlimited, registration_rate=unlimited
    )
    with in_thread(create_app(ServerStore(f"sqlite:///{folder / 's.db'}"), limits=limits)) as port:
        device = Device(port)
        device.register()
        yield port, device


def answered_well(call: Any) -> tuple[int, Any]:
    start = time.process_time()
    status, body = call()
    assert time.process_time() - start < PER_REQUEST_SECONDS
    assert status < 500, (status, body)
    if status >= 400:
        assert isinstance(body, dict) and body.get("error") and body.get("message"), body
    return status, body


latin1 = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"))
surrogates = st.integers(0xD800, 0xDFFF).map(chr)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | surrogates,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=8) | st.sampled_from(["header", "entries", "seq"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@st.composite
def authorization(draw: st.DrawFn) -> str:
    fields = {
        "did": draw(st.sampled_from([new_did(), "did:key:z", "did:web:x"]) | latin1),
        "ts": draw(st.sampled_from([str(int(time.time())), "9" * 5000, "-1"]) | latin1),
        "nonce": draw(st.sampled_from(["abc", "a" * 65, ""]) | latin1),
        "sig": draw(st.sampled_from(["AAAA", "=", ""]) | latin1),
    }
    order = draw(st.permutations(list(fields)))
    parts = [f'{name}="{fields[name]}"' for name in order]
    return draw(st.sampled_from(["LW-Device ", "LW-Device", "Bearer ", ""])) + draw(
        st.sampled_from([", ", ",", ",,"])
    ).join(parts)


@FUZZ
@given(header=authorization() | latin1)
def test_fuzz_signed_headers(served: tuple[int, Device], header: str) -> None:
    port, _ = served
    status, _ = answered_well(
        lambda: send(port, "GET", "/v1/header", headers={"Authorization": header})
    )
    assert status in (401, 403)


def json_body(value: Any) -> bytes:
    return json.dumps(value).encode()


json_bodies = (
    st.binary(max_size=512)
    | json_values.map(json_body)
    | st.builds(lambda entries: json_body({"entries": entries}), json_values)
    | st.builds(lambda header: json_body({"header": header, "entries": {}}), json_values)
    | st.integers(1, 5_000).map(lambda n: b"[" * n + b"]" * n)
    | st.integers(1, 5_000).map(lambda n: b'{"header":' + b"[" * n)
)


@FUZZ
@given(body=json_bodies, bundle=st.booleans())
def test_fuzz_json_bodies(served: tuple[int, Device], body: bytes, bundle: bool) -> None:
    port, _ = served
    method, target = ("PUT", "/v1/bundles/") if bundle else ("POST", "/v1/logs/")
    status, _ = answered_well(lambda: send(port, method, target + new_did(), body))
    assert status in (200, 400, 409)  # 200: an empty list of entries extends any log


query_texts = (
    st.text(max_size=30).map(lambda text: urllib.parse.quote(text, safe=""))
    | st.binary(max_size=30).map(lambda data: urllib.parse.quote_from_bytes(data, safe=""))
    | st.integers(min_value=-(2**70), max_value=2**70).map(str)
    | st.integers(4_000, 6_000).map(lambda n: "9" * n)
)


@FUZZ
@given(since=query_texts, after=query_texts)
def test_fuzz_since_and_after(served: tuple[int, Device], since: str, after: str) -> None:
    port, _ = served
    did = new_did()
    status, _ = answered_well(lambda: send(port, "GET", f"/v1/bundles/{did}?since={since}"))
    assert status in (400, 404)  # a bad number, or no bundle from this publisher
    status, _ = answered_well(lambda: send(port, "GET", f"/v1/logs/{did}?after={after}"))
    assert status in (200, 400)


@FUZZ
@given(cursor=query_texts, limit=query_texts)
def test_fuzz_pull_queries(served: tuple[int, Device], cursor: str, limit: str) -> None:
    _, device = served
    status, _ = answered_well(
        lambda: device.request("GET", f"/v1/pull?cursor={cursor}&limit={limit}")
    )
    assert status in (200, 400)


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64) + 1, max_value=2**64 - 1)
    | st.text(max_size=20)
    | st.binary(max_size=20),
    lambda children: (
        st.lists(children, max_size=8) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)
record_rows = st.lists(
    st.lists(cbor_values, min_size=7, max_size=7)
    | st.tuples(
        st.text(max_size=10),
        st.sampled_from(["credential", "\x00", ""]),
        st.integers(0, 2**64 - 1),
        st.integers(0, 2**64 - 1),
        st.integers(0, 2**64 - 1),
        st.sampled_from([0, 1, 2]),
        st.none() | st.binary(max_size=20),
    ).map(list),
    max_size=5,
)
cbor_bodies = (
    st.binary(max_size=512) | cbor_values.map(protocol.encode) | record_rows.map(protocol.encode)
)


@FUZZ
@given(body=cbor_bodies, endpoint=st.sampled_from(["/v1/push", "/v1/devices"]))
def test_fuzz_cbor_bodies(served: tuple[int, Device], body: bytes, endpoint: str) -> None:
    _, device = served
    answered_well(lambda: device.request("POST", endpoint, body))
