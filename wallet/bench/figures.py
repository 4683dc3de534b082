"""`wallet bench`: the speed figures we promise, measured the same way every time.

Medians of warm runs over the bundled sample badge. Tests never time things; this does.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from wallet.assets import assets_dir
from wallet.bench import app as app_bench
from wallet.bench import hostile as hostile_bench
from wallet.bench import lists as lists_bench
from wallet.bench import paper as paper_bench
from wallet.bench import qr as qr_bench
from wallet.bench import startup as startup_bench
from wallet.bench import trust as trust_bench
from wallet.bench import vc_api as vc_api_bench
from wallet.qr import compact, frames, images
from wallet.services.issuer import signing as issuer
from wallet.services.learner import presenter
from wallet.services.learner.backpack import CREDENTIAL, Backpack, ImportStatus
from wallet.services.learner.sources import in_memory
from wallet.services.verifier import credentials as verifier
from wallet.store import kdf
from wallet.store.vault import DATABASE_NAME, Vault
from wallet.vc import did_key, ecdsa_sd_2023, envelopes, jose, open_badges_v2, sd_jwt_vc, vc_jwt
from wallet.vc.data_integrity import resolve_offline, split_proofs
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.proofs import verify_proof
from wallet.vc.rdfc import DEFAULT_LIMITS
from wallet.vc.verification import verify_credential

_NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _median_ms(operation: Callable[[], object], runs: int) -> float:
    for _ in range(3):
        operation()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        operation()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def _verified(document: dict[str, Any] | envelopes.Enveloped) -> Callable[[], object]:
    def run() -> object:
        report = verifier.verify(document, now=_NOW)
        if not report.verified:
            raise AssertionError(f"bench credential failed to verify: {report.to_json()}")
        return report

    return run


def run(runs: int = 200) -> Iterator[tuple[str, float, str]]:
    """Yields (name, value, unit) one figure at a time, so slow figures print as they come."""
    sample = json.loads((assets_dir() / "samples" / "teamwork-badge.json").read_text())
    ed_key = KeyPair.generate(KeyType.ED25519)
    p256_key = KeyPair.generate(KeyType.P256)

    eddsa = issuer.issue(sample, ed_key, "eddsa-rdfc-2022")
    yield "verify.ob3.eddsa-rdfc-2022", _median_ms(_verified(eddsa), runs), "ms"

    ecdsa = issuer.issue(sample, p256_key, "ecdsa-rdfc-2019")
    yield "verify.ob3.ecdsa-rdfc-2019-p256", _median_ms(_verified(ecdsa), runs), "ms"

    base = issuer.issue(sample, p256_key, "ecdsa-sd-2023")
    reveal = ["/credentialSubject/name"]
    derived = ecdsa_sd_2023.derive(base, reveal)
    yield "verify.ob3.ecdsa-sd-2023-derived", _median_ms(_verified(derived), runs), "ms"
    yield from _token_figures(sample, p256_key, runs)
    yield "verify.ob2-signed", _median_ms(_ob2_signed_verified(), runs), "ms"
    yield from hostile_bench.run(eddsa)

    slow_runs = max(5, runs // 10)
    yield (
        "sign.ob3.eddsa-rdfc-2022",
        _median_ms(lambda: issuer.issue(sample, ed_key, "eddsa-rdfc-2022"), slow_runs),
        "ms",
    )
    yield (
        "sign.ob3.ecdsa-sd-2023-base",
        _median_ms(lambda: issuer.issue(sample, p256_key, "ecdsa-sd-2023"), slow_runs),
        "ms",
    )
    yield (
        "derive.ob3.ecdsa-sd-2023",
        _median_ms(lambda: ecdsa_sd_2023.derive(base, reveal), slow_runs),
        "ms",
    )
    compact = json.dumps(derived, separators=(",", ":"))
    yield "size.ob3.ecdsa-sd-2023-derived-1-claim.json", len(compact.encode()), "bytes"
    yield from _presentation_figures(sample, p256_key, runs)
    yield from qr_bench.figures()
    yield from paper_bench.run(sample, ed_key, _NOW, max(3, runs // 20))
    yield from _kdf_figures()
    yield from startup_bench.run()
    yield from _sync_figures(sample, ed_key)
    yield from vc_api_bench.run(eddsa)
    yield from _four_process_figures()
    yield from _vault_figures(sample, ed_key)
    yield from trust_bench.run()
    yield from app_bench.run()


def _ob2_signed_verified() -> Callable[[], object]:
    """A signed Open Badges 2.0 assertion (RS256, what Badgr and Canvas sign with) checked
    as the backpack checks it, with its issuer's key held from the one fetch."""
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_url, profile_url = "https://issuer.example/keys/1", "https://issuer.example/issuer"
    pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key_document = {"id": key_url, "owner": profile_url, "publicKeyPem": pem.decode()}
    profile = {"id": profile_url, "publicKey": [key_url]}
    held = open_badges_v2.signing_key(key_document, profile, None, _NOW.isoformat())
    assertion = {
        "@context": open_badges_v2.CONTEXTS[0],
        "type": "Assertion",
        "id": "urn:uuid:7d1b0f0e-0b7c-4a55-9a43-1f2e3d4c5b6a",
        "recipient": {"type": "email", "hashed": False, "identity": "learner@example.org"},
        "badge": {"type": "BadgeClass", "id": "https://issuer.example/b", "issuer": profile_url},
        "verification": {"type": "SignedBadge", "creator": key_url},
        "issuedOn": "2026-03-01T09:00:00Z",
    }
    token = jose.sign({}, assertion, jose.RsaSigner(rsa_key))

    def run() -> object:
        checks = open_badges_v2.signed_checks(token, held, _NOW)
        if not all(check.ok for check in checks):
            raise AssertionError(f"bench assertion failed to verify: {checks}")
        return checks

    return run


