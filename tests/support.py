"""What several test modules share: helpers, servers and fixtures. Test modules import
from here (and get fixtures from conftest.py), never from each other."""

from __future__ import annotations

import contextlib
import copy
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, require, sample_badge
from wallet.bench import hostile as hostile_bench
from wallet.bench.app import free_port
from wallet.protocol import issuance_log
from wallet.protocol import sync as protocol
from wallet.qr import base45, frames, images
from wallet.services.issuer import signing as issuer
from wallet.services.issuer.trainer import Trainer
from wallet.services.learner.backpack import CREDENTIAL, Backpack
from wallet.services.sync import client as sync
from wallet.services.verifier.presentations import PresentationVerifier
from wallet.services.wallet import Wallet
from wallet.store import kdf
from wallet.store.vault import Vault
from wallet.store.verifier_store import VerifierStore
from wallet.ui.i18n import Catalog
from wallet.vc import bitstring_status_list as bsl
from wallet.vc import did_key, ecdsa_sd_2023, multibase, proofs
from wallet.vc.multikey import KeyPair, KeyType

PASSPHRASE = "correct horse battery staple"
ENGLISH = Catalog("en")


def english(found: Any) -> str:
    """What a check says in the CLI's English: a `Check`, a trust bundle's verdict, or a
    check's JSON. Tests that read sentences read them through the catalog."""
    if isinstance(found, dict):
        return ENGLISH.message(found["code"], found.get("params", {}))
    return ENGLISH.message(getattr(found, "check_code", None) or found.code, found.params)


ISSUER_KEY = KeyPair.generate(KeyType.ED25519)


SECRETS = ["Zanele Okonkwo-Marsh", "Quillwort Apprenticeship Guild", "Calibrated the borehole pump"]


class Clock:
    def __init__(self) -> None:
        self.now = 1_780_000_000.0

    def __call__(self) -> float:
        return self.now


def distinctive_badge(number: int) -> dict[str, Any]:
    return copy.deepcopy(_signed_badge(number))


@cache
def _signed_badge(number: int) -> dict[str, Any]:
    badge = sample_badge()
    badge["id"] = f"urn:uuid:00000000-0000-4000-8000-{number:012d}"
    badge["credentialSubject"]["name"] = SECRETS[0]
    badge["issuer"]["name"] = SECRETS[1]
    badge["credentialSubject"]["achievement"]["description"] = f"{SECRETS[2]} #{number}"
    badge["credentialSubject"]["achievement"]["alignment"] = [
        {
            "type": ["Alignment"],
            "targetName": "Water systems maintenance",
            "targetUrl": "https://example.org/skills/water",
        }
    ]
    return issuer.issue(badge, ISSUER_KEY, "eddsa-rdfc-2022")


def as_source(name: str, document: dict[str, Any]) -> tuple[str, Any]:
    data = json.dumps(document).encode()
    return name, lambda: data


def new_backpack(directory: Path, clock: Clock | None = None) -> tuple[Backpack, str]:
    clock = clock or Clock()
    vault, words = Vault.create(
        directory, PASSPHRASE, kdf_params=kdf.KdfParams.minimum(), clock=clock
    )
    return Backpack(vault, clock=clock), words


