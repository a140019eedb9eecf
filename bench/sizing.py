"""Sizing an agency network from the load figures: the generated part of ``docs/scaling.md``.

The inputs are what the working-day run measured on PostgreSQL (the server's and PostgreSQL's CPU per device sync,
and how long the server takes to answer a push), and the assumptions below about how devices use the server. The
arithmetic is kept here, next to the figures, so a new full run (``make bench FULL=1``) rewrites the table with the
code's current costs; what the table means is written by hand below the marker in the document.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.measure import ms
from bench.report import write_document
from server.db import OTHER_REQUESTS_KEPT, OVERFLOW_CONNECTIONS
from server.main import SYNC_SLOTS

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "scaling.md"
NETWORKS = (1_000, 10_000, 100_000)
# How a device uses the server on a working day (see the assumptions in docs/scaling.md).
OPEN_HOURS = 8  # the app is open through the working day
SYNC_EVERY_S = 300  # the sync runner's interval while the app is open (sync.runner.DEFAULT_INTERVAL)
SAVES_PER_DAY = 16  # sessions and clients saved; each save triggers a sync that pushes
PEAK_FACTOR = 3  # the busiest minutes (the morning start, the end of the day) against the day's average
BUSY_SHARE = 0.6  # run a core at most this busy, so a burst queues for milliseconds, not seconds
POOL_CONNECTIONS = SYNC_SLOTS + OTHER_REQUESTS_KEPT + OVERFLOW_CONNECTIONS  # the most one server process opens
POSTGRES_CONNECTIONS = 100  # PostgreSQL's default max_connections


@dataclass(frozen=True, slots=True)
class SyncCosts:
    """What one device sync costs, measured in the working-day run on PostgreSQL."""

    server_cpu_ms: float
    database_cpu_ms: float
    push_ms: float  # the server's own time for one push (Server-Timing), median: an upper bound on its writing turn
    measured: str  # when and under what load


@dataclass(frozen=True, slots=True)
class NetworkSize:
    devices: int
    syncs_per_s: float
    pushes_per_s: float
    server_processes: int
    database_cores: int
    connections: int
    writer_share: float  # of the one writer's time (pushes take turns on the change counter)


def size_network(devices: int, costs: SyncCosts) -> NetworkSize:
    syncs_per_device_s = (OPEN_HOURS * 3600 / SYNC_EVERY_S + SAVES_PER_DAY) / (OPEN_HOURS * 3600)
    syncs = devices * syncs_per_device_s * PEAK_FACTOR
    pushes = devices * SAVES_PER_DAY / (OPEN_HOURS * 3600) * PEAK_FACTOR
    processes = max(1, math.ceil(syncs * costs.server_cpu_ms / 1000 / BUSY_SHARE))
    return NetworkSize(
        devices=devices,
        syncs_per_s=syncs,
        pushes_per_s=pushes,
        server_processes=processes,
        database_cores=max(1, math.ceil(syncs * costs.database_cpu_ms / 1000 / BUSY_SHARE)),
        connections=processes * POOL_CONNECTIONS,
        writer_share=pushes * costs.push_ms / 1000,
    )


def sizing_table(costs: SyncCosts) -> str:
    header = ("| Devices | Syncs/s at peak | of them pushes/s | Server processes (one core each) | PostgreSQL cores "
              "| Connections (pools' most) | The one writer's time taken by pushes |")  # fmt: skip
    lines = [header, "|" + "---|" * 7]
    for devices in NETWORKS:
        size = size_network(devices, costs)
        lines.append(
            f"| {devices:,} | {size.syncs_per_s:,.1f} | {size.pushes_per_s:,.1f} | {size.server_processes:,} "
            f"| {size.database_cores:,} | {size.connections:,} of {POSTGRES_CONNECTIONS} | {size.writer_share:.0%} |"
        )
    return "\n".join(lines)


def write_scaling(costs: SyncCosts, *, ran_clean: bool, started: datetime, code: str) -> None:
    """Rewrite the generated part of docs/scaling.md from ``costs``; the hand-written part is kept.

    A working day that did not run clean (failed attempts, syncs left unfinished) measured an overloaded machine:
    requests abandoned by devices that gave up still cost the server, so its costs per sync say nothing about a
    network, and no sizing is derived from them.
    """
    table = sizing_table(costs) if ran_clean else (
        "No sizing from this run: its working day did not run clean (failed attempts or unfinished syncs), so the "
        "costs above are an overloaded machine's, inflated by requests the devices had already given up on."
    )  # fmt: skip
    generated = "\n".join(
        [
            "# Scaling an agency network",
            "",
            f"- Measured: {costs.measured}; code {code}; {started:%Y-%m-%d %H:%M}",
            f"- One device sync (push if anything is queued, then pull) costs the server {ms(costs.server_cpu_ms)} "
            f"of CPU and PostgreSQL {ms(costs.database_cpu_ms)}; a push takes the server {ms(costs.push_ms)} "
            "(median, Server-Timing).",
            f"- Assumed per device: the app open {OPEN_HOURS} h a day, syncing every {SYNC_EVERY_S // 60} min and "
            f"after each of {SAVES_PER_DAY} saves; the busiest minutes {PEAK_FACTOR}× the day's average; cores "
            f"run at most {BUSY_SHARE:.0%} busy.",
            "",
            table,
            "",
        ]
    )
    write_document(DOCUMENT, generated)
