"""How fast the app is where a person waits: scanning with the camera (the decoding and
verifying pipeline the scanner runs, fed camera-like JPEG frames), and starting up:
`wallet app --web` to a listening HTTP server, and to Flutter's first frame and first
screen in headless Chromium (when Playwright and Debian's chromium are installed, as for
the tests). The browser tests start and drive the app, and make camera frames, the same
way."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from PIL import Image, ImageFilter

from wallet.assets import assets_dir
from wallet.qr import frames, images
from wallet.services.issuer import signing as issuer
from wallet.services.scanning import FrameScan
from wallet.services.wallet import Wallet
from wallet.vc import ecdsa_sd_2023
from wallet.vc.multikey import KeyPair, KeyType

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


def in_parallel(work: Callable[[int], None], count: int) -> float:
    """Run `work(0)` … `work(count - 1)` on threads at once; the seconds until the last is
    done. The first error any of them raised is raised here, after all have finished."""
    errors: list[BaseException] = []

    def guarded(number: int) -> None:
        try:
            work(number)
        except Exception as error:  # noqa: BLE001 - re-raised below, on the caller's thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - start


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


CAMERA_SIZE = (640, 480)  # what a fake or a cheap camera hands `take_picture()`


def camera_picture(png: bytes | None) -> bytes:
    """A QR image as a camera would see it: smaller, on a grey background, off centre,
    slightly blurred, as a JPEG. None gives a frame with no code (the phone moving)."""
    frame = Image.new("RGB", CAMERA_SIZE, (118, 122, 116))
    if png is not None:
        code = Image.open(io.BytesIO(png)).convert("RGB")
        side = min(CAMERA_SIZE[1] - 40, code.width)
        code = code.resize((side, side), Image.Resampling.BILINEAR)
        frame.paste(code, ((CAMERA_SIZE[0] - side) // 2 + 17, (CAMERA_SIZE[1] - side) // 2 - 6))
    out = io.BytesIO()
    frame.filter(ImageFilter.GaussianBlur(0.8)).save(out, "JPEG", quality=80)
    return out.getvalue()


def camera_figures(runs: int = 5) -> Iterator[tuple[str, float, str]]:
    """The scanner's work once a code is in view: `camera.scan-to-verdict` is a learner's
    one-way presentation from its first camera frame to the verdict (`Wallet.verify_texts`,
    as the app runs it, history included); `camera.sequence-5-frames` reads a 5-frame
    sequence caught out of order with repeats and frames without a code."""
    with tempfile.TemporaryDirectory() as folder:
        verifier, frames_of_presentation = _camera_presentation(Path(folder))

        def scan_to_verdict() -> None:
            scan = FrameScan()
            for picture in frames_of_presentation:
                if scan.feed(picture):
                    break
            verifier.verify_texts(scan.result)

        yield "camera.scan-to-verdict", _median_ms(scan_to_verdict, runs), "ms"
    per_frame = frames.alphanumeric_capacity(frames.MAX_VERSION) * 2 // 3 - 12
    texts = frames.split(os.urandom(per_frame * 9 // 2), frames.MAX_VERSION)
    assert len(texts) == 5, len(texts)
    seen = [camera_picture(png) for png in images.render_pngs(texts)]
    video = [seen[2], seen[0], camera_picture(None), seen[2], seen[4], seen[0], seen[1], seen[3]]

    def read_sequence() -> None:
        scan = FrameScan()
        if not any(scan.feed(picture) for picture in video):
            raise AssertionError("the bench sequence was not read")

    yield "camera.sequence-5-frames", _median_ms(read_sequence, runs), "ms"


def _camera_presentation(folder: Path) -> tuple[Wallet, list[bytes]]:
    """An employer's open wallet, and a learner's presentation as camera frames."""
    learner = Wallet(folder / "learner")
    learner.create("bench learner passphrase")
    badge = json.loads((assets_dir() / "samples" / "teamwork-badge.json").read_text())
    badge["credentialSubject"]["id"] = learner.backpack.new_holder_key()
    signed = json.dumps(issuer.issue(badge, KeyPair.generate(KeyType.P256), ecdsa_sd_2023.NAME))
    [held] = list(learner.backpack.import_sources([("badge.json", signed.encode)]))
    if held.id is None:
        raise AssertionError(f"the bench badge was refused: {held.reason}")
    shown = learner.backpack.present([held.id], ["/credentialSubject/name"]).document
    texts, _ = frames.texts_for(shown)
    employer = Wallet(folder / "employer")
    employer.create("bench employer passphrase")
    return employer, [camera_picture(png) for png in images.render_pngs(texts)]


def _median_ms(operation: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        operation()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run() -> Iterator[tuple[str, float, str]]:
    yield from camera_figures()
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
