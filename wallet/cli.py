"""`wallet …`: a thin shell over `wallet.services`. Exit codes scripts can rely on:
0 success / verified, 1 not verified, 2 unusable input or usage error."""

from __future__ import annotations

import argparse
import errno
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from wallet.store.errors import VaultError
from wallet.ui.i18n import Catalog
from wallet.vc.errors import UnusableInput
from wallet.vc.multikey import KeyType
from wallet.vc.proofs import SIGNING_SUITES

# Each handler imports what its command uses, so a command pays only for its own modules
# at start (`wallet verify` never loads the vault, sync, QR images, Flet or numpy:
# tests/test_cold_start.py). The parser needs only the key types and signing suites.
if TYPE_CHECKING:
    from wallet.services.issuer.organisation import LogRead, Organisation
    from wallet.services.learner.paper import PaperCopy
    from wallet.services.wallet import Wallet
    from wallet.vc.verification import Check

EXIT_OK, EXIT_NOT_VERIFIED, EXIT_UNUSABLE = 0, 1, 2
ENGLISH = Catalog("en")  # checks and errors come as codes; the CLI says them in English
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
APP_DIR = "learner-wallet"


def default_wallet_dir() -> Path:
    """The platform's per-user data directory. On Android the app passes Flet's own path."""
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / APP_DIR
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_DIR
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / APP_DIR


def _pointers(text: str) -> list[str]:
    return [p for p in text.split(",") if p]


def _timestamp(text: str) -> datetime:
    from wallet.vc.data_integrity import parse_datetime

    parsed = parse_datetime(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"not an ISO date-time with a timezone: {text!r}")
    return parsed


def _write_json(document: dict[str, Any], out: Path | None) -> None:
    _write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", out)


