"""Fault injection: devices sync through a proxy that breaks a large share of their requests, and a server that is
killed in the middle of a big push. Afterwards the server's own database must hold every session saved on every
device exactly once (one version per save, one applied op_id per save), every outbox must be empty, and the
devices must hold what the server holds.

Both tests use a real ``outpost-server serve`` process on SQLite, the app's HTTP transport over real loopback
sockets, the real sync engine, and the app's sync runner with its backoff (on a clock the test moves, so a
Retry-After of 30 seconds costs nothing).
"""

import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from central_server import CommitPause, ServerHoldings, ServerProcess, read_holdings
from fault_proxy import DEVICE_GIVES_UP_WITHIN, Fault, FaultProxy, FaultSchedule
from field_devices import DeviceRunner, FieldDevice, SteppedClock, transport_with_timeout

from protocol.api import MAX_CHANGES_PER_PUSH
from sync.pacing import MOST_PULLED, LinkPaces

WORKERS = ("mhernandez", "lnguyen", "okovalenko", "tgebremedhin")
SUPERVISOR = "ayusuf"
DEVICES_PER_WORKER = 2  # two tablets per worker, so "devices agree" compares devices that hold the same sessions
FAULT_TARGET = 1_000  # faults that came after a push was committed: the ones that could duplicate a record
FAULT_RATES = {"push": 0.85, "pull": 0.4}
FAULT_WEIGHTS = {
    Fault.DROP_REPLY: 4,
    Fault.ERROR_500: 2,
    Fault.CUT_REQUEST: 1,
    Fault.UNAVAILABLE_503: 1,
    Fault.THROTTLED_429: 1,
    Fault.LATE_REPLY: 0.25,  # a late fault costs a device READ_TIMEOUT of waiting: few of them
    Fault.LATE_REQUEST: 0.25,
}
READ_TIMEOUT = 2.0  # seconds a device waits for an answer while faults are on: long enough on a loaded machine
MAX_ROUNDS = 400  # per device: the loop ends at the fault target long before this
ATTEMPTS_PER_ROUND = 12
CLEAN_SYNC = transport_with_timeout(5.0, 120.0)
BULK_SESSIONS = 1_000  # with the client registered first: pushes of 500, 500 and 1
PUSH_PATH = "/sync/push"
SEED = int(os.environ.get("OUTPOST_FAULT_SEED", "6001"))


def signed_in_device(folder: Path, name: str, server_url: str, user_id: str) -> FieldDevice:
    """A tablet signed in and synced once (it needs the agency's sites and lists to fill in a session)."""
    device = FieldDevice(folder / name, name)
    device.sign_in(server_url, user_id)
    device.sync(CLEAN_SYNC)
    device.register_client(last_name=f"Client of {name}")
    return device


def work_in_the_field(device: FieldDevice, runner: DeviceRunner, rng: random.Random, done: threading.Event) -> int:
    """Save a session, sometimes edit an earlier one or register a client, sync; repeat until told to stop."""
    rounds = 0
    while not done.is_set():
        rounds += 1
        assert rounds <= MAX_ROUNDS, f"{device.name} worked {MAX_ROUNDS} rounds without reaching the fault target"
        device.record_session(device.registered[0], notes=f"{device.name}, round {rounds}")
        if rng.random() < 0.3:
            edited = rng.choice(sorted(device.saves))
            device.edit_session(edited, notes=f"{device.name}, round {rounds}: edit of {edited[:8]}")
        if rng.random() < 0.1:
            device.register_client(last_name=f"Round {rounds} of {device.name}")
        runner.sync_until_done(ATTEMPTS_PER_ROUND, stop=done)
    return rounds


def read_along(runner: DeviceRunner, done: threading.Event) -> int:
    """A supervisor's tablet that only pulls, all through the faults."""
    syncs = 0
    while not done.is_set():
        runner.sync_until_done(ATTEMPTS_PER_ROUND, stop=done)
        syncs += 1
        done.wait(0.2)  # a pause between pulls, cut short at the end
    return syncs


def stop_at_target(schedule: FaultSchedule, done: threading.Event) -> None:
    while not done.wait(0.05):
        if schedule.after_commit_on("push") >= FAULT_TARGET:
            done.set()


