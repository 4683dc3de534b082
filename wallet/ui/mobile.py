"""Entry point for `flet build` (Android, iOS, desktop): the same app, with its data in
the platform's application-support directory."""

from __future__ import annotations

import os
from pathlib import Path

import flet as ft

from wallet.ui.app import build

# Flet's packaged runtime sets FLET_APP_STORAGE_DATA to the app's private data directory.
ft.run(build(Path(os.environ.get("FLET_APP_STORAGE_DATA", ".")) / "wallet"))
