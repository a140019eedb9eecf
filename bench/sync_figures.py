"""Figures through the sync engine against a real server: pushing a full outbox, a first sync, a no-op sync,
and the bytes each pushed session costs on the wire.

Devices sign in with the app's own ``sign_in`` and sync with the engine ``sync_engine_factory`` builds, over
``HttpTransport``; only the ``requests`` session underneath is wrapped, to count bytes.
"""

import random
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from app.domain.sessions import Session
from app.store.db import DeviceDatabase
from app.store.models import OutboxRow
from app.usecases.accounts import sign_in, sync_engine_factory
from app.usecases.sessions import save_session
from bench.agency import (
    AGENCY_ID,
    Agency,
    actor_for,
    language_codes,
    location_codes,
    make_agency,
    store_agency_reference,
)
from bench.device import open_device, store_clients
from bench.device_figures import SessionShape, build_session
from bench.measure import Figure, rate, size, stopwatch
from bench.server import (
    fresh_postgres_database,
    postgres_unreachable_reason,
    running_server,
    sqlite_url,
)
from bench.server_seed import seed_server, store_sessions
from bench.sizes import Sizes
from bench.wire import WireCounter, counting_transport_factory
from protocol.records import session_from_wire
from seed_data.synthetic import synthetic_sessions
from server.db import Database
from sync.engine import SyncReport
from sync.transport import HttpTransport

PUSH_TARGET_PER_S = 1_000
FIRST_SYNC_TARGET_PER_S = 15_000
FIRST_SYNC_TARGET_RAW_MULTIPLE = 1.5  # issue 17: within 1.5x the time of a raw executemany of the same rows
NO_OP_TARGET_BYTES = 2_048
PUSH_AGENCY = {"sites": 20, "workers": 12, "clients": 2_000}


def copy_device(source: Path, target: Path) -> DeviceDatabase:
    """A byte-for-byte copy of a closed device file (SQLite's backup API), opened as the app opens it."""
    target.unlink(missing_ok=True)
    original, copy = sqlite3.connect(source), sqlite3.connect(target)
    try:
        original.backup(copy)
    finally:
        original.close()
        copy.close()
    return DeviceDatabase(target)


def queue_sessions(folder: Path, agency: Agency, count: int, seed: int) -> tuple[Path, list[Session]]:
    """A device file whose outbox holds ``count`` sessions saved with ``save_session``; the sessions as queued."""
    me, colleague = agency.field_workers[:2]
    actor = actor_for(me)
    db = open_device(folder, "push-template")
    try:
        store_agency_reference(db, agency)
        store_clients(db, agency.clients)
        shape = SessionShape(agency.sites[0].code, location_codes()[0], ("en", "ar"), colleague.user_id,
                             [c.id for c in agency.clients])  # fmt: skip
        rng = random.Random(seed)
        for _ in range(count):
            save_session(db, actor, build_session(db, actor, shape, rng))
        with db.reads() as tx:
            payloads = tx.scalars(select(OutboxRow.payload).order_by(OutboxRow.seq))
            queued = [session_from_wire(payload) for payload in payloads]
    finally:
        db.close()
    return db.path, queued


@contextmanager
def server_database(backend: str, folder: Path, name: str) -> Iterator[str]:
    if backend == "PostgreSQL":
        with fresh_postgres_database() as url:
            yield url
    else:
        yield sqlite_url(folder, name)


def push_figures(folder: Path, sizes: Sizes, seed: int) -> list[Figure]:
    """Push the same queued sessions to a SQLite-backed and a PostgreSQL-backed server; bytes per session too."""
    agency = make_agency(**PUSH_AGENCY, seed=seed)
    template, queued = queue_sessions(folder, agency, sizes.pushed_sessions, seed)
    figures: list[Figure] = []
    for backend in ("SQLite", "PostgreSQL"):
        name = f"Push {len(queued):,} queued sessions, one device → local server ({backend})"
        unreachable = postgres_unreachable_reason() if backend == "PostgreSQL" else None
        if unreachable:
            figures.append(Figure(name, f"skipped: {unreachable}", "—", "—", f"≥ {PUSH_TARGET_PER_S:,} sessions/s",
                                  None, "row skipped"))  # fmt: skip
            continue
        counter, pushed_s = _push_once(folder, backend, agency, template, len(queued))
        bulk_s = _bulk_insert_once(folder, backend, agency, queued)
        figures.append(
            Figure(
                name=name,
                measured=f"{rate(len(queued), pushed_s, 'sessions')} ({pushed_s:,.1f} s)",
                baseline=f"server bulk insert: {rate(len(queued), bulk_s, 'sessions')} ({bulk_s:,.2f} s)",
                ratio=f"{pushed_s / bulk_s:,.1f}× the bulk insert's time",
                target=f"≥ {PUSH_TARGET_PER_S:,} sessions/s end to end",
                met=len(queued) / pushed_s >= PUSH_TARGET_PER_S,
                note=f"{counter.requests} push requests of ≤ 500 sessions",
            )
        )
        if backend == "SQLite":
            figures.append(_bytes_per_session_figure(counter, len(queued)))
    return figures