def _write_text(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def _print_checks(checks: Iterable[Check], id_width: int, *, marked: bool = True) -> None:
    """Verification checks, one line each: ok, warn or FAIL (unless not `marked`), the
    check's id, and what it found."""
    for check in checks:
        mark = "warn" if check.warning else "ok" if check.ok else "FAIL"
        lead = f"  {mark:<5} " if marked else "    "
        print(f"{lead}{check.id:<{id_width}} {ENGLISH.check(check)}")


def _cmd_keys_new(args: argparse.Namespace) -> int:
    from wallet.services.issuer import signing as issuer
    from wallet.vc import did_key
    from wallet.vc.multikey import KeyPair

    key = KeyPair.generate(KeyType(args.type))
    issuer.write_key_file(args.out, key)
    print(did_key.did_for(key.public))
    return EXIT_OK


def _cmd_issue(args: argparse.Namespace) -> int:
    from wallet.services.issuer import signing as issuer
    from wallet.vc.json_document import read_json_file

    key = issuer.read_key_file(args.key)
    signed = issuer.issue(
        read_json_file(args.input), key, args.suite, mandatory_pointers=args.mandatory
    )
    _write_json(signed, args.out)
    return EXIT_OK


def _cmd_derive(args: argparse.Namespace) -> int:
    from wallet.vc import ecdsa_sd_2023
    from wallet.vc.json_document import read_json_file

    _write_json(ecdsa_sd_2023.derive(read_json_file(args.input), args.reveal), args.out)
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from wallet.services.verifier.credentials import (
        read_credential_file,
        status_lists_from_files,
        verify,
        verify_presented_sd_jwt,
    )
    from wallet.store.verifier_store import DATABASE_NAME
    from wallet.vc import sd_jwt_vc
    from wallet.vc.envelopes import Enveloped

    status_lists = status_lists_from_files(args.status_list or [])
    held = read_credential_file(args.input)
    if args.challenge is not None or args.domain is not None:  # an SD-JWT VC presentation
        if not isinstance(held, Enveloped) or held.format != sd_jwt_vc.FORMAT:
            raise UnusableInput("--challenge and --domain verify an SD-JWT VC presentation")
        report = verify_presented_sd_jwt(
            held.token, nonce=args.challenge or "", audience=args.domain or "", now=args.now
        )
    elif (args.wallet / DATABASE_NAME).exists():  # a verifier here: the keys its pinned
        from wallet.services.verifier import trust  # trust bundles hold (did:web, OB 2.0)
        from wallet.vc import trust_bundle

        bundles = trust.pinned(args.wallet)
        resolver, signing_keys = trust_bundle.resolver(bundles), trust_bundle.signing_keys(bundles)
        report = verify(
            held,
            now=args.now,
            status_lists=status_lists,
            resolver=resolver,
            signing_keys=signing_keys,
        )
    else:  # nothing pinned: the keys the credential's own identifiers give (did:key, did:jwk)
        report = verify(held, now=args.now, status_lists=status_lists)
    if args.json:
        print(json.dumps(_with_messages(report.to_json()), indent=2))
    else:
        print("VERIFIED" if report.verified else "NOT VERIFIED")
        _print_checks(report.checks, 12)
    return EXIT_OK if report.verified else EXIT_NOT_VERIFIED


def _with_messages(found: dict[str, Any]) -> dict[str, Any]:
    """A report or verdict as JSON, each check also in English (`message`) and each claim
    with its English label, so scripts written against the sentences keep working."""
    from wallet.vc.verification import Check

    checks = [
        {**check.to_full_json(), "message": ENGLISH.message(check.code, check.params)}
        for check in map(Check.from_json, found["checks"])
    ]
    claims = [
        {**c, "label": ENGLISH.get(f"claim.{c['pointer']}", c["pointer"])}
        for c in found.get("claims", [])
    ]
    return {**found, "checks": checks, **({"claims": claims} if "claims" in found else {})}


def _passphrase(prompt: str = "Passphrase: ", *, confirm: bool = False) -> str:
    """From WALLET_PASSPHRASE when set (scripts, tests), otherwise asked for."""
    if "WALLET_PASSPHRASE" in os.environ:
        return os.environ["WALLET_PASSPHRASE"]
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != first:
        raise VaultError("the passphrases do not match")
    if not first:
        raise VaultError("a passphrase is required")
    return first


def _recovery_words(given: str) -> str:
    """Words typed on the command line show in `ps` and the shell history, so `--recover`
    alone asks for them (hidden), or reads one line from standard input in a pipe."""
    if given:
        return given
    if sys.stdin.isatty():
        return getpass.getpass("Recovery words: ")
    return sys.stdin.readline().strip()


def _unlocked(args: argparse.Namespace) -> Wallet:
    from wallet.services.wallet import Wallet

    wallet = Wallet(args.wallet)
    wallet.open()  # no wallet here says so before a passphrase is asked for
    wallet.unlock(_passphrase())
    return wallet


def _cmd_app(args: argparse.Namespace) -> int:
    from wallet.ui import app  # Flet loads only for the app

    app.run(args.wallet, web=args.web, host=args.host, port=args.port)
    return EXIT_OK


def _cmd_init(args: argparse.Namespace) -> int:
    from wallet.services.wallet import Wallet

    wallet = Wallet(args.wallet)
    if args.recover is not None and args.server:
        words = _recovery_words(args.recover)
        joined = wallet.join_account(
            words, args.server, _passphrase("New passphrase: ", confirm=True)
        )
        print(
            f"Joined: {joined.credentials} credentials synced from {args.server} "
            f"({joined.sync.bytes_received} bytes)."
        )
        return EXIT_OK
    if args.server:
        raise VaultError("--server goes with --recover: a second device joins with the words")
    if args.recover is not None:
        wallet.open()
        words = _recovery_words(args.recover)
        wallet.recover_access(words, _passphrase("New passphrase: ", confirm=True))
        print("Access restored: the wallet now opens with the new passphrase.")
        return EXIT_OK
    words = wallet.create(_passphrase(confirm=True))
    if args.json:
        print(json.dumps({"recovery": words}))
    else:
        print("Write these recovery words down and keep them safe. They are shown only once:")
        print(words)
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from wallet.services.learner import sources

    wallet = _unlocked(args)
    pack = wallet.backpack
    if args.files == [Path("-")]:
        pasted = sys.stdin.buffer.read()
        found = [("pasted text", lambda: pasted)]
    else:
        found = sources.file_sources(args.files, "QR frames")
    refused = 0
    imported = pack.import_sources(found)
    if args.network:  # a credential's address or an exchange: fetched once
        imported = (done for result in imported for done in wallet.fetch_for(result, network=True))
    for result in imported:
        if result.status == "refused":
            refused += 1
            said = ENGLISH.failure(result.kind, result.params) or ENGLISH("error.unexpected")
            print(f"refused {result.source}: {said}")
        elif result.status == "duplicate":
            print(f"duplicate {result.id} {result.source}")
        else:
            print(f"imported {result.id} {result.source}{_state_note(result.state)}")
        sys.stdout.flush()
    return EXIT_UNUSABLE if refused else EXIT_OK


def _state_note(state: dict[str, Any] | None) -> str:
    """What the card says, for the import line: never a plain "imported" for a badge that
    is not verified, or is bound to an identifier this wallet does not hold."""
    state = state or {}
    notes = f" ({ENGLISH('chip.other_holder')})" * ("other-holder" in state.get("notes", []))
    if state.get("state") == "needs-connection":
        return f" ({ENGLISH('chip.needs_connection')}: `wallet check --network`)"
    if state.get("state") == "cannot-verify":
        fallback = ENGLISH("chip.reason.unreadable")
        reasons = "; ".join(
            ENGLISH.get(f"chip.reason.{code}", fallback) for code in state.get("reasons", [])
        )
        return f" ({ENGLISH('chip.cannot_verify', reason=reasons)})" + notes
    return notes


def _cmd_check(args: argparse.Namespace) -> int:
    wallet = _unlocked(args)
    report = wallet.check_online(network=args.network, emails=args.email or None)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return EXIT_OK
    if report.off:
        print("nothing fetched: give --network to use the network to check credentials")
        return EXIT_OK
    for url in report.fetched:
        print(f"fetched {url}")
    for url, code in report.failed.items():
        print(f"failed  {url}: {ENGLISH.message(f'fetch.{code}')}")
    for change in report.key_changes:
        print(f"keys changed {change.did}: still checked with the keys pinned first")
    print(f"{report.rechecked} credentials checked again")
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    pack = _unlocked(args).backpack
    if args.search:
        cards = pack.search(args.search)
        total = len(cards)
    else:
        page = pack.list(page=args.page, sort=args.sort)
        cards, total = page.cards, page.total
    if args.json:
        print(json.dumps({"total": total, "credentials": cards}, indent=2, ensure_ascii=False))
        return EXIT_OK
    for card in cards:
        mark = "ok  " if card["verified"] else "FAIL"
        print(
            f"{card['id'][:12]}  {mark}  {card['issued'][:10]:<10}  {card['name']}  ({card['issuer']})"
        )
    print(f"{len(cards)} of {total}")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    from wallet.vc.verification import Check

    pack = _unlocked(args).backpack
    held = pack.show(pack.resolve_id(args.id))
    if args.json:
        fields = ("id", "credential", "report", "checked", "tags", "format")
        shown = {f: getattr(held, f) for f in fields}
        shown["report"] = _with_messages(held.report)
        print(json.dumps(shown, indent=2, ensure_ascii=False))
        return EXIT_OK
    card = held.card
    print(f"{card['name']}\n  issued by {card['issuer']} on {card['issued'][:10]}")
    print(f"  {'VERIFIED' if held.report['verified'] else 'NOT VERIFIED'} (checked {held.checked})")
    _print_checks([Check.from_json(c) for c in held.report["checks"]], 12, marked=False)
    return EXIT_OK


def _cmd_delete(args: argparse.Namespace) -> int:
    pack = _unlocked(args).backpack
    record_id = pack.resolve_id(args.id)
    pack.delete(record_id)
    print(f"deleted {record_id}")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    pack = _unlocked(args).backpack
    exported = pack.export(pack.resolve_id(args.id))
    if isinstance(exported, str):  # a token: written as it came
        _write_text(exported + "\n", args.out)
    else:
        _write_json(exported, args.out)
    return EXIT_OK


def _cmd_backup(args: argparse.Namespace) -> int:
    count = _unlocked(args).backpack.backup(args.out)
    print(f"backed up {count} records to {args.out}")
    return EXIT_OK


def _cmd_restore(args: argparse.Namespace) -> int:
    from wallet.services.wallet import Wallet

    data = args.backup.read_bytes()
    if args.recover is not None:  # the words open it; the passphrase is the one given now
        words: str | None = _recovery_words(args.recover)
        passphrase = _passphrase("New passphrase: ", confirm=True)
    else:
        words, passphrase = None, _passphrase()
    restored = Wallet(args.wallet).restore(words, data, passphrase)
    print(f"restored {restored} credentials into {args.wallet}")
    return EXIT_OK


def _write_qr(texts: list[str], png: Path | None, text_out: Path | None) -> None:
    from wallet.qr import images

    if text_out is not None:
        text_out.write_text("\n".join(texts) + "\n", encoding="ascii")
    if png is None:
        return
    for number, text in enumerate(texts, start=1):
        target = png if len(texts) == 1 else png.with_name(f"{png.stem}-{number:02d}{png.suffix}")
        image, version = images.render_png(text)
        target.write_bytes(image)
        print(f"wrote {target} (QR version {version}, {len(text)} characters)")


def _cmd_receive(args: argparse.Namespace) -> int:
    did = _unlocked(args).backpack.new_holder_key(KeyType(args.key_type))
    print(json.dumps({"did": did}) if args.json else did)
    _write_qr([did], args.png, None)
    return EXIT_OK


def _cmd_present(args: argparse.Namespace) -> int:
    from wallet.qr import frames

    pack = _unlocked(args).backpack
    ids = [pack.resolve_id(i) for i in args.ids]
    if args.sd_jwt is not None:  # a token, not QR codes (QR transport for it: not yet)
        if len(ids) != 1 or not args.challenge or not args.domain:
            raise UnusableInput("--sd-jwt presents one credential to a --challenge and --domain")
        token = pack.present_sd_jwt(
            ids[0], args.reveal or [], nonce=args.challenge, audience=args.domain
        )
        args.sd_jwt.write_text(token + "\n", encoding="ascii")
        print(f"wrote {args.sd_jwt} ({len(token)} characters)")
        return EXIT_OK
    presentation = pack.present(
        ids, args.reveal or [], challenge=args.challenge, domain=args.domain
    )
    for record_id in presentation.presented_whole:
        print(f"note: {record_id[:12]} has no selective-disclosure proof; it is shown in full")
    texts, _ = frames.texts_for(presentation.document, args.max_version)
    print(f"{len(texts)} QR code{'s' if len(texts) > 1 else ''}; {sum(map(len, texts))} characters")
    _write_qr(texts, args.png, args.text)
    return EXIT_OK


def _write_paper(copy: PaperCopy, args: argparse.Namespace, out: Path) -> None:
    from wallet.services.learner import paper_layout  # fpdf2 loads only to print

    size = paper_layout.PageSize(args.size)
    out.write_bytes(paper_layout.render_pdf(copy, size, Catalog(args.language)))
    codes = len(copy.texts)
    print(f"wrote {out} ({codes} QR code{'s' if codes > 1 else ''}, {copy.payload_bytes} bytes)")


def _cmd_paper(args: argparse.Namespace) -> int:
    from wallet.services.learner import paper

    pack = _unlocked(args).backpack
    copy = paper.for_held(pack.show(pack.resolve_id(args.id)), args.reveal or [])
    _write_paper(copy, args, args.out)
    if not copy.whole:
        print("note: only the mandatory claims and those given with --reveal are printed")
    return EXIT_OK


def _cmd_challenge(args: argparse.Namespace) -> int:
    from wallet.services.wallet import Wallet

    challenge = Wallet.new_challenge(args.domain)
    print(challenge.value)
    _write_qr([challenge.text], args.png, None)
    return EXIT_OK


def _cmd_scan(args: argparse.Namespace) -> int:
    from wallet.services.learner import sources
    from wallet.services.verifier.credentials import status_lists_from_files
    from wallet.services.wallet import Wallet

    wallet = Wallet(args.wallet)
    if wallet.exists:  # the verdict goes into its history, as the app's does
        wallet.unlock(_passphrase())
    verdict = wallet.check_presentation(
        Wallet.texts_in([sources.file_loader(p)() for p in args.images]),
        args.challenge,
        args.domain,
        status_lists=status_lists_from_files(args.status_list or []),
        as_of=args.now,
    )
    if args.json:
        print(json.dumps(_with_messages(verdict.to_json()), indent=2, ensure_ascii=False))
    else:
        print(verdict.verdict.upper())
        _print_checks(verdict.checks, 22)
        for claim in verdict.claims:
            print(f"  {ENGLISH.get(f'claim.{claim.pointer}', claim.pointer)}: {claim.value}")
    return EXIT_OK if verdict.verified else EXIT_NOT_VERIFIED


def _cmd_trust_issuer(args: argparse.Namespace) -> int:
    from wallet.services.wallet import Wallet

    Wallet(args.wallet).trust_issuer(args.did, args.name)
    print(f"trusting {args.name} ({args.did})")
    return EXIT_OK


def _cmd_trust_add(args: argparse.Namespace) -> int:
    from wallet.services.wallet import Wallet

    pinned = Wallet(args.wallet).add_trust_bundle(args.bundle.read_bytes())
    print(
        f"pinned the trust bundle of {pinned.name} (version {pinned.sequence}): "
        f"{pinned.organisations} organisations, {pinned.authorizations} trainer authorisations"
    )
    for url in pinned.context_mismatches:
        print(f"warning: this wallet's copy of {url} differs from the bundle's")
    return EXIT_OK


def _organisation(args: argparse.Namespace) -> Organisation:
    from wallet.services.issuer.organisation import Organisation

    return Organisation.open(args.org, _passphrase("Organisation passphrase: "))


def _cmd_org_init(args: argparse.Namespace) -> int:
    from wallet.services.issuer.organisation import Organisation

    organisation = Organisation.create(
        args.out,
        _passphrase("Organisation passphrase: ", confirm=True),
        name=args.name,
        url=args.url or "",
        image=args.image or "",
    )
    print(organisation.did)
    return EXIT_OK


def _cmd_org_authorize(args: argparse.Namespace) -> int:
    from wallet.qr import frames

    authorization = _organisation(args).authorize(
        args.trainer, args.achievement, args.until, datetime.now(UTC)
    )
    _write_json(authorization, args.out)
    _write_qr(frames.texts_for(authorization)[0], args.png, None)
    return EXIT_OK


def _read_logs(organisation: Organisation, server: str | None) -> None:
    from wallet.services.sync import client as sync

    read: dict[str, LogRead] = {}
    if server is not None:
        read = organisation.read_logs(lambda trainer, after: sync.fetch_log(server, trainer, after))
    for trainer, taken in read.items():
        print(f"read {taken.new} log entries from {trainer}")
        for skipped in taken.skipped:
            print(f"skipped {trainer}'s entry {skipped.seq} ({skipped.kind}): {skipped.reason}")


def _cmd_org_revoke(args: argparse.Namespace) -> int:
    organisation = _organisation(args)
    _read_logs(organisation, args.server)
    organisation.revoke(args.credential)
    print(f"revoked {args.credential}; it is published with the next `wallet org bundle`")
    return EXIT_OK


def _cmd_org_bundle(args: argparse.Namespace) -> int:
    from wallet.services.sync import client as sync

    organisation = _organisation(args)
    _read_logs(organisation, args.server)
    bundle = organisation.publish(datetime.now(UTC))
    for place in organisation.ignored_revocations():
        print(f"ignored a stored revocation outside every trainer's block: {place}")
    _write_json(bundle, args.out)
    if args.server:
        print(f"published version {sync.publish_bundle(args.server, bundle)} to {args.server}")
    return EXIT_OK


def _cmd_trainer_setup(args: argparse.Namespace) -> int:
    print(_unlocked(args).trainer.set_up(args.name)["did"])
    return EXIT_OK


def _cmd_trainer_accept(args: argparse.Namespace) -> int:
    from wallet.vc.json_document import read_json_file

    granted = _unlocked(args).trainer.accept_authorization(read_json_file(args.authorization))
    print(
        f"authorised by {granted.organisation} until {granted.valid_until:%Y-%m-%d} for "
        + ", ".join(sorted(granted.achievements))
    )
    return EXIT_OK


def _cmd_trainer_template(args: argparse.Namespace) -> int:
    template = _unlocked(args).trainer.save_template(
        args.name, args.description, args.criteria, template_id=args.achievement
    )
    print(template.id)
    return EXIT_OK


def _cmd_trainer_issue(args: argparse.Namespace) -> int:
    issued = _unlocked(args).trainer.issue(args.achievement, args.to, paper=bool(args.paper))
    print(issued.credential["id"])
    if args.out:
        _write_json(issued.credential, args.out)
    _write_qr(issued.qr_texts, args.png, None)
    if args.paper:
        from wallet.services.learner import paper

        _write_paper(paper.for_issued(issued.credential, datetime.now(UTC)), args, args.paper)
    return EXIT_OK


def _cmd_trainer_revoke(args: argparse.Namespace) -> int:
    _unlocked(args).trainer.revoke_credential(args.credential)
    print(f"revocation of {args.credential} queued for your organisation (sent at next sync)")
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    try:  # the server's dependencies are an extra: the app and a phone never need them
        from wallet.server import serve
    except ModuleNotFoundError as missing:
        if (missing.name or "").partition(".")[0] not in ("starlette", "uvicorn"):
            raise
        return _unusable(args, f"no module {missing.name}", "server_missing")
    from wallet.server.storage import ServerStore, StorageError
    from wallet.server.vc_api import VcApi
    from wallet.services.issuer import signing as issuer

    if (args.tls_cert is None) != (args.tls_key is None):
        return _unusable(args, "--tls-cert and --tls-key go together", "tls_pair")
    for path in (args.tls_cert, args.tls_key):
        if path is not None and not path.is_file():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
    keys = tuple(issuer.read_key_file(path) for path in args.issuer_key or [])
    vc = VcApi(keys, os.environ.get("WALLET_VC_API_TOKEN") or None)
    vc.issuers()  # one key of each type, refused before the server starts
    try:
        store = ServerStore(args.db or f"sqlite:///{args.wallet / 'server.db'}")
    except StorageError as error:
        raise VaultError(str(error)) from None
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    serve.run(store, args.host, args.port, vc=vc, tls=tls)
    return EXIT_OK


def _cmd_sync(args: argparse.Namespace) -> int:
    result = _unlocked(args).sync(args.server)
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(
            f"pushed {result.pushed}, pulled {result.pulled}; "
            f"{result.bytes_sent} bytes sent, {result.bytes_received} received"
        )
        for reason, count in sorted(result.refused.items()):
            print(f"refused {count} from the server: {reason}")
    return EXIT_OK


def _cmd_bench(args: argparse.Namespace) -> int:
    from wallet.bench import figures  # not in the app's build (pyproject: [tool.flet.app])

    for name, value, unit in figures.run(args.runs):
        print(
            f"{name} {value:.3f} {unit}" if isinstance(value, float) else f"{name} {value} {unit}"
        )
        sys.stdout.flush()
    return EXIT_OK


def _wallet_commands(commands: Commands) -> None:
    """The app, and the learner's wallet: create it, fill it, back it up."""
    app = commands.add_parser(
        "app", help="start the app (a desktop window, or the web UI on this machine)"
    )
    app.add_argument("--web", action="store_true", help="serve the web UI even with a desktop")
    app.add_argument("--host", default="127.0.0.1")
    app.add_argument("--port", type=int, default=8550)
    app.add_argument("--wallet", type=Path, default=argparse.SUPPRESS, metavar="DIR")
    app.set_defaults(run=_cmd_app)

    init = commands.add_parser("init", help="create a wallet and show its recovery words")
    init.add_argument("--json", action="store_true", help='print {"recovery": "..."}')
    init.add_argument(
        "--recover",
        nargs="?",
        const="",
        metavar="WORDS",
        help="regain access with the recovery words (asked for when not given)",
    )
    init.add_argument("--server", metavar="URL", help="with --recover: join as a second device")
    init.set_defaults(run=_cmd_init)

    importer = commands.add_parser(
        "import", help="add credentials (JSON, baked PNG or SVG; `-` reads pasted text)"
    )
    importer.add_argument("files", type=Path, nargs="+", metavar="FILE")
    importer.add_argument(
        "--network",
        action="store_true",
        help="fetch a credential, or start an exchange, a file names by its https URL",
    )
    importer.set_defaults(run=_cmd_import)

    lister = commands.add_parser("list", help="list or search the backpack")
    lister.add_argument("--json", action="store_true")
    lister.add_argument("--search", metavar="TEXT")
    lister.add_argument("--sort", choices=["recent", "name", "issued"], default="recent")
    lister.add_argument("--page", type=int, default=0)
    lister.set_defaults(run=_cmd_list)

    show = commands.add_parser("show", help="one credential and its verification report")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_cmd_show)

    delete = commands.add_parser("delete", help="remove a credential (a tombstone stays for sync)")
    delete.add_argument("id")
    delete.set_defaults(run=_cmd_delete)

    export = commands.add_parser("export", help="write one credential as plain JSON")
    export.add_argument("id")
    export.add_argument("--out", type=Path)
    export.set_defaults(run=_cmd_export)

    backup_parser = commands.add_parser("backup", help="write an encrypted backup file")
    backup_parser.add_argument("--out", type=Path, required=True)
    backup_parser.set_defaults(run=_cmd_backup)

    restore = commands.add_parser("restore", help="restore a backup into an empty --wallet DIR")
    restore.add_argument("backup", type=Path, metavar="BACKUP")
    restore.add_argument(
        "--recover",
        nargs="?",
        const="",
        metavar="WORDS",
        help="open it with the recovery words (asked for when not given), then set a new passphrase",
    )
    restore.set_defaults(run=_cmd_restore)