def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database per test, on the server `.ci/run` starts."""
    base = os.environ.get("WALLET_TEST_POSTGRES_URL")
    if not base:
        require("WALLET_TEST_POSTGRES_URL is not set: no PostgreSQL to test against")
    import psycopg

    name = f"wallet_test_{os.getpid()}_{time.monotonic_ns()}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield base.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def second_device(tmp_path: Path, words: str, server_url: str) -> Backpack:
    # what `wallet init --recover WORDS --server URL` does, with the fast test KDF
    original = kdf.calibrate
    kdf.calibrate = kdf.KdfParams.minimum  # type: ignore[assignment]
    try:
        pack, _ = sync.join(tmp_path / "phone", words, PASSPHRASE, server_url)
    finally:
        kdf.calibrate = original  # type: ignore[assignment]
    return pack


def contents(pack: Backpack) -> dict[str, dict]:
    return {i: pack.show(i).credential for i in pack.vault.ids(CREDENTIAL)}


class Proxy:
    """Forwards TCP on 127.0.0.1 to the servers, each new connection to the next one (a
    round-robin load balancer when there are several). For fault tests it cuts a connection
    after a chosen number of bytes, or just after the server has answered (the answer is
    lost, the work is done)."""

    def __init__(self, *target_ports: int) -> None:
        self.target_ports = target_ports
        self.connections = 0  # accepted so far
        self.cut_after: int | None = None
        self.drop_next_response = False
        self.drop_answer_to: bytes | None = None  # a request line start, e.g. b"POST /v1/push"
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.listener.close()

    def _upstream(self) -> socket.socket | None:
        """Where the connection just accepted goes; None drops it."""
        port = self.target_ports[(self.connections - 1) % len(self.target_ports)]
        return socket.create_connection(("127.0.0.1", port))

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            try:
                upstream = self._upstream()
            except OSError:
                upstream = None
            if upstream is None:
                client.close()
                continue
            budget = [self.cut_after]
            for ends, answers in (((client, upstream), False), ((upstream, client), True)):
                threading.Thread(
                    target=self._pipe, args=(*ends, budget, answers), daemon=True
                ).start()

    def _pipe(
        self, source: socket.socket, sink: socket.socket, budget: list[int | None], answers: bool
    ) -> None:
        try:
            while data := source.recv(65536):
                if not answers and self.drop_answer_to and self.drop_answer_to in data:
                    self.drop_answer_to = None
                    self.drop_next_response = True
                if answers and self.drop_next_response:
                    self.drop_next_response = False
                    break
                if budget[0] is not None:
                    budget[0] -= len(data)
                    if budget[0] <= 0:
                        break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):  # shutdown wakes the other direction's blocked recv
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()


class Server:
    def __init__(self, data: Path, host: str = "127.0.0.1") -> None:
        self.data, self.host, self.port, self.process = data, host, free_port(), None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wallet",
                "--wallet",
                str(self.data),
                "serve",
                "--host",
                self.host,
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("server did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def run(
    wallet_dir: Path, *args: str | Path, passphrase: str = "cli passphrase", check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "wallet", "--wallet", str(wallet_dir), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "WALLET_PASSPHRASE": passphrase},
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    if check:
        assert result.returncode == 0, result.stderr
    return result


def wallet(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "wallet", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # the exit code is asserted by the caller
    )
    assert "Traceback" not in result.stderr, result.stderr
    if check:
        assert result.returncode == 0, result.stderr
    return result


def new_did() -> str:
    return did_key.did_for(KeyPair.generate(KeyType.ED25519).public)


class Device:
    """A device of its own account, signing raw requests (nonce and time can be chosen)."""

    def __init__(self, port: int, clock: Any = time.time) -> None:
        self.port, self.clock = port, clock
        self.key = KeyPair.generate(KeyType.ED25519)
        self.account = KeyPair.generate(KeyType.ED25519)
        self.did = did_key.did_for(self.key.public)

    def authorization(
        self, method: str, target: str, body: bytes, *, nonce: str | None = None
    ) -> str:
        timestamp = int(self.clock())
        nonce = nonce or f"{time.monotonic_ns():x}"
        signature = self.key.sign(protocol.string_to_sign(method, target, body, timestamp, nonce))
        return (
            f'{protocol.SCHEME} did="{self.did}", ts="{timestamp}", nonce="{nonce}", '
            f'sig="{multibase.b64url_encode(signature)}"'
        )

    def request(
        self,
        method: str,
        target: str,
        body: bytes = b"",
        *,
        nonce: str | None = None,
        connection: http.client.HTTPConnection | None = None,
    ) -> tuple[int, Any]:
        headers = {"Authorization": self.authorization(method, target, body, nonce=nonce)}
        return send(self.port, method, target, body, headers, connection=connection)

    def register(self) -> None:
        attestation = self.account.sign(protocol.DEVICE_ATTESTATION + self.did.encode())
        claim = {"account": did_key.did_for(self.account.public), "attestation": attestation}
        status, _ = self.request("POST", "/v1/devices", protocol.encode(claim))
        assert status == 200


def send(
    port: int,
    method: str,
    target: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    connection: http.client.HTTPConnection | None = None,
) -> tuple[int, Any]:
    """One request; the answer decoded as JSON (an error) or CBOR."""
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, target, body, headers or {})
        response = connection.getresponse()
        data = response.read()
    finally:
        if own:
            connection.close()
    if response.getheader("Content-Type", "").startswith("application/json"):
        return response.status, json.loads(data)
    if response.getheader("Content-Type", "") == protocol.CONTENT_TYPE:
        return response.status, protocol.decode(data)
    return response.status, data


@contextlib.contextmanager
def in_thread(app: Any) -> Iterator[int]:
    """The app served by uvicorn on 127.0.0.1 in this process (for a fake clock or limits)."""
    import uvicorn

    port = free_port()
    served = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    while not served.started:
        time.sleep(0.01)
    try:
        yield port
    finally:
        served.should_exit = True
        thread.join(timeout=10)


SUITES = {
    "eddsa-rdfc-2022": KeyType.ED25519,
    "ecdsa-rdfc-2019": KeyType.P256,
    "ecdsa-sd-2023": KeyType.P256,
}


ISSUER_KEYS = {suite: KeyPair.generate(key_type) for suite, key_type in SUITES.items()}


def holder_with(
    tmp_path: Path, suite: str, count: int = 1, clock: Clock | None = None
) -> tuple[Backpack, list[str]]:
    clock = clock or Clock()
    vault, _ = Vault.create(
        tmp_path / "holder", "pw", kdf_params=kdf.KdfParams.minimum(), clock=clock
    )
    pack = Backpack(vault, clock=clock)
    ids = []
    for number in range(count):
        badge = sample_badge()
        badge["id"] = f"urn:uuid:00000000-0000-4000-8000-{number:012d}"
        badge["credentialSubject"]["id"] = pack.new_holder_key()
        signed = issuer.issue(badge, ISSUER_KEYS[suite], suite)
        [result] = pack.import_sources([("b.json", lambda s=signed: json.dumps(s).encode())])
        assert result.verified, result
        ids.append(result.id)
    return pack, ids


def verifier_for(tmp_path: Path, clock: Clock | None = None) -> PresentationVerifier:
    store = VerifierStore(tmp_path / "verifier")
    for key in ISSUER_KEYS.values():
        store.trust(did_key.did_for(key.public), "Community Skills Collective")
    return PresentationVerifier(store, clock=clock or Clock())


PUMP = "urn:example:achievement:borehole-pump"


# the organisation tests' "now" (tests/test_organisations.py, tests/test_trust_hostile.py)
ORGANISATION_NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
ORG_NAME = "Water Skills Guild"


def trainer_in(folder: Path, clock: Clock, name: str) -> Trainer:
    pack, _ = new_backpack(folder)
    trainer = Trainer(pack.vault, clock)
    trainer.set_up(name)
    return trainer


def post(url: str, body: Any, method: str = "POST") -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def chain(key: KeyPair, length: int, at: str = "2026-11-01T09:00:00Z") -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for number in range(length):
        entries.append(
            issuance_log.append(
                entries[-1] if entries else None,
                key,
                at=at,
                kind=issuance_log.EntryKind.ISSUED,
                status_list="urn:uuid:list",
                status_index=number,
                sealed="opaque",
            )
        )
    return entries


LIST_URL = "https://example.org/status/7"


KEY = KeyPair.generate(KeyType.ED25519)


def status_list(
    flagged: set[int],
    *,
    purpose: str = "revocation",
    entries: int = bsl.MIN_ENTRIES,
    key: KeyPair = KEY,
    encode: Any = bsl.encode_bitstring,
) -> dict[str, Any]:
    bits = bytearray(entries // 8)
    for index in flagged:
        bits[index // 8] |= 0x80 >> (index % 8)
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:example:replaced-by-issue",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode(bytes(bits)),
        },
    }
    return issuer.issue(unsigned, key, "eddsa-rdfc-2022")


def badge(index: int, purpose: str = "revocation") -> dict[str, Any]:
    unsigned = sample_badge()
    unsigned["credentialStatus"] = bsl.StatusEntry(purpose, index, 1, LIST_URL).to_json()
    return issuer.issue(unsigned, KEY, "eddsa-rdfc-2022")


png = hostile_bench.png_of_zeros


def vpqr_with_valid_from(seconds: int) -> str:
    """The published VPQR vector with its validFrom (a CBOR-LD xsd:dateTime) replaced."""
    text = ROOT.parent / "shared" / "vectors" / "vpqr" / "signed-eddsa-rdfc-2022.txt"
    if not text.exists():
        pytest.skip("published vectors not found")
    from wallet.vc import cbor

    original = text.read_text().strip()
    data = base45.decode(original[5:])
    top = cbor.decode(data[3:])
    assert top[1][234] == 1736931600  # validFrom, 2025-01-15T09:00:00Z
    top[1][234] = seconds
    return original[:5] + base45.encode(data[:3] + cbor.encode(top))


ztxt_bomb = hostile_bench.text_chunk_bomb


def signed_badge() -> dict[str, Any]:
    return issuer.issue(sample_badge(), KeyPair.generate(KeyType.ED25519), "eddsa-rdfc-2022")


def qr_pictures(document: dict, directory: Path, stem: str) -> list[Path]:
    texts, _ = frames.texts_for(document)
    paths = []
    for number, png in enumerate(images.render_pngs(texts), start=1):
        path = directory / f"{stem}-{number}.png"
        path.write_bytes(png)
        paths.append(path)
    return paths


def employer_presentation(tmp_path: Path) -> tuple[dict, str]:
    """A presentation, as the e2e employer scans it: a learner's wallet (real services)
    shows the achievement and their name."""
    learner = Wallet(tmp_path / "learner")
    learner.create("learner passphrase")
    issuer_key = KeyPair.generate(KeyType.P256)
    badge = sample_badge()
    badge["credentialSubject"]["id"] = learner.backpack.new_holder_key()
    signed = issuer.issue(badge, issuer_key, ecdsa_sd_2023.NAME)
    data = json.dumps(signed).encode()
    [result] = list(learner.backpack.import_sources([("badge.json", lambda: data)]))
    shared = learner.backpack.present([result.id], ["/credentialSubject/name"])
    return shared.document, did_key.did_for(issuer_key.public)


# --- issue 14: credentials as real issuers shape them, and the network they need ------------

DCC_LIST_URL = "https://issuer.example/status/dcc-3"
_VC1_DI = ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/data-integrity/v2"]


def dcc_credential(
    key: KeyPair, index: int, *, issuer_id: str | None = None, list_url: str = DCC_LIST_URL
) -> dict[str, Any]:
    """A DCC-style VC 1.1 learning credential (their 2022-24 issuance) with a
    StatusList2021Entry."""
    unsigned = {
        "@context": [
            *_VC1_DI,
            "https://w3id.org/dcc/v1",
            "https://w3id.org/vc/status-list/2021/v1",
        ],
        "id": f"urn:uuid:0b9b1ef4-61a4-4f2e-a5a8-7d2e8c9c{index:04d}",
        "type": ["VerifiableCredential", "LearningCredential"],
        "issuer": {"id": issuer_id or did_key.did_for(key.public), "name": "Example University"},
        "issuanceDate": "2024-03-01T00:00:00Z",
        "credentialSubject": {
            "type": "Person",
            "name": "A. Learner",
            "hasCredential": {"type": ["EducationalOccupationalCredential"], "name": "Welding"},
        },
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "StatusList2021Entry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
    }
    return sign_as(unsigned, key, issuer_id)


def sign_as(document: dict[str, Any], key: KeyPair, issuer_id: str | None) -> dict[str, Any]:
    """Signed with eddsa-rdfc-2022 by `key`, as the did:web `issuer_id` (its `#key-1`), or as
    the key's did:key when there is none."""
    if issuer_id is None:
        return issuer.issue(document, key, "eddsa-rdfc-2022")
    return proofs.sign(document, key, "eddsa-rdfc-2022", verification_method=f"{issuer_id}#key-1")


