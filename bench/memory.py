"""Peak memory of the app process holding the agency's clients, against bare Python with Flet imported.

Each measurement is a fresh child process (``python -m bench.memory``), because peak RSS only ever grows: the
benchmark's own process has built whole databases and would report those.
"""

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

from bench.measure import Figure, size

MEMORY_TARGET_MB = 300


def peak_rss_bytes(*probe_args: str) -> int:
    """Run the probe in a child process and return the peak RSS it reports."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.memory", *probe_args],
        cwd=Path(__file__).resolve().parents[1],  # the checkout, where ``bench`` is importable
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return int(json.loads(done.stdout.strip().splitlines()[-1])["peak_rss_bytes"])


def memory_figure(device_file: Path, user_id: str, agency_id: str, clients_on_device: int) -> Figure:
    bare = peak_rss_bytes()
    app = peak_rss_bytes("--device", str(device_file), "--user", user_id, "--agency", agency_id)
    megabytes = app / 1024 / 1024
    return Figure(
        name=f"Peak RSS of the app process, {clients_on_device:,} clients on the device",
        measured=size(app),
        baseline=f"bare Python + Flet import: {size(bare)}",
        ratio=f"+{size(app - bare)} ({app / bare:,.1f}×)",
        target=f"≤ {MEMORY_TARGET_MB} MB",
        met=megabytes <= MEMORY_TARGET_MB,
        note="opens the device, searches, loads the dashboard",
    )


def _probe(device: str | None, user_id: str, agency_id: str) -> int:
    """What the app does on start with a full device: open it, search as the worker types, show the dashboard."""
    import flet  # noqa: F401  (the UI toolkit is part of every app process)

    if device:
        from app.store.db import DeviceDatabase
        from app.usecases.clients import search_clients
        from app.usecases.context import Actor
        from app.usecases.sessions import SessionFilter, list_my_sessions

        db = DeviceDatabase(Path(device))
        actor = Actor(user_id=user_id, name=user_id, role="worker", agency_id=agency_id)
        for query in ("a", "ma", "mar", "nguyen"):
            search_clients(db, query)
        list_my_sessions(db, actor)
        list_my_sessions(db, actor, SessionFilter(incomplete_only=True))
        db.close()
    return _peak_rss()


def _peak_rss() -> int:
    """The high-water mark of this process's own address space.

    ``VmHWM`` rather than ``getrusage``: Linux carries ``ru_maxrss`` over fork and exec, so a child started by a
    large parent would report the parent's peak instead of its own.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux, where /proc exists


def main() -> None:
    parser = argparse.ArgumentParser(description="Report the peak RSS of one app-like process as JSON.")
    parser.add_argument("--device", help="device database to open; without it, only Flet is imported")
    parser.add_argument("--user", default="")
    parser.add_argument("--agency", default="")
    args = parser.parse_args()
    print(json.dumps({"peak_rss_bytes": _probe(args.device, args.user, args.agency)}))


if __name__ == "__main__":
    main()
