"""A loopback HTTP proxy that stands between devices and the real server and breaks sync requests on a seeded
schedule, the way mobile networks and overloaded servers do.

Each request gets its own connection to the server (``Connection: close``), so the proxy knows exactly where one
request ends and can decide its fate alone: pass it, cut it, delay it, or answer in the server's place. Only
``/api/v1/sync/...`` requests are broken; signing in passes untouched. Faults marked "after commit" let the server
finish the request (and commit) before the device is denied the answer, which is what makes a retry dangerous.
"""

import contextlib
import json
import random
import socket
import socketserver
import struct
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

SYNC_PREFIX = "/api/v1/sync/"
MAX_HEAD_BYTES = 64 * 1024
CLIENT_READ_TIMEOUT = 30.0
UPSTREAM_TIMEOUT = 180.0  # a big push on a busy machine may take a while; the device's own timeout is separate
DEVICE_GIVES_UP_WITHIN = 120.0  # a late request or answer waits this long at most for the device to time out


class Fault(StrEnum):
    DROP_REPLY = "drop_reply"  # after commit: the connection is reset instead of answering
    LATE_REPLY = "late_reply"  # after commit: the answer is held until the device has given up waiting
    LATE_REQUEST = "late_request"  # held until the device gave up, then delivered (commits after it gave up)
    ERROR_500 = "error_500"  # after commit: the device is told 500 instead of the real answer
    CUT_REQUEST = "cut_request"  # half the body reaches the server, then both connections close
    UNAVAILABLE_503 = "unavailable_503"  # answered without reaching the server
    THROTTLED_429 = "throttled_429"  # answered without reaching the server, with a Retry-After


AFTER_COMMIT = frozenset({Fault.DROP_REPLY, Fault.LATE_REPLY, Fault.LATE_REQUEST, Fault.ERROR_500})
_NEEDS_BODY = frozenset({Fault.CUT_REQUEST})


def request_kind(path: str) -> str:
    """``push``, ``pull``, ``login``... : the last part of an API path, for counting."""
    return path.rstrip("/").rsplit("/", 1)[-1]


class FaultSchedule:
    """Decides, from one seeded random generator, which sync requests fail and how, and counts what happened.

    ``rates`` gives the share of each kind of request (``push``, ``pull``) that is broken. ``injected`` counts faults
    by kind and request; ``after_commit`` counts, by request, the faults that came after the server had answered
    200, i.e. had committed the request's work, while the device never got that answer: the dangerous case.
    """

    def __init__(self, seed: int, *, rates: dict[str, float], weights: dict[Fault, float]):
        self.seed = seed
        self.rates = rates
        self.weights = weights
        self.enabled = True
        self.injected: Counter[str] = Counter()  # "<fault> on <push|pull>"
        self.after_commit: Counter[str] = Counter()  # "<push|pull>"
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.injected.values())

    def after_commit_on(self, kind: str) -> int:
        with self._lock:
            return self.after_commit[kind]

    def by_fault_and_request(self) -> dict[str, dict[str, int]]:
        """``{fault: {"push": n, "pull": n}}``, for the figures."""
        with self._lock:
            table: dict[str, dict[str, int]] = {}
            for key, count in sorted(self.injected.items()):
                fault, _, kind = key.partition(" on ")
                table.setdefault(fault, {})[kind] = count
            return table

    def decide(self, path: str, *, has_body: bool) -> tuple[Fault | None, int]:
        """The fault for this request (None: let it through) and, for a 429, the Retry-After seconds to send."""
        rate = self.rates.get(request_kind(path), 0.0) if path.startswith(SYNC_PREFIX) else 0.0
        with self._lock:
            if not self.enabled or self._rng.random() >= rate:
                return None, 0
            kinds = [kind for kind in self.weights if has_body or kind not in _NEEDS_BODY]
            fault = self._rng.choices(kinds, [self.weights[kind] for kind in kinds])[0]
            self.injected[f"{fault} on {request_kind(path)}"] += 1
            return fault, self._rng.randint(1, 30)

    def note_denied_answer(self, path: str, status: int) -> None:
        """The device never got the server's answer ``status`` to this request."""
        if status == 200:
            with self._lock:
                self.after_commit[request_kind(path)] += 1


