"""Many devices syncing with the central server: a burst (every device at one moment) and a working day (thousands
of devices, each syncing a few times at random moments), against two server processes on PostgreSQL and one on
SQLite.

The devices are Locust users in worker processes of their own (``bench/loadgen/locustfile.py``), so the simulation
shares no interpreter with the server. Each sends the HTTP calls the app's sync engine sends. Before the run, the
benchmark fills the central database (an agency with its sites, workers and clients), signs every device in (a
token per device, issued by the server's own ``crud.issue_token``) and builds every push body; during the run it
samples the CPU time of the server processes, of their PostgreSQL backends and of the load processes; afterwards
it reads the central database and checks that every session a device pushed is there exactly once.
"""

import math
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import func, select

from app.domain.sessions import Session
from bench.agency import AGENCY_ID, Agency, language_codes, location_codes, make_agency
from bench.cpu import CpuSampler, process_tree
from bench.load_plan import (
    PLAN_FOLDER_VARIABLE,
    START_VARIABLE,
    LoadPlan,
    PlannedDevice,
    PlannedSync,
    SyncOutcome,
    count_outcomes,
    read_outcomes,
    write_plan,
)
from bench.measure import Figure, Latency, ms, percentile
from bench.report import code_version, cpu_model
from bench.server import RunningServer, free_port, postgres_backends, postgres_unreachable_reason, running_server
from bench.server_seed import seed_server
from bench.sizes import Sizes
from bench.sizing import SyncCosts, write_scaling
from bench.sync_figures import server_database
from protocol.api import API_PREFIX, MAX_CHANGES_PER_PUSH
from protocol.records import session_to_wire
from seed_data.synthetic import synthetic_sessions
from server import crud
from server.core.cursor import Cursor
from server.db import Database
from server.models import AppliedOp, SessionRecord, Worker
from sync.transport import pull_params, push_body

P99_TARGET_S = 2.0
CPU_TARGET_SYNCS_PER_S = 100  # one core's worth of server CPU must serve this many device syncs a second
PULL_LIMIT = 2_000  # the sync engine's page size
LOCUSTFILE = Path(__file__).with_name("loadgen") / "locustfile.py"
REPOSITORY = Path(__file__).resolve().parents[1]
# Per device of the working day: how many sessions each sync pushes (0: it only pulls), drawn evenly.
DAY_SESSIONS_PER_SYNC = (0, 1, 1, 2, 3)
LOAD_CLIENTS = 2_000
LOAD_SITES = 20
# SQLite is the comparison, not the deployment: its working day is this share of the devices over the same share of
# the window (the same rate of syncs), to keep the full run's length in bounds.
COMPARISON_SHARE = 0.2
SERVER_PROCESSES = {"PostgreSQL": 2, "SQLite": 1}  # several processes share one PostgreSQL; SQLite takes one writer


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one Locust run did, from the devices' outcomes and the CPU samplers."""

    plan: LoadPlan
    outcomes: list[SyncOutcome]
    wall_s: float
    server_cpu_s: float
    database_cpu_s: float  # PostgreSQL backends; 0 on SQLite, whose work is inside the server process
    load_cpu_s: float

    @property
    def done(self) -> list[SyncOutcome]:
        return [outcome for outcome in self.outcomes if outcome.ok]

    @property
    def errors(self) -> int:
        """Failed attempts, plus planned syncs that never reported."""
        return sum(len(outcome.errors) for outcome in self.outcomes) + self.plan.syncs - len(self.outcomes)

    def first_errors(self, count: int = 2) -> list[str]:
        return [error for outcome in self.outcomes for error in outcome.errors][:count]

    def latency(self) -> Latency:
        """Per sync, of the syncs that finished; every figure of ``inf`` when none did."""
        if not self.done:
            return Latency(math.inf, math.inf, math.inf, 0)
        return Latency.of([outcome.seconds for outcome in self.done])

    def server_timing(self) -> Latency:
        """The server's own time per sync (sum of its Server-Timing over the sync's requests)."""
        return Latency.of([outcome.server_ms / 1000 for outcome in self.done] or [math.inf])

    def still_queued(self) -> set[str]:
        """Sessions whose sync never succeeded: on a real device they would still wait in the outbox."""
        failed = {(outcome.device, outcome.sync) for outcome in self.outcomes if not outcome.ok}
        reported = {(outcome.device, outcome.sync) for outcome in self.outcomes}
        return {
            session_id
            for device in self.plan.devices
            for number, planned in enumerate(device.syncs)
            if (device.user_id, number) in failed or (device.user_id, number) not in reported
            for session_id in planned.session_ids
        }


