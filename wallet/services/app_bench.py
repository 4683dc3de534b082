"""How fast the app starts: `wallet app --web` to a listening HTTP server, and to Flutter's
first frame and first screen in headless Chromium (when Playwright and Debian's chromium
are installed, as for the tests)."""

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

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_http(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"the app did not answer on {url}")


def run() -> Iterator[tuple[str, float, str]]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "wallet", "--wallet", folder, "app", "--web"]
        start = time.monotonic()
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for_http(url, start + 60)
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
