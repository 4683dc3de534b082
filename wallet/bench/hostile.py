"""`wallet bench`'s hostile inputs (issue 13): how long each takes to be refused, and the
worst of them. The same inputs serve the tests (tests/test_hostile_input.py), so what is
measured is what is proven to be refused."""

from __future__ import annotations

import copy
import struct
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wallet.qr import images
from wallet.store import backup, kdf
from wallet.store.errors import VaultError
from wallet.store.vault import Vault
from wallet.vc import baked_badges
from wallet.vc.errors import UnusableInput
from wallet.vc.verification import verify_credential

_NOW = datetime(2026, 6, 1, tzinfo=UTC)


def many_values_of_one_property(credential: dict[str, Any], count: int) -> dict[str, Any]:
    """The reported H4 file (93 KB at 10,000 values): one property with N distinct values,
    which pyld's node map dedups by comparing each with every one before it."""
    hostile = copy.deepcopy(credential)
    hostile["credentialSubject"]["achievement"]["tag"] = [f"t{i:04}" for i in range(count)]
    return hostile


def values_merged_into_one_node(credential: dict[str, Any], count: int) -> dict[str, Any]:
    """The same N^2 with no long list: copies of one node (same id), each with under a
    thousand values, which the node map merges into one."""
    hostile = copy.deepcopy(credential)
    hostile["credentialSubject"]["achievement"]["alignment"] = [
        {
            "id": "https://example.org/alignment",
            "type": ["Alignment"],
            "targetName": [f"n{i}" for i in range(start, start + 900)],
        }
        for start in range(0, count, 900)
    ]
    return hostile


def png_of_zeros(width: int, height: int, *chunks: tuple[bytes, bytes]) -> bytes:
    """A valid grayscale PNG, black, with `chunks` before its pixels. Built row by row, so
    a pixel bomb (a huge image in a small file: zero rows deflate a thousandfold) is cheap
    to make."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    deflater = zlib.compressobj(9)
    row = bytes(width + 1)  # filter byte 0, then the pixels
    pixels = b"".join(deflater.compress(row) for _ in range(height)) + deflater.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        baked_badges.PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + b"".join(chunk(kind, body) for kind, body in chunks)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def text_chunk_bomb() -> bytes:
    """A PNG whose zTXt comment inflates to 64 MB."""
    return png_of_zeros(8, 8, (b"zTXt", b"Comment\0\0" + zlib.compress(bytes(64 << 20), 9)))


def kdf_bomb_backup() -> bytes:
    """A real backup whose header was edited to ask for Argon2id at 8 GiB x 50 passes: the
    parameters are read before the MAC can be checked, so they must be bounded first."""
    with tempfile.TemporaryDirectory() as scratch:
        vault, _ = Vault.create(Path(scratch) / "w", "bench", kdf_params=kdf.KdfParams.minimum())
        backup.write_backup(vault, Path(scratch) / "b")
        vault.close()
        data = (Path(scratch) / "b").read_bytes()
    return backup.with_kdf(data, {"memory_kib": 8 * 1024 * 1024, "iterations": 50})


def _restore(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        backup.restore_backup(data, Path(scratch) / "w", lambda vault: vault.unlock("bench"))


def _refusal_ms(operation: Callable[[], object]) -> float:
    start = time.perf_counter()
    try:
        operation()
    except (UnusableInput, VaultError):
        return (time.perf_counter() - start) * 1000
    raise AssertionError("a hostile bench input was not refused")


def run(credential: dict[str, Any]) -> Iterator[tuple[str, float, str]]:
    """One line per hostile input, then the worst: what a verifier's worker can be held up."""
    one_property = many_values_of_one_property(credential, 10_000)
    merged = values_merged_into_one_node(credential, 12_000)
    pixel_bomb, chunk_bomb = png_of_zeros(9_000, 8_000), text_chunk_bomb()
    kdf_bomb = kdf_bomb_backup()
    cases: dict[str, Callable[[], object]] = {  # inputs built first: only refusals are timed
        "h4-10000-values-of-one-property": lambda: verify_credential(one_property, now=_NOW),
        "h4-12000-values-merged-into-one-node": lambda: verify_credential(merged, now=_NOW),
        "pixel-bomb-72-mpx": lambda: images.decode_image(pixel_bomb),
        "png-text-chunk-bomb": lambda: images.decode_image(chunk_bomb),
        "kdf-bomb-backup-8-gib-50-passes": lambda: _restore(kdf_bomb),
    }
    worst = 0.0
    for name, operation in cases.items():
        refusal = _refusal_ms(operation)
        worst = max(worst, refusal)
        yield f"hostile.{name}.refusal", refusal, "ms"
    yield "hostile.worst-refusal", worst, "ms"
