"""Bounding the syncs one server process works on at once: the rest wait for a slot, then are told to come back."""

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from starlette.types import Receive, Scope, Send

from server.api.admission import BUSY_RETRY_AFTER_S, SyncAdmission

SYNC = "/sync"


class HeldApp:
    """An ASGI app whose sync requests stay in progress until released, so a test decides when a slot frees."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == SYNC:
            self.entered.set()
            await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})


def _client(app: HeldApp, *, wait_s: float) -> httpx.AsyncClient:
    admitted = SyncAdmission(app, paths=frozenset({SYNC}), slots=1, wait_s=wait_s)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=admitted), base_url="http://server")


def _run_in_a_thread_of_its_own(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run the scenario on a fresh event loop in another thread: a browser test earlier in the same pytest worker
    leaves Playwright's event loop running in this one, where ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def test_a_sync_past_the_bound_is_told_to_come_back_and_others_still_run() -> None:
    async def scenario() -> None:
        app = HeldApp()
        async with _client(app, wait_s=0) as client:
            first = asyncio.create_task(client.post(SYNC))
            await app.entered.wait()
            refused = await client.post(SYNC)
            assert refused.status_code == 503
            assert refused.headers["Retry-After"] == str(BUSY_RETRY_AFTER_S)
            assert "Nothing was saved" in refused.json()["detail"]
            assert (await client.get("/health")).status_code == 200, "only syncs are bounded"
            app.release.set()
            assert (await first).status_code == 200
            assert (await client.post(SYNC)).status_code == 200, "the slot is free again"

    _run_in_a_thread_of_its_own(scenario)


def test_a_sync_waiting_for_a_slot_runs_when_one_frees() -> None:
    async def scenario() -> None:
        app = HeldApp()
        async with _client(app, wait_s=3600) as client:
            first = asyncio.create_task(client.post(SYNC))
            await app.entered.wait()
            app.entered.clear()
            second = asyncio.create_task(client.post(SYNC))
            for _ in range(20):  # the second request's turns to reach the app, were it let in
                await asyncio.sleep(0)
            assert not app.entered.is_set(), "the second sync waits while the first holds the only slot"
            app.release.set()
            assert [(await first).status_code, (await second).status_code] == [200, 200]

    _run_in_a_thread_of_its_own(scenario)