@dataclass(frozen=True, slots=True)
class Arrival:
    lost: int  # pushed by a device, neither on the server nor still queued on the device
    duplicated: int
    unexpected: int
    still_queued: int


def load_figures(folder: Path, sizes: Sizes, seed: int) -> list[Figure]:
    """The burst and the working day on each backend, and the server's CPU per device sync."""
    agency = make_agency(sites=LOAD_SITES, workers=_workers_for(1 + sizes.devices + sizes.day_devices),
                         clients=LOAD_CLIENTS, seed=seed)  # fmt: skip
    sessions = _SessionSource(agency, seed)
    figures: list[Figure] = []
    started, code = datetime.now(), code_version()
    for backend in sizes.load_backends:
        processes = SERVER_PROCESSES[backend]
        unreachable = postgres_unreachable_reason() if backend == "PostgreSQL" else None
        if unreachable:
            figures.append(Figure(f"Load runs on {backend}", f"skipped: {unreachable}", "—", "—", "—", None,
                                  "row skipped"))  # fmt: skip
            continue
        backend_figures, day = _backend_figures(folder, sizes, agency, sessions, backend, processes, seed)
        figures += backend_figures
        if backend == "PostgreSQL" and sizes.mode == "full":
            day_ran_clean = bool(backend_figures[1].met)
            write_scaling(_sync_costs(day, processes), ran_clean=day_ran_clean, started=started, code=code)
    return figures


def _sync_costs(day: RunResult, processes: int) -> SyncCosts:
    """What the working day says one device sync costs, and under what load it was measured."""
    syncs = max(len(day.done), 1)
    pushes = [outcome.push_server_ms / 1000 for outcome in day.done if outcome.push_server_ms]
    return SyncCosts(
        server_cpu_ms=day.server_cpu_s * 1000 / syncs,
        database_cpu_ms=day.database_cpu_s * 1000 / syncs,
        push_ms=Latency.of(pushes).p50 if pushes else 0.0,
        measured=(f"working day of {len(day.plan.devices):,} devices ({syncs:,} syncs in {day.wall_s / 60:,.1f} min) "
                  f"against {processes} server processes on PostgreSQL, load generator on the same machine; "
                  f"machine load average {os.getloadavg()[0]:.1f} at the end, on {cpu_model()}"),
    )  # fmt: skip


def _workers_for(field_workers: int) -> int:
    """Workers to generate so that at least ``field_workers`` are not supervisors (every tenth one is)."""
    return field_workers + field_workers // 9 + 2


def _backend_figures(folder: Path, sizes: Sizes, agency: Agency, sessions: "_SessionSource", backend: str,
                     processes: int, seed: int) -> tuple[list[Figure], RunResult]:  # fmt: skip
    rng = random.Random(seed)
    runs = folder / f"load-{backend.lower()}"
    # Each run has workers of its own, so each run's check sees only its own sessions.
    field = [worker.user_id for worker in agency.field_workers]
    lone_worker, burst_workers = field[0], field[1 : 1 + sizes.devices]
    day_workers = field[1 + sizes.devices : 1 + sizes.devices + sizes.day_devices]
    with server_database(backend, folder, f"load-{backend.lower()}") as url, ExitStack() as stack:
        seed_server(url, agency.seed())
        servers = [
            stack.enter_context(running_server(url, folder / f"server-load-{backend.lower()}-{number}.log"))
            for number in range(processes)
        ]
        devices = _Devices(url, [server.base_url for server in servers])
        _warm_up(servers, devices.plan([lone_worker], lambda _: []).devices[0])
        at_once = lambda user_id: [(0.0, sessions.take(user_id, sizes.sessions_per_device))]  # noqa: E731
        lone = _run(runs / "lone", devices.plan([lone_worker], at_once), servers, processes=1)
        burst = _run(runs / "burst", devices.plan(burst_workers, at_once), servers, processes=sizes.load_processes)
        share = COMPARISON_SHARE if backend == "SQLite" and "PostgreSQL" in sizes.load_backends else 1.0
        day_sizes = replace(sizes, day_devices=round(sizes.day_devices * share),
                            day_window_s=sizes.day_window_s * share)  # fmt: skip
        day_workers = day_workers[: day_sizes.day_devices]
        day_plan = devices.plan(day_workers, lambda user_id: _working_day(user_id, day_sizes, sessions, rng))
        day = _run(runs / "day", day_plan, servers, processes=sizes.load_processes)
        arrivals = [_check_arrival(url, run) for run in (lone, burst, day)]
    place = f"{backend}, {processes} server process{'es' if processes > 1 else ''}"
    if not lone.done:
        log = runs / "lone" / "locust.log"
        raise RuntimeError(f"one device alone could not sync ({lone.first_errors()}); see {log}")
    solo_ms = lone.latency().p50
    figures = [
        _burst_figure(sizes, place, burst, arrivals[1], solo_ms),
        _day_figure(day_sizes, place, day, arrivals[2], solo_ms),
        _cpu_figure(place, day, backend),
    ]
    return figures, day


