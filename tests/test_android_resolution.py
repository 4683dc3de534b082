"""The runtime must install the way `flet build apk` installs it, on a phone.

flet-cli 1.0.5 hands `project.dependencies` plus `[tool.flet.android] dependencies` to
serious_python, which runs pip under the bundled Python with a sitecustomize that makes
`platform.system()` "Android" and `sysconfig.get_platform()` "android-24-arm64_v8a",
`--only-binary :all:`, and Flet's mobile index (https://pypi.flet.dev) beside PyPI
(serious_python bin/package_command.dart and bin/sitecustomize.dart). This test replays that
install offline: the same sitecustomize, the same pip options, and in place of the two
indexes a directory of empty wheels that carry the real metadata of what they serve
(packaging/android/index.json). pip's `--platform` flags stand for the tags its newer
versions derive from the sitecustomize (packaging.tags.android_platforms: API 24 down to 16).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
ANDROID = ROOT / "packaging" / "android"
INDEX = json.loads((ANDROID / "index.json").read_text(encoding="utf-8"))
PLATFORM = INDEX["platform"]  # android_24_arm64_v8a
API_LEVEL, ABI = int(PLATFORM.split("_")[1]), PLATFORM.split("_", 2)[2]
SERVER_ONLY = {"starlette", "uvicorn", "flet-web", "fastapi", "httptools", "uvloop", "watchfiles"}

SITECUSTOMIZE = """
# serious_python's sitecustomize for Android arm64-v8a, and no network at all.
import collections, platform, socket, sysconfig

platform.system = lambda: "Android"
sysconfig.get_platform = lambda: "android-{api}-{abi}"
platform.android_ver = lambda *a, **k: collections.namedtuple(
    "AndroidVer", "release api_level manufacturer model device is_emulator"
)("", {api}, "", "", "", False)
_version = platform.version()
platform.version = lambda: _version + ";embedded"
# The real build runs pip under the bundled Python, so markers see its version.
platform.python_version = lambda: "{python}.0"
platform.python_version_tuple = lambda: tuple("{python}.0".split("."))


def _offline(self, address):
    raise OSError("no network: the Android resolution test uses only its local index")


socket.socket.connect = socket.socket.connect_ex = _offline
"""


def build_python() -> str:
    """The Python the APK bundles: the `--python-version` that build.sh passes to flet."""
    found = re.search(r"--python-version\s+(3\.\d+)", (ANDROID / "build.sh").read_text())
    assert found, "packaging/android/build.sh must pass --python-version to flet build"
    return found[1]


def runtime_requirements() -> list[str]:
    """What flet-cli 1.0.5 hands to pip: project.dependencies + tool.flet.android.dependencies."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    android = pyproject["tool"]["flet"].get("android", {})
    return [*pyproject["project"]["dependencies"], *android.get("dependencies", [])]


def write_wheel(directory: Path, entry: dict[str, Any], tag: str) -> None:
    """An empty wheel whose METADATA is the real one: all pip needs to resolve."""
    name, version = entry["name"], entry["version"]
    stem = re.sub(r"[-_.]+", "_", name).lower()
    info = f"{stem}-{version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if "requires_python" in entry:
        metadata.append(f"Requires-Python: {entry['requires_python']}")
    metadata += [f"Requires-Dist: {requirement}" for requirement in entry["requires_dist"]]
    wheel = ["Wheel-Version: 1.0", "Generator: tests/test_android_resolution.py"]
    wheel += [f"Root-Is-Purelib: {str(tag.endswith('-any')).lower()}", f"Tag: {tag}"]
    build = f"-{entry['build']}" if "build" in entry else ""
    if build:
        wheel.append(f"Build: {entry['build']}")
    files = {
        f"{info}/METADATA": "\n".join(metadata) + "\n",
        f"{info}/WHEEL": "\n".join(wheel) + "\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    with zipfile.ZipFile(directory / f"{stem}-{version}{build}-{tag}.whl", "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)


