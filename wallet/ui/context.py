"""What every screen shares: the page, the open wallet session, the language, navigation,
and running slow work off the UI thread with a busy indicator."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import flet as ft

from wallet.services.session import Session
from wallet.store.errors import VaultLocked
from wallet.ui import errors
from wallet.ui.i18n import Catalog

T = TypeVar("T")
Screen = Callable[..., ft.Control]
CAMERA_CALL_WAITS = 250  # 20 ms apart: a permission prompt may hold a call for a while
MIN_TOUCH = 48  # dp: Android's minimum comfortable touch target
PICTURES = ["png", "jpg", "jpeg"]
THEMES = {"system": ft.ThemeMode.SYSTEM, "light": ft.ThemeMode.LIGHT, "dark": ft.ThemeMode.DARK}


class App:
    def __init__(self, page: ft.Page, session: Session) -> None:
        self.page = page
        self.session = session
        self.t = Catalog()
        self.screen: tuple[Screen, dict[str, Any]] | None = None
        self.tab = 0  # the navigation bar's highlighted tab
        self.generation = 0  # bumps on every navigation; animations stop when it moves on
        self.after_background_sync: Callable[[], None] | None = None  # set by a screen
        self.camera_calls = 0  # the scanner's camera method calls still awaiting a reply
        self.picker = ft.FilePicker()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wallet-work")
        # Camera pictures are decoded beside the worker, never on the UI thread; decoding
        # needs no database, so a slow job (a sync, a KDF) does not stall the scanner.
        self.decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wallet-decode")

    # --- navigation -------------------------------------------------------------------------

    def go(self, screen: Screen, **params: Any) -> None:
        self.generation += 1
        self.screen = (screen, params)
        self.after_background_sync = None
        if self.camera_calls:
            # Flet 1.0.5 drops the whole session when a method call's reply names a control
            # no longer on the page, so the scanner's camera stays until its call returns.
            self.page.run_task(self._show_when_camera_idle, self.generation)
            return
        self._show(screen, params)

    async def _show_when_camera_idle(self, generation: int) -> None:
        for _ in range(CAMERA_CALL_WAITS):
            if not self.camera_calls:
                break
            await asyncio.sleep(0.02)
        if generation == self.generation and self.screen is not None:
            self._show(*self.screen)

    async def camera_call(self, call: Awaitable[T]) -> T:
        """Every call the scanner makes to its camera control goes through here."""
        self.camera_calls += 1
        try:
            return await call
        finally:
            self.camera_calls -= 1

    def _show(self, screen: Screen, params: dict[str, Any]) -> None:
        self.page.controls.clear()
        self.page.controls.append(
            ft.SafeArea(ft.Container(screen(self, **params), padding=16), expand=True)
        )
        self.refresh_navigation()
        self.page.update()

    def refresh(self) -> None:
        """Build the current screen again (after a language or role change)."""
        if self.screen is not None:
            screen, params = self.screen
            self.go(screen, **params)

    def apply_preferences(self) -> None:
        """Language and theme live in the wallet, so they follow it to every device."""
        preferences = self.session.settings
        self.t = Catalog(preferences.get("language", self.t.language))
        self.page.theme_mode = THEMES.get(preferences.get("theme"), ft.ThemeMode.SYSTEM)

    def refresh_navigation(self) -> None:
        from wallet.ui import navigation  # screens import this module

        self.page.navigation_bar = navigation.bar(self) if self.session.unlocked else None

    def locked(self) -> None:
        from wallet.ui import unlock

        self.session.lock()
        self.go(unlock.view)

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
        """All slow work runs on one worker thread, one job at a time, so the wallet's
        database is never used by two threads at once."""
        return await asyncio.get_running_loop().run_in_executor(
            self.worker, functools.partial(job, *args)
        )

    async def in_decoder(self, job: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(
            self.decoder, functools.partial(job, *args)
        )

    def tell(self, message: str, *, error: bool = False) -> None:
        self.page.show_dialog(
            ft.SnackBar(
                ft.Text(message),
                bgcolor=ft.Colors.ERROR_CONTAINER if error else None,
                duration=6000 if error else 3000,
            )
        )

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
