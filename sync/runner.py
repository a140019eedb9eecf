"""Running syncs in the background: on start, after saves, when the network returns, and every few minutes.

Failures are retried with exponential backoff and full jitter (a random wait between 0 and a doubling ceiling), so
a hundred tablets coming back online together spread out instead of hitting the server in the same second; a
server's Retry-After (with a 429, or a 503 from a busy server) is a floor. A rejected token stops the retries until
the worker signs in again. The runner never raises into the UI: everything it learns goes into a ``SyncStatus``
handed to ``on_status``.

Scheduling is driven by an injected clock and random generator, and ``run_due()`` performs one due attempt in
the caller's thread, so tests step through schedules without sleeping; the thread only waits and calls it.
"""

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol, runtime_checkable

from app.domain.errors import FieldError
from protocol.enums import RefusalCode
from sync.lock import SyncBusy
from sync.status import SyncStatus
from sync.transport import (
    DeviceRevoked,
    Offline,
    ServerError,
    Throttled,
    TransportError,
    Unauthorized,
    WorkerDeactivated,
)

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 300.0
RECONNECT_SPREAD = 5.0  # seconds: the first attempt after the network returns waits a random 0-5 s
BUSY_RETRY = 5.0  # seconds: another sync of this database is running; look again shortly


@runtime_checkable
class Engine(Protocol):
    def sync(self) -> object: ...

    def counts(self) -> dict[str, int]: ...

    def last_success(self) -> datetime | None: ...


class Backoff:
    """Full-jitter backoff: the n-th failure in a row waits uniform(0, min(cap, base * 2**(n-1))) seconds."""

    def __init__(self, *, base: float = 2.0, cap: float = 300.0, rng: random.Random | None = None):
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()

    def ceiling(self, failures: int) -> float:
        return min(self.cap, self.base * 2.0 ** min(max(failures - 1, 0), 30))

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        wait = self.rng.uniform(0.0, self.ceiling(failures))
        return max(wait, retry_after) if retry_after is not None else wait


