"""Imports only point down the layer list (docs/ARCHITECTURE.md). Every import in wallet/,
function-local ones included, is read from the source, so a shortcut up the list fails
here before it becomes a cycle or drags the server's or the bench's code into the app."""

from __future__ import annotations

import ast
from pathlib import Path

WALLET = Path(__file__).resolve().parent.parent / "wallet"

# What each part of wallet/ may import besides itself. `wallet` (the package's version) and
# `wallet.assets` (where bundled data lives) are open to all.
BASE = {"wallet", "wallet.__version__", "wallet.assets"}
ALLOWED = {
    "vc": set(),
    "qr": {"vc"},
    "store": {"vc"},
    "protocol": {"store", "qr", "vc"},
    "services": {"protocol", "store", "qr", "vc"},
    "server": {"protocol", "store", "vc"},
    "ui": {"services", "protocol", "store", "qr", "vc"},
    "bench": {"server", "services", "protocol", "store", "qr", "vc"},
    # the shell that starts the others: `wallet app`, `wallet serve`, `wallet bench`
    "cli": {"ui", "server", "bench", "services", "protocol", "store", "qr", "vc"},
    "__main__": {"cli"},
}


def part(module: str) -> str:
    """wallet.services.learner.backpack -> services"""
    return module.split(".")[1]


def module_name(path: Path, root: Path = WALLET) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path = WALLET) -> list[tuple[int, str]]:
    """(line, module) for every wallet import in the file, however nested."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if node.module is None or target in BASE:
                # `from wallet.x import y` may name a module y: judge each one
                found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, target))
    return [(line, name) for line, name in found if name == "wallet" or name.startswith("wallet.")]


def up_the_list(path: Path, root: Path = WALLET) -> list[str]:
    here = part(module_name(path, root))
    wrong = []
    for line, target in imports(path, root):
        if target in BASE or target.startswith("wallet.assets."):
            continue
        there = part(target)
        if there != here and there not in ALLOWED[here]:
            wrong.append(f"{path.relative_to(root.parent)}:{line} imports {target}")
    return wrong


def test_imports_only_point_down_the_layer_list():
    files = [path for path in sorted(WALLET.rglob("*.py")) if path.parent != WALLET]
    files += [WALLET / "__main__.py"]
    assert len(files) > 100
    wrong = [problem for path in files for problem in up_the_list(path)]
    assert wrong == []


def test_every_part_of_wallet_has_a_place_in_the_list():
    parts = {path.name for path in WALLET.iterdir() if path.is_dir() and path.name[0] != "_"}
    assert parts <= set(ALLOWED)


def test_a_shortcut_up_the_list_is_caught(tmp_path):
    """The walk sees function-local and relative imports too (the kind that hide a cycle)."""
    root = tmp_path / "wallet"
    (root / "server").mkdir(parents=True)
    handler = root / "server" / "handler.py"
    handler.write_text(
        "from wallet.protocol import sync\n"
        "def handle():\n"
        "    from ..services.session import Session\n"
        "    from wallet import qr\n"
    )
    assert up_the_list(handler, root) == [
        "wallet/server/handler.py:3 imports wallet.services.session",
        "wallet/server/handler.py:4 imports wallet.qr",
    ]