def _key_commands(commands: Commands) -> None:
    """Key files, and signing and checking credentials with them."""
    keys = commands.add_parser("keys", help="manage key files")
    keys_commands = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    keys_new = keys_commands.add_parser("new", help="create a key file and print its DID")
    keys_new.add_argument("--type", choices=[t.value for t in KeyType], required=True)
    keys_new.add_argument("--out", type=Path, required=True, metavar="KEYFILE")
    keys_new.set_defaults(run=_cmd_keys_new)

    issue = commands.add_parser("issue", help="sign a credential as the key's DID")
    issue.add_argument("--key", type=Path, required=True, metavar="KEYFILE")
    issue.add_argument("--suite", choices=SIGNING_SUITES, required=True)
    issue.add_argument(
        "--mandatory",
        type=_pointers,
        metavar="/p1,/p2",
        help="ecdsa-sd-2023 mandatory JSON pointers (default: our Open Badges profile)",
    )
    issue.add_argument("--out", type=Path)
    issue.add_argument("input", type=Path, metavar="IN.json")
    issue.set_defaults(run=_cmd_issue)

    derive = commands.add_parser(
        "derive", help="reveal chosen claims of an ecdsa-sd-2023 credential"
    )
    derive.add_argument("--reveal", type=_pointers, required=True, metavar="/p1,/p2")
    derive.add_argument("--out", type=Path)
    derive.add_argument("input", type=Path, metavar="IN.json")
    derive.set_defaults(run=_cmd_derive)

    verify = commands.add_parser("verify", help="verify a credential offline")
    verify.add_argument("--now", type=_timestamp, metavar="ISO", help="check validity at this time")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument(
        "--status-list",
        action="append",
        metavar="[URL=]FILE",
        help="a cached status list credential, and the URL it was fetched from (repeatable)",
    )
    verify.add_argument("--challenge", metavar="C", help="an SD-JWT VC presentation's nonce")
    verify.add_argument("--domain", metavar="D", help="an SD-JWT VC presentation's audience")
    verify.add_argument("input", type=Path, metavar="IN.json")
    verify.set_defaults(run=_cmd_verify)


