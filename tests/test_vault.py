"""The vault and backpack on real SQLite files: nothing readable at rest, every failure
specific and harmless, and recovery with nothing but the words."""

from __future__ import annotations

import copy
import io
import json
import sqlite3
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from tests.conftest import sample_badge
from tests.support import (
    ISSUER_KEY,
    PASSPHRASE,
    SECRETS,
    Clock,
    as_source,
    distinctive_badge,
    english,
    new_backpack,
)
from wallet.services.issuer import signing as issuer
from wallet.services.learner import backpack
from wallet.services.learner.backpack import Backpack
from wallet.store import kdf
from wallet.store.errors import (
    BackupCorrupt,
    RecordNotFound,
    TooManyAttempts,
    VaultCorrupt,
    VaultExists,
    VaultLocked,
    WrongPassphrase,
    WrongRecoveryWords,
)
from wallet.store.schema import MIGRATIONS
from wallet.store.vault import DATABASE_NAME, TOMBSTONE, Vault
from wallet.vc.multikey import KeyPair, KeyType


def filled(directory: Path, count: int = 3) -> tuple[Backpack, str, list[str]]:
    pack, words = new_backpack(directory)
    results = list(
        pack.import_sources(as_source(f"b{i}.json", distinctive_badge(i)) for i in range(count))
    )
    assert [r.status for r in results] == ["imported"] * count
    return pack, words, [r.id for r in results if r.id]


def test_no_plaintext_at_rest(tmp_path: Path) -> None:
    pack, words, ids = filled(tmp_path / "w")
    holder_did = pack.new_holder_key()
    holder_secret = pack.holder_key(holder_did).secret_multikey()
    pack.set_tags(ids[0], ["plumbing-course"])
    backup = tmp_path / "backup.bin"
    pack.backup(backup)
    files = [tmp_path / "w" / (DATABASE_NAME + s) for s in ("", "-wal", "-shm")] + [backup]
    assert all(f.exists() for f in files)
    forbidden = [
        *SECRETS,
        "Water systems",
        "plumbing-course",
        holder_secret,
        PASSPHRASE,
        words.split()[0] + " " + words.split()[1],
    ]
    for path in files:
        raw = path.read_bytes()
        for text in forbidden:
            assert text.encode() not in raw, f"{text!r} readable in {path.name}"
            assert text.encode("utf-16-le") not in raw


def test_search_paging_tags_and_duplicates(tmp_path: Path) -> None:
    pack, _, ids = filled(tmp_path / "w", count=5)
    again = list(pack.import_sources([as_source("again.json", distinctive_badge(2))]))
    assert again[0].status == "duplicate" and again[0].id == ids[2]
    assert pack.list(page_size=2).total == 5
    assert [c["id"] for c in pack.list(page=0, page_size=2).cards] == [ids[4], ids[3]]
    assert [c["id"] for c in pack.list(page=2, page_size=2).cards] == [ids[0]]
    assert len(pack.search("water systems")) == 5  # an alignment (skill) name
    assert [c["id"] for c in pack.search("pump #3")] == [ids[3]]
    assert pack.search("nothing-like-this") == []
    pack.set_tags(ids[1], ["Field work", "2026"])
    assert [c["id"] for c in pack.search("field work")] == [ids[1]]
    assert [c["id"] for c in pack.list(tag="2026").cards] == [ids[1]]
    assert [c["name"] for c in pack.list(sort="name").cards] == ["Teamwork"] * 5


def test_delete_keeps_a_tombstone(tmp_path: Path) -> None:
    pack, _, ids = filled(tmp_path / "w")
    pack.delete(ids[0])
    assert pack.list().total == 2
    with pytest.raises(RecordNotFound):
        pack.show(ids[0])
    tombstone = pack.vault.stored_record(ids[0])
    assert (tombstone.deleted, tombstone.version) == (True, 2)
    assert pack.vault.open_stored(tombstone) == TOMBSTONE  # sealed, like any record
    assert pack.search("pump #0") == []


def test_wrong_passphrase_grows_a_delay_and_loses_nothing(tmp_path: Path) -> None:
    clock = Clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    list(pack.import_sources([as_source("a.json", distinctive_badge(1))]))
    pack.vault.close()
    vault = Vault.open(tmp_path / "w", clock=clock)
    for _ in range(2):  # the first two mistakes are free
        with pytest.raises(WrongPassphrase):
            vault.unlock("wrong")
    with pytest.raises(WrongPassphrase):
        vault.unlock("wrong")
    with pytest.raises(TooManyAttempts) as waited:
        vault.unlock(PASSPHRASE)  # even the right one must wait
    assert waited.value.wait_seconds == pytest.approx(2)
    clock.now += 3
    with pytest.raises(WrongPassphrase):
        vault.unlock("wrong")
    with pytest.raises(TooManyAttempts) as waited:
        vault.unlock(PASSPHRASE)
    assert waited.value.wait_seconds == pytest.approx(4)
    clock.now += 5
    vault.unlock(PASSPHRASE)
    assert Backpack(vault, clock=clock).list().total == 1


