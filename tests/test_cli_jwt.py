"""The JWT formats from the command line: `wallet verify` dispatches by format, the
backpack imports a token, and `wallet present --sd-jwt` answers a verifier's nonce."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import sample_badge
from tests.support import ENGLISH, run, wallet
from wallet.vc import did_key, jose, sd_jwt_vc, vc_jwt
from wallet.vc.jwk import Jwk
from wallet.vc.multibase import b64url_encode
from wallet.vc.multikey import KeyPair, KeyType

ISSUER = KeyPair.generate(KeyType.P256)


def test_wallet_verify_reads_a_vc_jwt_and_refuses_an_unsigned_one(tmp_path: Path) -> None:
    badge = sample_badge()
    badge["issuer"]["id"] = did_key.did_for(ISSUER.public)
    token = vc_jwt.sign_ob3(
        badge, jose.KeyPairSigner(ISSUER), kid=did_key.verification_method_id(ISSUER.public)
    )
    good = tmp_path / "badge.jwt"
    good.write_text(token)
    result = wallet("verify", "--now", "2026-06-01T00:00:00Z", good)
    assert result.stdout.startswith("VERIFIED") and "claims" in result.stdout
    head, body, signature = token.split(".")
    claims = json.loads(jose.parse(token).payload)
    claims["vc"]["credentialSubject"]["achievement"]["name"] = "Forged"
    forged = tmp_path / "forged.jws"
    forged.write_text(f"{head}.{b64url_encode(json.dumps(claims).encode())}.{signature}")
    assert wallet("verify", forged, check=False).returncode == 1
    unsigned = tmp_path / "unsigned.jwt"
    none = b64url_encode(json.dumps({"alg": "none"}).encode())
    unsigned.write_text(f"{none}.{body}.c2ln")
    refused = wallet("verify", unsigned, check=False)
    assert refused.returncode == 2 and ENGLISH("error.token_unsigned") in refused.stderr


def test_an_sd_jwt_vc_is_imported_and_presented_from_the_command_line(tmp_path: Path) -> None:
    folder = tmp_path / "wallet"
    run(folder, "init")
    holder_did = json.loads(run(folder, "receive", "--key-type", "p256", "--json").stdout)["did"]
    holder = did_key.resolve(holder_did)
    assert holder is not None
    issuer_did = did_key.did_for(ISSUER.public)
    claims = {
        "iss": issuer_did,
        "vct": "urn:eu.europa.ec.eudi:learning:credential:1",
        "iat": int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()),
        "achievement_title": "Water-point repair",
        "given_name": "Amina",
        "family_name": "Diallo",
    }
    issued = sd_jwt_vc.issue(
        claims,
        jose.KeyPairSigner(ISSUER),
        disclosable=["/given_name", "/family_name"],
        kid=did_key.verification_method_id(ISSUER.public),
        holder=Jwk.from_public_key(holder.public_key),
    )
    source = tmp_path / "learning.sd-jwt"
    source.write_text(issued)
    imported = run(folder, "import", source).stdout.split()
    assert imported[0] == "imported"
    listed = json.loads(run(folder, "list", "--json").stdout)["credentials"]
    assert [c["name"] for c in listed] == ["Water-point repair"]
    assert run(folder, "export", imported[1]).stdout.strip() == issued  # as received

    out = tmp_path / "presented.txt"
    args = ["--challenge", "n-123", "--domain", "https://employer.example"]
    run(folder, "present", imported[1], "--sd-jwt", out, "--reveal", "/given_name", *args)
    assert "family_name" not in sd_jwt_vc.disclosed_claims(out.read_text())
    assert wallet("verify", *args, out).stdout.startswith("VERIFIED")
    replayed = wallet("verify", "--challenge", "n-other", "--domain", args[3], out, check=False)
    assert replayed.returncode == 1 and "nonce" in replayed.stdout
