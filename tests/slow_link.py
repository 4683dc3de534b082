"""A 2G-class link between a network namespace and this host, for the slow-link sync test.

The link is netem (rate, delay, loss) on a veth pair where the kernel has the netem qdisc.
Where it does not (this project's build machines: "qdisc kind is unknown"), the same three
numbers are applied by a user-space link: a TUN device on each side and this module, run as
`python -m tests.slow_link`, carrying IP packets between them one at a time, serialised at
the rate, held for the delay, and dropped at random with the loss probability. TCP on both
ends is the kernel's own either way.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import SLOW_LINK_HOST

RATE_BITS = 40_000
DELAY_S = 0.4
LOSS = 0.03

_TUNSETIFF = 0x400454CA
_IFF_TUN, _IFF_NO_PI = 0x0001, 0x1000
_CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class Link:
    namespace: str  # run the client with `ip netns exec <namespace> …`
    host_address: str  # where a server on this host is reached from the namespace
    kind: str  # "netem" or "tun"


def _ip(*args: str, namespace: str | None = None) -> subprocess.CompletedProcess[str]:
    prefix = ["ip", "netns", "exec", namespace] if namespace else []
    return subprocess.run([*prefix, "ip", *args], capture_output=True, text=True, check=True)


def _netem(device: str, namespace: str | None = None) -> bool:
    prefix = ["ip", "netns", "exec", namespace] if namespace else []
    shape = ["rate", f"{RATE_BITS // 1000}kbit", "delay", f"{int(DELAY_S * 1000)}ms"]
    done = subprocess.run(
        [*prefix, "tc", "qdisc", "add", "dev", device, "root", "netem", *shape, "loss", "3%"],
        check=False,
        capture_output=True,
        text=True,
    )
    return done.returncode == 0


@contextlib.contextmanager
def slow_link() -> Iterator[Link]:
    """A namespace whose only route to this host is the slow link; removed on exit."""
    tag = f"{os.getpid() % 10000}"
    namespace, host_side, far_side = f"lw{tag}", f"lwh{tag}", f"lwn{tag}"
    host_address, far_address = SLOW_LINK_HOST, "10.77.0.2"
    _ip("netns", "add", namespace)
    emulator: subprocess.Popen[str] | None = None
    try:
        _ip("link", "set", "lo", "up", namespace=namespace)
        _ip("link", "add", host_side, "type", "veth", "peer", "name", far_side)
        _ip("link", "set", far_side, "netns", namespace)
        if _netem(host_side) and _netem(far_side, namespace):
            kind = "netem"
        else:
            _ip("link", "del", host_side)  # the peer in the namespace goes with it
            emulator = subprocess.Popen(
                [sys.executable, "-m", "tests.slow_link", namespace, host_side, far_side],
                cwd=Path(__file__).resolve().parent.parent,
                stdout=subprocess.PIPE,
                text=True,
            )
            if emulator.stdout is None or emulator.stdout.readline().strip() != "ready":
                raise RuntimeError("the user-space link did not start")
            kind = "tun"
        _ip("addr", "add", f"{host_address}/30", "dev", host_side)
        _ip("link", "set", host_side, "up")
        _ip("addr", "add", f"{far_address}/30", "dev", far_side, namespace=namespace)
        _ip("link", "set", far_side, "up", namespace=namespace)
        yield Link(namespace, host_address, kind)
    finally:
        if emulator:
            emulator.terminate()
            emulator.wait(10)
        subprocess.run(["ip", "link", "del", host_side], check=False, capture_output=True)
        subprocess.run(["ip", "netns", "del", namespace], check=False, capture_output=True)


def _open_tun(name: str) -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, _TUNSETIFF, struct.pack("16sH", name.encode(), _IFF_TUN | _IFF_NO_PI))
    return fd


def _enter_namespace(namespace: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    with open(f"/run/netns/{namespace}") as handle:
        if libc.setns(handle.fileno(), _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"cannot enter network namespace {namespace}")


def carry(here: int, there: int, rng: random.Random) -> None:
    """Move packets both ways until terminated. Each direction is its own wire: a packet
    waits for the one before it to finish serialising, then travels for the delay."""
    peer = {here: there, there: here}
    wire_free_at = {here: 0.0, there: 0.0}
    in_flight: list[tuple[float, int, int, bytes]] = []
    sequence = 0
    while True:
        timeout = max(0.0, in_flight[0][0] - time.monotonic()) if in_flight else None
        readable, _, _ = select.select([here, there], [], [], timeout)
        now = time.monotonic()
        for source in readable:
            packet = os.read(source, 65536)
            if rng.random() < LOSS:
                continue
            sent = max(now, wire_free_at[source]) + len(packet) * 8 / RATE_BITS
            wire_free_at[source] = sent
            sequence += 1
            heapq.heappush(in_flight, (sent + DELAY_S, sequence, peer[source], packet))
        while in_flight and in_flight[0][0] <= time.monotonic():
            _, _, destination, packet = heapq.heappop(in_flight)
            os.write(destination, packet)


def main(namespace: str, host_side: str, far_side: str) -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    here = _open_tun(host_side)
    _enter_namespace(namespace)
    there = _open_tun(far_side)  # the descriptor stays valid back in any namespace
    print("ready", flush=True)
    carry(here, there, random.Random(7))


if __name__ == "__main__":
    main(*sys.argv[1:4])
