"""Onboarding and regaining access, at the session the app holds: a wallet exists only
once its recovery words are confirmed, a forgotten passphrase is replaced with the words,
a second device joins from a sync server with the words alone, and issuers trusted by
hand can be reviewed and taken back."""

from __future__ import annotations

import socket
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support import Proxy
from wallet.protocol.sync import SyncError
from wallet.services.learner import demo, device_unlock
from wallet.services.wallet import Wallet
from wallet.store import kdf
from wallet.store.errors import WrongPassphrase, WrongRecoveryWords
from wallet.store.verifier_store import VerifierStore

PASSPHRASE = "river-stone-42"
NEW_PASSPHRASE = "ocean-cloud-77"


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kdf, "calibrate", kdf.KdfParams.minimum)


def right_answers(words: str) -> dict[int, str]:
    listed = words.split()
    return {n: listed[n - 1] for n in Wallet.quiz_positions(words)}


def created(directory: Path, language: str = "en") -> tuple[Wallet, str]:
    session = Wallet(directory)
    words = session.begin_create(PASSPHRASE)
    assert session.confirm_create(words, right_answers(words), language)
    return session, words


def test_onboarding_can_lose_the_words_no_wallet_before_the_quiz_passes(tmp_path: Path) -> None:
    """Issue 12: a wallet that opens before its words are confirmed can lose them for
    good (a tap on a tab, a reload). Nothing exists, and nothing is unlocked, until the
    quiz passes."""
    session = Wallet(tmp_path)
    words = session.begin_create(PASSPHRASE)
    assert not session.exists and not session.unlocked
    assert list(tmp_path.iterdir()) == []  # not even a scratch file in the wallet's folder

    wrong = right_answers(words)
    wrong[next(iter(wrong))] = "zzz"
    assert not session.confirm_create(words, wrong, "en")
    assert not session.exists and not session.unlocked

    assert session.confirm_create(words, right_answers(words), "fr")
    assert session.exists and session.unlocked
    assert session.settings.get("language") == "fr"  # chosen before the wallet existed
    session.lock()

    again = Wallet(tmp_path)  # the next start: the passphrase and the words both open it
    again.unlock(PASSPHRASE)
    assert again.settings.get("language") == "fr"
    again.lock()
    Wallet(tmp_path).recover_access(words, NEW_PASSPHRASE)


def test_onboarding_stopped_before_the_quiz_leaves_nothing_behind(tmp_path: Path) -> None:
    """A reload mid-onboarding is a new session: it sees no wallet and starts over; the
    words shown before open nothing."""
    first = Wallet(tmp_path)
    first.begin_create(PASSPHRASE)
    reloaded = Wallet(tmp_path)
    assert not reloaded.exists
    words = reloaded.begin_create(PASSPHRASE)
    assert not reloaded.confirm_create(words, {}, "en")  # no answers, no wallet
    assert reloaded.confirm_create(words, right_answers(words), "en")
    assert reloaded.exists