def dcc_status_list(
    key: KeyPair, flagged: set[int], *, issuer_id: str | None = None, list_url: str = DCC_LIST_URL
) -> dict[str, Any]:
    """A StatusList2021Credential whose `id` is not the URL it is served from, as DCC's are."""
    import base64
    import gzip

    bits = bytearray(bsl.MIN_ENTRIES // 8)
    for index in flagged:
        bits[index // 8] |= 0x80 >> (index % 8)
    unsigned = {
        "@context": [*_VC1_DI, "https://w3id.org/vc/status-list/2021/v1"],
        "id": "urn:uuid:4d9c0f3e-5b7a-4c1e-9f20-6a3b2c1d0e9f",
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": issuer_id or did_key.did_for(key.public),
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": base64.b64encode(gzip.compress(bytes(bits), mtime=0)).decode(),
        },
    }
    return sign_as(unsigned, key, issuer_id)


class LocalCa:
    """A certificate authority made for one test run, and a leaf for 127.0.0.1 signed by it:
    the client trusts it through an injected SSL context, never by skipping verification."""

    def __init__(self, directory: Path) -> None:
        import datetime as dt
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        end = start + dt.timedelta(days=30)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wallet test CA")])
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .sign(ca_key, hashes.SHA256())
        )
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        leaf = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_pem = ca.public_bytes(serialization.Encoding.PEM).decode()
        self.ca_file = directory / "test-ca.pem"
        self.ca_file.write_text(self.ca_pem)
        self.leaf_file = directory / "leaf.pem"
        self.leaf_file.write_bytes(
            leaf.public_bytes(serialization.Encoding.PEM)
            + leaf_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

    def client_context(self) -> Any:
        import ssl

        return ssl.create_default_context(cadata=self.ca_pem)


class IssuerSite:
    """An issuer's web server on 127.0.0.1 over https: DID documents, status lists, OB 2.0
    assertions, badge classes and profiles, each at a path the test sets (and may change).
    `hits` counts the requests per path, so a test can tell what was fetched; a POST (a
    VC-API exchange's step) is answered from the same routes, its body kept in `posted`."""

    def __init__(self, ca: LocalCa) -> None:
        import http.server
        import ssl

        self.routes: dict[str, tuple[int, bytes]] = {}
        self.redirects: dict[str, str] = {}  # path -> Location, answered 302
        self.hits: dict[str, int] = {}
        self.posted: dict[str, list[Any]] = {}
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                site.posted.setdefault(self.path, []).append(json.loads(self.rfile.read(length)))
                self.do_GET()

            def do_GET(self) -> None:
                site.hits[self.path] = site.hits.get(self.path, 0) + 1
                if self.path in site.redirects:
                    self.send_response(302)
                    self.send_header("Location", site.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, body = site.routes.get(self.path, (404, b"{}"))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.port = free_port()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(ca.leaf_file)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.origin = f"https://127.0.0.1:{self.port}"
        self.did = f"did:web:127.0.0.1%3A{self.port}"

    def serve(self, path: str, document: Any, status: int = 200) -> str:
        self.routes[path] = (status, json.dumps(document).encode())
        return self.origin + path

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def did_document(did: str, key: KeyPair) -> dict[str, Any]:
    """A did:web document with one Multikey for assertions, as `sign_as` names it."""
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#key-1",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public.multikey(),
            }
        ],
        "assertionMethod": ["#key-1"],
    }


