"""The app's two threads on one vault (issue 15): the event loop writes (a setting, a delete,
a revocation, a receive screen's new holder key) while the worker syncs with a real server
on 127.0.0.1. Nothing fails, nothing is lost, and the vault still opens afterwards."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support import (
    PASSPHRASE,
    Clock,
    as_source,
    contents,
    distinctive_badge,
    new_backpack,
    second_device,
)
from wallet.services.issuer.trainer import Trainer
from wallet.services.learner.backpack import CREDENTIAL, Backpack
from wallet.services.learner.settings import Settings
from wallet.services.sync import client as sync
from wallet.store.vault import Vault

CREDENTIALS = 300


def test_ui_thread_vault_actions_while_a_sync_runs(
    tmp_path: Path, server: tuple[str, Path, str]
) -> None:
    url, _, _ = server
    clock = Clock()
    pack, words = new_backpack(tmp_path / "laptop", clock)
    ids = [
        r.id
        for r in pack.import_sources(
            as_source(f"{i}.json", distinctive_badge(i)) for i in range(CREDENTIALS)
        )
        if r.id is not None
    ]
    trainer = Trainer(pack.vault, clock)
    trainer.set_up("Field trainer")
    template = trainer.save_template("Pump care", "Services a pump.", "Seen.").id
    for n in range(20):  # an issuance log to upload (an own-name badge cannot be revoked)
        trainer.issue(template, f"Learner {n}")
    settings = Settings(pack.vault, clock)

    failures: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(3):  # push everything, then pull and push what the UI changed
                sync.SyncClient(pack, url).sync()
        except BaseException as error:  # noqa: BLE001 - reported below, on the test's thread
            failures.append(error)

    syncing = threading.Thread(target=worker)
    syncing.start()
    rounds = deleted = 0
    while syncing.is_alive() or rounds == 0:  # at least one of each, however fast the sync
        settings.set("theme", ["light", "dark"][rounds % 2])
        if deleted < len(ids) // 2:
            pack.delete(ids[deleted])
            deleted += 1
        trainer.save_template(f"Pump care {rounds}", "Services a pump.", "Seen.")
        pack.new_holder_key()
        rounds += 1
    syncing.join()
    assert failures == []

    sync.SyncClient(pack, url).sync()  # what the UI changed last goes up too
    assert pack.vault.outbox() == []
    assert len(pack.vault.ids(CREDENTIAL)) == CREDENTIALS - deleted
    # the sealed state matches the rows: no transaction ran into another's
    pack.vault.close()
    reopened = Vault.open(tmp_path / "laptop", clock=clock)
    reopened.unlock(PASSPHRASE)
    laptop = Backpack(reopened, clock=clock)
    phone = second_device(tmp_path, words, url)
    assert contents(phone) == contents(laptop)


def test_a_sync_failing_on_any_error_is_kept_shown_and_retried(
    tmp_path: Path, server: tuple[str, Path, str]
) -> None:
    """Not only a SyncError: whatever stops a sync (here the CLI's progress line hitting a
    closed pipe) is kept in the sync state Settings shows, and retried after its backoff."""
    url, _, _ = server
    pack, _ = new_backpack(tmp_path / "laptop")
    list(pack.import_sources([as_source("1.json", distinctive_badge(1))]))

    def closed_pipe(stage: str, count: int) -> None:
        raise BrokenPipeError("stdout is gone")

    now = time.time()
    with pytest.raises(BrokenPipeError):
        sync.SyncClient(pack, url, progress=closed_pipe).sync()
    last = pack.vault.sync_state("last")
    assert last["ok"] is False and last["code"] == "unexpected" and last["failures"] == 1
    assert "stdout" not in last["error"]  # only our own messages are kept
    assert not sync.due(pack.vault, now) and sync.due(pack.vault, last["retry_at"])
    sync.SyncClient(pack, url).sync()
    assert pack.vault.sync_state("last")["ok"] is True


def test_background_sync_goes_on_after_any_error(caplog: pytest.LogCaptureFixture) -> None:
    """The app's background loop: a sync that fails with something other than a SyncError
    no longer ends background sync for the session, and Settings is told to refresh."""
    from wallet.ui import app as shell

    refreshed: list[bool] = []

    class Worker:  # the App's side `_quietly` uses: its worker and the Settings callback
        after_background_sync = staticmethod(lambda: refreshed.append(True))

        async def in_worker(self, job: Any, *args: Any) -> Any:
            return job(*args)

    def broken() -> None:
        raise sqlite3.OperationalError("cannot start a transaction within a transaction")

    # On its own thread: Playwright's sync API (the browser tests) leaves a loop running here.
    runner = threading.Thread(target=asyncio.run, args=(shell._quietly(Worker(), broken),))  # type: ignore[arg-type]
    runner.start()
    runner.join()
    assert refreshed == [True]
    assert "OperationalError" in caplog.text and "transaction" not in caplog.text
