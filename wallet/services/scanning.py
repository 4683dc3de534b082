"""Reading QR codes from a camera, one picture at a time. Most pictures hold no code (the
phone is still moving) or one the scan already has; a sequence of frames is put together
in whatever order the camera catches them, repeats ignored, until it is complete. The
same scans read photos picked from files, so both paths give the same answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from wallet.qr import frames, images
from wallet.qr.errors import NoQrCode

T = TypeVar("T")


# Codes from other wallets and issuers' sites a learner adds (VPQR, a link to a credential
# or an exchange): each whole in one code, read as `sources` reads a pasted text
OTHER_CODES = ("VC1-", "VP1-", "https://", "dccrequest://", "org.dcconsortium://")


class FrameScan:
    """A presentation or credential: one `LW1` code or every `LWF` frame of a sequence;
    with `other_codes` (the add screen), also one code from another wallet or an issuer's
    site (`OTHER_CODES`), complete as soon as it is read."""

    def __init__(self, *, other_codes: bool = False) -> None:
        self._assembler = frames.Reassembler()
        self._other_codes = other_codes
        self._other = False  # one of OTHER_CODES was read: the scan is complete
        self.texts: list[str] = []  # each distinct code read, in the order the camera saw it

    def feed(self, picture: bytes) -> bool:
        """True once every frame is read. A code from another sequence, or one that is not a
        wallet code, raises `PayloadError` and leaves what was read so far untouched."""
        try:
            found = images.decode_image(picture)
        except NoQrCode:
            return self.complete
        for text in found:
            if text in self.texts:
                continue
            if self._other_codes and not self.texts and text.startswith(OTHER_CODES):
                self._other = True  # kept as read; `sources` says what it is
            else:
                self._assembler.add(text)
            self.texts.append(text)
            if self._other:
                break
        return self.complete

    @property
    def progress(self) -> tuple[int, int]:
        """(codes read, codes in the sequence); (0, 0) before the first one."""
        return (1, 1) if self._other else self._assembler.progress

    @property
    def missing(self) -> list[int]:
        """The frame numbers (from 1) not read yet."""
        total = self._assembler.total
        return [n + 1 for n in range(total) if n not in self._assembler.parts]

    @property
    def complete(self) -> bool:
        if self._other:
            return True
        read, total = self.progress
        return total > 0 and read == total

    @property
    def result(self) -> list[str]:
        return self.texts


def as_source(name: str, texts: list[str]) -> tuple[str, bytes]:
    """Scanned codes as one source, a line per code, as if pasted: `sources.parse_source`
    reads it like a file, so a scan imports (a credential, an authorisation) as files do."""
    return name, "\n".join(texts).encode()


class OneCode(Generic[T]):
    """A single code that `read` turns into a value (a verifier's challenge, a receive code);
    `read` raises `NoQrCode` for a picture without one."""

    def __init__(self, read: Callable[[bytes], T]) -> None:
        self._read = read
        self.result: T | None = None

    def feed(self, picture: bytes) -> bool:
        try:
            self.result = self._read(picture)
        except NoQrCode:
            return False
        return True

    @property
    def progress(self) -> tuple[int, int]:
        return (1, 1) if self.result is not None else (0, 1)

    @property
    def missing(self) -> list[int]:
        return []
