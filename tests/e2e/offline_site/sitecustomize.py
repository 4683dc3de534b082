"""Loaded by the app process under test (PYTHONPATH): any connection beyond loopback is
an error, so the browser tests prove the app itself works with the network blocked."""

import socket

_connect = socket.socket.connect


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in (
        "127.0.0.1",
        "::1",
        "localhost",
    ):
        raise OSError(f"network blocked in tests: {address!r}")
    return _connect(self, address)


socket.socket.connect = _loopback_only


def _right_to_left() -> None:
    """WALLET_TEST_RTL=1: every page is laid out right to left, as an Arabic or Hebrew
    catalog would set it, so a test can see that no screen breaks mirrored. Patched at
    Flet's entry point: the wallet package is not importable yet while site runs."""
    import flet

    run = flet.run

    def mirrored(main, *args, **kwargs):
        async def rtl_main(page):
            page.rtl = True
            await main(page)

        return run(rtl_main, *args, **kwargs)

    flet.run = mirrored


if __import__("os").environ.get("WALLET_TEST_RTL") == "1":
    _right_to_left()
