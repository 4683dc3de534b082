"""pyld without its URL and file document loaders.

`import pyld` imports every loader it ships (the aiohttp one imports asyncio, the file one
urllib.request) and tries to build a requests or aiohttp loader as its default. The
wallet loads contexts only from its assets (`jsonld.load_document`) and never a URL, so a
finder placed first on `sys.meta_path` answers those four modules with stand-ins that
refuse to be used; pyld then falls back to its dummy default, as it does today where
neither requests nor aiohttp is installed. It must run before pyld is first imported:
`wallet/vc/__init__.py` installs it. pyld is pinned (3.3.0); tests/test_cold_start.py
checks that verifying loads none of them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn, cast

if TYPE_CHECKING:
    from importlib.abc import Loader


class _NotLoaded:
    """Any of pyld's URL or file loader classes: refused when built."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ImportError("the wallet loads JSON-LD contexts from its assets only")


def _no_loader(**kwargs: Any) -> NoReturn:
    raise ImportError("the wallet loads JSON-LD contexts from its assets only")


_STAND_INS: dict[str, dict[str, Any]] = {
    "pyld.documentloader.aiohttp": {
        "AioHttpDocumentLoader": _NotLoaded,
        "aiohttp_document_loader": _no_loader,
    },
    "pyld.documentloader.requests": {
        "RequestsDocumentLoader": _NotLoaded,
        "requests_document_loader": _no_loader,
    },
    "pyld.documentloader.requests_sqlite_cache": {"SqliteCacheRequestsDocumentLoader": _NotLoaded},
    "pyld.documentloader.file": {"FileDocumentLoader": _NotLoaded},
}


class _StandIns:
    """A meta path finder and loader for the modules in `_STAND_INS` only."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        return ModuleSpec(name, cast("Loader", self)) if name in _STAND_INS else None

    def create_module(self, spec: ModuleSpec) -> None:
        return None  # the default module

    def exec_module(self, module: ModuleType) -> None:
        module.__dict__.update(_STAND_INS[module.__name__])


def install() -> None:
    if not any(isinstance(finder, _StandIns) for finder in sys.meta_path):
        sys.meta_path.insert(0, _StandIns())
