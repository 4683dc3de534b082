"""QR codes to and from images.

Rendering uses `qrcode` (pure Python). Decoding uses zxing-cpp where it is installed,
else pyzbar, else OpenCV: Flet's Android package index has no zxing-cpp.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import qrcode
import qrcode.constants
from qrcode.util import MODE_ALPHA_NUM, QRData

from wallet.qr.errors import NoQrCode, PayloadError, UnreadableImage

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

Decoder = Callable[["Picture"], list[str]]

_MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48 Mpx camera's binned 12 Mpx photo fits three times over
_DECODE_PIXELS = 2_000_000  # a version-24 code a third of the frame high keeps 3 px/module


def render_png(text: str, *, box_size: int = 8) -> tuple[bytes, int]:
    """A high-contrast PNG (black on white, 4-module quiet zone) and its QR version."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_L, box_size=box_size, border=4
    )
    mode = MODE_ALPHA_NUM if all(c in _ALPHANUMERIC for c in text) else None
    # types-qrcode declares MODE_ALPHA_NUM `int` where QRData takes Literal[1, 2, 4]
    code.add_data(QRData(text, mode=mode) if mode else text, optimize=0)  # type: ignore[call-overload]
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue(), code.version


def render_pngs(texts: list[str]) -> list[bytes]:
    """The codes a screen shows: dark modules on white whatever the theme, so they scan
    in dark mode too."""
    return [render_png(text, box_size=6)[0] for text in texts]


_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def _open(data: bytes) -> Picture:
    """Decode a PNG or JPEG only after its header says it is small enough. Pillow's own
    bomb check raises only at twice `MAX_IMAGE_PIXELS` (below that it merely warns), so
    the cap is ours; big camera frames are shrunk, since QR decoders need no more."""
    from PIL import Image

    if len(data) > _MAX_IMAGE_BYTES:
        raise UnreadableImage("the image is too large to scan")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image: Picture = Image.open(io.BytesIO(data), formats=["PNG", "JPEG"])  # header only
    except Image.DecompressionBombError:
        raise UnreadableImage(
            f"the image has over {2 * MAX_PIXELS:,} pixels; at most {MAX_PIXELS:,} pixels are read"
        ) from None
    except _UNREADABLE:
        raise UnreadableImage("not a readable PNG or JPEG image") from None
    if image.width * image.height > MAX_PIXELS:
        raise UnreadableImage(
            f"the image is {image.width} x {image.height} pixels; "
            f"at most {MAX_PIXELS:,} pixels are read"
        )
    try:
        if image.width * image.height > _DECODE_PIXELS:
            image.draft("L", _shrunk(image.size))  # JPEG decodes at 1/2, 1/4 or 1/8 size
        image.load()
    except _UNREADABLE:
        raise UnreadableImage("not a readable PNG or JPEG image") from None
    if image.width * image.height > _DECODE_PIXELS:
        image = image.convert("L").resize(_shrunk(image.size), Image.Resampling.BOX)
    return image


# What Pillow raises on a damaged file: OSError (UnidentifiedImageError, truncated data),
# SyntaxError (chunks out of order), EOFError, and ValueError (a zTXt or iTXt chunk that
# inflates past PngImagePlugin.MAX_TEXT_CHUNK: a decompression bomb in the metadata).
_UNREADABLE = (OSError, SyntaxError, ValueError, EOFError)


def _shrunk(size: tuple[int, int]) -> tuple[int, int]:
    scale = math.sqrt(_DECODE_PIXELS / (size[0] * size[1]))
    return max(1, int(size[0] * scale)), max(1, int(size[1] * scale))


def _with_zxing(image: Picture) -> list[str]:
    import zxingcpp

    return [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


def _with_pyzbar(image: Picture) -> list[str]:
    from pyzbar import pyzbar

    return [r.data.decode("utf-8", "replace") for r in pyzbar.decode(image) if r.type == "QRCODE"]


def _with_opencv(image: Picture) -> list[str]:
    """OpenCV's decoder misses some dense codes at one scale that it reads at another
    (~85% of version-15 codes at the rendered size, ~97% across these tries)."""
    import cv2
    import numpy

    detector = cv2.QRCodeDetector()
    gray = image.convert("L")
    single = detector.detectAndDecode(numpy.array(gray))[0]
    if single:
        return [single]
    for scale in (1.0, 0.75, 0.5, 1.5):
        resized = gray.resize((int(gray.width * scale), int(gray.height * scale)))
        found, texts, _, _ = detector.detectAndDecodeMulti(numpy.array(resized))
        if found and any(texts):
            return [t for t in texts if t]
    return []


def _backends() -> list[tuple[str, Decoder]]:
    available: list[tuple[str, Decoder]] = []
    for name, module, decoder in (
        ("zxing-cpp", "zxingcpp", _with_zxing),
        ("pyzbar", "pyzbar", _with_pyzbar),
        ("opencv", "cv2", _with_opencv),
    ):
        try:
            __import__(module)
        except ImportError:
            continue
        available.append((name, decoder))
    return available


def decode_image(data: bytes) -> list[str]:
    """Every QR code's text in a PNG or JPEG, with the first decoder that is installed."""
    image = _open(data)
    backends = _backends()
    if not backends:
        raise PayloadError("no QR decoder is installed (zxing-cpp, pyzbar or OpenCV)")
    texts = backends[0][1](image)
    if not texts:
        raise NoQrCode("no QR code was found in the image")
    return texts