def _push_once(folder: Path, backend: str, agency: Agency, template: Path, queued: int) -> tuple[WireCounter, float]:
    me = agency.field_workers[0]
    with server_database(backend, folder, "push-server") as url:
        seed_server(url, agency.seed())
        with running_server(url, folder / f"server-push-{backend}.log") as server:
            device = copy_device(template, folder / f"push-{backend}.sqlite3")
            try:
                sign_in(device, HttpTransport, server.base_url, me.user_id, me.password, "bench tablet")
                counter = WireCounter()
                engine = sync_engine_factory(device, counting_transport_factory(counter))()
                report = SyncReport()
                with stopwatch() as elapsed:
                    engine.push(report)
            finally:
                device.close()
    if report.applied != queued or report.rejected or report.conflicts:
        raise RuntimeError(f"the push did not apply every queued session: {report}")
    return counter, elapsed()


def _bulk_insert_once(folder: Path, backend: str, agency: Agency, sessions: list[Session]) -> float:
    with server_database(backend, folder, "bulk-server") as url:
        seed_server(url, agency.seed())
        db = Database(url)
        try:
            with stopwatch() as elapsed:
                store_sessions(db, sessions, agency.clients)
        finally:
            db.close()
    return elapsed()


def _bytes_per_session_figure(counter: WireCounter, sessions: int) -> Figure:
    sent, received, plain = counter.sent / sessions, counter.received / sessions, counter.sent_uncompressed_bodies
    return Figure(
        name="Bytes on the wire per pushed session (gzip request)",
        measured=f"{size(sent)} sent + {size(received)} received",
        baseline=f"same JSON uncompressed: {size(plain / sessions)} per session",
        ratio=f"{plain / counter.sent:,.1f}× smaller sent",
        target="reported",
        met=None,
        note="request line, headers and body; responses as sent by the server",
    )


def first_sync_figures(folder: Path, sizes: Sizes, seed: int) -> list[Figure]:
    """A new device's first sync of a whole agency, then a sync with nothing to do, against a SQLite server."""
    agency = make_agency(sites=sizes.first_sync_sites, workers=sizes.first_sync_workers,
                         clients=sizes.first_sync_clients, seed=seed)  # fmt: skip
    sessions = list(
        synthetic_sessions(sizes.first_sync_sessions, clients=agency.clients, agency_id=AGENCY_ID,
                           workers=[w.user_id for w in agency.workers], site_codes=[s.code for s in agency.sites],
                           language_codes=language_codes(), location_codes=location_codes(), seed=seed)
    )  # fmt: skip
    supervisor = next(w for w in agency.workers if w.role == "supervisor")  # sees every session of the agency
    url = sqlite_url(folder, "first-sync-server")
    seed_server(url, agency.seed(sessions))
    counter = WireCounter()
    with running_server(url, folder / "server-first-sync.log") as server:
        device = open_device(folder, "first-sync")
        try:
            sign_in(device, HttpTransport, server.base_url, supervisor.user_id, supervisor.password, "new tablet")
            engine = sync_engine_factory(device, counting_transport_factory(counter))()
            with stopwatch() as elapsed:
                report = engine.sync()
            before = counter.snapshot()
            engine.sync()
            after = counter.snapshot()
        finally:
            device.close()
    raw_s = raw_executemany_seconds(device.path, folder / "raw-copy.sqlite3")
    records = report.pulled
    first = Figure(
        name=(f"First sync of a new device: {len(agency.sites):,} sites, {len(agency.workers):,} workers, "
              f"{len(agency.clients):,} clients, {len(sessions):,} sessions"),
        measured=f"{rate(records, elapsed(), 'records')} ({records:,} in {elapsed():,.1f} s)",
        baseline=f"raw executemany of the same rows: {rate(records, raw_s, 'records')} ({raw_s:,.1f} s)",
        ratio=f"{elapsed() / raw_s:,.1f}× the raw insert's time",
        target=f"≥ {FIRST_SYNC_TARGET_PER_S:,} rows/s, ≤ {FIRST_SYNC_TARGET_RAW_MULTIPLE}× the raw insert's time",
        met=records / elapsed() >= FIRST_SYNC_TARGET_PER_S and elapsed() <= FIRST_SYNC_TARGET_RAW_MULTIPLE * raw_s,
        note=f"{report.pages} pages; records = pulled changes (search terms, forms, staff rows not counted)",
    )  # fmt: skip
    requests, sent, received = (a - b for a, b in zip(after, before, strict=True))
    no_op = Figure(
        name="No-op sync (nothing changed), device holding the agency above",
        measured=f"{requests} request(s), {size(sent)} sent + {size(received)} received",
        baseline="—",
        ratio="—",
        target=f"one request, ≤ {NO_OP_TARGET_BYTES // 1024} KB both ways",
        met=requests == 1 and sent + received <= NO_OP_TARGET_BYTES,
    )
    return [first, no_op]


def raw_executemany_seconds(synced: Path, target: Path) -> float:
    """Seconds to write every row of the synced device's server-fed tables into a fresh device file, raw."""
    tables = ("agency", "site", "worker", "language", "service_location_type", "client", "client_search_term",
              "session", "session_language", "session_staff", "service_form", "referral")  # fmt: skip
    with sqlite3.connect(f"file:{synced}?mode=ro", uri=True) as source:
        rows = {table: source.execute(f"SELECT * FROM {table}").fetchall() for table in tables}
    open_device(target.parent, target.stem).close()  # migrated, empty
    connection = sqlite3.connect(target)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        with stopwatch() as elapsed:
            for table, values in rows.items():
                if values:
                    marks = ", ".join("?" * len(values[0]))
                    connection.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
            connection.commit()
    finally:
        connection.close()
    return elapsed()
