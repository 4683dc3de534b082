"""Where a person waits before anything happens: `wallet verify FILE` as a whole process
against the engine alone, and unlocking a wallet whose Argon2id parameters were made on
another device (issue 17).

Cold start is a ratio within one run, since this machine is noisy: the median of
`python -m wallet verify FILE` over the median of a bare interpreter that imports only
the engine (`wallet.vc.verification`) and verifies the same file once, in wall-clock time
and in CPU time (which other processes on a shared machine disturb less). Both run with
a bytecode cache, as an installed wallet has, in a scratch folder (the checkout is not
written to).

Unlock: a device 4x faster than this one calibrates 4x the passes (`kdf.calibrate` keeps
the memory and adds passes); those parameters are timed here before the re-wrap, in the
unlock that re-wraps, and after it. A CPU 4x slower than this one is simulated by a
timer that reads 4x the time: what it would take is 4x this machine's time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from wallet.assets import assets_dir
from wallet.services.issuer import signing as issuer
from wallet.store import kdf
from wallet.store.vault import Vault
from wallet.vc.multikey import KeyPair, KeyType

_ENGINE_ONLY = (
    "import json, sys\n"
    "from datetime import UTC, datetime\n"
    "from wallet.vc.verification import verify_credential\n"
    "with open(sys.argv[1], encoding='utf-8') as f:\n"
    "    report = verify_credential(json.load(f), now=datetime.now(UTC))\n"
    "raise SystemExit(0 if report.verified else 1)\n"
)
_PASSPHRASE = "bench passphrase"
FASTER = SLOWER = 4


def run(runs: int = 10) -> Iterator[tuple[str, float, str]]:
    yield from cold_start_figures(runs)
    yield from unlock_figures()


def cold_start_figures(runs: int = 10) -> Iterator[tuple[str, float, str]]:
    sample = json.loads((assets_dir() / "samples" / "teamwork-badge.json").read_text())
    signed = issuer.issue(sample, KeyPair.generate(KeyType.ED25519), "eddsa-rdfc-2022")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "signed.json"
        path.write_text(json.dumps(signed), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        commands = {
            "engine-floor": [sys.executable, "-c", _ENGINE_ONLY, str(path)],
            "verify": [sys.executable, "-m", "wallet", "verify", str(path)],
        }
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for round_ in range(runs + 1):  # the first round fills the bytecode cache
            for name, command in commands.items():
                start = time.perf_counter()
                process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
                _, status, usage = os.wait4(process.pid, 0)
                process.returncode = os.waitstatus_to_exitcode(status)
                if process.returncode != 0:
                    raise AssertionError(f"bench {name} exited with {process.returncode}")
                if round_:
                    wall[name].append(time.perf_counter() - start)
                    cpu[name].append(usage.ru_utime + usage.ru_stime)
    walls = {name: statistics.median(taken) for name, taken in wall.items()}
    cpus = {name: statistics.median(taken) for name, taken in cpu.items()}
    yield "startup.cold-start.engine-floor", walls["engine-floor"] * 1000, "ms"
    yield "startup.cold-start.verify", walls["verify"] * 1000, "ms"
    yield "startup.cold-start.verify-ratio", walls["verify"] / walls["engine-floor"], "ratio"
    # CPU time (user + system) is what a loaded machine disturbs least
    yield "startup.cold-start.verify-cpu-ratio", cpus["verify"] / cpus["engine-floor"], "ratio"


def _timed(operation: Callable[[], object]) -> float:
    start = time.perf_counter()
    operation()
    return time.perf_counter() - start


def _unlocked(directory: Path, timer: Callable[[], float] = time.perf_counter) -> float:
    """Seconds to open and unlock the vault here (re-wrapping it when that was slow)."""
    vault = Vault.open(directory, timer=timer)
    try:
        return _timed(lambda: vault.unlock(_PASSPHRASE))
    finally:
        vault.close()


def _stored(directory: Path) -> kdf.KdfParams:
    vault = Vault.open(directory)
    try:
        return kdf.KdfParams.from_json(vault.header()["kdf"])
    finally:
        vault.close()


def unlock_figures() -> Iterator[tuple[str, float, str]]:
    here = kdf.calibrate()
    faster = kdf.KdfParams(
        here.memory_kib,
        min(here.iterations * FASTER, kdf.MAX_ITERATIONS),
        here.lanes,
        os.urandom(16),
    )
    with tempfile.TemporaryDirectory() as folder:
        restored = Path(folder) / "from-a-faster-device"
        Vault.create(restored, _PASSPHRASE, kdf_params=faster)[0].close()
        prefix = f"kdf.unlock.params-from-{FASTER}x-faster-device"
        yield f"{prefix}.before-rewrap", _timed(lambda: faster.derive(_PASSPHRASE)), "s"
        yield f"{prefix}.rewrapping-unlock", _unlocked(restored), "s"
        yield f"{prefix}.after-rewrap", _unlocked(restored), "s"
        yield f"{prefix}.after-rewrap.iterations", _stored(restored).iterations, "passes"

        slow = Path(folder) / "on-a-slower-cpu"
        Vault.create(slow, _PASSPHRASE, kdf_params=here)[0].close()
        prefix = f"kdf.unlock.{SLOWER}x-slower-cpu"
        yield f"{prefix}.before-rewrap", SLOWER * _timed(lambda: here.derive(_PASSPHRASE)), "s"
        _unlocked(slow, timer=lambda: SLOWER * time.perf_counter())
        lighter = _stored(slow)
        yield f"{prefix}.after-rewrap", SLOWER * _timed(lambda: lighter.derive(_PASSPHRASE)), "s"
        yield f"{prefix}.after-rewrap.memory", lighter.memory_kib, "KiB"
        yield f"{prefix}.after-rewrap.iterations", lighter.iterations, "passes"
        floor = kdf.KdfParams.minimum()
        yield f"{prefix}.owasp-floor", SLOWER * _timed(lambda: floor.derive(_PASSPHRASE)), "s"