def lost_and_duplicated(saves: Counter[str], holdings: ServerHoldings) -> tuple[int, int]:
    """Saves the server does not have (missing sessions, versions short of the saves) and ones it has twice."""
    lost = duplicated = 0
    for session_id, times in saves.items():
        version = holdings.sessions.get(session_id, {}).get("version", 0)
        lost += max(times - version, 0)
        duplicated += max(version - times, 0)
    duplicated += len(holdings.sessions.keys() - saves.keys())
    return lost, duplicated


def assert_devices_hold_what_the_server_holds(
    devices: list[FieldDevice], supervisor: FieldDevice, holdings: ServerHoldings
) -> None:
    for device in [*devices, supervisor]:
        assert device.outbox_counts() == {"pending": 0, "needs_attention": 0}, device.name
        assert device.clients() == holdings.clients, device.name
    for device in devices:
        assert device.sessions() == holdings.sessions_of(device.worker.user_id), device.name
    assert supervisor.sessions() == holdings.sessions


def test_a_thousand_injected_faults_lose_and_duplicate_nothing(demo_server, memory_dir, reliability_figures):
    schedule = FaultSchedule(SEED, rates=FAULT_RATES, weights=FAULT_WEIGHTS)
    schedule.enabled = False
    started = time.monotonic()
    with FaultProxy(demo_server, schedule) as proxy:
        devices = [
            signed_in_device(memory_dir, f"{worker}-tablet-{n}", proxy.url, worker)
            for worker in WORKERS
            for n in range(1, DEVICES_PER_WORKER + 1)
        ]
        supervisor = signed_in_device(memory_dir, "supervisor-tablet", proxy.url, SUPERVISOR)
        faulty = transport_with_timeout(1.0, READ_TIMEOUT)
        runners = [
            device.runner(SteppedClock(), random.Random(SEED + n), faulty) for n, device in enumerate(devices, 1)
        ]
        reader = supervisor.runner(SteppedClock(), random.Random(SEED), faulty)
        done = threading.Event()
        schedule.enabled = True
        with ThreadPoolExecutor(max_workers=len(devices) + 2) as pool:
            watcher = pool.submit(stop_at_target, schedule, done)
            work = [
                pool.submit(work_in_the_field, device, runner, random.Random(SEED * 100 + n), done)
                for n, (device, runner) in enumerate(zip(devices, runners, strict=True))
            ]
            reading = pool.submit(read_along, reader, done)
            try:
                rounds = [future.result() for future in work]
                supervisor_syncs = reading.result()
            finally:
                done.set()
                watcher.result()
        schedule.enabled = False
        proxy.wait_idle(timeout=DEVICE_GIVES_UP_WITHIN + 60)
        faulted_phase = time.monotonic() - started
        for _ in range(2):  # the first pass pushes everything; the second brings each device the others' pushes
            for device in [*devices, supervisor]:
                device.sync(CLEAN_SYNC)
        holdings = read_holdings(demo_server.database_url)

    saves: Counter[str] = Counter()
    for device in devices:
        saves.update(device.saves)
    lost, duplicated = lost_and_duplicated(saves, holdings)
    outcomes: Counter[str] = Counter()
    for runner in [*runners, reader]:
        outcomes.update(runner.engine.outcomes)
    figures: dict[str, Any] = {
        "seed": SEED,
        "devices": f"{len(devices)} worker tablets + 1 supervisor tablet",
        "faults injected": schedule.total,
        "faults after a push was committed": schedule.after_commit_on("push"),
        "faults after a pull was answered": schedule.after_commit_on("pull"),
        "requests through the proxy": dict(proxy.requests),
        "sync attempts by outcome": dict(outcomes),
        "rounds per device": rounds,
        "supervisor syncs under faults": supervisor_syncs,
        "sessions saved": len(saves),
        "saves (creates + edits)": sum(saves.values()),
        "clients registered": sum(len(device.registered) for device in [*devices, supervisor]),
        "sessions on the server": len(holdings.sessions),
        "lost": lost,
        "duplicated": duplicated,
        "seconds under faults": round(faulted_phase, 1),
        "faults by kind and request": schedule.by_fault_and_request(),
    }
    reliability_figures("fault-injection", figures)
    for device in [*devices, supervisor]:
        device.close()

    assert schedule.after_commit_on("push") >= FAULT_TARGET
    assert (lost, duplicated) == (0, 0)
    assert holdings.sessions.keys() == saves.keys()
    assert holdings.applied_ops["session"] == sum(saves.values())
    assert len(holdings.clients) == holdings.applied_ops["client"] == figures["clients registered"]
    assert {name for name in outcomes if name != "ok"} <= {"Offline", "ServerError", "Throttled"}
    assert_devices_hold_what_the_server_holds(devices, supervisor, holdings)


