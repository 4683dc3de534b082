"""The 1EdTech Open Badges 3.0 signed test vector (eddsa-rdfc-2022)."""

from __future__ import annotations

from tests.conftest import NOW, json_objects_in_html, read_text
from tests.support import english
from wallet.vc import eddsa_rdfc_2022
from wallet.vc.data_integrity import canonical, proof_configuration, resolve_offline, split_proofs
from wallet.vc.did_key import VerificationMethod
from wallet.vc.multikey import KeyPair
from wallet.vc.verification import verify_credential

FOLDER = ("vectors", "1edtech-ob3")
METHOD = "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
SECRET = (
    "zrv2bqTbNwCTsRrHFcJCPjVAduh4Ezcnoq1A3ZxH1GWTNkxipLVuaAoMFmze2gFN9oNXfJjufxSHWVZzsJiUsMHFMcx"
)


def signed_credential() -> dict:
    [signed] = [
        o for o in json_objects_in_html(*FOLDER, "linked-data-proof-ob.html") if "proof" in o
    ]
    return signed


def resolver():  # the vector's key is an https: verification method, held locally
    key = KeyPair.from_secret_multikey(SECRET)
    method = VerificationMethod(METHOD, "https://example.edu/issuers/565049", key.public)
    return resolve_offline({METHOD: method})


def test_canonical_forms_match_the_published_ones() -> None:
    document, [proof] = split_proofs(signed_credential())
    assert canonical(document).text() == read_text(*FOLDER, "document-canon.txt")
    assert canonical(proof_configuration(proof, document)).text() == read_text(
        *FOLDER, "proof-canon.txt"
    )


def test_signature_verifies_and_resigning_reproduces_it() -> None:
    signed = signed_credential()
    document, [proof] = split_proofs(signed)
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    assert eddsa_rdfc_2022.sign(document, options, KeyPair.from_secret_multikey(SECRET)) == signed
    report = verify_credential(signed, now=NOW, resolver=resolver())
    assert report.verified, report.to_json()
    assert [c.id for c in report.checks] == [
        "structure",
        "signature",
        "issuer",
        "validity",
        "status",
    ]
    assert english(report.checks[0]) == "Well-formed Open Badge 3.0."
