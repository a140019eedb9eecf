"""What each simulated device of a load run does, written by the benchmark and read by the Locust worker processes.

The benchmark builds the plan before the run (who each device signs in as, its token, where its pull cursor
starts, and for each of its syncs when it starts and the gzip push body it sends), so the load processes spend
their CPU on talking to the server, as a fleet of tablets would, not on making up sessions. Each device's outcome
comes back as one JSON line per sync, in one file per load process.
"""

import fcntl
import os
import pickle
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from protocol import codec

PLAN_FILE = "plan.pickle"
CLAIMS_FILE = "claimed"
RESULTS_GLOB = "results-*.jsonl"
# Environment variables the locustfile reads (Locust starts it in processes of its own).
PLAN_FOLDER_VARIABLE = "OUTPOST_LOAD_FOLDER"
START_VARIABLE = "OUTPOST_LOAD_START"


@dataclass(frozen=True, slots=True)
class PlannedSync:
    """One sync: ``at_s`` seconds after the run starts, push ``body`` (``session_ids`` inside), then pull."""

    at_s: float
    body: bytes | None  # None: nothing queued, the sync only pulls
    session_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlannedDevice:
    user_id: str
    device_id: str
    token: str
    cursor: str
    syncs: tuple[PlannedSync, ...]


@dataclass(frozen=True, slots=True)
class LoadPlan:
    servers: tuple[str, ...]  # base URLs; each device spreads its requests over them in turn, as a load balancer
    pull_limit: int
    devices: tuple[PlannedDevice, ...]

    @property
    def syncs(self) -> int:
        return sum(len(device.syncs) for device in self.devices)


@dataclass(slots=True)
class SyncOutcome:
    """One device sync as the device saw it: ``seconds`` from its first attempt to its last answer."""

    device: str
    sync: int
    ok: bool
    seconds: float
    attempts: int
    requests: int
    server_ms: float  # the server's own time over this sync's requests (their Server-Timing headers)
    pulled: int
    late_s: float  # how long after its planned moment the sync began (the load processes falling behind)
    push_server_ms: float = 0.0  # the server's own time for the push that was answered (0: nothing to push)
    errors: list[str] = field(default_factory=list)


def write_plan(folder: Path, plan: LoadPlan) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in [folder / CLAIMS_FILE, *folder.glob(RESULTS_GLOB)]:
        stale.unlink(missing_ok=True)
    (folder / PLAN_FILE).write_bytes(pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL))


def read_plan(folder: Path) -> LoadPlan:
    """The plan the benchmark wrote into ``folder`` (a file of its own making, never one from elsewhere)."""
    plan = pickle.loads((folder / PLAN_FILE).read_bytes())
    if not isinstance(plan, LoadPlan):
        raise TypeError(f"{folder / PLAN_FILE} does not hold a load plan")
    return plan


def claim_device(folder: Path) -> int:
    """The next unclaimed device's index, across every load process (a counter in a file, under an exclusive lock)."""
    descriptor = os.open(folder / CLAIMS_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        claimed = int(os.pread(descriptor, 32, 0) or b"0")
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, str(claimed + 1).encode(), 0)
        return claimed
    finally:
        os.close(descriptor)


def results_file(folder: Path) -> Path:
    return folder / RESULTS_GLOB.replace("*", str(os.getpid()))


def append_outcome(path: Path, outcome: SyncOutcome) -> None:
    with path.open("ab") as output:
        output.write(codec.dumps_bytes(asdict(outcome)) + b"\n")


def read_outcomes(folder: Path) -> Iterator[SyncOutcome]:
    for path in sorted(folder.glob(RESULTS_GLOB)):
        for line in path.read_bytes().splitlines():
            if line.strip():
                yield SyncOutcome(**codec.loads(line))


def count_outcomes(folder: Path) -> int:
    return sum(path.read_bytes().count(b"\n") for path in folder.glob(RESULTS_GLOB))