# --- CLR 2.0 records (issue 14) -----------------------------------------------------------

CLR_REGISTRAR = KeyPair.generate(KeyType.ED25519)
CLR_ACADEMY = KeyPair.generate(KeyType.ED25519)
CLR_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def clr_course(name: str, number: int) -> dict[str, Any]:
    """A course credential a CLR record holds, signed by its own issuer (the academy)."""
    badge = copy.deepcopy(sample_badge())
    badge["id"] = f"urn:uuid:00000000-0000-4000-8000-00000000000{number}"
    badge["issuer"] = {**badge["issuer"], "id": did_key.did_for(CLR_ACADEMY.public)}
    badge["credentialSubject"]["achievement"]["name"] = name
    return issuer.issue(badge, CLR_ACADEMY, "eddsa-rdfc-2022")


def clr_record(nested: list[Any], *, signed: bool = True) -> dict[str, Any]:
    """A registrar's CLR 2.0 transcript holding these credentials, signed by the registrar."""
    record = {
        "@context": CLR_CONTEXTS,
        "id": "urn:uuid:a0000000-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {
            "id": did_key.did_for(CLR_REGISTRAR.public),
            "type": ["Profile"],
            "name": "Registry",
        },
        "name": "Transcript 2026",
        "validFrom": "2026-01-20T00:00:00Z",
        "credentialSubject": {
            "type": ["ClrSubject"],
            "id": "did:example:learner-1",
            "verifiableCredential": nested,
            "achievement": [
                c["credentialSubject"]["achievement"] for c in nested if isinstance(c, dict)
            ],
        },
    }
    return issuer.issue(record, CLR_REGISTRAR, "eddsa-rdfc-2022") if signed else record


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    import ipaddress
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert, secret = folder / "cert.pem", folder / "tls-key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    secret.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, secret


