"""Issue 17, cold start: `wallet verify FILE` loads the engine and what the command uses,
never the vault, sync, QR images, the app or the heavy libraries behind them (`wallet
bench` measures the time: `startup.cold-start.verify-ratio`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, sample_badge
from tests.support import PASSPHRASE
from wallet import cli
from wallet.services.issuer import signing as issuer
from wallet.store import kdf
from wallet.store.vault import Vault
from wallet.vc import ecdsa_sd_2023
from wallet.vc.multikey import KeyPair, KeyType

# what `wallet verify` has no use for: numpy (sqlite-utils), asyncio (pyld's aiohttp
# loader, Flet), Pillow and qrcode (QR images), OpenCV, Flet, and our own upper layers
NOT_FOR_VERIFY = {"numpy", "asyncio", "PIL", "cv2", "qrcode", "flet", "sqlite_utils", "aiohttp"}
NOT_FOR_VERIFY_OURS = {"wallet.store.vault", "wallet.services.sync", "wallet.qr.images"}

_REPORT_MODULES = (
    "import json, sys\n"
    "from wallet.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "sys.stderr.write('\\n' + json.dumps(sorted(sys.modules)))\n"
    "raise SystemExit(code)\n"
)


def modules_loaded(*args: str, passphrase: str = "") -> tuple[int, set[str]]:
    """Run `wallet ARGS` in a fresh interpreter; its exit code and every module it loaded."""
    result = subprocess.run(
        [sys.executable, "-c", _REPORT_MODULES, *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "WALLET_PASSPHRASE": passphrase},
    )
    return result.returncode, set(json.loads(result.stderr.splitlines()[-1]))


def heavy(loaded: set[str]) -> set[str]:
    tops = {name.partition(".")[0] for name in loaded}
    return (tops & NOT_FOR_VERIFY) | (loaded & NOT_FOR_VERIFY_OURS)


@pytest.mark.parametrize(
    ("key_type", "suite"), [("ed25519", "eddsa-rdfc-2022"), ("p256", "ecdsa-sd-2023")]
)
def test_cold_start_wallet_verify_loads_nothing_it_does_not_use(
    tmp_path: Path, key_type: str, suite: str
) -> None:
    signed = issuer.issue(sample_badge(), KeyPair.generate(KeyType(key_type)), suite)
    if suite == "ecdsa-sd-2023":
        signed = ecdsa_sd_2023.derive(signed, ["/credentialSubject/name"])
    path = tmp_path / "signed.json"
    path.write_text(json.dumps(signed), encoding="utf-8")
    for extra in ([], ["--json"]):
        code, loaded = modules_loaded("verify", *extra, str(path))
        assert code == 0  # verified: the engine ran in full
        assert heavy(loaded) == set()


def test_cold_start_pyld_loads_without_its_network_loaders() -> None:
    """pyld's URL and file loaders are stand-ins that refuse to be built; its default
    loader is the dummy one, as it was where neither requests nor aiohttp is installed."""
    probe = (
        "import json, sys\n"
        "import wallet.vc.jsonld\n"
        "import pyld\n"
        "from pyld import jsonld\n"
        "refused = []\n"
        "for build in (pyld.AioHttpDocumentLoader, pyld.RequestsDocumentLoader,\n"
        "              pyld.FileDocumentLoader, pyld.SqliteCacheRequestsDocumentLoader):\n"
        "    try:\n"
        "        build()\n"
        "    except ImportError:\n"
        "        refused.append(build.__name__)\n"
        "print(json.dumps({'modules': sorted(sys.modules), 'refused': refused,\n"
        "    'default': jsonld.get_document_loader().__qualname__}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    found = json.loads(result.stdout)
    assert "asyncio" not in found["modules"]
    assert "urllib.request" not in found["modules"]
    assert len(found["refused"]) == 4
    assert found["default"].startswith("dummy_document_loader")


def test_cold_start_opening_a_wallet_loads_neither_sqlite_utils_nor_numpy(tmp_path: Path) -> None:
    """sqlite-utils (and numpy, which it imports where installed) cost more than opening a
    wallet: only a migration loads it, and the verifier's store declares its own tables."""
    directory = tmp_path / "wallet"
    Vault.create(directory, PASSPHRASE, kdf_params=kdf.KdfParams.minimum())[0].close()
    for command in (["list"], ["trust", "add-issuer", "did:key:z6Mk", "--name", "Org"]):
        code, loaded = modules_loaded("--wallet", str(directory), *command, passphrase=PASSPHRASE)
        assert code == 0
        assert {name.partition(".")[0] for name in loaded} & {"sqlite_utils", "numpy"} == set()


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "--json", "--now", "2026-06-01T00:00:00Z", "in.json"],
        ["--wallet", "dir", "list", "--sort", "name"],
        ["--wallet=dir", "trust", "add", "bundle.json"],
        ["keys", "new", "--type", "p256", "--out", "key.json"],
        ["org", "bundle", "--org", "org.json", "--out", "bundle.json"],
    ],
)
def test_cold_start_one_commands_parser_parses_as_the_whole_one(argv: list[str]) -> None:
    assert vars(cli.build_parser(argv).parse_args(argv)) == vars(
        cli.build_parser().parse_args(argv)
    )


@pytest.mark.parametrize("argv", [[], ["--help"], ["no-such-command"], ["--wal", "dir", "list"]])
def test_cold_start_anything_but_a_command_gets_the_whole_parser(argv: list[str]) -> None:
    assert cli.build_parser(argv).format_help() == cli.build_parser().format_help()


def test_cold_start_the_app_loads_the_pdf_library_only_to_print() -> None:
    """The issuer and share screens imported the paper layout at the top, so every start
    of the app read fpdf2 and numpy: about 0.4 s of a 0.75 s import, for a page most
    starts never print."""
    probe = "import json, sys\nimport wallet.ui.app\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    tops = {name.partition(".")[0] for name in json.loads(result.stdout)}
    assert not tops & {"fpdf", "numpy", "fontTools"}
