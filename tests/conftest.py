"""Shared fixtures: the published vectors, a fixed clock, and no network."""

from __future__ import annotations

import html
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from tests.support import IssuerSite, LocalCa

# CI explores the same examples every run, so a landing is never blocked by chance; local
# runs explore fresh examples each time and find what CI would not.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
SLOW_LINK_HOST = "10.77.0.1"  # this host's end of tests/slow_link.py, inside the sandbox


def shared_path(*parts: str) -> Path:
    """Vectors live beside the checkout; missing is a skip locally and a failure in CI."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        require(f"published vectors not found at {path} (expected ../shared beside the repo)")
    return path


def require(message: str) -> None:
    """Something the tests need is missing: a skip locally, a failure under CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def load_json(*parts: str) -> Any:
    return json.loads(shared_path(*parts).read_text(encoding="utf-8"))


def read_text(*parts: str) -> str:
    return shared_path(*parts).read_text(encoding="utf-8")


def json_objects_in_html(*parts: str) -> list[dict[str, Any]]:
    """The 1EdTech vectors embed their JSON in HTML <pre> blocks; take every object out."""
    text = html.unescape(re.sub(r"<[^>]+>", "", read_text(*parts)))
    decoder = json.JSONDecoder()
    found, position = [], 0
    while (position := text.find("{", position)) >= 0:
        try:
            value, end = decoder.raw_decode(text, position)
        except ValueError:
            position += 1
            continue
        found.append(value)
        position = end
    return found


def sample_badge() -> dict[str, Any]:
    return json.loads((ROOT / "assets" / "samples" / "teamwork-badge.json").read_text())


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline by construction: any connection beyond loopback fails the test."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and host not in ("127.0.0.1", "::1", "localhost", SLOW_LINK_HOST)
            and (self.family in (socket.AF_INET, socket.AF_INET6))
        ):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def ca(tmp_path: Path) -> LocalCa:
    """A test certificate authority the fetcher trusts, standing in for the web's."""
    from tests.support import LocalCa

    return LocalCa(tmp_path)


@pytest.fixture
def site(ca: LocalCa) -> Iterator[IssuerSite]:
    """An issuer's website on https://127.0.0.1, certified by `ca`."""
    from tests.support import IssuerSite

    served = IssuerSite(ca)
    yield served
    served.close()


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[str]:
    """`wallet serve` on 127.0.0.1 over SQLite, where one database is enough."""
    from tests.support import Server

    running = Server(tmp_path / "server")
    running.start()
    yield f"http://127.0.0.1:{running.port}"
    running.kill()


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """`wallet serve` on 127.0.0.1, on SQLite and on PostgreSQL."""
    from tests.support import postgres_database
    from wallet.bench.app import free_port

    port = free_port()
    data = tmp_path / "server"
    databases = postgres_database() if request.param == "postgresql" else None
    db_url = next(databases) if databases else f"sqlite:///{data / 'server.db'}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wallet",
            "--wallet",
            str(data),
            "serve",
            "--db",
            db_url,
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise AssertionError(
            f"server did not start: {process.stderr.read() if process.stderr else ''}"
        )
    yield f"http://127.0.0.1:{port}", data, db_url
    process.terminate()
    process.wait(timeout=10)
    if databases:
        next(databases, None)
