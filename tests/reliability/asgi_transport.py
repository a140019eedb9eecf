"""The app's own HTTP transport, talking to an in-process server instead of a socket, with failures on demand.

``InProcessAdapter`` is a ``requests`` transport adapter: ``HttpTransport`` builds, compresses and checks requests
exactly as it does on a tablet, and the adapter hands each one to a FastAPI ``TestClient``. Before or after the
server has done its work, the adapter can fail a request the way a network or a load balancer does, so the device
sees the same exceptions it would see in the field.
"""

import io
from collections import Counter
from enum import StrEnum
from typing import Any

import requests
from fastapi.testclient import TestClient
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from sync.transport import HttpTransport

BASE_URL = "http://testserver.localhost"  # a loopback name (RFC 6761): the app sends its token there
_DROPPED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class Failure(StrEnum):
    NONE = "none"
    DROP_REQUEST = "drop_request"  # the connection fails before the server sees anything
    DROP_REPLY = "drop_reply"  # the server did the work; the connection fails before the answer
    TIMEOUT_REPLY = "timeout_reply"  # the server did the work; the device stopped waiting
    ERROR_500 = "error_500"  # the server did the work, then the device is told 500
    UNAVAILABLE_503 = "unavailable_503"  # a load balancer's answer: the server never saw it
    THROTTLED_429 = "throttled_429"  # asked to slow down, with a Retry-After


class InProcessAdapter(BaseAdapter):
    """Sends each request to ``client``; ``planned`` failures are used up one per request, in order."""

    def __init__(self, client: TestClient):
        super().__init__()
        self.client = client
        self.planned: list[Failure] = []
        self.injected: Counter[str] = Counter()

    def send(self, request: requests.PreparedRequest, *_args: Any, **_kwargs: Any) -> requests.Response:
        failure = self.planned.pop(0) if self.planned else Failure.NONE
        if failure is not Failure.NONE:
            self.injected[failure] += 1
        if failure is Failure.DROP_REQUEST:
            raise requests.ConnectionError("Injected: connection reset before the request went out", request=request)
        if failure is Failure.UNAVAILABLE_503:
            return _answer(request, 503, b'{"detail": "Injected: unavailable"}')
        if failure is Failure.THROTTLED_429:
            return _answer(request, 429, b'{"detail": "Injected: slow down"}', {"Retry-After": "7"})
        reply = self.client.request(
            str(request.method), str(request.url), headers=dict(request.headers), content=request.body
        )
        if failure is Failure.DROP_REPLY:
            raise requests.ConnectionError("Injected: connection reset before the answer came", request=request)
        if failure is Failure.TIMEOUT_REPLY:
            raise requests.ReadTimeout("Injected: the answer came too late", request=request)
        if failure is Failure.ERROR_500:
            return _answer(request, 500, b'{"detail": "Injected: failed after the work was done"}')
        headers = {name: value for name, value in reply.headers.items() if name.lower() not in _DROPPED_HEADERS}
        return _answer(request, reply.status_code, reply.content, headers)

    def close(self) -> None:
        """Nothing to release: the TestClient belongs to the test."""


def in_process_transport(adapter: InProcessAdapter, token: str) -> HttpTransport:
    """``HttpTransport`` as the app builds it, with its requests going through ``adapter``."""
    session = requests.Session()
    session.mount(BASE_URL, adapter)
    return HttpTransport(BASE_URL, token=token, session=session)


def _answer(
    request: requests.PreparedRequest, status: int, content: bytes, headers: dict[str, str] | None = None
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers = CaseInsensitiveDict({"Content-Type": "application/json", **(headers or {})})
    response.raw = io.BytesIO(content)
    response.url = str(request.url)
    response.request = request
    response.encoding = "utf-8"
    return response
