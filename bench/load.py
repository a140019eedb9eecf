"""Many devices syncing at once against one server process: errors, latency, and whether every session arrived
exactly once.

Each simulated device is a thread with its own device database file, its own signed-in worker and its own HTTP
connection, running the app's sign-in and sync engine. Devices are prepared first (signed in, first sync done,
sessions saved with ``save_session``); then they all sync together after a barrier. Afterwards the benchmark reads
the server's database to check that the sessions there are exactly the ones the devices saved, each applied once.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from app.demodata.reference import DemoWorker
from app.demodata.synthetic import synthetic_sessions
from app.store.db import DeviceDatabase
from app.store.models import OutboxRow
from app.usecases.accounts import sign_in, sync_engine_factory
from app.usecases.sessions import save_session
from bench.agency import AGENCY_ID, Agency, actor_for, language_codes, location_codes, make_agency
from bench.device import open_device
from bench.measure import Figure, Latency, ms, stopwatch
from bench.server import running_server, sqlite_url
from bench.server_seed import seed_server
from bench.sizes import Sizes
from bench.wire import WireCounter, counting_transport_factory
from server.db import Database
from server.models import AppliedOp, SessionRecord
from sync.engine import SyncEngine

P99_TARGET_S = 2.0
SETUP_THREADS = 4
SYNC_TIMEOUT_S = 300
# Alembic keeps its migration context in module globals, so device files are opened (and migrated) one at a time.
_MIGRATING = threading.Lock()


@dataclass(slots=True)
class SimulatedDevice:
    worker: DemoWorker
    db: DeviceDatabase
    engine: SyncEngine
    saved_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class LoadOutcome:
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[SimulatedDevice] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, device: SimulatedDevice, seconds: float | None, error: str | None) -> None:
        with self._lock:
            if error is None and seconds is not None:
                self.seconds.append(seconds)
            else:
                self.errors.append(error or "no result")
                self.failed.append(device)


def _prepare(folder: Path, agency: Agency, worker: DemoWorker, server_url: str, counter: WireCounter,
             sessions: int, seed: int) -> SimulatedDevice:  # fmt: skip
    """Sign in, first sync, then ``sessions`` sessions saved through the use case and waiting in the outbox."""
    factory = counting_transport_factory(counter)
    with _MIGRATING:
        db = open_device(folder, f"device-{worker.user_id}")
    sign_in(db, factory, server_url, worker.user_id, worker.password, f"tablet of {worker.user_id}")
    engine = sync_engine_factory(db, factory)()
    engine.sync()
    actor = actor_for(worker)
    device = SimulatedDevice(worker=worker, db=db, engine=engine)
    drafts = synthetic_sessions(
        sessions, clients=agency.clients, agency_id=AGENCY_ID, workers=[worker.user_id],
        site_codes=[s.code for s in agency.sites], language_codes=language_codes(),
        location_codes=location_codes(), seed=seed,
    )  # fmt: skip
    for draft in drafts:
        device.saved_ids.append(save_session(db, actor, draft).id)
    return device


def _sync_timed(device: SimulatedDevice, start: threading.Barrier, outcome: LoadOutcome) -> None:
    start.wait()
    began = time.perf_counter()
    try:
        report = device.engine.sync()
    except Exception as error:  # every failure counts as an error of the load run, whatever its kind
        outcome.record(device, None, f"{device.worker.user_id}: {type(error).__name__}: {error}")
        return
    problem = None if report.rejected == report.conflicts == 0 else f"{device.worker.user_id}: {report}"
    outcome.record(device, time.perf_counter() - began, problem)


def sync_together(devices: list[SimulatedDevice]) -> tuple[LoadOutcome, float]:
    """Every device's sync started at the same moment, one thread each; returns the outcome and the wall time."""
    outcome = LoadOutcome()
    start = threading.Barrier(len(devices) + 1)
    threads = [threading.Thread(target=_sync_timed, args=(d, start, outcome), daemon=True) for d in devices]
    for thread in threads:
        thread.start()
    with stopwatch() as elapsed:
        start.wait()
        for thread in threads:
            thread.join(timeout=SYNC_TIMEOUT_S)
    stuck = sum(thread.is_alive() for thread in threads)
    outcome.errors += [f"sync still running after {SYNC_TIMEOUT_S} s"] * stuck
    return outcome, elapsed()


def retry_failed(devices: list[SimulatedDevice]) -> list[str]:
    """What the app's sync runner does after a failure, once the rush is over: sync again. Returns new errors."""
    errors = []
    for device in devices:
        try:
            device.engine.sync()
        except Exception as error:  # reported as it is; the arrival check then counts what never arrived
            errors.append(f"{device.worker.user_id}: {type(error).__name__}: {error}")
    return errors