def _presentation_commands(commands: Commands) -> None:
    """QR codes between a learner and a verifier."""
    receive = commands.add_parser("receive", help="a new holder DID for an issuer to issue to")
    receive.add_argument("--png", type=Path, metavar="OUT.png", help="also as a QR code")
    receive.add_argument("--json", action="store_true")
    receive.add_argument(
        "--key-type",
        choices=[KeyType.ED25519.value, KeyType.P256.value],
        default=KeyType.ED25519.value,
        help="p256 for SD-JWT VC issuers that bind an ES256 key",
    )
    receive.set_defaults(run=_cmd_receive)

    present = commands.add_parser("present", help="show credentials as QR codes")
    present.add_argument("ids", nargs="+", metavar="ID")
    present.add_argument("--reveal", type=_pointers, metavar="/p1,/p2")
    present.add_argument("--challenge", metavar="C", help="from the verifier's challenge QR")
    present.add_argument("--domain", metavar="D")
    present.add_argument("--png", type=Path, metavar="OUT.png")
    present.add_argument("--text", type=Path, metavar="OUT.txt", help="one payload per line")
    present.add_argument(
        "--sd-jwt", type=Path, metavar="OUT.txt", help="an SD-JWT VC with a KB-JWT, as text"
    )
    present.add_argument(
        "--max-version",
        type=int,
        choices=range(5, 41),
        metavar="V",
        help="largest QR version (default: one code up to 20, else frames at 15)",
    )
    present.set_defaults(run=_cmd_present)

    paper = commands.add_parser("paper", help="print a credential to a PDF that verifies")
    paper.add_argument("id", metavar="ID")
    paper.add_argument("--out", type=Path, required=True, metavar="OUT.pdf")
    paper.add_argument("--size", choices=["a4", "a6"], default="a4", help="page (default a4)")
    paper.add_argument(
        "--reveal", type=_pointers, metavar="/p1,/p2", help="ecdsa-sd-2023: claims to print"
    )
    paper.add_argument(
        "--language", choices=["en", "es", "fr", "id"], default="en", help="the page's language"
    )
    paper.set_defaults(run=_cmd_paper)

    challenge = commands.add_parser("challenge", help="a verifier's challenge QR (two-way)")
    challenge.add_argument("--domain", required=True, metavar="D")
    challenge.add_argument("--png", type=Path, metavar="OUT.png")
    challenge.set_defaults(run=_cmd_challenge)

    scan = commands.add_parser("scan", help="verify presentation QR images offline")
    scan.add_argument("images", type=Path, nargs="+", metavar="IMAGE")
    scan.add_argument("--challenge", metavar="C")
    scan.add_argument("--domain", metavar="D")
    scan.add_argument("--json", action="store_true")
    scan.add_argument("--status-list", action="append", metavar="[URL=]FILE")
    scan.add_argument("--now", type=_timestamp, metavar="ISO", help="verify as of this time")
    scan.set_defaults(run=_cmd_scan)