def test_change_passphrase_rewraps_without_touching_records(tmp_path: Path) -> None:
    pack, _, _ = filled(tmp_path / "w")
    before = [r.blob for r in pack.vault.stored()]
    pack.vault.change_passphrase("a new passphrase", kdf.KdfParams.minimum())
    assert [r.blob for r in pack.vault.stored()] == before
    vault = Vault.open(tmp_path / "w")
    with pytest.raises(WrongPassphrase):
        vault.unlock(PASSPHRASE)
    vault.unlock("a new passphrase")


def test_recovery_words_restore_access(tmp_path: Path) -> None:
    pack, words, _ = filled(tmp_path / "w")
    pack.vault.close()
    vault = Vault.open(tmp_path / "w")
    with pytest.raises(WrongRecoveryWords):
        vault.unlock_with_recovery("abandon " * 11 + "about")  # valid checksum, other secret
    with pytest.raises(WrongRecoveryWords, match="not valid"):
        vault.unlock_with_recovery(words.replace(words.split()[0], "zzzz", 1))
    vault.unlock_with_recovery(words.upper())
    vault.change_passphrase("remembered now", kdf.KdfParams.minimum())
    Vault.open(tmp_path / "w").unlock("remembered now")


def test_restore_from_backup_with_only_the_words(tmp_path: Path) -> None:
    pack, words, ids = filled(tmp_path / "old")
    pack.set_tags(ids[0], ["kept"])
    pack.delete(ids[2])
    backup = tmp_path / "backup.bin"
    pack.backup(backup)
    restored = backpack.restore(
        backup.read_bytes(), tmp_path / "new", lambda v: v.unlock_with_recovery(words)
    )
    assert restored.list().total == 2
    held = restored.show(ids[0])
    assert held.report["verified"] is True
    assert [c["id"] for c in held.report["checks"]] == [
        "structure",
        "signature",
        "issuer",
        "validity",
        "status",
    ]
    assert held.tags == ["kept"]
    assert held.credential == pack.show(ids[0]).credential
    tombstone = restored.vault.db.execute(
        "SELECT deleted FROM records WHERE id = ?", [ids[2]]
    ).fetchone()
    assert tombstone == (1,)


