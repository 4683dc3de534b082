"""`wallet …`: a thin shell over `wallet.services`. Exit codes scripts can rely on:
0 success / verified, 1 not verified, 2 unusable input or usage error."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from wallet.services import bench, holder, issuer, keyfiles, verifier
from wallet.services.documents import read_json_file
from wallet.vc.data_integrity import parse_datetime
from wallet.vc.errors import UnusableInput
from wallet.vc.multikey import KeyType
from wallet.vc.proofs import SIGNING_SUITES

EXIT_OK, EXIT_NOT_VERIFIED, EXIT_UNUSABLE = 0, 1, 2


def _pointers(text: str) -> list[str]:
    return [p for p in text.split(",") if p]


def _timestamp(text: str) -> datetime:
    parsed = parse_datetime(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"not an ISO date-time with a timezone: {text!r}")
    return parsed


def _write_json(document: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def _cmd_keys_new(args: argparse.Namespace) -> int:
    key = keyfiles.new_key(KeyType(args.type))
    keyfiles.write_key_file(args.out, key)
    print(keyfiles.did_key.did_for(key.public))
    return EXIT_OK


def _cmd_issue(args: argparse.Namespace) -> int:
    key = keyfiles.read_key_file(args.key)
    signed = issuer.issue(
        read_json_file(args.input), key, args.suite, mandatory_pointers=args.mandatory
    )
    _write_json(signed, args.out)
    return EXIT_OK


def _cmd_derive(args: argparse.Namespace) -> int:
    _write_json(holder.derive(read_json_file(args.input), args.reveal), args.out)
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    status_lists = verifier.status_lists_from_files(args.status_list or [])
    report = verifier.verify(read_json_file(args.input), now=args.now, status_lists=status_lists)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print("VERIFIED" if report.verified else "NOT VERIFIED")
        for check in report.checks:
            mark = "warn" if check.warning else "ok" if check.ok else "FAIL"
            print(f"  {mark:<5} {check.id:<12} {check.message}")
    return EXIT_OK if report.verified else EXIT_NOT_VERIFIED


def _cmd_bench(args: argparse.Namespace) -> int:
    for name, value, unit in bench.run(args.runs):
        print(
            f"{name} {value:.3f} {unit}" if isinstance(value, float) else f"{name} {value} {unit}"
        )
        sys.stdout.flush()
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wallet", description="Offline-first learner wallet (Open Badges 3.0 / W3C VC)."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

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
        type=Path,
        action="append",
        metavar="FILE",
        help="a cached status list credential (repeatable)",
    )
    verify.add_argument("input", type=Path, metavar="IN.json")
    verify.set_defaults(run=_cmd_verify)

    bench_parser = commands.add_parser(
        "bench", help="measure speed; one 'name value unit' line each"
    )
    bench_parser.add_argument("--runs", type=int, default=200)
    bench_parser.set_defaults(run=_cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        return args.run(args)
    except UnusableInput as exc:
        return _unusable(args, str(exc))
    except BrokenPipeError:  # the reader went away (`wallet bench | head`): nothing to say
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        return _unusable(args, f"{exc.strerror or exc}{where}")


def _unusable(args: argparse.Namespace, reason: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"verified": False, "error": reason, "checks": []}, indent=2))
    print(f"wallet: error: {reason}", file=sys.stderr)
    return EXIT_UNUSABLE
