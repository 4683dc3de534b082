"""How fast the app starts: `wallet app --web` to a listening HTTP server, and to Flutter's
first frame and first screen in headless Chromium (when Playwright and Debian's chromium
are installed, as for the tests). The browser tests start and drive the app the same way."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(
    directory: Path,
    port: int,
    *,
    extra_env: dict[str, str] | None = None,
    stderr: IO[bytes] | int = subprocess.DEVNULL,
) -> subprocess.Popen[bytes]:
    """`python -m wallet app --web` as its own process, as a user starts it."""
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}  # Flet opens no browser
    env.update(extra_env or {})
    command = [sys.executable, "-m", "wallet", "--wallet", str(directory), "app", "--web"]
    return subprocess.Popen(
        [*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=stderr
    )


def wait_until_serving(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"the app did not answer on {url}")


def run() -> Iterator[tuple[str, float, str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as folder:
        start = time.monotonic()
        process = start_app(Path(folder), port)
        try:
            wait_until_serving(url, process)
            yield "app.start-to-http-ready", time.monotonic() - start, "s"
            if importlib.util.find_spec("playwright") and CHROMIUM.exists():
                yield from _browser_figures(url, start)
        finally:
            process.terminate()
            process.wait(10)


def _browser_figures(url: str, start: float) -> Iterator[tuple[str, float, str]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 412, "height": 915})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
        page.goto(url)
        # Flutter attaches its semantics placeholder once the first frame is on screen.
        page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
        yield "app.start-to-first-frame", time.monotonic() - start, "s"
        page.dispatch_event("flt-semantics-placeholder", "click")
        page.get_by_role("button", name="Create a new wallet").wait_for(timeout=60_000)
        yield "app.start-to-first-screen", time.monotonic() - start, "s"
        browser.close()