def test_begin_create_makes_no_scratch_wallet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19: preparing a wallet made a whole vault in a temporary folder only to keep
    its header. The header is made on its own now: no temporary folder, no database."""

    def no_scratch(*args: object, **kwargs: object) -> None:
        raise AssertionError("begin_create wrote to scratch space")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_scratch)
    monkeypatch.setattr(tempfile, "mkdtemp", no_scratch)
    session = Wallet(tmp_path)
    words = session.begin_create(PASSPHRASE)
    assert session.confirm_create(words, right_answers(words), "en")
    session.lock()
    Wallet(tmp_path).unlock(PASSPHRASE)
    Wallet(tmp_path).recover_access(words, NEW_PASSPHRASE)


def test_forgot_passphrase_opens_with_the_words_and_sets_a_new_one(tmp_path: Path) -> None:
    session, words = created(tmp_path)
    session.lock()

    locked = Wallet(tmp_path)
    with pytest.raises(WrongRecoveryWords):
        locked.recover_access(" ".join(reversed(words.split())), NEW_PASSPHRASE)
    assert not locked.unlocked
    locked.recover_access(words.upper(), NEW_PASSPHRASE)
    assert locked.unlocked
    locked.lock()

    with pytest.raises(WrongPassphrase):
        Wallet(tmp_path).unlock(PASSPHRASE)
    Wallet(tmp_path).unlock(NEW_PASSPHRASE)


def test_join_from_a_sync_server_with_the_words_alone(tmp_path: Path, sqlite_server: str) -> None:
    laptop, words = created(tmp_path / "laptop", language="es")
    demo.add_sample_badges(laptop.backpack, now=datetime.now(UTC))
    laptop.sync(sqlite_server)

    phone = Wallet(tmp_path / "phone")
    assert phone.join(words, sqlite_server, NEW_PASSPHRASE, "id") == 3
    assert phone.unlocked
    assert phone.settings.get("language") == "es"  # the wallet's own choice travels with it
    assert phone.settings.get("server") == sqlite_server  # and the phone keeps syncing there
    phone.lock()
    Wallet(tmp_path / "phone").unlock(NEW_PASSPHRASE)


class CoverageLostAfterTheHeader(Proxy):
    """Forwards the first connection (registering, the wallet's header) and drops every
    later one (the pull): coverage gone in the middle of a join."""

    def _upstream(self) -> socket.socket | None:
        return super()._upstream() if self.connections == 1 else None


def test_join_cut_off_mid_pull_leaves_the_wallet_open_to_finish_later(
    tmp_path: Path, sqlite_server: str
) -> None:
    laptop, words = created(tmp_path / "laptop")
    demo.add_sample_badges(laptop.backpack, now=datetime.now(UTC))
    laptop.sync(sqlite_server)
    proxy = CoverageLostAfterTheHeader(int(sqlite_server.rsplit(":", 1)[1]))
    patchy = f"http://127.0.0.1:{proxy.port}"

    phone = Wallet(tmp_path / "phone")
    with pytest.raises(SyncError):
        phone.join(words, patchy, NEW_PASSPHRASE, "fr")
    assert phone.unlocked  # not "a wallet already exists" on a second try
    assert phone.settings.get("server") == patchy  # the app's background sync goes on
    assert phone.settings.get("language") == "fr"
    assert phone.backpack.list(page_size=1).total == 0
    phone.sync(sqlite_server)  # coverage is back
    assert phone.backpack.list(page_size=1).total == 3
    phone.lock()
    Wallet(tmp_path / "phone").unlock(NEW_PASSPHRASE)


def test_prefer_fills_only_what_the_wallet_lacks(tmp_path: Path) -> None:
    session, _ = created(tmp_path, language="es")
    session.prefer(language="fr", theme="dark")
    assert session.settings.get("language") == "es"
    assert session.settings.get("theme") == "dark"


def test_issuers_trusted_by_hand_are_listed_and_can_be_removed(tmp_path: Path) -> None:
    session, _ = created(tmp_path)
    store = VerifierStore(tmp_path)
    store.trust("did:key:z6MkSecond", "Second College")
    store.trust("did:key:z6MkFirst", "First Academy")
    store.close()

    listed = session.trusted_issuers()
    assert [(i.name, i.did) for i in listed] == [
        ("First Academy", "did:key:z6MkFirst"),
        ("Second College", "did:key:z6MkSecond"),
    ]
    session.remove_trusted_issuer("did:key:z6MkFirst")
    assert [i.name for i in session.trusted_issuers()] == ["Second College"]
    store = VerifierStore(tmp_path)
    assert store.trusted_name("did:key:z6MkFirst") is None  # the verifier no longer trusts it
    store.close()


def test_biometric_unlock_wraps_the_data_key_for_the_device_keystore(tmp_path: Path) -> None:
    session, _ = created(tmp_path)
    assert not session.device_unlock_enabled
    device_key = session.enable_device_unlock()
    wrapped = tmp_path / device_unlock.FILE_NAME
    assert session.device_unlock_enabled and wrapped.stat().st_mode & 0o777 == 0o600
    assert bytes.fromhex(device_key) not in wrapped.read_bytes()
    session.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)  # re-wraps the data key only
    session.lock()

    opened = Wallet(tmp_path)
    opened.unlock_with_device_key(device_key)
    assert opened.unlocked
    opened.lock()
    for wrong in ("00" * 32, "not hex"):
        with pytest.raises(WrongPassphrase):
            Wallet(tmp_path).unlock_with_device_key(wrong)

    opened.disable_device_unlock()
    assert not opened.device_unlock_enabled
    with pytest.raises(WrongPassphrase):  # a key left in the keystore opens nothing now
        Wallet(tmp_path).unlock_with_device_key(device_key)
    Wallet(tmp_path).unlock(NEW_PASSPHRASE)  # the passphrase always works
