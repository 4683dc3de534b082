"""Every QR decoder the app may run on: zxing-cpp (desktop, web), and the fallbacks
Android uses because Flet's Android index has no zxing-cpp: pyzbar, then OpenCV."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image

from tests.support import holder_with
from wallet.qr import base45, compact, frames, images

BACKENDS = {
    "zxing-cpp": images._with_zxing,
    "pyzbar": images._with_pyzbar,
    "opencv": images._with_opencv,
}


# a fixed payload the size of the standard presentation (465 bytes: QR version 15)
PAYLOAD = compact.PREFIX + base45.encode(random.Random(15).randbytes(465))


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_decoder_reads_a_version_15_code(backend: str) -> None:
    try:
        decode = BACKENDS[backend]
        decode(Image.new("RGB", (8, 8), "white"))
    except ImportError as missing:  # pyzbar needs the system's libzbar0
        pytest.skip(f"{backend} is not usable here: {missing}")
    png, version = images.render_png(PAYLOAD)
    assert version == 15
    assert decode(Image.open(io.BytesIO(png))) == [PAYLOAD]


def test_a_real_presentation_through_the_installed_decoder(tmp_path: Path) -> None:
    pack, [record_id] = holder_with(tmp_path, "ecdsa-sd-2023")
    document = pack.present([record_id], ["/credentialSubject/name"]).document
    [text] = frames.split(compact.encode(document), 15)
    assert images.decode_image(images.render_png(text)[0]) == [text]


def test_the_first_installed_decoder_is_used() -> None:
    assert next(name for name, _ in images._backends()) == "zxing-cpp"
