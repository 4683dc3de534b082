"""The real app, started as `python -m wallet app --web`, driven in headless Chromium
through Flutter's semantics tree. Nothing beyond 127.0.0.1 is reachable: the browser's
other requests are aborted and recorded, and the app process refuses non-loopback
connections."""

from __future__ import annotations

import contextlib
import io
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from tests.conftest import require
from wallet.bench.app import (
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    start_app,
    wait_until_serving,
)

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "build" / "screens"  # test artifacts, not committed
VIEWPORT = {"width": 412, "height": 915}
PASSPHRASE = "river-stone-42"
# Flet's web client asks a CDN for the Rive animation runtime, which this app never uses;
# the request is blocked like every other and the app works without it.
FLET_CLIENT_PROBES = ("https://cdn.jsdelivr.net/npm/@rive-app/",)


@pytest.fixture(scope="session")
def playwright() -> Iterator[object]:
    if not CHROMIUM.exists():
        require("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="session")
def browser(playwright: object) -> Iterator[object]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


class Wallet:
    """One running app and one browser page on it, with the few gestures tests need."""

    def __init__(self, page: object, url: str, directory: Path) -> None:
        self.page = page
        self.url = url
        self.directory = directory
        self.blocked: list[str] = []

    def open(self) -> None:
        self.page.goto(self.url)
        self.page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
        self.page.dispatch_event("flt-semantics-placeholder", "click")

    def button(self, name: str, *, exact: bool = True) -> object:
        return self.page.get_by_role("button", name=name, exact=exact)

    def click(self, name: str, *, exact: bool = True) -> None:
        self.button(name, exact=exact).first.click()

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name, exact=True).click()

    def type(self, label: str, text: str) -> None:
        field = self.page.get_by_role("textbox", name=label, exact=True)
        field.click()
        self.page.wait_for_timeout(250)  # the field takes focus a moment after the click
        if not field.evaluate("node => node === document.activeElement"):
            field.click()  # after a tab change the first click only moves focus off the tab
            self.page.wait_for_timeout(250)
        self.page.keyboard.press("Control+a")  # replace whatever the field held
        self.page.keyboard.type(text, delay=10)

    def click_until(self, name: str, shows: str, tries: int = 3) -> None:
        """Click until `shows` appears. Under load a click that comes just after a tab
        change can land while Flutter is still moving focus off the tab, and is lost; a
        second click on the same button is what a person would do."""
        for _ in range(tries - 1):
            self.click(name)
            try:
                self.page.get_by_text(shows).first.wait_for(timeout=10_000)
                return
            except PlaywrightTimeout:
                continue
        self.click(name)
        self.see(shows)

    def see(self, text: str, timeout: float = 30_000, *, exact: bool = False) -> None:
        try:
            self.page.get_by_text(text, exact=exact).first.wait_for(timeout=timeout)
        except PlaywrightTimeout as error:
            self.screenshot("failed-waiting")  # what the screen showed instead
            log = self.directory.parent / "app.log"
            raise AssertionError(
                f"{text!r} never showed; app log:\n{log.read_text()[-3000:]}"
            ) from error

    def choose_files(self, button: str, *paths: Path) -> None:
        with self.page.expect_file_chooser() as chooser:
            self.click(button)
        chooser.value.set_files([str(p) for p in paths])

    def screenshot(self, name: str | None = None) -> Image.Image:
        self.page.wait_for_timeout(400)  # let the canvas paint what the semantics show
        data = self.page.screenshot()
        if name is not None:
            SCREENS.mkdir(parents=True, exist_ok=True)
            (SCREENS / f"{name}.png").write_bytes(data)
        return Image.open(io.BytesIO(data))

    def qr_texts(self, frames_expected: bool = True, timeout: float = 20) -> list[str]:
        """Every distinct code shown on screen, watching until a sequence is complete."""
        import zxingcpp

        seen: dict[str, None] = {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for code in zxingcpp.read_barcodes(self.screenshot()):
                seen.setdefault(code.text)
            if seen and (not frames_expected or _complete(list(seen))):
                return list(seen)
            self.page.wait_for_timeout(300)
        raise AssertionError(f"no complete QR sequence on screen; saw {len(seen)} codes")

    def create_wallet(self) -> None:
        self.click("Create a new wallet")
        self.type("Passphrase", PASSPHRASE)
        self.type("Passphrase again", PASSPHRASE)
        self.click("Create wallet")
        self.see("Your recovery words")
        words = [
            self.page.get_by_text(f"{n}. ", exact=False).first.inner_text().split(". ", 1)[1]
            for n in range(1, 13)
        ]
        self.screenshot("onboarding-words")
        self.click("I wrote them down")
        self.see("Check your words")
        for n, word in enumerate(words, start=1):
            field = self.page.get_by_role("textbox", name=f"Word number {n}", exact=True)
            if field.count():
                self.type(f"Word number {n}", word)
        self.click("Confirm")
        self.see("My backpack")


def _complete(texts: list[str]) -> bool:
    from wallet.qr import frames
    from wallet.qr.errors import PayloadError

    try:
        frames.reassemble(texts)
    except PayloadError:
        return False
    return True


@contextlib.contextmanager
def running_wallet(
    browser: object,
    tmp_path: Path,
    script: str | None = None,
    env: dict[str, str] | None = None,
    **context: object,
) -> Iterator[Wallet]:
    """The app in its own process and a fresh browser context on it, cut off from the
    network; `script` runs in the page before the app, `env` is added to the app's
    environment (`WALLET_TEST_RTL`, see offline_site), `context` goes to
    `browser.new_context` (permissions, for the camera)."""
    port = free_port()
    directory = tmp_path / "wallet"
    directory.mkdir()
    process = start_app(
        directory,
        port,
        extra_env={"PYTHONPATH": str(Path(__file__).parent / "offline_site"), **(env or {})},
        stderr=(tmp_path / "app.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(url, process)
        opened = browser.new_context(viewport=VIEWPORT, **context)
        if script is not None:
            opened.add_init_script(script)
        page = opened.new_page()
        app = Wallet(page, url, directory)

        def offline(route: object) -> None:
            if route.request.url.startswith(url) or route.request.url.startswith(
                url.replace("http", "ws")
            ):
                route.continue_()
            else:
                app.blocked.append(route.request.url)
                route.abort()

        opened.route("**/*", offline)
        app.open()
        yield app
        opened.close()
        unexpected = [u for u in app.blocked if not u.startswith(FLET_CLIENT_PROBES)]
        assert unexpected == [], f"the app tried to reach the network: {unexpected}"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def sync_server(tmp_path: Path) -> Iterator[str]:
    """A real sync server (`wallet serve`, SQLite) on 127.0.0.1; yields its address."""
    from tests.support import Server

    server = Server(tmp_path / "server")
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.kill()


@pytest.fixture
def wallet(browser: object, tmp_path: Path) -> Iterator[Wallet]:
    with running_wallet(browser, tmp_path) as app:
        yield app


# Every getUserMedia stream the page opens, so a test can see that leaving the scanner
# stopped the camera (each track "ended").
TRACK_STREAMS = """
window.__cameraStreams = [];
const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = async (constraints) => {
  const stream = await original(constraints);
  window.__cameraStreams.push(stream);
  return stream;
};
"""

CAMERA_STOPPED = """() => window.__cameraStreams.length > 0 && window.__cameraStreams.every(
    s => s.getTracks().every(t => t.readyState === "ended"))"""


@pytest.fixture
def camera_wallet(playwright: object, tmp_path: Path) -> Iterator[Callable[..., Wallet]]:
    """`camera_wallet(video, allow=True)`: the app in a Chromium whose fake camera plays
    `video` (an MJPEG file, see `write_mjpeg`). Chromium fixes the file per launch, so
    each call launches its own browser; it reads the file only when a page opens the
    camera, so a test may write the file after launch. `allow=False` leaves the camera
    permission ungranted: headless Chromium then refuses it, as a user would."""
    with contextlib.ExitStack() as stack:

        def launch(video: Path, *, allow: bool = True) -> Wallet:
            args = [
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ]
            if allow:
                args.append("--use-fake-ui-for-media-stream")
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
            stack.callback(launched.close)
            permissions = {"permissions": ["camera"]} if allow else {}
            return stack.enter_context(
                running_wallet(launched, tmp_path, TRACK_STREAMS, **permissions)
            )

        yield launch


def write_mjpeg(path: Path, pictures: list[bytes], hold: int = 20) -> None:
    """A fake camera's video: JPEG frames back to back, each held for `hold` video frames
    (Chromium plays an MJPEG file at 30 frames a second, and loops it)."""
    path.write_bytes(b"".join(picture for picture in pictures for _ in range(hold)))


def open_route(wallet: Wallet, route: str) -> None:
    """Type `route` into the address bar. The tab keeps its Flet session, so the wallet
    stays as it was (open, or locked)."""
    wallet.page.goto(wallet.url + route.lstrip("/"))
    wallet.page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
    wallet.page.dispatch_event("flt-semantics-placeholder", "click")


def open_tab(wallet: Wallet, route: str) -> Wallet:
    """`route` in a new tab: a new session, so the wallet starts locked."""
    tab = Wallet(wallet.page.context.new_page(), wallet.url + route.lstrip("/"), wallet.directory)
    tab.open()
    return tab


def unlock(wallet: Wallet) -> None:
    wallet.see("Wallet locked")
    wallet.type("Passphrase", PASSPHRASE)
    wallet.click("Unlock")