class SyncRunner:
    """One background thread that runs the engine when something asks for it or when it is time."""

    def __init__(
        self,
        engine: Engine | Callable[[], Engine],
        *,
        interval: float = DEFAULT_INTERVAL,
        on_status: Callable[[SyncStatus], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        backoff: Backoff | None = None,
    ):
        self._engine_source = engine
        self.interval = interval
        self.on_status = on_status
        self.clock = clock
        self.rng = rng or random.Random()
        self.backoff = backoff or Backoff(rng=self.rng)
        self.status = SyncStatus()
        self._cond = threading.Condition()
        self._due = math.inf  # clock time of the next attempt; inf = nothing scheduled
        self._not_before = -math.inf  # a server's Retry-After: no attempt before this, whatever asks
        self._failures = 0
        self._counts_stale = False
        self._stopped = False
        self._thread: threading.Thread | None = None

    # --- what the app calls ----------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background thread; the first sync runs at once."""
        with self._cond:
            self._stopped = False
            self._schedule(self.clock())
            self._thread = threading.Thread(target=self._loop, name="outpost-sync", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the attempt in progress, if any."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def trigger(self) -> None:
        """Something was saved: sync soon. Calls while a sync runs collapse into one more; a backoff is respected."""
        with self._cond:
            self._counts_stale = True
            if self._failures == 0 and not self.status.needs_sign_in:
                self._schedule(self.clock())
            self._cond.notify_all()

    def sync_now(self) -> None:
        """The worker tapped "Sync now": try at once, even during a backoff (never before a Retry-After)."""
        with self._cond:
            if not self.status.needs_sign_in:
                self._schedule(self.clock())
            self._cond.notify_all()

    def connectivity_changed(self, online: bool) -> None:
        """The network came or went. Coming back starts over after a random 0-5 s, so devices spread out."""
        with self._cond:
            if online and not self.status.needs_sign_in:
                self._failures = 0
                self._due = math.inf
                self._schedule(self.clock() + self.rng.uniform(0.0, RECONNECT_SPREAD))
            elif not online:
                self.status.online = False
            self._cond.notify_all()
        self._publish()

    def resume(self) -> None:
        """The worker signed in again: retries start afresh with a sync at once."""
        with self._cond:
            self.status.needs_sign_in = False
            self.status.last_error = None
            self._failures = 0
            self._schedule(self.clock())
            self._cond.notify_all()
        self._publish()

    def seconds_until_next(self) -> float | None:
        """How long until the next attempt, or None when none is planned (stopped for a new sign-in)."""
        with self._cond:
            return None if self._due == math.inf else max(self._next_time() - self.clock(), 0.0)

    # --- running ---------------------------------------------------------------------------------------------------

    def run_due(self) -> bool:
        """Run one attempt in this thread if one is due; True if it ran. Also refreshes counts after a save."""
        with self._cond:
            due = self._next_time() <= self.clock()
            if due:
                self._due = math.inf
            refresh = self._counts_stale and not due
            self._counts_stale = False
        if due:
            self._attempt()
        elif refresh:
            self._refresh_counts()
            self._publish()
        return due

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and not self._counts_stale and self._next_time() > self.clock():
                    wait = self._next_time() - self.clock()
                    self._cond.wait(None if wait == math.inf else wait)
                if self._stopped:
                    return
            self.run_due()

    def _attempt(self) -> None:
        self.status.syncing = True
        self._publish()
        engine: Engine | None = None
        try:
            engine = self._engine()
            engine.sync()
        except Unauthorized as exc:
            self._stop_for_sign_in(exc.problem)
        except DeviceRevoked as exc:
            self.status.refused = RefusalCode.DEVICE_REVOKED
            self._stop_for_sign_in(exc.problem)
        except WorkerDeactivated as exc:
            self.status.refused = RefusalCode.WORKER_DEACTIVATED
            self._stop_for_sign_in(exc.problem)
        except SyncBusy:
            with self._cond:
                self._schedule(self.clock() + BUSY_RETRY)
        except (Throttled, ServerError) as exc:  # a busy server (503) says when to come back; other 5xx back off
            self._fail(exc.problem, exc.retry_after_seconds, online=True)
        except Offline as exc:
            self._fail(exc.problem, None, online=False)
        except Exception as exc:  # the UI must never see a sync error raised; it reads the status instead
            log.exception("Sync failed")
            problem = exc.problem if isinstance(exc, TransportError) else FieldError("", str(exc) or type(exc).__name__)
            self._fail(problem, None)
        else:
            self._succeed(engine)
        finally:
            self.status.syncing = False
            self._refresh_counts(engine)
            self._publish()

    def _succeed(self, engine: Engine) -> None:
        self.status.online = True
        self.status.last_error = None
        self.status.last_success = engine.last_success()
        with self._cond:
            self._failures = 0
            self._schedule(self.clock() + self.interval)

    def _fail(self, problem: FieldError, retry_after: float | None, *, online: bool = True) -> None:
        self.status.online = online
        self.status.last_error = problem
        with self._cond:
            self._failures += 1
            delay = self.backoff.delay(self._failures, retry_after)
            if retry_after is not None:
                self._not_before = self.clock() + retry_after
            self._due = self.clock() + delay

    def _stop_for_sign_in(self, problem: FieldError) -> None:
        self.status.online = True
        self.status.needs_sign_in = True
        self.status.last_error = problem
        with self._cond:
            self._due = math.inf

    # --- helpers ---------------------------------------------------------------------------------------------------

    def _schedule(self, when: float) -> None:
        """Keep the earlier of the planned attempt and ``when`` (so requests coalesce). Call with the lock held."""
        self._due = min(self._due, when)

    def _next_time(self) -> float:
        return max(self._due, self._not_before)

    def _engine(self) -> Engine:
        source = self._engine_source
        return source if isinstance(source, Engine) else source()

    def _refresh_counts(self, engine: Engine | None = None) -> None:
        try:
            counts = (engine or self._engine()).counts()
        except Exception:  # counts are a nicety; a missing sign-in or a busy database must not stop the runner
            log.debug("Could not count the outbox", exc_info=True)
            return
        self.status.pending = counts.get("pending", 0)
        self.status.needs_attention = counts.get("needs_attention", 0)

    def _publish(self) -> None:
        if self.on_status is None:
            return
        try:
            self.on_status(replace(self.status))
        except Exception:
            log.exception("The sync status listener failed")
