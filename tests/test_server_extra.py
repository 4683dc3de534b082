"""The sync server's dependencies are the `[server]` extra: `pip install learner-wallet`
gives the app and every command but `wallet serve`, which names the extra it needs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# What pip leaves behind when a package is not installed: `import x` finds no module.
_ABSENT = textwrap.dedent(
    """
    import importlib.abc, os, sys

    ABSENT = set(os.environ["TEST_ABSENT_MODULES"].split(","))

    class Absent(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.partition(".")[0] in ABSENT:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Absent())
    """
)


def _names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(r).name) for r in requirements}


@pytest.mark.parametrize("absent", ["starlette", "uvicorn"])
def test_serve_without_the_server_extra_names_it(tmp_path: Path, absent: str) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_ABSENT, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
        "TEST_ABSENT_MODULES": absent,
    }
    done = subprocess.run(
        [sys.executable, "-m", "wallet", "--wallet", str(tmp_path / "w"), "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "pip install 'learner-wallet[server]'" in done.stderr
    assert not (tmp_path / "w").exists()  # nothing started, nothing written


def test_the_runtime_leaves_the_server_to_its_extra() -> None:
    extras = PROJECT["optional-dependencies"]
    assert {"starlette", "uvicorn"} <= _names(extras["server"])
    assert not {"starlette", "uvicorn"} & _names(PROJECT["dependencies"])
    # the tests run real servers, on SQLite and on PostgreSQL
    test_extra = [Requirement(r) for r in extras["test"]]
    assert any(r.name == PROJECT["name"] and {"server", "postgres"} <= r.extras for r in test_extra)
