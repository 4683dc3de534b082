"""Where a wallet lives when the user does not say."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR = "learner-wallet"


def default_wallet_dir() -> Path:
    """The platform's per-user data directory. On Android the app passes Flet's own path."""
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / APP_DIR
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_DIR
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / APP_DIR