def _warm_up(servers: list[RunningServer], device: PlannedDevice, rounds: int = 3) -> None:
    """A few pulls on each new server process first, so no figure pays for its first request (imports, pools)."""
    query, token = pull_params(device.cursor, PULL_LIMIT), {"Authorization": f"Bearer {device.token}"}
    for server in servers:
        for _ in range(rounds):
            requests.get(
                f"{server.base_url}{API_PREFIX}/sync/pull", params=query, headers=token, timeout=60
            ).raise_for_status()


def _working_day(user_id: str, sizes: Sizes, sessions: "_SessionSource", rng: random.Random) -> list[
        tuple[float, list[Session]]]:  # fmt: skip
    """A few syncs at random moments of the window, each pushing what was saved since (maybe nothing)."""
    moments = sorted(rng.uniform(0, sizes.day_window_s) for _ in range(rng.randint(*sizes.day_syncs)))
    return [(moment, sessions.take(user_id, rng.choice(DAY_SESSIONS_PER_SYNC))) for moment in moments]


class _SessionSource:
    """Valid sessions of the agency, handed out as saved by a given worker (creator and only staff member)."""

    def __init__(self, agency: Agency, seed: int):
        self._stream = synthetic_sessions(
            10**9, clients=agency.clients, agency_id=AGENCY_ID, workers=[agency.field_workers[0].user_id],
            site_codes=[s.code for s in agency.sites], language_codes=language_codes(),
            location_codes=location_codes(), seed=seed,
        )  # fmt: skip

    def take(self, user_id: str, count: int) -> list[Session]:
        return [replace(next(self._stream), created_by=user_id, staff=[user_id]) for _ in range(count)]


class _Devices:
    """Signs devices in on the server and turns their sessions into push bodies: a plan Locust can run."""

    def __init__(self, database_url: str, servers: list[str]):
        self.database_url = database_url
        self.servers = tuple(servers)

    def plan(self, user_ids: Sequence[str], syncs_of: Callable[[str], list[tuple[float, list[Session]]]]) -> LoadPlan:
        """Each worker's device signed in, with the syncs ``syncs_of`` gives it: (seconds after start, sessions)."""
        tokens, cursor = self._sign_in(user_ids)
        devices = []
        for user_id in user_ids:
            device_id = str(uuid.uuid4())
            planned = tuple(_planned_sync(device_id, at_s, sessions) for at_s, sessions in syncs_of(user_id))
            devices.append(PlannedDevice(user_id, device_id, tokens[user_id], cursor, planned))
        return LoadPlan(servers=self.servers, pull_limit=PULL_LIMIT, devices=tuple(devices))

    def _sign_in(self, user_ids: Sequence[str]) -> tuple[dict[str, str], str]:
        """A token per worker, and the cursor of the server's latest change (each device has had its first sync)."""
        db = Database(self.database_url, run_migrations=False)
        now = datetime.now(UTC)
        try:
            with db.writing() as tx:
                workers = {w.user_id: w for w in tx.scalars(select(Worker).where(Worker.user_id.in_(user_ids)))}
                tokens = {
                    user_id: crud.issue_token(tx, worker=workers[user_id], device_id=str(uuid.uuid4()),
                                              device_name="load tablet", now=now, lifetime=timedelta(days=1))[0]
                    for user_id in user_ids
                }  # fmt: skip
            with db.reading() as tx:
                state = crud.server_state(tx)
                cursor = Cursor(epoch=state.epoch, seq=state.last_seq).encode()
        finally:
            db.close()
        return tokens, cursor


