"""A field link on one machine: the server in a network namespace of its own, joined to the host by two TUN
devices, and a relay between them that passes each IP packet the way a mobile link would, with a rate, a delay,
jitter, loss, and cuts.

Linux's ``tc qdisc netem`` does this in the kernel, but it is not built into every kernel (this machine's has
``tbf`` and ``htb`` only), so the relay does netem's work in user space on real packets: the device's and the
server's kernels run real TCP over it, with its retransmissions, timeouts and congestion control. Per direction
the relay is netem's model: a packet is lost with probability ``loss`` (every packet while the link is cut), waits
for the link (``rate``: a 1,500-byte packet holds a 64 kbit/s link for 0.19 s), then arrives ``delay`` ± ``jitter``
later, in order, as a mobile radio link delivers; at most ``QUEUE_LIMIT`` packets wait, more are dropped.

    with FieldLink(PROFILES["2G"]) as link:      # root only; see ``unavailable()``
        link.behind([...command...])               # e.g. the server, started inside the namespace
        link.counters()                            # bytes and packets carried and dropped, each way

Only addresses on the two TUN devices are used: ``device_address`` (10.213.N.1) on the host, where the device runs,
and ``server_address`` (10.213.N.2) in the namespace, behind the link. Nothing leaves the machine. The namespace,
its TUN devices and the relay are removed when the block ends, whatever happened in it, and a namespace left behind
by a process that was killed is removed the next time a link is made.
"""

import contextlib
import fcntl
import heapq
import json
import os
import random
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

NAMESPACE_PREFIX = "outpost-field-"
QUEUE_LIMIT = 1_000  # packets waiting per direction, as netem's default limit
_TUNSETIFF = 0x400454CA
_IFF_TUN, _IFF_NO_PI = 0x0001, 0x1000
_MAX_LINKS = 200
_READY_TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class LinkProfile:
    """How a link behaves each way; ``cut_for_s`` of every ``cut_every_s`` it carries nothing (0: never cut)."""

    name: str
    rate_kbit: float
    delay_ms: float
    jitter_ms: float = 0.0
    loss: float = 0.0
    cut_every_s: float = 0.0
    cut_for_s: float = 0.0

    def describe(self) -> str:
        parts = [f"{self.rate_kbit:g} kbit/s", f"{self.delay_ms:g} ms"]
        if self.jitter_ms:
            parts[-1] += f" ± {self.jitter_ms:g} ms"
        if self.loss:
            parts.append(f"{self.loss:.0%} loss")
        if self.cut_every_s:
            parts.append(f"cut {self.cut_for_s:g} s every {self.cut_every_s:g} s")
        return ", ".join(parts)

    def cut_at(self, seconds_since_start: float) -> bool:
        """Whether the link is cut at this moment. The link starts up; each period ends with the cut."""
        if not self.cut_every_s:
            return False
        return seconds_since_start % self.cut_every_s >= self.cut_every_s - self.cut_for_s


PROFILES = {
    "2G": LinkProfile("2G", rate_kbit=64, delay_ms=300, jitter_ms=100, loss=0.05),
    "3G": LinkProfile("3G", rate_kbit=750, delay_ms=150, loss=0.01),
    "cut": LinkProfile(
        "3G cut 30 s every minute", rate_kbit=750, delay_ms=150, loss=0.01, cut_every_s=60, cut_for_s=30
    ),
}


def unavailable() -> str | None:
    """Why a field link cannot be made here (None when it can): it needs root, ``ip`` and ``/dev/net/tun``."""
    if os.geteuid() != 0:
        return "field links need root (network namespaces and TUN devices)"
    if shutil.which("ip") is None:
        return "field links need the ip command (iproute2)"
    if not os.access("/dev/net/tun", os.R_OK | os.W_OK):
        return "field links need /dev/net/tun"
    return None


@dataclass
class Direction:
    """One way of the link: what it carried and dropped."""

    packets: int = 0
    bytes: int = 0
    dropped_packets: int = 0
    dropped_bytes: int = 0


@dataclass
class Counters:
    """Both ways, from the relay: ``up`` is device to server, ``down`` server to device."""

    up: Direction = field(default_factory=Direction)
    down: Direction = field(default_factory=Direction)

    @property
    def bytes(self) -> int:
        return self.up.bytes + self.down.bytes


