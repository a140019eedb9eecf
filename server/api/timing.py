"""``Server-Timing`` on every response: how long the server itself spent on the request.

Devices and load tests can then tell the server's share of a slow sync from time lost on the network or on their
own side, without access to the server's logs. The time runs from the moment the request reaches the application
to the moment its response starts, so it includes waiting for a worker thread or for the database's write lock.
"""

import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "Server-Timing"
METRIC = "app"


class ServerTimingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                spent_ms = (time.perf_counter() - started) * 1000
                MutableHeaders(scope=message).append(HEADER, f"{METRIC};dur={spent_ms:.1f}")
            await send(message)

        await self.app(scope, receive, send_with_timing)
