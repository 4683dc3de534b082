"""Start the app: a desktop window where Flet's desktop client is installed, otherwise the
web UI on this machine, served with Flet's bundled web client so it works offline."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import flet as ft

from wallet.protocol.sync import SyncError
from wallet.services.wallet import Wallet
from wallet.ui import device_language, theme
from wallet.ui.context import App
from wallet.ui.i18n import Catalog
from wallet.ui.routes import Router

IDLE_CHECK_SECONDS = 15
SYNC_CHECK_SECONDS = 5  # cheap: a look at the outbox and the last sync's state
log = logging.getLogger(__name__)


def build(directory: Path) -> Callable[[ft.Page], Awaitable[None]]:
    async def main(page: ft.Page) -> None:
        page.title = "Learner Wallet"
        theme.apply(page)
        app = App(page, Wallet(directory), Router())
        page.on_platform_brightness_change = lambda _: app.refresh()  # the screens' colours
        ft.Connectivity(on_change=lambda e: _back_online(app, e))
        page.on_resize = lambda _: app.resized()
        app.start(page.route)  # a deep link, or the lock screen, or the first run
        language = await device_language.recall()
        if language and language != app.t.language:
            app.t = Catalog(language)
            app.refresh()
        page.run_task(_idle_lock, app)
        page.run_task(_sync_when_due, app)

    return main


async def _idle_lock(app: App) -> None:
    while True:
        await asyncio.sleep(IDLE_CHECK_SECONDS)
        if (
            app.session.exists
            and app.top.navigation_bar is not None  # an unlocked screen
            and app.session.lock_if_idle()
        ):
            app.locked()


async def _sync_when_due(app: App) -> None:
    """Quietly keep the wallet synced once the user has set a server: changes go up soon
    after they are made, and a failed sync is retried with backoff, so a connection that
    comes back is used even where the platform never reports it (Flet's web client)."""
    while True:
        await asyncio.sleep(SYNC_CHECK_SECONDS)
        await _quietly(app, app.session.sync_if_due)


async def _back_online(app: App, event: ft.ConnectivityChangeEvent) -> None:
    """A connection appeared: sync now, without waiting for a failure's backoff, and
    check the badges that still need a connection."""
    if ft.ConnectivityType.NONE in event.connectivity or not app.session.unlocked:
        return
    server = app.session.settings.get("server")
    if server:
        await _quietly(app, app.session.sync, server)
    # badges that need a connection once get it now, when the user allows the network
    await _quietly(app, app.session.check_online_if_needed)


async def _quietly(app: App, job: Callable[..., object], *args: object) -> None:
    """Whatever fails, background sync goes on: the failure is kept in the sync state
    (Settings shows it, `sync.due` waits out its backoff) and logged by kind and code only,
    since a message might quote a secret."""
    try:
        if await app.in_worker(job, *args) is None:
            return  # not due
    except SyncError as error:
        log.info("background sync failed: %s", error.code)
    except Exception as error:  # noqa: BLE001 - one failed sync must not end the next ones
        log.warning("background sync failed: %s", type(error).__name__)
    if app.after_background_sync:
        app.after_background_sync()


def desktop_available() -> bool:
    return importlib.util.find_spec("flet_desktop") is not None


def run(directory: Path, *, web: bool, host: str, port: int) -> None:
    main = build(directory)
    if web or not desktop_available():
        ft.run(main, host=host, port=port, view=ft.AppView.WEB_BROWSER, no_cdn=True)
    else:
        ft.run(main)
