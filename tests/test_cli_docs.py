"""Every `wallet` command is documented: named in the README or docs/cli.md, and each one
has its own section in docs/cli.md naming all its options, so the reference cannot fall
behind the parser."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from wallet.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
REFERENCE = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
HEADING = re.compile(r"^#+ `(wallet(?: [a-z][\w-]*)*)`", re.MULTILINE)


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ("wallet",)
) -> list[tuple[str, argparse.ArgumentParser]]:
    """`wallet`, `wallet keys`, `wallet keys new`, ...: every parser and its full name."""
    found = [(" ".join(path), parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += commands(sub, (*path, name))
    return found


COMMANDS = commands(build_parser())


def sections() -> dict[str, str]:
    """docs/cli.md's text under each "## `wallet ...`" heading, up to the next one."""
    marks = list(HEADING.finditer(REFERENCE))
    ends = [m.start() for m in marks[1:]] + [len(REFERENCE)]
    return {m[1]: REFERENCE[m.end() : end] for m, end in zip(marks, ends, strict=True)}


def options(parser: argparse.ArgumentParser) -> list[str]:
    return [
        action.option_strings[-1]
        for action in parser._actions
        if action.option_strings and not isinstance(action, argparse._HelpAction)
    ]


def test_the_parser_has_nested_commands() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"wallet keys new", "wallet org init", "wallet trainer issue", "wallet serve"} <= names


@pytest.mark.parametrize("name", [name for name, _ in COMMANDS[1:]])
def test_every_command_is_in_the_readme_or_the_reference(name: str) -> None:
    # "wallet trust add" must not count as "wallet trust add-issuer"
    said = re.compile(re.escape(name) + r"(?![\w-])")
    assert said.search(README) or said.search(REFERENCE), f"document `{name}` in docs/cli.md"


@pytest.mark.parametrize(("name", "parser"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_the_reference_names_every_option(name: str, parser: argparse.ArgumentParser) -> None:
    section = sections().get(name)
    assert section is not None, f"docs/cli.md needs a section headed `{name}`"
    missing = [o for o in options(parser) if not re.search(re.escape(o) + r"(?![\w-])", section)]
    assert not missing, f"docs/cli.md's `{name}` section does not describe {missing}"
