"""The one facade every shell opens (the app, `wallet …`): create or restore a wallet,
unlock and lock it, and reach every role's service once it is open. A shell holds a
`Wallet`, never a vault."""

from __future__ import annotations

import hmac
import json
import secrets
import ssl
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wallet.protocol.sync import SyncError
from wallet.qr import challenge as challenge_qr
from wallet.qr import compact, frames, images
from wallet.services.issuer.trainer import Trainer
from wallet.services.learner import backpack as backpack_service
from wallet.services.learner import device_unlock, exchanges, fetching, presenter, sources
from wallet.services.learner.backpack import Backpack
from wallet.services.learner.fetching import FetchReport, OnlineChecks
from wallet.services.learner.settings import Settings
from wallet.services.sync import client as sync
from wallet.services.sync.client import SyncClient, SyncResult, due
from wallet.services.verifier import trust
from wallet.services.verifier.history import VerificationHistory
from wallet.services.verifier.presentations import PresentationVerifier, Verdict
from wallet.store.errors import VaultLocked, WrongPassphrase
from wallet.store.vault import Vault, require_passphrase
from wallet.store.verifier_store import VerifierStore
from wallet.vc.data_integrity import parse_datetime
from wallet.vc.verification import StatusLists

QUIZ_WORDS = 3  # how many recovery words a new user types back
APP_DOMAIN = "learner-wallet-app"  # the `domain` of the app's challenges (two-way mode)


