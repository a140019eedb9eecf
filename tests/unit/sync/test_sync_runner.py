"""The background runner: when it syncs, how it backs off, and what the top bar hears. No real sleeping here:
scheduling tests step a fake clock and call ``run_due()``; the thread tests wait on events, not timers."""

import random
import threading
from datetime import UTC, datetime

import pytest

import sync.runner
from app.domain.errors import FieldError
from app.i18n import translator
from app.store.db import DeviceDatabase
from app.ui.sync_words import headline
from sync.engine import SyncEngine
from sync.lock import SyncBusy
from sync.runner import BUSY_RETRY, Backoff, SyncRunner
from sync.status import SyncStatus
from sync.transport import Offline, ServerError, Throttled, Unauthorized

NOW = datetime(2025, 3, 10, 14, 0, tzinfo=UTC)

ENGLISH = translator("en")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FixedDraw(random.Random):
    """``uniform(a, b)`` always lands at the same fraction of the way from a to b."""

    def __init__(self, fraction: float) -> None:
        super().__init__(0)
        self.fraction = fraction

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.fraction


class ScriptedEngine:
    """Each sync takes the next outcome: an exception to raise, or success when the script is empty."""

    def __init__(self, *outcomes: Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0
        self.pending = 0
        self.attention = 0
        self.synced_at: datetime | None = None

    def sync(self) -> None:
        self.calls += 1
        if self.outcomes:
            raise self.outcomes.pop(0)
        self.synced_at = NOW
        self.pending = 0

    def counts(self) -> dict[str, int]:
        return {"pending": self.pending, "needs_attention": self.attention}

    def last_success(self) -> datetime | None:
        return self.synced_at


def runner_for(engine: object, *, fraction: float = 1.0, statuses: list[SyncStatus] | None = None) -> tuple:
    clock = Clock()
    draw = FixedDraw(fraction)
    runner = SyncRunner(
        engine,  # type: ignore[arg-type]
        interval=300,
        clock=clock,
        rng=draw,
        on_status=statuses.append if statuses is not None else None,
    )
    return runner, clock


class TestWhenItSyncs:
    def test_nothing_runs_until_asked(self) -> None:
        engine = ScriptedEngine()
        runner, _ = runner_for(engine)

        assert runner.run_due() is False
        assert engine.calls == 0

    def test_a_save_triggers_a_sync_then_the_next_comes_after_the_interval(self) -> None:
        engine = ScriptedEngine()
        runner, clock = runner_for(engine)

        runner.trigger()
        assert runner.run_due() is True
        clock.advance(299)
        assert runner.run_due() is False
        clock.advance(1)
        assert runner.run_due() is True
        assert engine.calls == 2

    def test_several_saves_before_the_sync_starts_make_one_sync(self) -> None:
        engine = ScriptedEngine()
        runner, _ = runner_for(engine)

        for _ in range(5):
            runner.trigger()
        runner.run_due()
        runner.run_due()

        assert engine.calls == 1

    def test_the_network_coming_back_syncs_after_a_random_spread_of_up_to_5_seconds(self) -> None:
        engine = ScriptedEngine()
        runner, clock = runner_for(engine, fraction=0.5)

        runner.connectivity_changed(online=True)

        assert runner.seconds_until_next() == pytest.approx(2.5)
        clock.advance(2.4)
        assert runner.run_due() is False
        clock.advance(0.1)
        assert runner.run_due() is True

    def test_the_network_coming_back_cuts_a_long_backoff_short(self) -> None:
        engine = ScriptedEngine(*[Offline("no network")] * 8)
        runner, clock = runner_for(engine, fraction=1.0)
        runner.trigger()
        for _ in range(8):
            clock.advance(runner.seconds_until_next())
            runner.run_due()
        assert runner.seconds_until_next() == 256

        runner.connectivity_changed(online=True)

        assert runner.seconds_until_next() == 5.0


class TestBackoff:
    @pytest.mark.parametrize(("failures", "ceiling"), [(1, 2), (2, 4), (3, 8), (6, 64), (8, 256), (9, 300), (50, 300)])
    def test_the_ceiling_doubles_from_2_seconds_up_to_5_minutes(self, failures: int, ceiling: float) -> None:
        assert Backoff().ceiling(failures) == ceiling

    def test_waits_are_spread_over_the_whole_range_up_to_the_ceiling(self) -> None:
        backoff = Backoff(rng=random.Random(7))

        waits = [backoff.delay(6) for _ in range(500)]

        assert all(0 <= wait <= 64 for wait in waits)
        assert min(waits) < 8 and max(waits) > 56  # full jitter: devices that failed together do not retry together

    def test_retry_after_is_a_floor(self) -> None:
        assert Backoff(rng=FixedDraw(0.0)).delay(1, retry_after=30) == 30
        assert Backoff(rng=FixedDraw(1.0)).delay(9, retry_after=30) == 300

    def test_failed_syncs_wait_longer_each_time(self) -> None:
        engine = ScriptedEngine(Offline("x"), ServerError("503"), Offline("x"), Offline("x"))
        runner, clock = runner_for(engine, fraction=1.0)
        runner.trigger()

        waits = []
        for _ in range(4):
            runner.run_due()
            waits.append(runner.seconds_until_next())
            clock.advance(waits[-1])

        assert waits == [2, 4, 8, 16]
        runner.run_due()  # succeeds: back to the normal interval
        assert runner.seconds_until_next() == 300

    def test_saves_during_a_backoff_do_not_hammer_the_server(self) -> None:
        engine = ScriptedEngine(ServerError("503"))
        runner, _ = runner_for(engine, fraction=1.0)
        runner.trigger()
        runner.run_due()

        runner.trigger()

        assert runner.run_due() is False
        assert runner.seconds_until_next() == 2

    def test_sync_now_skips_the_backoff_but_not_a_retry_after(self) -> None:
        engine = ScriptedEngine(ServerError("503"), Throttled("slow down", retry_after_seconds=120))
        runner, clock = runner_for(engine, fraction=0.0)
        runner.trigger()
        runner.run_due()

        runner.sync_now()
        assert runner.run_due() is True  # the 503's backoff is skipped; this attempt is throttled
        runner.sync_now()
        clock.advance(119)
        assert runner.run_due() is False
        clock.advance(1)
        assert runner.run_due() is True
        assert engine.calls == 3

    def test_a_busy_servers_retry_after_is_honoured(self) -> None:
        engine = ScriptedEngine(ServerError("503", retry_after_seconds=600))
        runner, clock = runner_for(engine, fraction=1.0)
        runner.trigger()
        runner.run_due()

        runner.sync_now()  # even the worker asking does not come back before the server said
        clock.advance(599)
        assert runner.run_due() is False
        clock.advance(1)
        assert runner.run_due() is True
        assert engine.calls == 2

    def test_another_sync_of_the_device_running_is_not_a_failure(self) -> None:
        engine = ScriptedEngine(SyncBusy("busy"), Offline("x"))
        runner, clock = runner_for(engine, fraction=1.0)
        runner.trigger()

        runner.run_due()
        assert runner.seconds_until_next() == BUSY_RETRY
        clock.advance(BUSY_RETRY)
        runner.run_due()

        assert runner.seconds_until_next() == 2  # the first real failure's wait


class TestStatus:
    def test_the_top_bar_hears_about_every_attempt(self) -> None:
        statuses: list[SyncStatus] = []
        engine = ScriptedEngine(Offline("Cannot reach the server"))
        engine.pending = 3
        runner, clock = runner_for(engine, statuses=statuses)
        runner.trigger()

        runner.run_due()
        clock.advance(runner.seconds_until_next())
        runner.run_due()

        assert [headline(s, NOW, ENGLISH) for s in statuses] == [
            "Syncing…",
            "Offline · 3 waiting",
            "Syncing…",
            "Synced just now",
        ]

    def test_a_refused_token_asks_to_sign_in_again_and_stops_retrying(self) -> None:
        engine = ScriptedEngine(Unauthorized("Invalid token"))
        runner, clock = runner_for(engine)
        runner.trigger()
        runner.run_due()

        runner.trigger()
        clock.advance(3_600)

        assert headline(runner.status, NOW, ENGLISH) == "Sign in again"
        assert runner.seconds_until_next() is None
        assert runner.run_due() is False
        runner.resume()
        assert runner.run_due() is True
        assert headline(runner.status, NOW, ENGLISH) == "Synced just now"

    def test_a_device_not_signed_in_asks_for_a_sign_in(self) -> None:
        def not_signed_in() -> SyncEngine:
            raise Unauthorized("Sign in to sync.")

        runner, _ = runner_for(not_signed_in)
        runner.trigger()
        runner.run_due()

        assert runner.status.needs_sign_in

    def test_an_unexpected_error_is_reported_not_raised_and_retried(self) -> None:
        engine = ScriptedEngine(RuntimeError("database disk image is malformed"))
        runner, _ = runner_for(engine, fraction=1.0)
        runner.trigger()

        runner.run_due()

        assert runner.status.last_error == FieldError("", "database disk image is malformed")
        assert runner.seconds_until_next() == 2

    def test_a_failing_status_listener_does_not_stop_syncing(self) -> None:
        def broken_listener(status: SyncStatus) -> None:
            raise ValueError("UI gone")

        engine = ScriptedEngine()
        runner = SyncRunner(engine, on_status=broken_listener, clock=Clock(), rng=FixedDraw(0))  # type: ignore[arg-type]
        runner.trigger()

        assert runner.run_due() is True
        assert runner.status.last_success == NOW

    def test_going_offline_is_shown_at_once(self) -> None:
        statuses: list[SyncStatus] = []
        runner, _ = runner_for(ScriptedEngine(), statuses=statuses)

        runner.connectivity_changed(online=False)

        assert headline(statuses[-1], NOW, ENGLISH) == "Offline"

    def test_a_save_while_offline_is_counted_at_once(self) -> None:
        statuses: list[SyncStatus] = []
        engine = ScriptedEngine(Offline("no network"))
        engine.pending = 1
        runner, _ = runner_for(engine, statuses=statuses)
        runner.trigger()
        runner.run_due()
        assert headline(statuses[-1], NOW, ENGLISH) == "Offline · 1 waiting"

        engine.pending = 2
        runner.trigger()  # in the backoff: no sync, but the count is refreshed and published

        assert runner.run_due() is False
        assert headline(statuses[-1], NOW, ENGLISH) == "Offline · 2 waiting"


class BlockingEngine(ScriptedEngine):
    """A sync that waits for the test to let it finish, so calls can arrive while it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Semaphore(0)
        self.release = threading.Event()

    def sync(self) -> None:
        super().sync()
        self.started.release()
        self.release.wait(5)


class TestThread:
    def test_starting_syncs_at_once_and_saves_during_a_sync_make_exactly_one_more(self) -> None:
        engine = BlockingEngine()
        runner = SyncRunner(engine, interval=300)  # type: ignore[arg-type]
        runner.start()
        try:
            assert engine.started.acquire(timeout=5)
            for _ in range(10):
                runner.trigger()
            engine.release.set()
            assert engine.started.acquire(timeout=5)
            assert not engine.started.acquire(timeout=0.3)
        finally:
            runner.stop()
        assert engine.calls == 2

    def test_two_runners_on_one_database_never_sync_at_the_same_time(self, device_db: DeviceDatabase, server,
                                                                     transport, monkeypatch) -> None:  # fmt: skip
        """Both start at once. The one that gets in holds its pull open until the other has been turned away, so the
        two are known to have met; then they keep syncing in turns."""
        monkeypatch.setattr(sync.runner, "BUSY_RETRY", 0.01)
        active, most, syncs = [0], [0], [0]
        guard, turned_away, enough = threading.Lock(), threading.Event(), threading.Event()

        def held_pull() -> None:
            with guard:
                active[0] += 1
                syncs[0] += 1
                most[0] = max(most[0], active[0])
            turned_away.wait(timeout=60)
            with guard:
                active[0] -= 1
                if syncs[0] >= 6:
                    enough.set()

        transport.pull_hook = held_pull
        second_db = DeviceDatabase(device_db.path)
        runners = [
            SyncRunner(NotesBusy(SyncEngine(database, transport, device_id="device-a"), turned_away), interval=0.01)
            for database in (device_db, second_db)
        ]
        for runner in runners:
            runner.start()
        reached = enough.wait(timeout=60)
        for runner in runners:
            runner.stop()
        second_db.close()

        assert turned_away.is_set() and reached
        assert most[0] == 1


class NotesBusy:
    """An engine that sets ``turned_away`` when it finds another sync of its database running."""

    def __init__(self, engine: SyncEngine, turned_away: threading.Event) -> None:
        self.engine = engine
        self.turned_away = turned_away

    def sync(self) -> object:
        try:
            return self.engine.sync()
        except SyncBusy:
            self.turned_away.set()
            raise

    def counts(self) -> dict[str, int]:
        return self.engine.counts()

    def last_success(self) -> datetime | None:
        return self.engine.last_success()