def _token_figures(
    sample: dict[str, Any], key: KeyPair, runs: int
) -> Iterator[tuple[str, float, str]]:
    """The JWT formats, verified as a verifier would: an OB 3.0 credential as VC-JOSE-COSE
    `vc+jwt` (ES256), and an SD-JWT VC presented with three of its six claims and a KB-JWT."""
    signer = jose.KeyPairSigner(key)
    badge = copy.deepcopy(sample)
    badge["issuer"]["id"] = did_key.did_for(key.public)
    kid = did_key.verification_method_id(key.public)
    token = envelopes.Enveloped(vc_jwt.FORMAT, vc_jwt.sign_vc_jose(badge, signer, kid))
    yield "verify.vc-jwt.es256", _median_ms(_verified(token), runs), "ms"

    holder_key = KeyPair.generate(KeyType.P256)
    claims = {
        "iss": did_key.did_for(key.public),
        "vct": "urn:eu.europa.ec.eudi:learning:credential:1",
        "iat": int(_NOW.timestamp()) - 86_400,
        "issuing_authority": "Community Skills Collective",
        "achievement_title": "Teamwork",
        "given_name": "Amina",
        "family_name": "Diallo",
        "learning_outcomes": ["Leads a team of four", "Resolves disagreements"],
    }
    disclosable = ["/given_name", "/family_name", "/learning_outcomes/0", "/learning_outcomes/1"]
    issued = sd_jwt_vc.issue(
        claims,
        signer,
        disclosable=disclosable,
        kid=kid,
        holder=jose.KeyPairSigner(holder_key).jwk(),
        decoys=2,
    )
    nonce, audience = "bench-nonce", "https://verifier.example"
    presented = sd_jwt_vc.present(
        issued,
        ["/given_name", "/learning_outcomes/0"],
        jose.KeyPairSigner(holder_key),
        now=_NOW,
        nonce=nonce,
        audience=audience,
    )

    def verify_presented() -> object:
        report = verifier.verify_presented_sd_jwt(
            presented, nonce=nonce, audience=audience, now=_NOW
        )
        if not report.verified:
            raise AssertionError(f"bench SD-JWT VC failed to verify: {report.to_json()}")
        return report

    yield "verify.sd-jwt-vc", _median_ms(verify_presented, runs), "ms"