class FieldLink:
    """The namespace, the TUN pair and the relay for one link; a context manager that always cleans up."""

    def __init__(self, profile: LinkProfile, *, seed: int = 1, work_dir: Path | None = None):
        self.profile = profile
        self.seed = seed
        self.work_dir = work_dir or Path("/tmp")
        self.namespace = ""
        self.device_address = self.server_address = ""
        self.started = 0.0  # time.monotonic() when the link came up: the cut schedule counts from here
        self._relay: subprocess.Popen[str] | None = None
        self._counters_file = Path()
        self._number_lock: int | None = None  # held while the link lives: its number (and subnet) is ours

    def __enter__(self) -> "FieldLink":
        reason = unavailable()
        if reason:
            raise RuntimeError(reason)
        _remove_abandoned_namespaces()
        try:
            self._make()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._relay is not None and self._relay.poll() is None:
            self._relay.terminate()
            try:
                self._relay.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._relay.kill()
                self._relay.wait()
        if self.namespace:
            subprocess.run(["ip", "netns", "delete", self.namespace], capture_output=True, check=False)
        if self._number_lock is not None:
            os.close(self._number_lock)  # releases the number's lock
            self._number_lock = None

    def behind(self, command: Sequence[str]) -> list[str]:
        """``command`` run inside the namespace, behind the link (where the server goes)."""
        return ["ip", "netns", "exec", self.namespace, *command]

    def is_cut(self) -> bool:
        return self.profile.cut_at(time.monotonic() - self.started)

    def seconds_until_cut(self) -> float:
        """How long until the next cut starts (0 while cut; infinite on a link that is never cut)."""
        if not self.profile.cut_every_s:
            return float("inf")
        into_period = (time.monotonic() - self.started) % self.profile.cut_every_s
        return max(self.profile.cut_every_s - self.profile.cut_for_s - into_period, 0.0)

    def counters(self) -> Counters:
        """What the relay has carried and dropped so far (it writes them every 0.2 s and when it stops)."""
        try:
            saved = json.loads(self._counters_file.read_text())
        except (OSError, ValueError):
            return Counters()
        return Counters(up=Direction(**saved["up"]), down=Direction(**saved["down"]))

    def _make(self) -> None:
        number = self._claim_namespace()
        self.device_address, self.server_address = f"10.213.{number}.1", f"10.213.{number}.2"
        host_tun, field_tun = f"ofh{os.getpid() % 100_000}x{number}", f"off{os.getpid() % 100_000}x{number}"
        self._counters_file = self.work_dir / f"{self.namespace}.counters.json"
        profile = json.dumps(asdict(self.profile))
        self.started = time.monotonic()  # CLOCK_MONOTONIC is the same clock in every process of the machine
        self._relay = subprocess.Popen(
            [sys.executable, "-m", "bench.field_link", host_tun, field_tun, profile, str(self.seed),
             str(self._counters_file), repr(self.started)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )  # fmt: skip
        assert self._relay.stdout is not None
        ready = _read_line(self._relay, _READY_TIMEOUT_S)
        if ready != "ready":
            raise RuntimeError(f"the link relay did not start: {ready!r}")
        in_namespace = ["ip", "netns", "exec", self.namespace]
        for command in (
            ["ip", "link", "set", field_tun, "netns", self.namespace],
            ["ip", "addr", "add", self.device_address, "peer", self.server_address, "dev", host_tun],
            ["ip", "link", "set", host_tun, "up"],
            [*in_namespace, "ip", "addr", "add", self.server_address, "peer", self.device_address, "dev", field_tun],
            [*in_namespace, "ip", "link", "set", field_tun, "up"],
            [*in_namespace, "ip", "link", "set", "lo", "up"],
        ):
            subprocess.run(command, capture_output=True, check=True)

    def _claim_namespace(self) -> int:
        """The first free number. A number is claimed by locking its file for the link's life: the namespace's name
        holds our pid, and its subnet is in use only once the relay is up, so neither stops another process (another
        test worker, a bench run) from taking the same number meanwhile. A process that dies drops its locks."""
        for number in range(1, _MAX_LINKS):
            lock = os.open(f"/tmp/{NAMESPACE_PREFIX}{number}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(lock)
                continue
            self._number_lock = lock
            name = f"{NAMESPACE_PREFIX}{os.getpid()}-{number}"
            if subprocess.run(["ip", "netns", "add", name], capture_output=True, check=False).returncode == 0:
                if not _subnet_in_use(number):
                    self.namespace = name
                    return number
                subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)
            os.close(lock)
            self._number_lock = None
        raise RuntimeError("no free field link number")


def _subnet_in_use(number: int) -> bool:
    shown = subprocess.run(["ip", "-o", "addr", "show"], capture_output=True, text=True, check=False).stdout
    return f" 10.213.{number}." in shown


def _remove_abandoned_namespaces() -> None:
    """Namespaces of field links whose process is gone (it was killed before it could clean up)."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    for line in listed.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(NAMESPACE_PREFIX):
            continue
        owner = name.removeprefix(NAMESPACE_PREFIX).split("-", 1)[0]
        if owner.isdigit() and not _alive(int(owner)):
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout):
        return ""
    return process.stdout.readline().strip()


# --- the relay (its own process, so the device's work in the test process cannot delay a packet) --------------


def _open_tun(name: str) -> int:
    descriptor = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(descriptor, _TUNSETIFF, struct.pack("16sH", name.encode(), _IFF_TUN | _IFF_NO_PI))
    return descriptor


@dataclass
class _Way:
    """One direction's state in the relay."""

    counters: Direction = field(default_factory=Direction)
    link_free_at: float = 0.0
    last_arrival: float = 0.0
    waiting: int = 0


class Relay:
    """Moves packets between the two TUN devices as ``profile`` says; runs until SIGTERM."""

    def __init__(
        self, host_tun: str, field_tun: str, profile: LinkProfile, seed: int, counters_file: Path, started: float
    ):
        self.profile = profile
        self.rng = random.Random(seed)
        self.counters_file = counters_file
        self.host = _open_tun(host_tun)
        self.field = _open_tun(field_tun)
        self.ways = {self.host: _Way(), self.field: _Way()}  # keyed by the device a packet is read from
        self.pending: list[tuple[float, int, int, bytes]] = []  # (arrival, order, to, packet)
        self.order = 0
        self.started = started
        self.stopping = False

    def run(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stopping", True))
        selector = selectors.DefaultSelector()
        for descriptor in (self.host, self.field):
            selector.register(descriptor, selectors.EVENT_READ)
        print("ready", flush=True)
        saved_at = 0.0
        while not self.stopping:
            now = time.monotonic()
            timeout = min(0.2, max(self.pending[0][0] - now, 0.0)) if self.pending else 0.2
            for key, _ in selector.select(timeout):
                self._take(key.fd)
            self._deliver(time.monotonic())
            if time.monotonic() - saved_at >= 0.2:
                self._save()
                saved_at = time.monotonic()
        self._save()

    def _take(self, source: int) -> None:
        while True:
            try:
                packet = os.read(source, 65_536)
            except BlockingIOError:
                return
            self._admit(source, packet, time.monotonic())

    def _admit(self, source: int, packet: bytes, now: float) -> None:
        way, profile = self.ways[source], self.profile
        lost = profile.cut_at(now - self.started) or self.rng.random() < profile.loss
        if lost or way.waiting >= QUEUE_LIMIT:
            way.counters.dropped_packets += 1
            way.counters.dropped_bytes += len(packet)
            return
        start = max(now, way.link_free_at)
        way.link_free_at = start + len(packet) * 8 / (profile.rate_kbit * 1000)
        spread = self.rng.uniform(-profile.jitter_ms, profile.jitter_ms) if profile.jitter_ms else 0.0
        arrival = max(way.link_free_at + max(profile.delay_ms + spread, 0.0) / 1000, way.last_arrival)
        way.last_arrival = arrival
        way.waiting += 1
        target = self.field if source == self.host else self.host
        self.order += 1
        heapq.heappush(self.pending, (arrival, self.order, target, packet))
        way.counters.packets += 1
        way.counters.bytes += len(packet)

    def _deliver(self, now: float) -> None:
        while self.pending and self.pending[0][0] <= now:
            _, _, target, packet = heapq.heappop(self.pending)
            source = self.field if target == self.host else self.host
            self.ways[source].waiting -= 1
            with contextlib.suppress(OSError):  # the device went down meanwhile: the packet is lost
                os.write(target, packet)

    def _save(self) -> None:
        counters = {"up": asdict(self.ways[self.host].counters), "down": asdict(self.ways[self.field].counters)}
        partial = self.counters_file.with_suffix(".partial")
        partial.write_text(json.dumps(counters))
        partial.replace(self.counters_file)


def main(argv: list[str]) -> None:
    host_tun, field_tun, profile, seed, counters_file, started = argv
    relay = Relay(host_tun, field_tun, LinkProfile(**json.loads(profile)), int(seed), Path(counters_file),
                  float(started))  # fmt: skip
    relay.run()


if __name__ == "__main__":
    main(sys.argv[1:])
