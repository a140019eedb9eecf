"""How big each figure's run is: the issue's sizes (``--full``) and a small set that finishes in CI (``--quick``)."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sizes:
    mode: str
    search_clients: int
    search_queries: int
    saves: int
    pushed_sessions: int
    first_sync_sites: int
    first_sync_workers: int
    first_sync_clients: int
    first_sync_sessions: int
    devices: int  # the burst: this many devices sync at one moment
    sessions_per_device: int  # each pushing this many sessions
    day_devices: int  # the working day: this many devices
    day_syncs: tuple[int, int]  # each syncing between this many times (inclusive)
    day_window_s: float  # at random moments over this many seconds
    load_processes: int  # Locust worker processes that play the devices
    load_backends: tuple[str, ...]  # the central databases the load runs against
    feel_clients: int  # the app in a browser: clients on the full device
    feel_rounds: int  # rounds of timed steps on each device
    export_clients: int  # the funder export: an agency of this many clients
    export_sessions: int  # and this many sessions over two years


FULL = Sizes(
    mode="full",
    search_clients=100_000,
    search_queries=300,
    saves=300,
    pushed_sessions=10_000,
    first_sync_sites=5_000,
    first_sync_workers=2_000,
    first_sync_clients=100_000,
    first_sync_sessions=20_000,
    devices=200,
    sessions_per_device=20,
    day_devices=10_000,
    day_syncs=(1, 3),
    day_window_s=1_200,
    load_processes=2,
    load_backends=("PostgreSQL", "SQLite"),
    feel_clients=100_000,
    feel_rounds=12,
    export_clients=100_000,
    export_sessions=200_000,
)

QUICK = Sizes(
    mode="quick",
    search_clients=5_000,
    search_queries=100,
    saves=60,
    pushed_sessions=200,
    first_sync_sites=250,
    first_sync_workers=100,
    first_sync_clients=5_000,
    first_sync_sessions=1_000,
    devices=20,
    sessions_per_device=5,
    day_devices=100,
    day_syncs=(1, 2),
    day_window_s=4,
    load_processes=1,
    load_backends=("PostgreSQL",),
    feel_clients=2_000,
    feel_rounds=0,  # a browser, an app and a server for each device: minutes, not part of the quick run
    export_clients=2_000,
    export_sessions=4_000,
)