def _planned_sync(device_id: str, at_s: float, sessions: list[Session]) -> PlannedSync:
    if not sessions:
        return PlannedSync(at_s=at_s, body=None)
    if len(sessions) > MAX_CHANGES_PER_PUSH:
        raise ValueError(f"one push carries at most {MAX_CHANGES_PER_PUSH} changes")
    changes = [
        {"op_id": str(uuid.uuid4()), "entity": "session", "id": s.id, "base_version": None, "data": session_to_wire(s)}
        for s in sessions
    ]
    return PlannedSync(at_s=at_s, body=push_body(device_id, changes), session_ids=tuple(s.id for s in sessions))


def _run(folder: Path, plan: LoadPlan, servers: list[RunningServer], *, processes: int) -> RunResult:
    """Run ``plan`` with Locust until every planned sync has reported (or the time allowed is over)."""
    write_plan(folder, plan)
    devices = len(plan.devices)
    lead_s = 5.0 + devices / 1_000  # Locust starts its processes and spawns every user before time zero
    window_s = max((s.at_s for d in plan.devices for s in d.syncs), default=0.0)
    allowed_s = lead_s + 2 * window_s + 300  # a server that falls behind still gets to finish, late
    start = time.time() + lead_s
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
               "--processes", str(min(processes, devices)), "--users", str(devices),
               "--spawn-rate", str(max(devices / (lead_s - 2), 1)), "--run-time", f"{allowed_s:.0f}s",
               "--stop-timeout", "5", "--exit-code-on-error", "0", *_own_master_port()]  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY), PLAN_FOLDER_VARIABLE: str(folder),
                   START_VARIABLE: repr(start)}  # fmt: skip
    database_url = servers[0].database_url
    with (folder / "locust.log").open("ab") as log, _locust(command, environment, log) as locust:
        samplers = {
            "server": CpuSampler(lambda: [server.pid for server in servers]),
            "database": CpuSampler(lambda: postgres_backends(database_url) if "postgresql" in database_url else []),
            "load": CpuSampler(lambda: process_tree(locust.pid)),
        }
        time.sleep(max(0.0, start - 0.5 - time.time()))
        for sampler in samplers.values():
            sampler.start()
        deadline = start + allowed_s
        while count_outcomes(folder) < plan.syncs and locust.poll() is None and time.time() < deadline:
            time.sleep(0.25)
        wall_s = time.time() - start
        cpu = {name: sampler.stop() for name, sampler in samplers.items()}
    return RunResult(plan, list(read_outcomes(folder)), wall_s, cpu["server"], cpu["database"], cpu["load"])


def _own_master_port() -> list[str]:
    """Locust's master and its worker processes meet on a port; a free one, not its fixed default (5557), so runs
    of other benchmarks or tests on the machine do not collide."""
    port = str(free_port())
    return ["--master-bind-host", "127.0.0.1", "--master-bind-port", port, "--master-host", "127.0.0.1",
            "--master-port", port]  # fmt: skip


@contextmanager
def _locust(command: list[str], environment: dict[str, str], log: object) -> Iterator[subprocess.Popen[bytes]]:
    """Locust in a process group of its own, stopped with its worker processes when the block ends."""
    process = subprocess.Popen(command, cwd=REPOSITORY, env=environment, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)  # type: ignore[arg-type]  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _check_arrival(database_url: str, run: RunResult) -> Arrival:
    """Compare the server's sessions with what the devices pushed: none missing, none extra, each applied once."""
    expected = {sid for device in run.plan.devices for planned in device.syncs for sid in planned.session_ids}
    creators = [device.user_id for device in run.plan.devices]
    queued = run.still_queued()
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
    twice = {sid for sid, version in stored.items() if version != 1} | {s for s, n in applications.items() if n > 1}
    return Arrival(
        lost=len(expected - stored.keys() - queued),
        duplicated=len(twice),
        unexpected=len(stored.keys() - expected),
        still_queued=len(queued & expected),
    )


def _verdict(run: RunResult, arrival: Arrival) -> tuple[str, bool]:
    clean = not (run.errors or arrival.lost or arrival.duplicated or arrival.unexpected or arrival.still_queued)
    return f"{run.errors} errors, {arrival.lost} lost, {arrival.duplicated} duplicated", clean