class Upstream(Protocol):
    """The server behind the proxy: its loopback port, or None while it is not serving."""

    @property
    def port(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class _Request:
    path: str
    head: bytes  # request line and headers, rewritten to ``Connection: close``
    body: bytes


class FaultProxy:
    """Listens on a free loopback port and forwards to ``upstream``'s port, breaking what ``schedule`` says.

    ``upstream.port`` is read for every request, so a server restarted on another port is found; while it is None
    (the server is down) the device's connection is reset. A late request or reply is held until the device has
    given up on it (closed its connection), never for a set time. Two hooks let a test act at a known point, in the
    thread that carries the request: ``on_forwarded(path, n)`` once the n-th request for ``path`` has been handed to
    the server, and ``on_answer(path, n)`` once the server's whole n-th answer for ``path`` is in the proxy and
    before the device gets it; when it returns False the device never does (its connection is reset).
    """

    def __init__(self, upstream: Upstream, schedule: FaultSchedule | None = None):
        self.upstream = upstream
        self.schedule = schedule
        self.on_forwarded: Callable[[str, int], None] | None = None
        self.on_answer: Callable[[str, int], bool] | None = None
        self.requests: Counter[str] = Counter()
        self._forwarded: Counter[str] = Counter()
        self._answered: Counter[str] = Counter()
        self._active = 0
        self._idle = threading.Condition()
        self._server = _ThreadingServer(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FaultProxy":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    def wait_idle(self, timeout: float) -> None:
        """Wait until no request is in flight (held requests included), so the server's state is final."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._active == 0, timeout):
                raise TimeoutError(f"{self._active} proxied request(s) still in flight after {timeout} s")

    def handle(self, client: socket.socket) -> None:
        with self._idle:
            self._active += 1
        try:
            self._handle(client)
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def _handle(self, client: socket.socket) -> None:
        try:
            request = _read_request(client)
        except (OSError, ValueError):
            return
        with self._idle:
            self.requests[request_kind(request.path)] += 1
        fault, retry_after = (
            self.schedule.decide(request.path, has_body=bool(request.body)) if self.schedule else (None, 0)
        )
        if fault is Fault.UNAVAILABLE_503:
            _send_quietly(client, _canned(503, "Service Unavailable", "Injected: the server is unavailable."))
            return
        if fault is Fault.THROTTLED_429:
            answer = _canned(429, "Too Many Requests", "Injected: slow down.", {"Retry-After": str(retry_after)})
            _send_quietly(client, answer)
            return
        if fault is Fault.LATE_REQUEST and not _device_gave_up(client):
            fault = None  # the device is still waiting: this request is not late after all
        reply = self._forward(request, cut=fault is Fault.CUT_REQUEST)
        if not reply or fault in (Fault.DROP_REPLY, Fault.CUT_REQUEST) or not self._answer_goes_out(request.path):
            self._denied(request.path, reply, fault)
            _reset(client)
            return
        if fault is Fault.LATE_REPLY and not _device_gave_up(client):
            fault = None
        if fault in (Fault.LATE_REQUEST, Fault.LATE_REPLY, Fault.ERROR_500):
            self._denied(request.path, reply, fault)
        if fault is Fault.ERROR_500:
            reply = _canned(500, "Internal Server Error", "Injected: the server failed after doing the work.")
        _send_quietly(client, reply)

    def _denied(self, path: str, reply: bytes, fault: Fault | None) -> None:
        """Count an answer the device did not get because of a fault (not one the server never gave)."""
        if self.schedule is not None and fault in AFTER_COMMIT and reply:
            self.schedule.note_denied_answer(path, _status_of(reply))

    def _forward(self, request: _Request, *, cut: bool) -> bytes:
        """Send the request to the server and return its whole answer (empty if the server died or was cut off)."""
        port = self.upstream.port
        if port is None:
            return b""
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=UPSTREAM_TIMEOUT)
        except OSError:
            return b""
        with upstream:
            try:
                if cut:
                    upstream.sendall(request.head + request.body[: len(request.body) // 2])
                    return b""
                upstream.sendall(request.head + request.body)
                self._notify_forwarded(request.path)
                return _read_until_closed(upstream)
            except OSError:
                return b""

    def _notify_forwarded(self, path: str) -> None:
        with self._idle:
            self._forwarded[path] += 1
            count = self._forwarded[path]
        if self.on_forwarded is not None:
            self.on_forwarded(path, count)

    def _answer_goes_out(self, path: str) -> bool:
        with self._idle:
            self._answered[path] += 1
            count = self._answered[path]
        return self.on_answer is None or self.on_answer(path, count)


class _ThreadingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # many devices connect at once; the default backlog of 5 would drop SYNs
    proxy: FaultProxy


class _Handler(socketserver.BaseRequestHandler):
    server: _ThreadingServer

    def handle(self) -> None:
        self.server.proxy.handle(self.request)


def _read_request(client: socket.socket) -> _Request:
    client.settimeout(CLIENT_READ_TIMEOUT)
    data = bytearray()
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            raise ConnectionError("the client closed before sending a whole request")
        data += chunk
        if len(data) > MAX_HEAD_BYTES and b"\r\n\r\n" not in data:
            raise ValueError("request head too large")
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = [line for line in header_lines if not line.lower().startswith("connection:")]
    length = next((int(line.split(":", 1)[1]) for line in headers if line.lower().startswith("content-length:")), 0)
    rest = bytearray(body)
    while len(rest) < length:
        chunk = client.recv(min(1 << 20, length - len(rest)))
        if not chunk:
            raise ConnectionError("the client closed in the middle of the body")
        rest += chunk
    rewritten = "\r\n".join([request_line, *headers, "Connection: close", "", ""]).encode("latin-1")
    path = request_line.split(" ")[1].split("?", 1)[0]
    return _Request(path=path, head=rewritten, body=bytes(rest))


def _read_until_closed(upstream: socket.socket) -> bytes:
    reply = bytearray()
    while chunk := upstream.recv(1 << 16):
        reply += chunk
    return bytes(reply)


def _status_of(reply: bytes) -> int:
    """The status code of a whole HTTP answer (0 if it is not one)."""
    parts = reply.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _device_gave_up(client: socket.socket) -> bool:
    """Wait until the device closes its connection (its read timeout ran out): a late request or answer is held
    until then, however slow the machine, instead of for a guessed time. False if it never does."""
    client.settimeout(DEVICE_GIVES_UP_WITHIN)
    try:
        return client.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:  # reset: gone as well
        return True


def _canned(status: int, reason: str, detail: str, headers: dict[str, str] | None = None) -> bytes:
    body = json.dumps({"detail": detail}).encode("utf-8")
    lines = [
        f"HTTP/1.1 {status} {reason}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _send_quietly(client: socket.socket, data: bytes) -> None:
    """Answer the device; if it already gave up (timed out and closed), there is nobody to tell."""
    with contextlib.suppress(OSError):
        client.sendall(data)


def _reset(client: socket.socket) -> None:
    """Close with a TCP reset, as a dropped mobile connection looks to the device."""
    with contextlib.suppress(OSError):
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