@dataclass
class LoadResult:
    latencies: list[float]  # seconds per sync
    elapsed: float
    written: dict[str, set[str]]  # server account -> record ids each client wrote


def sync_load(url: str | Sequence[str], folder: Path, clients: int, rounds: int) -> LoadResult:
    """`clients` wallets in parallel threads; each round writes a new record, then syncs.
    Given several servers, client n syncs with server n modulo their number."""
    servers = [url] if isinstance(url, str) else list(url)
    from wallet.services.sync.client import SyncClient, account_did

    latencies: list[float] = []
    written: dict[str, set[str]] = {}
    lock = threading.Lock()

    def client(number: int) -> None:
        vault, _ = Vault.create(
            folder / f"client{number}", "load", kdf_params=kdf.KdfParams.minimum()
        )
        pack = Backpack(vault)
        ids = set()
        for _ in range(rounds):
            ids.add(pack.new_holder_key())
            start = time.perf_counter()
            SyncClient(pack, servers[number % len(servers)]).sync()
            with lock:
                latencies.append(time.perf_counter() - start)
        account = account_did(vault)
        with lock:
            written[account] = ids
        vault.close()

    return LoadResult(latencies, app_bench.in_parallel(client, clients), written)


@contextlib.contextmanager
def _served(folder: Path) -> Iterator[str]:
    """A sync server on a fresh SQLite file, in this process on 127.0.0.1; yields its URL."""
    import uvicorn

    from wallet.server.app import create_app
    from wallet.server.storage import ServerStore

    port = app_bench.free_port()
    store = ServerStore(f"sqlite:///{folder / 'server.db'}")
    server = uvicorn.Server(
        uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _sync_figures(sample: dict[str, Any], key: KeyPair) -> Iterator[tuple[str, float, str]]:
    """HTTP bytes on the wire (headers and bodies) against a real server on 127.0.0.1."""
    from wallet.services.sync.client import SyncClient

    with tempfile.TemporaryDirectory() as folder, _served(Path(folder)) as url:
        vault, _ = Vault.create(
            Path(folder) / "wallet", "bench", kdf_params=kdf.KdfParams.minimum()
        )
        pack = Backpack(vault)
        list(pack.import_sources(_sources(_badges(sample, key, 100, 0))))
        first = SyncClient(pack, url).sync()
        yield "sync.first-100-credentials", first.bytes_sent + first.bytes_received, "bytes"
        noop = SyncClient(pack, url).sync()
        yield "sync.no-op", noop.bytes_sent + noop.bytes_received, "bytes"
        list(pack.import_sources(_sources(_badges(sample, key, 10, 100))))
        ten = SyncClient(pack, url).sync()
        per = (ten.bytes_sent + ten.bytes_received - noop.bytes_sent - noop.bytes_received) / 10
        yield "sync.per-additional-credential", per, "bytes"
        vault.close()
        load = sync_load(url, Path(folder), clients=20, rounds=10)
        yield "sync.load-20-clients.throughput", len(load.latencies) / load.elapsed, "syncs/s"
        p95 = statistics.quantiles(load.latencies, n=20)[-1] * 1000
        yield "sync.load-20-clients.p95", p95, "ms"


def _big_sync_figures(vault: Vault, words: str) -> Iterator[tuple[str, float, str]]:
    """A first sync of a 5,000-credential wallet (a copy of `vault`, so the vault figures'
    own wallet is untouched), under the server's default limits; then a second device
    joining it with the recovery words alone. The join's seconds include calibrating its
    passphrase's KDF (about 0.5 s), as on a phone."""
    from wallet.services.sync import client as sync

    vault.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    held = len(vault.ids(CREDENTIAL))
    with tempfile.TemporaryDirectory() as folder, _served(Path(folder)) as url:
        laptop = Path(folder) / "laptop"
        laptop.mkdir(mode=0o700)
        shutil.copyfile(vault.path, laptop / DATABASE_NAME)
        (laptop / DATABASE_NAME).chmod(0o600)
        copied = Vault.open(laptop)
        copied.unlock("bench")
        start = time.perf_counter()
        first = sync.SyncClient(Backpack(copied), url).sync()
        elapsed = time.perf_counter() - start
        if first.pushed < held:
            raise AssertionError(f"the first sync pushed {first.pushed} of {held} credentials")
        yield (
            f"sync.first-{held}-credentials.bytes",
            first.bytes_sent + first.bytes_received,
            "bytes",
        )
        yield f"sync.first-{held}-credentials.seconds", elapsed, "s"
        copied.close()
        start = time.perf_counter()
        phone, joined = sync.join(Path(folder) / "phone", words, "bench", url)
        elapsed = time.perf_counter() - start
        if len(phone.vault.ids(CREDENTIAL)) != held:
            raise AssertionError(f"the second device holds {len(phone.vault.ids(CREDENTIAL))}")
        yield (
            f"sync.join-{held}-credentials.bytes",
            joined.bytes_sent + joined.bytes_received,
            "bytes",
        )
        yield f"sync.join-{held}-credentials.seconds", elapsed, "s"
        phone.vault.close()


@contextlib.contextmanager
def serve_processes(db_url: str, folder: Path, count: int) -> Iterator[list[str]]:
    """`count` `wallet serve` processes on one database, as a deployment behind a load
    balancer runs them; yields their URLs once every one is listening."""
    ports = [app_bench.free_port() for _ in range(count)]
    serve = [sys.executable, "-m", "wallet", "--wallet", str(folder), "serve", "--db", db_url]
    processes = [
        subprocess.Popen(
            [*serve, "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("a `wallet serve` process did not start") from None
                    time.sleep(0.05)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


@contextlib.contextmanager
def _scratch_postgres(base: str) -> Iterator[str]:
    import psycopg

    name = f"wallet_bench_{os.getpid()}_{time.monotonic_ns()}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def _four_process_figures() -> Iterator[tuple[str, float, str]]:
    """Server throughput with 4 `wallet serve` processes sharing one database (and so one
    rate limiter and one nonce table): on the PostgreSQL named by WALLET_BENCH_POSTGRES_URL,
    else on one SQLite file, as the line's name says."""
    base = os.environ.get("WALLET_BENCH_POSTGRES_URL")
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        if base:
            engine, db_url = "postgresql", stack.enter_context(_scratch_postgres(base))
        else:
            engine, db_url = "sqlite", f"sqlite:///{Path(folder) / 'server.db'}"
        urls = stack.enter_context(serve_processes(db_url, Path(folder) / "server", 4))
        load = sync_load(urls, Path(folder), clients=20, rounds=3)
        name = f"sync.load-20-clients-4-processes-{engine}.throughput"
        yield name, len(load.latencies) / load.elapsed, "syncs/s"


def _presentation_figures(
    sample: dict[str, Any], issuer_key: KeyPair, runs: int
) -> Iterator[tuple[str, float, str]]:
    """The standard presentation (issue 4): one OB 3.0 credential issued to a holder DID,
    ecdsa-sd-2023 under our default profile, revealing the achievement name and the
    subject's name, in a holder-bound VP answering a 16-byte challenge."""
    holder_key = KeyPair.generate(KeyType.ED25519)
    badge = copy.deepcopy(sample)
    badge["credentialSubject"]["id"] = did_key.did_for(holder_key.public)
    base = issuer.issue(badge, issuer_key, "ecdsa-sd-2023")
    derived = ecdsa_sd_2023.derive(
        base, ["/credentialSubject/achievement/name", "/credentialSubject/name"]
    )
    challenge = presenter.new_challenge()
    presentation = presenter.sign_presentation(
        [derived], [holder_key], now=_NOW, challenge=challenge
    )
    payload = compact.encode(presentation)
    [text] = frames.split(payload, 40)
    _, version = images.render_png(text)
    yield "qr.standard-presentation.payload", len(payload), "bytes"
    yield "qr.standard-presentation.text", len(text), "chars"
    yield "qr.standard-presentation.version", version, "version-at-level-L"

    def verify_once() -> object:
        """Decode, check the holder's signature, then every check on the credential."""
        document = compact.from_text(text, challenge).document
        unsecured, [proof] = split_proofs(document)
        holder_ok = verify_proof(
            unsecured, proof, resolve_offline(), DEFAULT_LIMITS, "authentication"
        )
        report = verify_credential(document["verifiableCredential"][0], now=_NOW)
        if not (holder_ok.ok and report.verified):
            raise AssertionError("bench presentation failed to verify")
        return report

    yield "verify.standard-presentation", _median_ms(verify_once, runs), "ms"
    whole = [issuer.issue(badge, issuer_key, "ecdsa-rdfc-2019") for _ in range(3)]
    three = presenter.sign_presentation(whole, [holder_key], now=_NOW, challenge=challenge)
    yield (
        "qr.three-whole-credentials.frames-at-v15",
        len(frames.split(compact.encode(three), 15)),
        "frames",
    )


def _kdf_figures() -> Iterator[tuple[str, float, str]]:
    """The passphrase KDF as `wallet init` would calibrate it on this machine."""
    params = kdf.calibrate()
    start = time.perf_counter()
    params.derive("bench passphrase")
    yield "kdf.argon2id.unlock", time.perf_counter() - start, "s"
    yield "kdf.argon2id.memory", params.memory_kib, "KiB"
    yield "kdf.argon2id.iterations", params.iterations, "passes"
    yield "kdf.argon2id.lanes", params.lanes, "lanes"


def _badges(sample: dict[str, Any], key: KeyPair, count: int, offset: int) -> list[bytes]:
    badge = copy.deepcopy(sample)
    signed = []
    for number in range(offset, offset + count):
        badge["id"] = f"urn:uuid:00000000-0000-4000-8000-{number:012d}"
        badge["credentialSubject"]["name"] = f"Learner {number}"
        badge["credentialSubject"]["achievement"]["name"] = f"Skill {number % 97}"
        signed.append(json.dumps(issuer.issue(badge, key, "eddsa-rdfc-2022")).encode())
    return signed


def _vault_figures(sample: dict[str, Any], key: KeyPair) -> Iterator[tuple[str, float, str]]:
    """A vault holding 10,000 Open Badges, on a real SQLite file; the list figures at 1,000,
    10,000 and (with cheap copies: lists.fill) 50,000 of them."""
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder) / "wallet"
        vault, words = Vault.create(directory, "bench", kdf_params=kdf.KdfParams.minimum())
        pack = Backpack(vault)
        first = _badges(sample, key, 1_000, 0)
        start = time.perf_counter()
        imported = sum(
            r.status is ImportStatus.IMPORTED for r in pack.import_sources(_sources(first))
        )
        yield "vault.import-1000-verified", time.perf_counter() - start, "s"
        yield from lists_bench.figures(pack)
        rest = _badges(sample, key, 9_000, 1_000)
        imported += sum(
            r.status is ImportStatus.IMPORTED for r in pack.import_sources(_sources(rest[:4_000]))
        )
        yield from _big_sync_figures(vault, words)  # half way: 5,000 made and imported once
        imported += sum(
            r.status is ImportStatus.IMPORTED for r in pack.import_sources(_sources(rest[4_000:]))
        )
        if imported != 10_000:
            raise AssertionError(f"bench vault holds {imported} credentials, not 10,000")
        vault.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        json_bytes = sum(len(b) for b in first + rest)
        database_bytes = sum(
            (directory / (DATABASE_NAME + suffix)).stat().st_size
            for suffix in ("", "-wal")
            if (directory / (DATABASE_NAME + suffix)).exists()
        )
        yield "vault.size-vs-json-10000", database_bytes / json_bytes, "ratio"
        vault.close()

        reopened = Vault.open(directory)
        reopened.unlock("bench")  # the key derivation is excluded from the figures below
        pack = Backpack(reopened)
        if len(pack.list(page_size=50).cards) != 50:
            raise AssertionError("first page is not 50 cards")
        yield from lists_bench.figures(pack)
        lists_bench.fill(pack, 50_000)
        yield from lists_bench.figures(pack)
        reopened.close()


def _sources(items: list[bytes]) -> Iterator[tuple[str, Callable[[], bytes]]]:
    for number, data in enumerate(items):
        yield f"bench-{number}.json", in_memory(data)
