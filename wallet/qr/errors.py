"""Payloads we cannot read. Subclasses of the engine's UnusableInput: the CLI maps them to
exit code 2 like any other unusable input."""

from wallet.vc.errors import UnusableInput


class PayloadError(UnusableInput):
    """Not one of our QR payloads, or a damaged one."""

    kind = "payload"


class IncompleteSequence(PayloadError):
    """Frames of a multi-frame sequence are still missing."""

    kind = "incomplete"

    def __init__(self, missing: list[int], total: int) -> None:
        listed = ", ".join(str(n + 1) for n in missing[:10]) + ("…" if len(missing) > 10 else "")
        super().__init__(f"frames {listed} of {total} are missing")
        self.missing = missing
        self.total = total
        self.params = {"count": len(missing), "total": total}


class UnreadableImage(PayloadError):
    """A picture that is not a PNG or JPEG, is damaged, or is larger than is read."""

    kind = "image"


class NoQrCode(PayloadError):
    """An image in which no QR code could be found."""

    kind = "no_qr"