def _trust_commands(commands: Commands) -> None:
    """The verifier's trusted issuers and pinned trust bundles."""
    trust = commands.add_parser("trust", help="the verifier's trusted issuers")
    trust_commands = trust.add_subparsers(dest="trust_command", metavar="ACTION", required=True)
    add_issuer = trust_commands.add_parser("add-issuer", help="trust an issuer's DID")
    add_issuer.add_argument("did")
    add_issuer.add_argument("--name", required=True)
    add_issuer.set_defaults(run=_cmd_trust_issuer)
    add_bundle = trust_commands.add_parser(
        "add", help="pin a trust bundle's publisher and keep the bundle for offline checks"
    )
    add_bundle.add_argument("bundle", type=Path, metavar="BUNDLE.json")
    add_bundle.set_defaults(run=_cmd_trust_add)


def _org_commands(commands: Commands) -> None:
    """An issuing organisation's file: trainers, revocation, bundles."""
    org = commands.add_parser("org", help="an issuing organisation: trainers, revocation, bundle")
    org_commands = org.add_subparsers(dest="org_command", metavar="ACTION", required=True)
    org_init = org_commands.add_parser("init", help="create an organisation file")
    org_init.add_argument("--name", required=True)
    org_init.add_argument("--url")
    org_init.add_argument("--image", metavar="URL")
    org_init.add_argument("--out", type=Path, required=True, metavar="ORG.json")
    org_init.set_defaults(run=_cmd_org_init)
    authorize = org_commands.add_parser("authorize", help="let a trainer's key issue offline")
    authorize.add_argument("--org", type=Path, required=True, metavar="ORG.json")
    authorize.add_argument("--trainer", required=True, metavar="DID")
    authorize.add_argument("--achievement", required=True, nargs="+", metavar="ID")
    authorize.add_argument("--until", type=_timestamp, required=True, metavar="ISO")
    authorize.add_argument("--out", type=Path, metavar="AUTH.json")
    authorize.add_argument("--png", type=Path, metavar="OUT.png", help="as QR codes, face to face")
    authorize.set_defaults(run=_cmd_org_authorize)
    revoke = org_commands.add_parser("revoke", help="revoke a credential a trainer issued")
    revoke.add_argument("--org", type=Path, required=True, metavar="ORG.json")
    revoke.add_argument("--credential", required=True, metavar="ID")
    revoke.add_argument("--server", metavar="URL", help="read the trainers' logs from here first")
    revoke.set_defaults(run=_cmd_org_revoke)
    bundle = org_commands.add_parser("bundle", help="sign and write (and publish) a trust bundle")
    bundle.add_argument("--org", type=Path, required=True, metavar="ORG.json")
    bundle.add_argument("--out", type=Path, required=True, metavar="BUNDLE.json")
    bundle.add_argument("--server", metavar="URL", help="read logs from and publish to")
    bundle.set_defaults(run=_cmd_org_bundle)