class VcApiProcess:
    """A real `wallet serve` process with issuer keys, TLS and a token."""

    def __init__(self, folder: Path, key_types: list[str], token: str) -> None:
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.cert, tls_key = self_signed(folder)
        keys = []
        for key_type in key_types:
            path = folder / f"{key_type}.json"
            wallet("keys", "new", "--type", key_type, "--out", path)
            keys += ["--issuer-key", str(path)]
        command = [sys.executable, "-m", "wallet", "--wallet", str(folder), "serve"]
        command += ["--port", str(self.port), *keys, "--tls-cert", str(self.cert)]
        command += ["--tls-key", str(tls_key)]
        self.process = subprocess.Popen(
            command,
            env={**os.environ, "WALLET_VC_API_TOKEN": token},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"https://127.0.0.1:{self.port}"
        self.context = ssl.create_default_context(cafile=str(self.cert))
        for _ in range(600):
            try:
                self.get("/vc-api/manifest.json")
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError("wallet serve did not start")

    def get(self, target: str) -> Any:
        with urllib.request.urlopen(self.base + target, timeout=10, context=self.context) as r:
            return json.loads(r.read())

    def post(self, target: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.base + target,
            json.dumps(body).encode(),
            {"Content-Type": "application/json", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=30, context=self.context) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