@dataclass(frozen=True, slots=True)
class Arrival:
    lost: int  # saved on a device, neither on the server nor still queued
    duplicated: int
    unexpected: int
    still_queued: int


def check_arrival(database_url: str, devices: list[SimulatedDevice]) -> Arrival:
    """Compare the server's sessions with what the devices saved: none missing, none extra, each applied once."""
    expected = {session_id for device in devices for session_id in device.saved_ids}
    creators = [device.worker.user_id for device in devices]
    db = Database(database_url, run_migrations=False)
    try:
        with db.reading() as tx:
            theirs = select(SessionRecord.id, SessionRecord.version).where(SessionRecord.created_by.in_(creators))
            stored = dict(tx.execute(theirs).tuples().all())
            applied = (
                select(AppliedOp.record_id, func.count())
                .where(AppliedOp.record_id.in_(expected))
                .group_by(AppliedOp.record_id)
            )
            applications = dict(tx.execute(applied).tuples().all())
    finally:
        db.close()
    queued = set()
    for device in devices:
        with device.db.reads() as tx:
            queued.update(tx.scalars(select(OutboxRow.record_id)))
    twice = {sid for sid, version in stored.items() if version != 1} | {s for s, n in applications.items() if n > 1}
    return Arrival(
        lost=len(expected - stored.keys() - queued),
        duplicated=len(twice),
        unexpected=len(stored.keys() - expected),
        still_queued=len(queued & expected),
    )


def load_figures(folder: Path, sizes: Sizes, seed: int) -> list[Figure]:
    """``sizes.devices`` devices at once against one SQLite-backed server, beside one device syncing alone."""
    agency = make_agency(sites=20, workers=int((sizes.devices + 1) * 1.2) + 2, clients=500, seed=seed)
    workers = agency.field_workers[: sizes.devices + 1]
    url = sqlite_url(folder, "load-server")
    seed_server(url, agency.seed())
    counter = WireCounter()
    devices_folder = folder / "load-devices"
    devices_folder.mkdir(exist_ok=True)
    with running_server(url, folder / "server-load.log") as server:
        with ThreadPoolExecutor(SETUP_THREADS) as pool:
            prepared = list(
                pool.map(
                    lambda pair: _prepare(devices_folder, agency, pair[1], server.base_url, counter,
                                          sizes.sessions_per_device, seed + pair[0]),
                    enumerate(workers),
                )
            )  # fmt: skip
        try:
            alone, _ = sync_together(prepared[:1])
            requests_before, timings_before = counter.snapshot()[0], len(counter.server_ms)
            together, wall = sync_together(prepared[1:])
            requests = counter.snapshot()[0] - requests_before
            server = Latency.of([millis / 1000 for millis in counter.server_ms[timings_before:]])
            retry_errors = retry_failed(together.failed)
            arrival = check_arrival(url, prepared)
        finally:
            for device in prepared:
                device.db.close()
    return [_load_figure(sizes, alone, together, wall, requests, server, arrival, retry_errors)]


def _load_figure(sizes: Sizes, alone: LoadOutcome, together: LoadOutcome, wall: float, requests: int,
                 server: Latency, arrival: Arrival, retry_errors: list[str]) -> Figure:  # fmt: skip
    if not together.seconds or not alone.seconds:
        raise RuntimeError(f"no device finished its sync: {(alone.errors + together.errors)[:3]}")
    latency, solo = Latency.of(together.seconds), alone.seconds[0] * 1000
    arrived_once = not (arrival.lost or arrival.duplicated or arrival.unexpected or arrival.still_queued)
    clean = not together.errors and arrived_once
    return Figure(
        name=(f"{sizes.devices} devices syncing at once against one server process "
              f"(each pushes {sizes.sessions_per_device} sessions and pulls)"),
        measured=(f"{len(together.errors)} errors, {arrival.lost} lost, {arrival.duplicated} duplicated; "
                  f"per sync p50 {ms(latency.p50)}, p99 {ms(latency.p99)}; {requests / wall:,.0f} requests/s"),
        baseline=f"one device alone: {ms(solo)}",
        ratio=f"p99 {latency.p99 / solo:,.1f}× the lone sync",
        target=f"0 errors, 0 lost, 0 duplicated; p99 ≤ {P99_TARGET_S:.0f} s",
        met=clean and latency.p99 <= P99_TARGET_S * 1000,
        note=(f"{requests} requests in {wall:,.1f} s; the server's own time per request (its Server-Timing header) "
              f"p50 {ms(server.p50)}, p99 {ms(server.p99)}; failed devices synced again afterwards "
              f"({len(retry_errors)} failed again); then {arrival.unexpected} unexpected sessions on the server, "
              f"{arrival.still_queued} still queued on devices"
              + (f"; first error: {together.errors[0]}" if together.errors else "")),
    )  # fmt: skip