def _trainer_commands(commands: Commands) -> None:
    """Issuing on this device for an organisation."""
    trainer = commands.add_parser("trainer", help="issue on this device for an organisation")
    trainer_commands = trainer.add_subparsers(
        dest="trainer_command", metavar="ACTION", required=True
    )
    setup = trainer_commands.add_parser("setup", help="name the issuer; prints its key's DID")
    setup.add_argument("--name", required=True)
    setup.set_defaults(run=_cmd_trainer_setup)
    accept = trainer_commands.add_parser("accept", help="keep an organisation's authorisation")
    accept.add_argument("authorization", type=Path, metavar="AUTH.json")
    accept.set_defaults(run=_cmd_trainer_accept)
    template = trainer_commands.add_parser("template", help="an achievement to issue")
    template.add_argument("--achievement", required=True, metavar="ID")
    template.add_argument("--name", required=True)
    template.add_argument("--description", required=True)
    template.add_argument("--criteria", required=True, help="what the learner had to show")
    template.set_defaults(run=_cmd_trainer_template)
    trainer_issue = trainer_commands.add_parser("issue", help="issue to a learner, as QR codes")
    trainer_issue.add_argument("--achievement", required=True, metavar="ID")
    trainer_issue.add_argument("--to", required=True, metavar="DID|NAME")
    trainer_issue.add_argument("--png", type=Path, metavar="OUT.png")
    trainer_issue.add_argument("--out", type=Path, metavar="CREDENTIAL.json")
    trainer_issue.add_argument(
        "--paper", type=Path, metavar="OUT.pdf", help="print it, for a learner with no phone"
    )
    trainer_issue.add_argument("--size", choices=["a4", "a6"], default="a4")
    trainer_issue.add_argument("--language", choices=["en", "es", "fr", "id"], default="en")
    trainer_issue.set_defaults(run=_cmd_trainer_issue)
    trainer_revoke = trainer_commands.add_parser("revoke", help="ask the organisation to revoke")
    trainer_revoke.add_argument("credential", metavar="ID")
    trainer_revoke.set_defaults(run=_cmd_trainer_revoke)


