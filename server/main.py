"""Building the server application. Everything a request needs lives in the database, so any number of processes
built from the same database URL can serve the same devices."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from msgspec.json import schema_components
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from protocol import PROTOCOL_VERSION
from protocol.api import API_PREFIX, APP_VERSION_HEADER, PULL_PATH, PUSH_PATH
from protocol.records import PULLED_RECORDS, TOMBSTONE_RECORDS
from server.api.admission import SyncAdmission, busy_response
from server.api.deps import DeviceRefusal
from server.api.main import api_router
from server.api.timing import ServerTimingMiddleware
from server.console.app import add_console
from server.core.config import Settings, settings_for
from server.db import Database
from server.retention import prune_periodically

GZIP_MINIMUM_BYTES = 1024
# zlib's usual default: on a 1.4 MB pull page about half the time of level 9 for 3% more bytes (level 9 was a tenth
# of a first sync's server time).
GZIP_LEVEL = 6
BUSY_SIGNS = ("database is locked", "canceling statement due to lock timeout")  # SQLite's, PostgreSQL's
# How long a request waits on PostgreSQL for a lock (in practice a push for the change counter, the one writer)
# before the device is told to come back later. Without a limit, under more pushes than the writer can take, devices
# time out and resend while their first push still waits, and the queue only grows; with it, the excess is shed and
# the devices' jittered backoff spreads it out.
LOCK_TIMEOUT_MS = 5_000
# Syncs one process works on at once (see server.api.admission), and how long one more waits for a slot before it is
# answered 503. A process runs Python on one core, so more at once only lengthens each; the database pool holds a
# connection for each of them plus a few for sign-ins and the console (see server.db). A waiting sync holds no thread
# and no connection, so it may wait as long as it can still be answered well inside the device's 30 s timeout: a
# burst of devices then drains in one pass instead of bouncing off 503s and backing off for seconds each.
SYNC_SLOTS = 8
SYNC_SLOT_WAIT_S = 10.0


def create_app(database_url: str, *, settings: Settings | None = None) -> FastAPI:
    """The API on ``database_url``, whose schema is brought up to date first."""
    database = Database(database_url, lock_timeout_ms=LOCK_TIMEOUT_MS, syncs_at_once=SYNC_SLOTS)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pruning = asyncio.create_task(prune_periodically(database, app.state.settings.retention))
        yield
        pruning.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pruning
        database.close()

    app = FastAPI(
        title="Outpost sync server",
        version=f"protocol {PROTOCOL_VERSION}",
        description="Devices push their changes and pull everyone else's. See docs/sync-protocol.md.",
        lifespan=lifespan,
    )
    app.state.database = database
    app.state.settings = settings or settings_for(database_url)
    sync_paths = frozenset({f"{API_PREFIX}{PUSH_PATH}", f"{API_PREFIX}{PULL_PATH}"})
    app.add_middleware(SyncAdmission, paths=sync_paths, slots=SYNC_SLOTS, wait_s=SYNC_SLOT_WAIT_S)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)
    app.add_middleware(ServerTimingMiddleware)  # added last, so outermost: the time includes compression
    app.include_router(api_router, prefix=API_PREFIX)
    add_console(app)
    app.add_exception_handler(OperationalError, _busy_or_failed)
    app.add_exception_handler(PoolTimeout, _busy_or_failed)
    app.add_exception_handler(DeviceRefusal, _refused)
    # FastAPI's documented way to extend the schema is to replace this method; type checkers see a method assigned.
    app.openapi = lambda: _openapi_with_records(app)  # type: ignore[method-assign]
    return app


def _openapi_with_records(app: FastAPI) -> dict[str, Any]:
    """The generated document plus the record schemas (SessionData, ClientData...) that ``data`` fields refer to.

    FastAPI publishes only models used as bodies; records travel as free-form objects (so one bad record is
    rejected on its own), so their schemas are added here for the device side to read.
    """
    if app.openapi_schema is None:
        document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        _, records = schema_components(
            (*PULLED_RECORDS, *TOMBSTONE_RECORDS), ref_template="#/components/schemas/{name}"
        )
        document["components"]["schemas"].update(records)
        app.openapi_schema = document
    return app.openapi_schema


async def _refused(request: Request, refusal: DeviceRefusal) -> JSONResponse:
    """403 with the refusal's code, which tells the device what to remove. An app that does not send its version is
    older than these codes: it gets the 401 it has always had for a call it may not make."""
    if request.headers.get(APP_VERSION_HEADER) is None:
        return JSONResponse(status_code=401, content={"detail": refusal.detail}, headers={"WWW-Authenticate": "Bearer"})
    return JSONResponse(status_code=403, content={"detail": refusal.detail, "code": refusal.code})


async def _busy_or_failed(_request: Request, problem: Exception) -> JSONResponse:
    """A SQLite database still locked after the busy timeout, a PostgreSQL push that waited its lock timeout for
    the change counter, a request that found no free pooled connection in time, or a connection to the database
    that dropped (the pool replaces it) is a busy server, not a broken one: answer 503 with Retry-After, so devices
    come back a little later (nothing was written). Anything else goes on to the usual 500 and its logged
    traceback."""
    dropped = isinstance(problem, DBAPIError) and problem.connection_invalidated
    if not isinstance(problem, PoolTimeout) and not dropped and not any(sign in str(problem) for sign in BUSY_SIGNS):
        raise problem
    return busy_response()
