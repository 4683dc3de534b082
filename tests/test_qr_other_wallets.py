"""Issue 14, QR codes from other wallets: the DCC wallet's VPQR in its base32 text form
(`VC1-B…`/`VP1-B…`), a presentation code carrying one credential, and a code that is only
an https address of a credential (fetched through the network module when allowed)."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import load_json, read_text
from wallet.qr import base45, cbor_ld
from wallet.qr.errors import PayloadError
from wallet.services.learner import sources
from wallet.services.scanning import as_source
from wallet.vc.errors import MalformedInput

NAMES = ["derived-ecdsa-sd-2023", "signed-eddsa-rdfc-2022", "signed-ecdsa-rdfc-2019"]


def _base32(text: str) -> str:
    """The same VPQR code in the base32 form (multibase `B`) earlier DCC releases wrote."""
    data = base45.decode(text[5:])
    return text[:4] + "B" + base64.b32encode(data).decode().rstrip("=")


@pytest.mark.parametrize("name", NAMES)
def test_vpqr_base32_form_reads_as_its_base45_form(name: str) -> None:
    original = read_text("vectors", "vpqr", f"{name}.txt").strip()
    published = load_json("vectors", "vpqr", f"{name}.json")
    assert cbor_ld.decode_text(_base32(original)) == published
    scanned = as_source("scan", [_base32(original)])[1]  # as the camera hands it over
    assert sources.read_credential("scan", scanned) == published


def test_vpqr_base32_form_damaged_is_refused_by_name() -> None:
    original = _base32(read_text("vectors", "vpqr", "signed-eddsa-rdfc-2022.txt").strip())
    for damaged in (original[:5] + original[5:].lower(), original[:5] + "1" + original[6:]):
        with pytest.raises(PayloadError):
            cbor_ld.decode_text(damaged)
    with pytest.raises(PayloadError):
        cbor_ld.decode_text(original[:-7])  # cut short: not whole CBOR-LD


def test_vpqr_presentation_code_gives_its_one_credential() -> None:
    credential = load_json("vectors", "vpqr", "signed-eddsa-rdfc-2022.json")
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [credential],
    }
    assert sources.presented(presentation) == [credential]
    assert sources.presented(credential) is None  # not a presentation
    with pytest.raises(MalformedInput, match="holds 0 usable credentials"):
        sources.presented({**presentation, "verifiableCredential": []})


@pytest.mark.parametrize(
    "text", ["https://issuer.example/credentials/7", "  https://issuer.example/c?id=7\n"]
)
def test_a_code_that_is_a_credentials_address_needs_a_connection(text: str) -> None:
    with pytest.raises(sources.CredentialAtUrl) as named:
        sources.read_credential("scan", as_source("scan", [text])[1])
    assert named.value.params == {"url": text.strip()}
    for not_a_link in ("http://issuer.example/c", "https://a.example/x y"):
        with pytest.raises(MalformedInput):
            sources.read_credential("scan", not_a_link.encode())