def _network_commands(commands: Commands) -> None:
    """Checking held credentials online, once, when the user allows it (issue 14)."""
    check = commands.add_parser(
        "check", help="fetch what held credentials need (keys, status lists), once"
    )
    check.add_argument(
        "--network", action="store_true", help="use the network to check credentials"
    )
    check.add_argument("--email", action="append", metavar="ADDRESS")
    check.add_argument("--json", action="store_true")
    check.set_defaults(run=_cmd_check)


def _server_commands(commands: Commands) -> None:
    """The sync server, syncing with it, and the benchmarks."""
    serve = commands.add_parser("serve", help="run the sync server")
    serve.add_argument(
        "--db", metavar="URL", help="sqlite:///PATH (default: in --wallet) or postgresql://…"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--issuer-key",
        type=Path,
        action="append",
        metavar="KEY.json",
        help="a key from `wallet keys new` for the VC-API's issuers (repeatable, one per type); "
        "issuing needs WALLET_VC_API_TOKEN",
    )
    serve.add_argument("--tls-cert", type=Path, metavar="CERT.pem", help="serve https")
    serve.add_argument("--tls-key", type=Path, metavar="KEY.pem", help="with --tls-cert")
    serve.set_defaults(run=_cmd_serve)

    syncer = commands.add_parser("sync", help="sync this wallet with a server")
    syncer.add_argument("--server", required=True, metavar="URL")
    syncer.add_argument("--json", action="store_true")
    syncer.set_defaults(run=_cmd_sync)

    bench_parser = commands.add_parser(
        "bench", help="measure speed; one 'name value unit' line each"
    )
    bench_parser.add_argument("--runs", type=int, default=200)
    bench_parser.set_defaults(run=_cmd_bench)


