"""Add a credential: scan a trainer's QR (a whole animated sequence) with the camera, open
files (JSON, baked PNG/SVG badges, QR images or a whole frame sequence at once), or paste
what a site or email gave you."""

from __future__ import annotations

import flet as ft

from wallet.services.learner import sources
from wallet.services.learner.backpack import ImportResult, ImportStatus
from wallet.services.learner.fetching import NETWORK_SETTING
from wallet.services.scanning import FrameScan, as_source
from wallet.ui.context import App
from wallet.ui.widgets import button, colours, field, header

EXTENSIONS = ["json", "jsonld", "png", "svg", "jpg", "jpeg", "txt"]


def view(app: App, found: list[ImportResult] | None = None, text: str = "") -> ft.Control:
    t = app.t
    pasted = field(t("add.paste_label"), multiline=True)
    pasted.value = text
    results = ft.Column(
        [
            ft.Text(
                t(
                    f"add.result.{item.status}",
                    name=item.source,
                    reason=t(f"error.{item.kind}", **item.params) if item.kind else "",
                ),
                color=colours(app).error if item.status is ImportStatus.REFUSED else None,
            )
            for item in found or []
        ]
    )

    async def run(sources: list[tuple[str, bytes]]) -> None:
        imported = await app.work(t("busy.importing"), _import, app, sources)
        app.go("/backpack/add", found=imported, text=pasted.value or "")  # from here or the scanner

    async def open_files(_: ft.ControlEvent) -> None:
        files = await app.pick_files(EXTENSIONS, many=True)
        if files:
            await run(files)

    async def scanned(texts: list[str]) -> None:
        await run([as_source(t("add.scanned", n=len(texts)), texts)])

    def scan(_: ft.ControlEvent) -> None:
        app.go(
            "/scan",
            title=t("add.scan_title"),
            scan=FrameScan(other_codes=True),  # VPQR and links from other wallets too
            done=scanned,
            back="/backpack/add",
            fallback=open_files,
        )

    async def paste(_: ft.ControlEvent) -> None:
        if pasted.value and pasted.value.strip():
            await run([(t("add.pasted"), pasted.value.encode())])

    return ft.Column(
        [
            header(app, t("add.title"), lambda: app.go("/backpack")),
            ft.Text(t("add.help")),
            button(t("add.scan"), scan, icon=ft.Icons.QR_CODE_SCANNER),
            button(t("add.open_file"), open_files, icon=ft.Icons.FILE_OPEN, primary=False),
            pasted,
            button(t("add.import_pasted"), paste, icon=ft.Icons.CONTENT_PASTE, primary=False),
            results,
        ],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
    )


def _import(app: App, files: list[tuple[str, bytes]]) -> list[ImportResult]:
    files = sources.as_sources(files, app.t("add.sequence", n=len(files)))
    pack = app.session.backpack
    found = list(pack.import_sources((name, sources.in_memory(data)) for name, data in files))
    # a code that is only a credential's address, or starts an exchange: fetched once
    # when the network is allowed
    if not app.session.settings.get(NETWORK_SETTING, False):
        return found
    return [done for item in found for done in app.session.fetch_for(item)]
