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