class KillsMidPush:
    """Kills the server twice at points the test knows, through the proxy's hooks, with a tablet pushing 500, 500
    and 1 changes:

    1. Push 2 reaches the server, which stops just before COMMIT with all 500 changes written (``CommitPause``,
       armed when push 1's answer is in the proxy, before the tablet can send push 2). The server is killed there.
    2. After a restart the tablet sends push 2 again. The server commits it and answers; the proxy holds the answer,
       kills the server, and the tablet never hears it.

    Nothing depends on timing: each kill waits for a condition, and the tablet's connection is reset only once the
    server process is gone. ``committed`` keeps what the server's database held at each kill.
    """

    def __init__(self, server: ServerProcess, pause: CommitPause):
        self.server = server
        self.pause = pause
        self.committed: dict[str, ServerHoldings] = {}

    def on_forwarded(self, path: str, count: int) -> None:
        if path.endswith(PUSH_PATH) and count == 2:
            self.pause.wait()
            self._kill("inside push 2, before its commit")

    def on_answer(self, path: str, count: int) -> bool:
        if not path.endswith(PUSH_PATH):
            return True
        if count == 1:
            self.pause.arm()
        if count == 2:
            self._kill("after push 2's retry committed, before its answer got out")
            return False
        return True

    def _kill(self, moment: str) -> None:
        self.server.kill()
        self.committed[moment] = read_holdings(self.server.database_url)


def test_a_server_killed_in_the_middle_of_a_large_push_loses_and_duplicates_nothing(
    pausable_demo_server, commit_pause, memory_dir, reliability_figures
):
    server = pausable_demo_server
    kills = KillsMidPush(server, commit_pause)
    with FaultProxy(server) as proxy:
        device = signed_in_device(memory_dir, "bulk-tablet", proxy.url, WORKERS[0])
        device.pace = LinkPaces.fixed(MAX_CHANGES_PER_PUSH, MOST_PULLED)  # the kills find pushes of 500, 500 and 1
        for number in range(BULK_SESSIONS):
            device.record_session(device.registered[0], notes=f"Session {number} of a week offline")
        proxy.on_forwarded, proxy.on_answer = kills.on_forwarded, kills.on_answer
        runner = device.runner(SteppedClock(), random.Random(SEED), CLEAN_SYNC)
        for kill in (1, 2):
            assert not runner.sync_until_done(max_attempts=1), f"kill {kill} came, yet the sync went through"
            server.start()
        assert runner.sync_until_done(max_attempts=3)
        holdings = read_holdings(server.database_url)

    lost, duplicated = lost_and_duplicated(device.saves, holdings)
    committed = {moment: sum(at_kill.applied_ops.values()) for moment, at_kill in kills.committed.items()}
    reliability_figures(
        "server-kill",
        {
            "sessions pushed": BULK_SESSIONS,
            "changes committed when killed": committed,
            "sessions on the server after the retry": len(holdings.sessions),
            "sync attempts by outcome": dict(runner.engine.outcomes),
            "lost": lost,
            "duplicated": duplicated,
        },
    )
    # The client and 499 sessions went in push 1; push 2's 500 sessions are all or nothing.
    assert list(committed.values()) == [MAX_CHANGES_PER_PUSH, 2 * MAX_CHANGES_PER_PUSH], "a push was half applied"
    assert (lost, duplicated) == (0, 0)
    assert holdings.applied_ops["session"] == BULK_SESSIONS
    assert {record["version"] for record in holdings.sessions.values()} == {1}
    assert device.outbox_counts() == {"pending": 0, "needs_attention": 0}
    assert device.sessions() == holdings.sessions
    device.close()
