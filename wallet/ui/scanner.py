"""The one camera scanner every screen uses to read a QR code: a live preview, pictures
decoded off the UI thread, "3 of 5 codes read" for a sequence, and "open a picture"
whenever the camera cannot be used (permission refused, no camera, a desktop build).

On the web `take_picture()` is polled a few times a second (Flutter's web camera has no
image stream). Where the platform streams images (Android), only the latest picture is
kept: the stream's channel queue is unbounded, so frames the decoder has not reached are
dropped rather than queued. Leaving the screen removes the camera control, whose Flutter
side disposes the controller, which releases the camera."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import flet as ft
import flet_camera as fc

from wallet.ui import errors
from wallet.ui.context import App
from wallet.ui.widgets import button, colours, header

POLL_SECONDS = 0.25  # between pictures on the web: a few a second, cheap for the phone
PREVIEW = (340, 255)  # 4:3, the shape of most phone and laptop cameras
MOUNT_TRIES = 50  # 20 ms apart: the control reaches the page within a frame or two


class Scan(Protocol):
    """`services.scanning.FrameScan` or `OneCode`."""

    result: Any

    def feed(self, picture: bytes) -> bool: ...

    @property
    def progress(self) -> tuple[int, int]: ...

    @property
    def missing(self) -> list[int]: ...


def camera_supported(page: ft.Page) -> bool:
    """flet-camera runs on the web, Android and iOS; desktop builds open pictures."""
    return bool(page.web) or page.platform in (ft.PagePlatform.ANDROID, ft.PagePlatform.IOS)


def view(
    app: App,
    title: str,
    scan: Scan,
    done: Callable[[Any], Awaitable[None]],
    back: str,
    fallback: Callable[[ft.ControlEvent], Awaitable[None]],
) -> ft.Control:
    """`done(scan.result)` runs once the scan is complete (it navigates on); `back` is the
    route of the screen that opened the scanner; `fallback` is that screen's "open a
    picture" path, offered beside the camera and instead of it."""
    t = app.t
    status = ft.Text(t("scan.point"), size=16)
    progress = ft.Text(visible=False, size=16, weight=ft.FontWeight.BOLD)
    missing = ft.Text(visible=False)
    column = [
        header(app, title, lambda: app.back(back)),
        status,
        progress,
        missing,
    ]
    if not camera_supported(app.page):
        status.value = t("scan.no_camera_here")
        return ft.Column([*column, button(t("scan.open_picture"), fallback)], spacing=12)
    camera = fc.Camera(width=PREVIEW[0], height=PREVIEW[1], preview_enabled=True)
    generation = app.generation
    stop = ft.OutlinedButton(t("common.cancel"), on_click=lambda _: app.back(back), height=48)

    def here() -> bool:
        return app.generation == generation

    def show_progress() -> None:
        read, total = scan.progress
        if total > 1:
            progress.value = t("scan.progress", read=read, total=total)
            progress.visible = True
            gaps = scan.missing
            missing.value = t("scan.missing", frames=", ".join(map(str, gaps)))
            missing.visible = bool(gaps)

    def refused(message: str) -> None:
        status.value = message
        status.color = colours(app).error
        camera.visible = False
        app.page.update()

    async def read(picture: bytes) -> bool:
        """Decode in the decoder thread; True once the scan is complete."""
        try:
            complete = await app.in_decoder(scan.feed, picture)
        except Exception as error:  # noqa: BLE001 - a stray code is shown, scanning goes on
            status.value = errors.message_for(error, t)
            app.page.update()
            return False
        show_progress()
        app.page.update()
        return complete

    async def finish() -> None:
        app.generation += 1  # stops the loops; `done` navigates away, which frees the camera
        await done(scan.result)

    async def poll() -> None:
        while here():
            try:
                picture = await app.camera_call(camera.take_picture())
            except Exception:  # noqa: BLE001 - the camera stopped working: say so, offer files
                if here():
                    refused(t("scan.failed"))
                return
            if here() and picture and await read(picture) and here():
                await finish()
                return
            await asyncio.sleep(POLL_SECONDS)

    async def stream() -> None:
        latest: list[bytes] = []
        arrived = asyncio.Event()

        async def keep(event: fc.CameraImageEvent) -> None:  # on the loop, like `arrived`
            latest[:] = [event.bytes]  # an older picture not yet decoded is dropped
            arrived.set()

        camera.on_stream_image = keep
        camera.update()
        await app.camera_call(camera.start_image_stream())
        while here():
            try:
                await asyncio.wait_for(arrived.wait(), timeout=1)
            except TimeoutError:
                continue  # nothing new; look again whether the screen is still shown
            arrived.clear()
            picture = latest.pop() if latest else b""
            if here() and picture and await read(picture) and here():
                await app.camera_call(camera.stop_image_stream())
                await finish()
                return

    async def start() -> None:
        for _ in range(MOUNT_TRIES):
            if not here():
                return
            try:
                _ = camera.page
                break
            except RuntimeError:
                await asyncio.sleep(0.02)
        try:
            cameras = await app.camera_call(camera.get_available_cameras())
            if not cameras:
                refused(t("scan.no_camera"))
                return
            facing = [c for c in cameras if c.lens_direction == fc.CameraLensDirection.BACK]
            chosen = (facing or cameras)[0]
            await app.camera_call(
                camera.initialize(chosen, fc.ResolutionPreset.MEDIUM, enable_audio=False)
            )
            streams = await app.camera_call(camera.supports_image_streaming())
        except Exception as error:  # noqa: BLE001 - every refusal becomes words and a fallback
            if here():
                refused(_refusal(t, error))
            return
        await (stream() if streams else poll())

    app.page.run_task(start)
    return ft.Column(
        [
            *column,
            ft.Container(camera, bgcolor=colours(app).backdrop, border_radius=8),
            ft.Row(
                [stop, button(t("scan.open_picture"), fallback, primary=False)],
                wrap=True,
            ),
        ],
        spacing=12,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        scroll=ft.ScrollMode.AUTO,
    )


def _refusal(t: Any, error: Exception) -> str:
    """The browser's and the platform's words for a refused or missing camera."""
    said = str(error).lower()
    if any(word in said for word in ("denied", "permission", "notallowed", "not allowed")):
        return t("scan.denied")
    if any(word in said for word in ("notfound", "not found", "no camera")):
        return t("scan.no_camera")
    if "notsupported" in said or "not supported" in said:  # no camera API off https
        return t("scan.needs_https")
    return t("scan.failed")
