"""How many syncs one server process works on at once; the rest wait briefly, then are told to come back later.

A push or pull runs in a worker thread and holds a pooled database connection for its whole transaction. Without a
bound, a burst of devices queues on the thread pool and then on the connection pool, each request waiting out the
pool's timeout and failing with a 500 long after its device gave up and sent it again; the queue only grows. Here,
a sync past the bound waits for a slot in the event loop (holding no thread and no connection) and, when none frees
within ``wait_s``, is answered 503 with Retry-After: nothing was written, the changes stay in the device's outbox, and
the devices' jittered backoff spreads the excess out.

The count is this process's own: it bounds this process's threads and connections, which no other process shares.
"""

import asyncio

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

BUSY_RETRY_AFTER_S = 2
BUSY_DETAIL = "The server is busy. Nothing was saved; try again shortly."


def busy_response() -> JSONResponse:
    """503 with Retry-After: the server could not take the request now and wrote nothing."""
    return JSONResponse(status_code=503, content={"detail": BUSY_DETAIL},
                        headers={"Retry-After": str(BUSY_RETRY_AFTER_S)})  # fmt: skip


class SyncAdmission:
    """ASGI middleware letting at most ``slots`` requests to ``paths`` run at once."""

    def __init__(self, app: ASGIApp, *, paths: frozenset[str], slots: int, wait_s: float) -> None:
        self.app = app
        self.paths = paths
        self.slots = slots
        self.wait_s = wait_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._free = asyncio.Semaphore(slots)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        free = self._slots_of_this_loop()
        try:
            async with asyncio.timeout(self.wait_s):
                await free.acquire()
        except TimeoutError:
            await busy_response()(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            free.release()

    def _slots_of_this_loop(self) -> asyncio.Semaphore:
        """The semaphore, made anew if the app is now served by another event loop (a test client's, say): an
        asyncio semaphore belongs to the loop that first waited on it."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._free = loop, asyncio.Semaphore(self.slots)
        return self._free
