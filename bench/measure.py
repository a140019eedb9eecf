"""Timing samples, percentiles and the row each figure adds to the table.

Percentiles interpolate between neighbouring samples, so a p95 of 200 samples is not just the 10th-slowest one.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def percentile(samples: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of the samples fall (linear interpolation; 0.5 is the median)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass(frozen=True, slots=True)
class Latency:
    """p50/p95/p99 of one set of timings, in milliseconds."""

    p50: float
    p95: float
    p99: float
    count: int

    @classmethod
    def of(cls, seconds: list[float]) -> "Latency":
        millis = [s * 1000 for s in seconds]
        return cls(percentile(millis, 0.5), percentile(millis, 0.95), percentile(millis, 0.99), len(millis))

    def brief(self) -> str:
        return f"p50 {ms(self.p50)}, p95 {ms(self.p95)}"


def time_each(items: list[T], action: Callable[[T], object]) -> list[float]:
    """Seconds ``action`` took on each item, one call at a time."""
    samples = []
    for item in items:
        started = time.perf_counter()
        action(item)
        samples.append(time.perf_counter() - started)
    return samples


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """``with stopwatch() as elapsed:`` — ``elapsed()`` gives the seconds since the block began (frozen at its end)."""
    started = time.perf_counter()
    finished: list[float] = []
    yield lambda: (finished[0] if finished else time.perf_counter()) - started
    finished.append(time.perf_counter())


def ms(value: float) -> str:
    """Milliseconds with the precision a reader needs: 0.42 ms, 3.1 ms, 150 ms."""
    if value < 1:
        return f"{value:.2f} ms"
    if value < 10:
        return f"{value:.1f} ms"
    return f"{value:,.0f} ms"


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:,.1f}×" if denominator > 0 else "—"


def rate(count: float, seconds: float, unit: str) -> str:
    return f"{count / seconds:,.0f} {unit}/s" if seconds > 0 else "—"


def size(nbytes: float) -> str:
    if nbytes < 10_000:
        return f"{nbytes:,.0f} B"
    if nbytes < 10_000_000:
        return f"{nbytes / 1024:,.1f} KB"
    return f"{nbytes / 1024 / 1024:,.1f} MB"


@dataclass(slots=True)
class Figure:
    """One row of the table. ``met`` is None where the issue sets no target (a figure that is only reported)."""

    name: str
    measured: str
    baseline: str
    ratio: str
    target: str
    met: bool | None
    note: str = ""

    @property
    def verdict(self) -> str:
        return {True: "met", False: "missed", None: "reported"}[self.met]


def could_not_run(name: str, target: str, reason: str) -> Figure:
    """The row of a figure that raised or was skipped; the reason goes where the numbers would be."""
    return Figure(name=name, measured=reason, baseline="—", ratio="—", target=target, met=None, note="not measured")
