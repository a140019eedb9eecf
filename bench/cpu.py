"""CPU time spent by the processes of a figure (server processes, PostgreSQL backends, load generators).

Read from the kernel (``/proc/<pid>/stat`` through psutil): user plus system seconds, children included where a
process forks workers. Processes can come and go during a run (PostgreSQL starts a backend per connection, and a
pool closes its extra connections), so a sampler looks every half second and keeps each process's latest total; a
process that ended between two looks loses at most its last half second.
"""

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import psutil

SAMPLE_EVERY_S = 0.5


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` so far, or None when it is gone."""
    try:
        times = psutil.Process(pid).cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return times.user + times.system


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process it started, as now."""
    try:
        parent = psutil.Process(pid)
        return [pid, *(child.pid for child in parent.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


@dataclass(slots=True)
class CpuSampler:
    """Tracks the CPU seconds of the processes ``find_pids`` names at each look, from ``start()`` to ``stop()``."""

    find_pids: Callable[[], Iterable[int]]
    _first: dict[int, float] = field(default_factory=dict)
    _latest: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def look(self) -> None:
        for pid in self.find_pids():
            seconds = cpu_seconds(pid)
            if seconds is not None:
                self._latest[pid] = seconds

    def start(self) -> None:
        self.look()
        self._first = dict(self._latest)  # what ran before the start; processes seen later count from zero
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            self.look()

    def stop(self) -> float:
        """Stop looking; the CPU seconds all tracked processes spent since ``start()`` (new ones: since their start)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.look()
        return sum(self._latest[pid] - self._first.get(pid, 0.0) for pid in self._latest)