def _run_note(run: RunResult, arrival: Arrival) -> str:
    syncs = len(run.done)
    requests = sum(outcome.requests for outcome in run.outcomes)
    server = run.server_timing()
    late = [outcome.late_s for outcome in run.outcomes] or [0.0]
    parts = [
        f"{syncs:,} syncs ({requests:,} requests) in {run.wall_s:,.1f} s",
        f"the server's own time per sync (Server-Timing) p50 {ms(server.p50)}, p99 {ms(server.p99)}",
        f"CPU over the run: server processes {run.server_cpu_s:,.1f} s"
        + (f", PostgreSQL backends {run.database_cpu_s:,.1f} s" if run.database_cpu_s else "")
        + f", load generator {run.load_cpu_s:,.1f} s",
        f"syncs started late by p99 {ms(percentile(late, 0.99) * 1000)} (load processes behind schedule)",
        f"{arrival.unexpected} unexpected sessions on the server, {arrival.still_queued} still queued on devices",
    ]
    if missing := run.plan.syncs - len(run.outcomes):
        parts.append(f"{missing:,} planned syncs never ran (the run was stopped after its time allowed)")
    if run.errors:
        parts.append(f"first errors: {'; '.join(run.first_errors())}")
    return "; ".join(parts)


def _burst_figure(sizes: Sizes, place: str, run: RunResult, arrival: Arrival, solo_ms: float) -> Figure:
    latency = run.latency()
    counts, clean = _verdict(run, arrival)
    return Figure(
        name=(f"Burst: {sizes.devices} devices sync at one moment, each pushing {sizes.sessions_per_device} "
              f"sessions and pulling ({place})"),
        measured=f"{counts}; per sync p50 {ms(latency.p50)}, p99 {ms(latency.p99)}",
        baseline=f"one device alone: {ms(solo_ms)}",
        ratio=f"p99 {latency.p99 / solo_ms:,.1f}× the lone sync",
        target=f"0 errors, 0 lost, 0 duplicated; p99 ≤ {P99_TARGET_S:.0f} s",
        met=clean and latency.p99 <= P99_TARGET_S * 1000,
        note=_run_note(run, arrival),
    )  # fmt: skip


def _day_figure(sizes: Sizes, place: str, run: RunResult, arrival: Arrival, solo_ms: float) -> Figure:
    latency = run.latency()
    counts, clean = _verdict(run, arrival)
    fewest, most = sizes.day_syncs
    return Figure(
        name=(f"Working day: {sizes.day_devices:,} devices, each syncing {fewest}–{most} times at random moments "
              f"over {sizes.day_window_s / 60:,.1f} min ({place})"),
        measured=(f"{counts}; per sync p50 {ms(latency.p50)}, p99 {ms(latency.p99)}; "
                  f"{len(run.done) / run.wall_s:,.0f} syncs/s"),
        baseline=f"one device alone: {ms(solo_ms)}",
        ratio=f"p99 {latency.p99 / solo_ms:,.1f}× the lone sync",
        target="0 errors, 0 lost, 0 duplicated",
        met=clean,
        note=_run_note(run, arrival),
    )  # fmt: skip


def _cpu_figure(place: str, run: RunResult, backend: str) -> Figure:
    syncs = max(len(run.done), 1)
    server_ms, database_ms = run.server_cpu_s * 1000 / syncs, run.database_cpu_s * 1000 / syncs
    per_core = 1000 / server_ms if server_ms else float("inf")
    database = f" + PostgreSQL {ms(database_ms)}" if backend == "PostgreSQL" else " (SQLite works inside it)"
    return Figure(
        name=f"Server CPU per device sync, working day ({place})",
        measured=f"server processes {ms(server_ms)}{database} per sync",
        baseline=f"load generator: {ms(run.load_cpu_s * 1000 / syncs)} per sync",
        ratio=f"one core serves {per_core:,.0f} syncs/s",
        target=f"one core ≥ {CPU_TARGET_SYNCS_PER_S} syncs/s (≤ {ms(1000 / CPU_TARGET_SYNCS_PER_S)} per sync)",
        met=per_core >= CPU_TARGET_SYNCS_PER_S,
        note=f"CPU-seconds from /proc over the run divided by the {len(run.done):,} syncs done",
    )
