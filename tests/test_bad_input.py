"""Unusable input gets exit 2 and a message naming the reason: never a traceback, never a
hang. Each case runs through the real command line: the terminal shows the catalog's
sentence, `--json` adds the library's detail (`error`) that these cases look for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import json_objects_in_html, sample_badge
from tests.support import ENGLISH, signed_badge, wallet


def said(result: Any) -> str:
    """The one line the terminal shows for an unusable input."""
    return result.stderr.removeprefix("wallet: error: ").removesuffix("\n")


def blank_node_bomb() -> dict[str, Any]:
    """A clique of blank nodes that all look alike: RDFC-1.0's N-degree hashing must try
    every ordering of them (the dataset-poisoning attack, pyld issue #179)."""
    size = 12
    nodes = [
        {
            "@id": f"_:b{i}",
            "http://schema.org/knows": [{"@id": f"_:b{j}"} for j in range(size) if j != i],
        }
        for i in range(size)
    ]
    return {**signed_badge(), "credentialSubject": nodes}


def full_open_badge_with_typo() -> dict[str, Any]:
    """The spec's full example: its endorsements spell the suite `eddsa-rdf-2022`."""
    [example] = json_objects_in_html("vectors", "1edtech-ob3", "examples", "fullOpenBadge.html")[:1]
    endorsement = example["endorsement"][0]
    assert endorsement["proof"][0]["cryptosuite"] == "eddsa-rdf-2022"
    return endorsement


def with_proof(**changes: Any) -> dict[str, Any]:
    badge = signed_badge()
    badge["proof"] = {**badge["proof"], **changes}
    return badge


CASES = {
    "unknown context": (
        lambda: {
            **signed_badge(),
            "@context": [*sample_badge()["@context"], "https://evil.example/ctx"],
        },
        "https://evil.example/ctx",
    ),
    "undefined term": (
        lambda: {**signed_badge(), "favouriteColour": "blue"},
        "favouriteColour",
    ),
    "undefined term inside the subject": (
        lambda: {
            **signed_badge(),
            "credentialSubject": {**sample_badge()["credentialSubject"], "shoeSize": 42},
        },
        "shoeSize",
    ),
    "relative IRI as an id": (lambda: {**signed_badge(), "id": "badges/7"}, "badges/7"),
    "undefined type": (
        lambda: {**signed_badge(), "type": ["VerifiableCredential", "MadeUpCredential"]},
        "MadeUpCredential",
    ),
    "blank-node bomb": (blank_node_bomb, "blank nodes are too alike"),
    "malformed proofValue": (lambda: with_proof(proofValue="z0OIl+/"), "base58"),
    "proofValue without multibase": (lambda: with_proof(proofValue="abc"), "proofValue"),
    "unknown cryptosuite": (lambda: with_proof(cryptosuite="bbs-2023"), "bbs-2023"),
    "eddsa-rdf-2022 typo from a real file": (full_open_badge_with_typo, "eddsa-rdf-2022"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_exits_2_naming_the_reason(tmp_path: Path, case: str) -> None:
    make, reason = CASES[case]
    path = tmp_path / "in.json"
    path.write_text(json.dumps(make()))
    result = wallet("verify", path, check=False)
    assert result.returncode == 2, (result.stdout, result.stderr)
    as_json = wallet("verify", "--json", path, check=False)
    assert as_json.returncode == 2
    answer = json.loads(as_json.stdout)
    assert reason in answer["error"]
    assert said(result) == answer["message"]


def test_five_megabyte_document(tmp_path: Path) -> None:
    badge = signed_badge()
    badge["description"] = "x" * (5 * 1024 * 1024)
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(badge))
    result = wallet("verify", path, check=False)
    assert result.returncode == 2
    assert "larger than the 1,000,000-byte limit" in result.stderr


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2, 3]", "expected a JSON object"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_not_a_json_object(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(content)
    result = wallet("verify", "--json", path, check=False)
    assert result.returncode == 2
    assert reason in json.loads(result.stdout)["error"]
    assert said(result) == ENGLISH("error.malformed")


def test_missing_file_and_bad_key_file(tmp_path: Path) -> None:
    result = wallet("verify", tmp_path / "absent.json", check=False)
    assert result.returncode == 2
    assert "absent.json" in result.stderr
    bad_key = tmp_path / "key.json"
    bad_key.write_text('{"secretKeyMultibase": "zzzz"}')
    sample = tmp_path / "in.json"
    sample.write_text(json.dumps(sample_badge()))
    result = wallet("issue", "--key", bad_key, "--suite", "eddsa-rdfc-2022", sample, check=False)
    assert result.returncode == 2
    assert said(result) == ENGLISH("error.key_file")
    assert "zzzz" not in result.stderr  # never echo key material


def test_wrong_key_for_suite_and_bad_pointer(tmp_path: Path) -> None:
    key_file = tmp_path / "key.json"
    wallet("keys", "new", "--type", "ed25519", "--out", key_file)
    sample = tmp_path / "in.json"
    sample.write_text(json.dumps(sample_badge()))
    result = wallet("issue", "--key", key_file, "--suite", "ecdsa-sd-2023", sample, check=False)
    assert result.returncode == 2
    assert said(result) == ENGLISH("error.malformed_proof")
    p256 = tmp_path / "p256.json"
    wallet("keys", "new", "--type", "p256", "--out", p256)
    base = tmp_path / "base.json"
    wallet("issue", "--key", p256, "--suite", "ecdsa-sd-2023", "--out", base, sample)
    result = wallet("derive", "--reveal", "/credentialSubject/shoeSize", base, check=False)
    assert result.returncode == 2
    assert said(result) == ENGLISH("error.invalid_pointer")


def test_signed_document_without_context_is_unusable() -> None:
    from tests.conftest import NOW
    from wallet.vc.errors import MalformedInput
    from wallet.vc.verification import verify_credential

    badge = signed_badge()
    del badge["@context"]
    with pytest.raises(MalformedInput, match="no @context"):
        verify_credential(badge, now=NOW)


# --- L1 (issue 13): each of these was a traceback and exit 1 -----------------------------


def signed_text() -> str:
    return json.dumps(signed_badge())


RAW_CASES = {
    "integer over 4,300 digits": (
        lambda: signed_text()[:-1] + ', "x": ' + "9" * 4_301 + "}",
        "too many digits",
    ),
    "lone surrogate": (
        lambda: signed_text().replace('"name": "', '"name": "\\ud800', 1),
        "lone surrogate",
    ),
    "relative @context string": (
        lambda: json.dumps({**signed_badge(), "@context": [*sample_badge()["@context"], "ctx"]}),
        "unknown JSON-LD context 'ctx'",
    ),
    "statusListIndex Infinity": (
        lambda: (
            signed_text()[:-1]
            + ', "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose":'
            ' "revocation", "statusListIndex": Infinity, "statusListCredential": "https://x.org/1"}}'
        ),
        "Infinity is not a JSON number",
    ),
    "AttributeError inside pyld": (
        lambda: json.dumps({"@context": [], "@included": ["@list"]}),
        "invalid JSON-LD (AttributeError)",
    ),
    "10,000 values of one property (H4)": (
        lambda: json.dumps(
            {
                **signed_badge(),
                "credentialSubject": {
                    **sample_badge()["credentialSubject"],
                    "id": "did:example:learner",
                    "type": ["AchievementSubject"],
                    "achievement": {
                        **sample_badge()["credentialSubject"]["achievement"],
                        "tag": [str(i) for i in range(10_000)],
                    },
                },
            }
        ),
        "'tag' has 10,000 values (limit 1,000)",
    ),
}


@pytest.mark.parametrize("case", RAW_CASES)
def test_l1_unusable_json_exits_2_naming_the_reason(tmp_path: Path, case: str) -> None:
    make, reason = RAW_CASES[case]
    path = tmp_path / "in.json"
    path.write_text(make(), encoding="utf-8", errors="surrogatepass")
    result = wallet("verify", "--json", path, check=False)
    assert result.returncode == 2, result.stderr
    assert reason in json.loads(result.stdout)["error"], result.stdout


def test_l1_one_bad_file_in_a_multi_file_import_is_refused_by_name(tmp_path: Path) -> None:
    """A PNG whose zTXt chunk is a decompression bomb, between two good files: the import
    used to abort with a traceback and keep neither."""
    from tests.support import distinctive_badge, run, vpqr_with_valid_from, ztxt_bomb

    wallet_dir = tmp_path / "wallet"
    run(wallet_dir, "init")
    good = []
    for number in range(2):
        good.append(tmp_path / f"good{number}.json")
        good[-1].write_text(json.dumps(distinctive_badge(number)))
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(ztxt_bomb())
    vpqr = tmp_path / "dcc.txt"
    vpqr.write_text(vpqr_with_valid_from(10**19))
    result = run(wallet_dir, "import", good[0], bomb, vpqr, good[1], check=False)
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines[1:3]] == [
        ["refused", f"{bomb}:"],
        ["refused", f"{vpqr}:"],
    ]
    assert lines[1].endswith(ENGLISH("error.image"))  # what it is, not the library's words
    assert lines[2].endswith(ENGLISH("error.payload"))
    assert json.loads(run(wallet_dir, "list", "--json").stdout)["total"] == 2


def test_l1_damaged_vault_header_is_a_typed_refusal(tmp_path: Path) -> None:
    import sqlite3

    from tests.support import run

    wallet_dir = tmp_path / "wallet"
    run(wallet_dir, "init")
    with sqlite3.connect(wallet_dir / "wallet.db") as db:
        [(text,)] = db.execute("SELECT value FROM meta WHERE key = 'header'").fetchall()
        header = {**json.loads(text), "kdf": "damaged"}
        db.execute("UPDATE meta SET value = ? WHERE key = 'header'", [json.dumps(header)])
    result = run(wallet_dir, "list", "--json", check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert said(result) == ENGLISH("error.kdf_refused")
    assert "the key derivation is not Argon2id" in json.loads(result.stdout)["error"]