def write_index(directory: Path, python: str) -> None:
    """Flet's mobile index and PyPI's pure wheels, as they look to this Python."""
    cp = "cp" + python.replace(".", "")
    for entry in INDEX["mobile"]:
        if "python" in entry and Version(python) not in SpecifierSet(entry["python"]):
            continue
        kind = f"{cp}-{cp}" if entry["wheel"] == "cpython" else "py3-none"
        write_wheel(directory, entry, f"{kind}-{PLATFORM}")
    for entry in INDEX["pypi"]:
        write_wheel(directory, entry, "py3-none-any")


def resolve_on_android(tmp_path: Path, requirements: list[str]) -> dict[str, dict[str, Any]]:
    """pip as flet build runs it for arm64-v8a, against the local index; name -> install item."""
    python = build_python()
    wheels, site = tmp_path / "wheels", tmp_path / "sitecustomize"
    wheels.mkdir()
    site.mkdir()
    write_index(wheels, python)
    (site / "sitecustomize.py").write_text(
        SITECUSTOMIZE.format(api=API_LEVEL, abi=ABI, python=python), encoding="utf-8"
    )
    report = tmp_path / "report.json"
    platforms = [f"--platform=android_{api}_{ABI}" for api in range(API_LEVEL, 15, -1)]
    command = [
        *(sys.executable, "-m", "pip", "install", "--dry-run", "--report", str(report)),
        *("--target", str(tmp_path / "site-packages"), "--disable-pip-version-check"),
        *("--no-index", "--find-links", str(wheels), "--only-binary", ":all:"),
        *("--implementation", "cp", "--python-version", python),
        *("--abi", "cp" + python.replace(".", ""), *platforms),
        *requirements,
    ]
    # Only the local index: no pip.conf (its find-links, indexes, constraints), no PIP_* vars.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PYTHONPATH": str(site)}
    done = subprocess.run(
        command, check=False, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, (
        "the runtime cannot be installed on Android (a compiled dependency needs a "
        "mobile-forge recipe; a pure one belongs in packaging/android/index.json):\n"
        + done.stderr[-3000:]
    )
    installs = json.loads(report.read_text())["install"]
    return {canonicalize_name(item["metadata"]["name"]): item for item in installs}


def wheel_name(item: dict[str, Any]) -> str:
    return item["download_info"]["url"].rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def android(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return resolve_on_android(tmp_path_factory.mktemp("android"), runtime_requirements())


def test_issue12_runtime_installs_under_flets_android_pip_step(android: dict) -> None:
    wanted = {canonicalize_name(Requirement(r).name) for r in runtime_requirements()}
    on_phone = wanted - SERVER_ONLY - {"zxing-cpp"}
    assert on_phone <= android.keys()
    for name, item in android.items():  # everything compiled came from Flet's mobile index
        assert wheel_name(item).endswith(("-any.whl", f"-{PLATFORM}.whl")), name


def test_issue12_cryptography_is_the_one_the_mobile_index_has(android: dict) -> None:
    assert android["cryptography"]["metadata"]["version"] == "43.0.1"
    # cryptography 43 has no Argon2id: the vault's KDF comes from argon2-cffi there
    assert {"argon2-cffi", "argon2-cffi-bindings"} <= android.keys()


def test_issue12_server_packages_stay_off_the_phone(android: dict) -> None:
    assert not SERVER_ONLY & android.keys()


def test_issue12_pyzbar_is_the_android_build_with_libzbar(android: dict) -> None:
    assert wheel_name(android["pyzbar"]).endswith(f"-{PLATFORM}.whl")  # not PyPI's pure one
    assert "flet-libzbar" in android


def test_issue12_desktop_keeps_the_web_client() -> None:
    desktop = {"platform_system": "Linux", "sys_platform": "linux"}
    kept = {
        canonicalize_name(req.name)
        for req in map(Requirement, runtime_requirements())
        if req.marker is None or req.marker.evaluate(desktop)
    }
    assert {"flet-web", "zxing-cpp"} <= kept  # the server is the `[server]` extra


def test_issue12_flet_build_finds_the_entry_module() -> None:
    """flet-cli 1.0.5 keeps only `Path(module).stem` and wants that file at the app's root."""
    flet = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["flet"]
    app = flet.get("app", {})
    module = Path(app.get("module", "main")).stem
    assert (ROOT / app.get("path", ".") / f"{module}.py").is_file()