class _OneCommand:
    """The commands as the groups add them, building the parser of `wanted` alone: argparse
    takes longer to build all of them than `wallet verify` takes to load the CLI. The names
    are kept, so `build_parser` can tell when `wanted` is no command at all."""

    def __init__(self, commands: Commands, wanted: str) -> None:
        self._commands, self._wanted = commands, wanted
        self.names: set[str] = set()

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        self.names.add(name)
        return self._commands.add_parser(name, **kwargs) if name == self._wanted else _Unbuilt()


class _Unbuilt:
    """A command not asked for: whatever builds it does nothing."""

    def __getattr__(self, name: str) -> Callable[..., _Unbuilt]:
        return lambda *args, **kwargs: self


def _command_in(argv: list[str]) -> str | None:
    """The command `argv` names when only `--wallet DIR` comes before it, else None."""
    words = iter(argv)
    for word in words:
        if word == "--wallet":
            next(words, None)
        elif not word.startswith("--wallet="):
            return None if word.startswith("-") else word
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with `argv` only what parsing it needs (the command it names)."""
    wanted = _command_in(argv) if argv is not None else None
    parser = argparse.ArgumentParser(
        prog="wallet", description="Offline-first learner wallet (Open Badges 3.0 / W3C VC)."
    )
    parser.add_argument(
        "--wallet",
        type=Path,
        default=default_wallet_dir(),
        metavar="DIR",
        help="the wallet's data directory (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    only = _OneCommand(commands, wanted) if wanted is not None else None
    for group in (
        _wallet_commands,
        _key_commands,
        _presentation_commands,
        _trust_commands,
        _org_commands,
        _trainer_commands,
        _network_commands,
        _server_commands,
    ):
        group(cast(Commands, only) if only is not None else commands)
    if only is not None and wanted not in only.names:
        return build_parser()  # argparse says it is no command, listing them all
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        return args.run(args)
    except (UnusableInput, VaultError) as exc:
        return _unusable(args, str(exc), exc.kind, exc.params, getattr(exc, "code", None))
    except BrokenPipeError:  # the reader went away (`wallet bench | head`): nothing to say
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        detail = f"{exc.strerror or exc}{where}"
        if exc.filename is None:
            return _unusable(args, detail, "unreadable")
        code = _FILE_ERRORS.get(type(exc))
        return _unusable(args, detail, "file", {"path": str(exc.filename)}, code)


_FILE_ERRORS = {
    FileNotFoundError: "missing",
    PermissionError: "denied",
    IsADirectoryError: "directory",
    FileExistsError: "exists",
}


def _unusable(
    args: argparse.Namespace,
    detail: str,
    kind: str,
    params: dict[str, Any] | None = None,
    code: object = None,
) -> int:
    """The failure's catalog sentence in English (what happened, what to do), rendered
    from its kind, code and params. `--json` carries those and the sentence (`message`),
    with the library's own detail (`error`) for a developer's logs; the terminal shows
    the sentence alone."""
    sentence = ENGLISH.failure(kind, params, code) or ENGLISH("error.unexpected")
    if getattr(args, "json", False):
        verdict = {"verified": False, "checks": []} if args.command in ("verify", "scan") else {}
        specific = f"{kind}.{code}"  # the sentence's key, less "error."
        coded = {
            "code": specific if ENGLISH.get(f"error.{specific}", "") else kind,
            "params": params or {},
            "message": sentence,
        }
        print(json.dumps({**verdict, "error": detail, **coded}, indent=2, default=str))
    print(f"wallet: error: {sentence}", file=sys.stderr)
    return EXIT_UNUSABLE
