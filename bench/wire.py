"""Counting what a device actually sends and receives, by wrapping the ``requests`` session its transport uses.

Request: request line, headers and body as sent (compressed when gzip). Response: status line, headers and the
body as it came over the socket (``Content-Length``, which is the compressed size when the server gzips). Header
lines that ``http.client`` adds on its own (Host, and Content-Length when ``requests`` did not set it) are counted
too, so the totals are what a network capture would show above TCP.
"""

import gzip
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from server.api.timing import HEADER as SERVER_TIMING
from server.api.timing import METRIC as SERVER_METRIC
from sync.transport import HttpTransport, Transport

_CRLF = 2


@dataclass(slots=True)
class WireCounter:
    """Totals over every request made through sessions built by ``counting_session``; safe across threads."""

    requests: int = 0
    sent: int = 0
    received: int = 0
    sent_uncompressed_bodies: int = 0
    server_ms: list[float] = field(default_factory=list)  # the server's own time per request (Server-Timing)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, sent: int, received: int, uncompressed_body: int, server_ms: float | None) -> None:
        with self._lock:
            self.requests += 1
            if server_ms is not None:
                self.server_ms.append(server_ms)
            self.sent += sent
            self.received += received
            self.sent_uncompressed_bodies += uncompressed_body

    def snapshot(self) -> tuple[int, int, int]:
        with self._lock:
            return self.requests, self.sent, self.received

    @property
    def total(self) -> int:
        return self.sent + self.received


def _header_bytes(headers: Any) -> int:
    return sum(len(f"{name}: {value}") + _CRLF for name, value in headers.items()) + _CRLF


def server_ms(header_value: str | None) -> float | None:
    """The server's time in milliseconds from a ``Server-Timing`` header; None when it carries none."""
    for metric in (header_value or "").split(","):
        name, _, params = metric.strip().partition(";")
        if name == SERVER_METRIC and params.startswith("dur="):
            try:
                return float(params.removeprefix("dur="))
            except ValueError:
                return None
    return None


def _request_bytes(request: requests.PreparedRequest) -> tuple[int, int]:
    """(bytes on the wire, body bytes before gzip) of one prepared request."""
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    parts = urlsplit(request.url or "")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    line = len(f"{request.method} {target} HTTP/1.1") + _CRLF
    added = len(f"Host: {parts.netloc}") + _CRLF
    if body and "Content-Length" not in request.headers:
        added += len(f"Content-Length: {len(body)}") + _CRLF
    compressed = request.headers.get("Content-Encoding") == "gzip"
    plain = len(gzip.decompress(body)) if compressed and body else len(body)
    return line + _header_bytes(request.headers) + added + len(body), plain


def _response_bytes(response: requests.Response) -> int:
    line = len(f"HTTP/1.1 {response.status_code} {response.reason}") + _CRLF
    length = response.headers.get("Content-Length")
    body = int(length) if length is not None else len(response.content)
    return line + _header_bytes(response.headers) + body


class _CountingAdapter(HTTPAdapter):
    def __init__(self, counter: WireCounter):
        super().__init__(pool_maxsize=4)
        self.counter = counter

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        response = super().send(request, *args, **kwargs)
        sent, plain = _request_bytes(request)
        self.counter.add(sent=sent, received=_response_bytes(response), uncompressed_body=plain,
                         server_ms=server_ms(response.headers.get(SERVER_TIMING)))  # fmt: skip
        return response


def counting_session(counter: WireCounter) -> requests.Session:
    session = requests.Session()
    session.mount("http://", _CountingAdapter(counter))
    return session


def counting_transport_factory(counter: WireCounter) -> Callable[..., Transport]:
    """A transport factory for ``sign_in`` / ``sync_engine_factory``: ``HttpTransport`` over a counting session."""

    def build(server_url: str, token: str | None = None) -> Transport:
        return HttpTransport(server_url, token=token, session=counting_session(counter))

    return build