class Wallet:
    def __init__(
        self,
        directory: Path,
        *,
        clock: Callable[[], float] = time.time,
        idle_timeout: float = backpack_service.IDLE_TIMEOUT_SECONDS,
    ) -> None:
        self.directory = directory
        self._clock = clock
        self._idle_timeout = idle_timeout
        self._vault: Vault | None = None
        self._backpack: Backpack | None = None
        self._pending_header: dict[str, Any] | None = None  # see begin_create

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def exists(self) -> bool:
        return Vault.exists(self.directory)

    @property
    def unlocked(self) -> bool:
        return self._vault is not None and self._vault.unlocked

    def create(self, passphrase: str) -> str:
        """A new wallet, unlocked; returns the recovery words, shown once."""
        vault, words = Vault.create(self.directory, passphrase, clock=self._clock)
        self._opened(vault)
        return words

    def restore(self, words: str | None, backup: bytes, passphrase: str) -> int:
        """A wallet from a backup file and the recovery words, under a new passphrase (or,
        with no words, opened by the passphrase it had); returns how many credentials
        came back. Either way the passphrase wraps the data key under parameters
        calibrated on this device: the backup's came from the device that made it, which
        may be four times faster than this one."""

        def open_backup(vault: Vault) -> None:
            if words is None:
                vault.unlock(passphrase)
            else:
                vault.unlock_with_recovery(words)

        pack = backpack_service.restore(backup, self.directory, open_backup, passphrase)
        self._opened(pack.vault)
        return pack.list(page_size=1).total

    def open(self) -> None:
        """Open the wallet's file, still locked: no wallet here, or an unreadable one,
        fails now rather than after a passphrase was typed."""
        self._open_vault()

    def unlock(self, passphrase: str) -> None:
        vault = self._open_vault()
        vault.unlock(passphrase)
        self._opened(vault)

    def _opened(self, vault: Vault) -> None:
        self._vault = vault
        self._backpack = Backpack(vault, clock=self._clock, idle_timeout=self._idle_timeout)
        self.history.upgrade_stored()

    def lock(self) -> None:
        if self._vault is not None:
            self._vault.lock()

    def lock_if_idle(self) -> bool:
        """Lock after the backpack's idle timeout; True when the wallet is (now) locked."""
        if self._backpack is None or not self.unlocked:
            return True
        if self._backpack.idle():
            self.lock()
            return True
        return False

    def change_passphrase(self, current: str, new: str) -> None:
        require_passphrase(new)
        vault = self._open_vault()
        try:
            vault.unlock(current)
        except WrongPassphrase:
            raise WrongPassphrase("the current passphrase is not right") from None
        vault.change_passphrase(new)

    # --- recovery-word quiz -----------------------------------------------------------------

    @staticmethod
    def quiz_positions(words: str) -> list[int]:
        """Which words (1-based) to ask for, at random so no one learns to skip the step."""
        count = len(words.split())
        return sorted(secrets.SystemRandom().sample(range(1, count + 1), QUIZ_WORDS))

    @staticmethod
    def quiz_passes(words: str, answers: dict[int, str]) -> bool:
        listed = words.split()
        return (
            all(
                hmac.compare_digest(
                    answer.strip().lower().encode(), listed[position - 1].lower().encode()
                )
                for position, answer in answers.items()
            )
            and len(answers) == QUIZ_WORDS
        )

    # --- onboarding and recovery ------------------------------------------------------------

    def begin_create(self, passphrase: str) -> str:
        """Prepare a new wallet and return its recovery words; nothing is written to the
        wallet's directory yet.

        The recovery secret is never stored (`Vault.create`), so the words can be shown
        only while this session holds them. A wallet that existed before its words were
        confirmed could be left, by a tap elsewhere, a closed app or a reload, opening
        with a passphrase whose only fallback was never written down. So the wallet is
        not made yet: only its header (the data key wrapped by the passphrase and by the
        words) is kept in memory, and `confirm_create` writes it once the quiz passes. An onboarding that stops before then leaves no wallet: the next start
        offers onboarding again, with new words, and the old ones open nothing."""
        self._pending_header, words = Vault.new_header(passphrase)
        return words

    def confirm_create(self, words: str, answers: dict[int, str], language: str) -> bool:
        """Create the wallet prepared by `begin_create` if the quiz answers are right,
        unlocked and in the language chosen before it existed; False when they are not."""
        if self._pending_header is None or not self.quiz_passes(words, answers):
            return False
        vault = Vault.from_header(self.directory, self._pending_header, clock=self._clock)
        self._pending_header = None
        vault.unlock_with_recovery(words)
        self._opened(vault)
        self.settings.set("language", language)
        return True

    def recover_access(self, words: str, new_passphrase: str) -> None:
        """Forgot the passphrase: open with the recovery words and set a new one."""
        vault = self._open_vault()
        vault.unlock_with_recovery(words)
        vault.change_passphrase(new_passphrase)
        self._opened(vault)

    def join(self, words: str, server: str, passphrase: str, language: str) -> int:
        """`join_account` for the app, which keeps the language chosen and the server (where
        the wallet has none): how many credentials came down."""
        choices = {"language": language, "server": server}
        return self.join_account(words, server, passphrase, choices).credentials

    def join_account(
        self, words: str, server: str, passphrase: str, choices: dict[str, str] | None = None
    ) -> Joined:
        """This device joins the wallet another device syncs to `server`, reached with the
        recovery words alone (`wallet init --recover WORDS --server URL`); `choices` are
        settings to `prefer`.

        A connection lost after the wallet's header came down but before every record did
        (patchy coverage, prepaid data running out) still raises, but leaves the wallet
        here and open, set to sync with `server`: the app's background sync finishes the
        pull, where starting over would meet "a wallet already exists"."""
        existed = self.exists
        chosen = choices or {}
        try:
            pack, result = sync.join(self.directory, words, passphrase, server)
        except SyncError:
            if existed or not self.exists:
                raise
            self.unlock(passphrase)
            self.prefer(**chosen)
            raise
        self._opened(pack.vault)
        self.prefer(**chosen)
        return Joined(pack.list(page_size=1).total, result)

    def prefer(self, **values: str) -> None:
        """Choices made before a restored wallet was open (its language, say): each is
        kept only where the wallet has none, since its own follow it from device to
        device."""
        for name, value in values.items():
            if not self.settings.get(name):
                self.settings.set(name, value)

    # --- biometric unlock (services/learner/device_unlock.py) ---------------------------------------

    @property
    def device_unlock_enabled(self) -> bool:
        return device_unlock.enabled(self.directory)

    def enable_device_unlock(self) -> str:
        """Returns the device key (hex) for the platform keystore."""
        return device_unlock.enable(self.backpack.vault).hex()

    def unlock_with_device_key(self, device_key: str) -> None:
        vault = self._open_vault()
        try:
            key = bytes.fromhex(device_key)
        except ValueError:
            raise WrongPassphrase("the device's key does not open this wallet") from None
        device_unlock.unlock(vault, key)
        self._opened(vault)

    def disable_device_unlock(self) -> None:
        device_unlock.disable(self.directory)

    # --- roles ------------------------------------------------------------------------------

    def _open_vault(self) -> Vault:
        if self._vault is None:
            self._vault = Vault.open(self.directory, clock=self._clock)
        return self._vault

    @property
    def backpack(self) -> Backpack:
        if self._backpack is None or not self.unlocked:
            raise VaultLocked("the wallet is locked: unlock it to continue")
        return self._backpack

    @property
    def settings(self) -> Settings:
        return Settings(self.backpack.vault, self._clock)

    @property
    def trainer(self) -> Trainer:
        return Trainer(self.backpack.vault, self._clock)

    @property
    def history(self) -> VerificationHistory:
        return VerificationHistory(self.backpack.vault, self._clock)

    @staticmethod
    def texts_in(pictures: list[bytes]) -> list[str]:
        """The QR texts in photos or image files of codes, in order."""
        return [text for picture in pictures for text in images.decode_image(picture)]

    def verify_images(self, pictures: list[bytes], challenge: Challenge | None = None) -> Verdict:
        """Check a presentation offline from photos of its codes (see `verify_texts`)."""
        return self.verify_texts(self.texts_in(pictures), challenge)

    def verify_texts(self, texts: list[str], challenge: Challenge | None = None) -> Verdict:
        """Check a presentation offline and keep the verdict in the history. With the
        `challenge` this device showed, only an answer bound to it passes; the replay cache
        refuses the same answer shown twice. The verdict names the issuers not yet trusted
        here (`untrusted`), for the screen to offer."""
        value, domain = (challenge.value, challenge.domain) if challenge else (None, None)
        return self.check_presentation(texts, value, domain)

    def check_presentation(
        self,
        texts: list[str],
        challenge: str | None = None,
        domain: str | None = None,
        *,
        status_lists: StatusLists | None = None,
        as_of: datetime | None = None,
    ) -> Verdict:
        """Check a presentation offline and keep the verdict in the history (a directory
        with no wallet, only a verifier's replay cache and trust, keeps none). With a
        `challenge`, only an answer bound to it passes; the replay cache refuses the same
        answer shown twice. `status_lists` are consulted before the pinned bundles';
        `as_of` checks validity at another time (`wallet scan --now`)."""
        clock = as_of.timestamp if as_of else self._clock
        with closing(VerifierStore(self.directory)) as store:
            verifier = PresentationVerifier(store, clock=clock, status_lists=status_lists)
            decoded = compact.decode(frames.reassemble(texts), challenge, domain)
            verdict = verifier.verify(decoded, challenge, domain)
        if self.exists:
            self.history.record(verdict)
        return verdict

    def trust_issuer(self, did: str, name: str) -> str:
        """What `wallet trust add-issuer` does, from the verdict screen; returns the name it
        is trusted under (its DID when the presentation did not show the issuer's name)."""
        with closing(VerifierStore(self.directory)) as store:
            store.trust(did, name or did)
        return name or did

    @staticmethod
    def new_challenge(domain: str = APP_DOMAIN) -> Challenge:
        """A fresh challenge for a learner to answer (two-way mode), shown as an `LWC:` QR."""
        value = presenter.new_challenge()
        return Challenge(value, domain, challenge_qr.to_text(value, domain))

    def add_trust_bundle(self, data: bytes) -> trust.Pinned:
        """Pin a trust bundle for verifying; the did:web DID documents it carries are pinned
        for the backpack too (as a first fetch would pin them, dated by the bundle), so its
        issuers' badges verify without the network, and so are the Open Badges 2.0 signing
        keys it carries. A document naming other keys than the ones pinned is kept aside
        and reported (`key_changes`), as a fetched one is."""
        with closing(VerifierStore(self.directory)) as store:
            pinned = trust.add_bundle(store, data)
        if (pinned.did_documents or pinned.ob2_keys) and pinned.issued and self.unlocked:
            for did, document in pinned.did_documents.items():
                self.backpack.did_documents.store(did, document, pinned.issued)
            for url, entry in pinned.ob2_keys.items():  # OB 2.0 keys, with profile and list
                keys = self.backpack.signing_keys
                keys.store(
                    url, entry["key"], entry["profile"], entry.get("revocationList"), pinned.issued
                )
            self.backpack.reverify_all()
        return pinned

    def trust_bundles(self) -> list[trust.Held]:
        with closing(VerifierStore(self.directory)) as store:
            return trust.held(store)

    def trusted_issuers(self) -> list[trust.HandTrusted]:
        with closing(VerifierStore(self.directory)) as store:
            return trust.hand_trusted(store)

    def remove_trusted_issuer(self, did: str) -> None:
        with closing(VerifierStore(self.directory)) as store:
            trust.untrust(store, did)

    def sync(self, server: str) -> SyncResult:
        with closing(VerifierStore(self.directory)) as store:
            return SyncClient(self.backpack, server, clock=self._clock, trust=store).sync()

    def sync_if_due(self) -> SyncResult | None:
        """The app's unasked sync: only while the wallet is open and a server is set, and
        only when `sync.due` says so (something to push, time to pull, backoff over)."""
        if not self.unlocked:
            return None
        server = self.settings.get("server")
        if not server or not due(self.backpack.vault, self._clock()):
            return None
        return self.sync(server)

    def check_online(
        self,
        ssl_context: ssl.SSLContext | None = None,
        *,
        network: bool | None = None,
        emails: list[str] | None = None,
    ) -> FetchReport:
        """Fetch what held credentials need (issuer keys, status lists, hosted Open Badges
        2.0 checks), once, when the user has switched on "use the network to check
        credentials" (or `network` says so for this once, as the CLI's `--network`);
        switched off, nothing is fetched and the report says so. `emails`: the learner's
        addresses an OB 2.0 recipient is compared with, else the ones in settings."""
        settings = self.settings
        allowed = (
            bool(settings.get(fetching.NETWORK_SETTING, False)) if network is None else network
        )
        found = emails if emails is not None else settings.get(fetching.EMAIL_SETTING, [])
        return OnlineChecks(
            self.backpack,
            fetching.Fetcher(allowed=allowed, ssl_context=ssl_context),
            identities=[e for e in found if isinstance(e, str)],
            clock=self._clock,
        ).run()

    def import_at_url(
        self, url: str, ssl_context: ssl.SSLContext | None = None, *, network: bool | None = None
    ) -> backpack_service.ImportResult:
        """A credential a QR code or link names by its https address (`CredentialAtUrl`),
        fetched once through the network module when the user allows it (or `network`
        says so for this once, as the CLI's `--network`), then imported as a file is;
        refused with the fetch's reason (`network-off` when switched off)."""
        (result,) = self._import_fetched(
            url, lambda fetcher: fetcher.get_json(url), network, ssl_context
        )
        return result

    def import_exchange(
        self, url: str, ssl_context: ssl.SSLContext | None = None, *, network: bool | None = None
    ) -> list[backpack_service.ImportResult]:
        """Start the VC-API exchange a QR code or link names (`ExchangeInvitation`): POST
        `{}` through the network module when the user allows it, and import each
        credential of the presentation it answers with; an exchange that first asks for
        DID Authentication or credentials is refused by code (`exchanges.ExchangeRefused`)."""

        def start(fetcher: fetching.Fetcher) -> fetching.Fetched:
            answer = fetcher.post_json(url, {})
            return fetching.Fetched(url, answer.status, exchanges.offered(answer.document, url))

        return self._import_fetched(url, start, network, ssl_context)

    def fetch_for(
        self,
        result: backpack_service.ImportResult,
        ssl_context: ssl.SSLContext | None = None,
        *,
        network: bool | None = None,
    ) -> list[backpack_service.ImportResult]:
        """What an import refused for want of the network becomes once fetched (a
        credential at an https address, an exchange); any other result stays as it is."""
        if result.kind == sources.CredentialAtUrl.kind:
            return [self.import_at_url(result.params["url"], ssl_context, network=network)]
        if result.kind == sources.ExchangeInvitation.kind:
            return self.import_exchange(result.params["url"], ssl_context, network=network)
        return [result]

    def _import_fetched(
        self,
        url: str,
        fetch: Callable[[fetching.Fetcher], fetching.Fetched],
        network: bool | None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> list[backpack_service.ImportResult]:
        setting = bool(self.settings.get(fetching.NETWORK_SETTING, False))
        allowed = setting if network is None else network
        try:
            fetched = fetch(fetching.Fetcher(allowed=allowed, ssl_context=ssl_context))
        except (fetching.FetchError, exchanges.ExchangeRefused) as error:
            refused = backpack_service.ImportStatus.REFUSED
            return [
                backpack_service.ImportResult(
                    url, refused, reason=str(error), kind=error.kind, params=error.params
                )
            ]
        data = json.dumps(fetched.document).encode()
        return list(self.backpack.import_sources([(url, lambda: data)]))

    def key_changes(self) -> list[str]:
        """did:web issuers (OB 2.0 keys by URL, https token issuers by their `iss`) whose
        servers now name other keys than the ones pinned."""
        pack = self.backpack
        pins = (pack.did_documents, pack.signing_keys, pack.issuer_metadata)
        return [name for pin in pins for name in pin.pending_changes()]

    def accept_keys(self, did: str) -> None:
        """The user confirmed the issuer's new keys: pin them and check its badges again."""
        self.backpack.did_documents.accept_change(did)
        self.backpack.signing_keys.accept_change(did)
        self.backpack.issuer_metadata.accept_change(did)
        self.backpack.reverify_all()

    def check_online_if_needed(self) -> FetchReport | None:
        """The app's unasked check when a connection appears: only while the wallet is
        open, the switch is on, and some card still needs a connection."""
        if not self.unlocked or not self.settings.get(fetching.NETWORK_SETTING, False):
            return None
        cards = self.backpack.index.search([])
        if not any((card.get("state") or {}).get("missing") for _, _, card in cards):
            return None
        return self.check_online()

    def last_sync(self) -> dict[str, Any] | None:
        return self.backpack.vault.sync_state("last")

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    # --- sharing and backup -----------------------------------------------------------------

    def share(
        self, record_id: str, reveal: list[str], challenge: tuple[str, str] | None = None
    ) -> SharedQr:
        """The presentation as QR texts, with what the screen tells the holder about it."""
        challenge_value, domain = challenge or (None, None)
        presentation = self.backpack.present(
            [record_id], reveal, challenge=challenge_value, domain=domain
        )
        texts, payload_bytes = frames.texts_for(presentation.document)
        proof = presentation.document["proof"]
        expires = proof.get("expires") if isinstance(proof, dict) else None
        return SharedQr(
            texts,
            payload_bytes,
            parse_datetime(expires) if expires else None,
            bool(presentation.presented_whole),
        )

    @staticmethod
    def read_challenge(picture: bytes) -> tuple[str, str]:
        """A verifier's challenge QR (`wallet challenge`): (challenge, domain)."""
        texts = images.decode_image(picture)
        return challenge_qr.from_text(texts[0])

    def backup_bytes(self) -> bytes:
        """A backup file's bytes, for the app to hand to the platform's save dialog."""
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "wallet.backup"
            self.backpack.backup(path)
            return path.read_bytes()


@dataclass(frozen=True)
class SharedQr:
    texts: list[str]
    payload_bytes: int
    expires: datetime | None  # None when it answers a verifier's challenge
    shown_whole: bool  # no selective disclosure: every claim is shown


@dataclass(frozen=True)
class Joined:
    credentials: int  # how many came down
    sync: SyncResult


@dataclass(frozen=True)
class Challenge:
    value: str
    domain: str
    text: str  # the `LWC:` QR text