@pytest.mark.parametrize("damage", ["truncate", "flip", "append", "not-a-backup"])
def test_damaged_backup_is_refused_and_leaves_nothing(tmp_path: Path, damage: str) -> None:
    pack, words, _ = filled(tmp_path / "old")
    backup = tmp_path / "backup.bin"
    pack.backup(backup)
    data = bytearray(backup.read_bytes())
    if damage == "truncate":
        data = data[: len(data) - 40]
    elif damage == "flip":
        data[len(data) // 2] ^= 0x01
    elif damage == "append":
        data += b"\0" * 8
    else:
        data = bytearray(b'{"not": "a backup"}')
    with pytest.raises(BackupCorrupt):
        backpack.restore(bytes(data), tmp_path / "new", lambda v: v.unlock_with_recovery(words))
    assert not (tmp_path / "new" / DATABASE_NAME).exists()


def test_corrupted_database_is_a_specific_error(tmp_path: Path) -> None:
    directory = tmp_path / "w"
    directory.mkdir()
    (directory / DATABASE_NAME).write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(VaultCorrupt, match="not a readable wallet database"):
        Vault.open(directory)


def test_tampered_or_rolled_back_record_is_detected(tmp_path: Path) -> None:
    pack, _, ids = filled(tmp_path / "w")
    old = pack.vault.db.execute(
        "SELECT version, blob FROM records WHERE id = ?", [ids[0]]
    ).fetchone()
    pack.set_tags(ids[0], ["new"])
    # roll back: put the old (validly sealed) version back
    pack.vault.db.execute(
        "UPDATE records SET version = ?, blob = ? WHERE id = ?", [old[0], old[1], ids[0]]
    )
    with pytest.raises(VaultCorrupt, match="rolled back"):
        pack.show(ids[0])
    # swap: another record's blob under this id
    other = pack.vault.db.execute("SELECT blob FROM records WHERE id = ?", [ids[1]]).fetchone()[0]
    pack.vault.db.execute("UPDATE records SET blob = ? WHERE id = ?", [other, ids[2]])
    with pytest.raises(VaultCorrupt, match="tampered"):
        pack.show(ids[2])
    assert pack.show(ids[1]).report["verified"]  # the rest is intact


def test_not_a_credential_is_refused_with_its_reason(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    results = list(
        pack.import_sources(
            [
                ("notes.txt", lambda: b"hello"),
                ("array.json", lambda: b"[1]"),
                ("key.json", lambda: json.dumps({"type": "ed25519"}).encode()),
                (
                    "unknown-context.json",
                    lambda: json.dumps(
                        {**sample_badge(), "@context": ["https://x.example"]}
                    ).encode(),
                ),
            ]
        )
    )
    assert [r.status for r in results] == ["refused"] * 3 + ["imported"]
    assert "not JSON" in results[0].reason
    assert "not a verifiable credential" in results[2].reason
    # a credential whose context we lack is kept, and its card says it cannot be verified
    # (issue 14: never lose a badge at the door)
    assert results[3].state is not None
    assert results[3].state["state"] == "cannot-verify"
    assert results[3].state["reasons"] == ["unsigned", "unknown-context"]
    assert "https://x.example" in english(pack.show(results[3].id).report["checks"][0])
    assert pack.list().total == 1


def test_baked_png_and_svg(tmp_path: Path) -> None:
    pack, _ = new_backpack(tmp_path / "w")
    badge_png, badge_svg = distinctive_badge(1), distinctive_badge(2)
    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadgecredential", json.dumps(badge_png), zip=True)
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(image, "PNG", pnginfo=info)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        f"<openbadges:credential><![CDATA[{json.dumps(badge_svg)}]]></openbadges:credential>"
        '<rect width="8" height="8"/></svg>'
    ).encode()
    plain_png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(plain_png, "PNG")
    bomb_svg = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><svg>&a;</svg>'
    results = list(
        pack.import_sources(
            [
                ("badge.png", lambda: image.getvalue()),
                ("badge.svg", lambda: svg),
                ("photo.png", lambda: plain_png.getvalue()),
                ("entities.svg", lambda: bomb_svg),
            ]
        )
    )
    assert [r.status for r in results] == ["imported", "imported", "refused", "refused"]
    assert "neither a baked badge nor a QR code" in results[2].reason
    assert "DOCTYPE" in results[3].reason
    assert pack.show(results[0].id).credential == badge_png


def test_locks_after_inactivity(tmp_path: Path) -> None:
    clock = Clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    clock.now += 299
    pack.list()
    clock.now += 299
    pack.list()  # activity resets the timer
    clock.now += 301
    with pytest.raises(VaultLocked):
        pack.list()
    pack.unlock(PASSPHRASE)
    assert pack.list().total == 0


def test_reverify_all_refreshes_reports(tmp_path: Path) -> None:
    clock = Clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    expiring = copy.deepcopy(sample_badge())
    expiring["validUntil"] = "2026-07-01T00:00:00Z"
    signed = issuer.issue(expiring, ISSUER_KEY, "eddsa-rdfc-2022")
    clock.now = 1_780_000_000.0  # 2026-05-28
    [result] = pack.import_sources([as_source("e.json", signed)])
    assert result.verified
    clock.now += 60 * 86_400  # two months later: long locked by then
    pack.unlock(PASSPHRASE)
    assert pack.reverify_all() == (1, 1)
    held = pack.show(result.id)
    assert not held.report["verified"]
    assert held.checked.startswith("2026-07-27")


def test_cannot_create_over_an_existing_wallet(tmp_path: Path) -> None:
    new_backpack(tmp_path / "w")
    with pytest.raises(VaultExists):
        Vault.create(tmp_path / "w", "x", kdf_params=kdf.KdfParams.minimum())


def test_schema_version_is_recorded(tmp_path: Path) -> None:
    new_backpack(tmp_path / "w")
    with sqlite3.connect(tmp_path / "w" / DATABASE_NAME) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_cached_status_list_is_used_on_import(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from tests.support import KEY, badge, english, status_list

    pack, _ = new_backpack(tmp_path / "w")
    pack.cache_status_list(status_list({5}), datetime(2026, 5, 26, tzinfo=UTC))
    revoked, fine = badge(5), badge(6)
    results = list(pack.import_sources([as_source("r.json", revoked), as_source("f.json", fine)]))
    assert [r.verified for r in results] == [False, True]
    status = next(c for c in pack.show(results[0].id).report["checks"] if c["id"] == "status")
    assert english(status).startswith("Revoked by the issuer (list fetched")
    raw = (tmp_path / "w" / DATABASE_NAME).read_bytes() + (
        tmp_path / "w" / (DATABASE_NAME + "-wal")
    ).read_bytes()
    assert b"example.org/status" not in raw  # the list's URL is sealed too
    assert KEY.secret_multikey().encode() not in raw


def test_issuer_keys_and_settings(tmp_path: Path) -> None:
    from wallet.services.issuer.trainer import ISSUER_KEY
    from wallet.services.learner.settings import Settings

    clock = Clock()
    pack, _ = new_backpack(tmp_path / "w", clock)
    key = KeyPair.generate(KeyType.P256)
    did = backpack.store_key(pack.vault, ISSUER_KEY, key)
    assert backpack.load_key(pack.vault, ISSUER_KEY, did).public == key.public
    with pytest.raises(RecordNotFound):
        backpack.load_key(pack.vault, backpack.HOLDER_KEY, did)  # kinds do not mix
    settings = Settings(pack.vault, clock)
    assert settings.get("theme", "system") == "system"
    settings.set("theme", "dark")
    clock.now += 1
    settings.set("language", "sw")
    assert (settings.get("theme"), settings.get("language")) == ("dark", "sw")
    values = pack.vault.get("settings", "settings").payload["values"]
    assert values["language"]["updated"] - values["theme"]["updated"] == 1000
