"""What every screen shares: the page, the open wallet session, the language, navigation
by route, and running slow work off the UI thread with a busy indicator."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlsplit

import flet as ft

from wallet.services.wallet import Wallet
from wallet.store.errors import RecordNotFound, VaultLocked
from wallet.ui import errors, theme
from wallet.ui.i18n import Catalog

T = TypeVar("T")
CAMERA_CALL_WAITS = 250  # 20 ms apart: a permission prompt may hold a call for a while
MIN_TOUCH = 48  # dp: Android's minimum comfortable touch target
WIDE = 840  # dp: Material's "expanded" window width, where a rail and two panes fit
# A toast told this recently before a navigation was told for the screen it leads to
# ("Deleted", then the backpack); an older one belonged to the screen left behind.
TOAST_CARRIES_SECONDS = 1.0
PICTURES = ["png", "jpg", "jpeg"]
THEMES = {"system": ft.ThemeMode.SYSTEM, "light": ft.ThemeMode.LIGHT, "dark": ft.ThemeMode.DARK}


class Router(Protocol):
    """What the app knows of its routes (`routes.Router`), so this module imports no
    screen and every screen can import it."""

    def resolve(self, app: App, route: str) -> str: ...

    def views(self, app: App, route: str) -> list[ft.View]: ...

    def parent(self, app: App, route: str) -> str | None: ...

    def home(self, app: App) -> str: ...


class App:
    def __init__(self, page: ft.Page, session: Wallet, router: Router) -> None:
        self.page = page
        self.session = session
        self.router = router
        self.t = Catalog()
        self.route: str | None = None  # the route shown
        self.state: dict[str, dict[str, Any]] = {}  # each route's params not in its path
        self.after_unlock: str | None = None  # a deep link that met the lock screen
        self.pushed: list[str] = []  # routes sent to the client, not yet echoed back
        self.tab = 0  # the navigation bar's highlighted tab
        self.generation = 0  # bumps on every navigation; animations stop when it moves on
        self.after_background_sync: Callable[[], None] | None = None  # set by a screen
        self.camera_calls = 0  # the scanner's camera method calls still awaiting a reply
        self.laid_out_wide = False  # whether the shown screen was laid out for a wide window
        self.toast: tuple[ft.SnackBar, float] | None = None  # the last one, and when
        self.picker = ft.FilePicker()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wallet-work")
        # Camera pictures are decoded beside the worker, never on the UI thread; decoding
        # needs no database, so a slow job (a sync, a KDF) does not stall the scanner.
        self.decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wallet-decode")
        # The shown screen's view is one view whose content changes: a new view would be a
        # new Flutter page, and a progress dialog closing as it arrived stayed open.
        self.top = page.views[0]
        page.on_route_change = self._route_changed
        page.on_view_pop = self._view_popped

    # --- navigation -------------------------------------------------------------------------

    def go(self, route: str, **params: Any) -> None:
        """Show `route` (a table pattern such as "/credential/{record_id}"): the params its
        pattern names fill the path, the rest are kept as that route's state."""
        names = re.findall(r"{(\w+)}", route)
        path = route.format(**{name: quote(str(params.pop(name)), safe="") for name in names})
        self.state[path] = params
        self._open(path, push=True)

    def back(self, route: str) -> None:
        """Return to `route` as it was left (its state kept)."""
        self._open(route, push=True)

    def start(self, route: str) -> None:
        """The first screen: the route the app was opened at (a deep link), if it may be
        shown; the address bar already holds it."""
        self.route = urlsplit(route).path or "/"
        self._open(self.route, push=True)

    def refresh(self) -> None:
        """Build the current screen again, and the one under it (after a language or role
        change)."""
        if self.route is not None:
            self.page.views[:] = []
            self._open(self.route, push=False)

    def home(self) -> None:
        """Where an unlocked wallet opens: a deep link that met the lock, or the first tab."""
        target, self.after_unlock = self.after_unlock, None
        self.back(target or self.router.home(self))

    def _open(self, route: str, *, push: bool) -> None:
        route = self.router.resolve(self, route)
        self.generation += 1
        self.after_background_sync = None
        self._drop_stale_toast()
        if push and route != self.route:
            self.pushed.append(route)  # the address bar and browser history follow
            self.page.run_task(self.page.push_route, route)
        self.route = route
        if self.camera_calls:
            # Flet 1.0.5 drops the whole session when a method call's reply names a control
            # no longer on the page, so the scanner's camera stays until its call returns.
            self.page.run_task(self._show_when_camera_idle, self.generation)
            return
        self._show()

    def _route_changed(self, event: ft.RouteChangeEvent) -> None:
        """The client's route moved: our own push coming back, or the browser's back and
        forward buttons, or an address typed in."""
        route = urlsplit(event.route).path or "/"
        if self.pushed and route == self.pushed[0]:
            self.pushed.pop(0)
            return
        self.pushed.clear()
        # The app's bare address (a reload of it) asks for nothing: the screen stays.
        if route != "/" and self.router.resolve(self, route) != self.route:
            self._open(route, push=False)
        if self.route is not None and self.route != route:  # refused or unknown: show it
            self.pushed.append(self.route)
            self.page.run_task(self.page.push_route, self.route)

    def _view_popped(self, event: ft.ViewPopEvent) -> None:
        """Android's back button (and a swipe back): the screen under this one."""
        parent = self.router.parent(self, self.route) if self.route else None
        if parent is not None:
            self.back(parent)

    async def _show_when_camera_idle(self, generation: int) -> None:
        for _ in range(CAMERA_CALL_WAITS):
            if not self.camera_calls:
                break
            await asyncio.sleep(0.02)
        if generation == self.generation:
            self._show()

    async def camera_call(self, call: Awaitable[T]) -> T:
        """Every call the scanner makes to its camera control goes through here."""
        self.camera_calls += 1
        try:
            return await call
        finally:
            self.camera_calls -= 1

    def _show(self) -> None:
        assert self.route is not None
        try:
            views = self.router.views(self, self.route)
        except RecordNotFound as error:  # a link to something deleted, or never held
            self.tell(errors.message_for(error, self.t), error=True)
            self._open(self.router.home(self), push=True)
            return
        *under, shown = views
        self.laid_out_wide = self.wide
        self.top.route = shown.route
        self.top.controls = shown.controls
        self.top.navigation_bar = shown.navigation_bar
        self.page.views[:] = [*under, self.top]
        self.page.update()

    @property
    def wide(self) -> bool:
        """A desktop-wide window: navigation rail and two panes instead of a phone's bar."""
        return (self.page.width or 0) >= WIDE

    def resized(self) -> None:
        """Lay the screen out again when the window crosses the phone/desktop width."""
        if self.wide != self.laid_out_wide:
            self.refresh()

    def apply_preferences(self) -> None:
        """Language and theme live in the wallet, so they follow it to every device."""
        preferences = self.session.settings
        self.t = Catalog(preferences.get("language", self.t.language))
        self.page.theme_mode = THEMES.get(preferences.get("theme"), ft.ThemeMode.SYSTEM)

    def locked(self) -> None:
        self.session.lock()
        self.back("/unlock")

    # --- slow work and errors ---------------------------------------------------------------

    async def work(self, message: str, job: Callable[..., T], *args: Any) -> T | None:
        """Run `job` in a thread behind a progress dialog; a failure becomes a message the
        user can act on and the result is None."""
        dialog = ft.AlertDialog(
            modal=True,
            content=ft.Row([ft.ProgressRing(), ft.Text(message, expand=True)], tight=True),
        )
        self.page.show_dialog(dialog)
        try:
            result = await self.in_worker(job, *args)
        except VaultLocked:
            _close(dialog)
            self.locked()
            return None
        except Exception as error:  # noqa: BLE001 - every failure reaches the user as words
            _close(dialog)
            self.tell(errors.message_for(error, self.t), error=True)
            return None
        _close(dialog)
        return result

    async def in_worker(self, job: Callable[..., T], *args: Any) -> T:
        """All slow work runs on one worker thread, one job at a time; quick vault work
        stays on the event loop, and the vault serialises the two (store/vault.py)."""
        return await asyncio.get_running_loop().run_in_executor(
            self.worker, functools.partial(job, *args)
        )

    async def in_decoder(self, job: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(
            self.decoder, functools.partial(job, *args)
        )

    def tell(self, message: str, *, error: bool = False) -> None:
        colours = theme.palette(self.page)
        fg, bg = (
            (colours.on_error_container, colours.error_container)
            if error
            else (colours.on_inverse_surface, colours.inverse_surface)
        )
        toast = ft.SnackBar(
            ft.Text(message, color=fg), bgcolor=bg, duration=6000 if error else 3000
        )
        self.toast = (toast, time.monotonic())
        self.page.show_dialog(toast)

    def _drop_stale_toast(self) -> None:
        """An error from one screen must not sit on the next one."""
        if self.toast is None or time.monotonic() - self.toast[1] <= TOAST_CARRIES_SECONDS:
            return
        toast, self.toast = self.toast[0], None
        if toast.open:
            toast.open = False
            with contextlib.suppress(RuntimeError):  # already gone from the page
                toast.update()

    async def hand_over(self, name: str, data: bytes, mime_type: str) -> None:
        """A file the user takes away (a paper copy's PDF): on a phone the system's share
        sheet (print, send, save to Files), elsewhere a save dialog (a download on the web)."""
        phone = self.page.platform in (ft.PagePlatform.ANDROID, ft.PagePlatform.IOS)
        if phone and not self.page.web:
            shared = ft.ShareFile.from_bytes(data, mime_type=mime_type, name=name)
            await ft.Share().share_files([shared])
        else:
            await self.picker.save_file(file_name=name, src_bytes=data)

    async def pick_files(
        self, extensions: list[str], *, many: bool = False
    ) -> list[tuple[str, bytes]]:
        files = await self.picker.pick_files(
            allowed_extensions=extensions, allow_multiple=many, with_data=True
        )
        return [(f.name, f.bytes or b"") for f in files or []]

    async def read_picture(self, message: str, job: Callable[[bytes], T]) -> T | None:
        """Pick one photo or screenshot and run `job` on its bytes; None when the user
        cancels or the job fails (and was told why)."""
        files = await self.pick_files(PICTURES)
        return await self.work(message, job, files[0][1]) if files else None

    async def read_pictures(self, message: str, job: Callable[[list[bytes]], T]) -> T | None:
        """Like `read_picture`, for every frame of a sequence picked at once."""
        files = await self.pick_files(PICTURES, many=True)
        return await self.work(message, job, [data for _, data in files]) if files else None


def _close(dialog: ft.AlertDialog) -> None:
    dialog.open = False
    dialog.update()
