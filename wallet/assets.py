"""Where the bundled, read-only data lives, in a checkout and in an installed wheel."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def assets_dir() -> Path:
    """The wheel carries `assets/` as `wallet/_assets`; a checkout and a Flet build keep it
    beside the package."""
    installed = _PACKAGE / "_assets"
    return installed if installed.is_dir() else _PACKAGE.parent / "assets"
