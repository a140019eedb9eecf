"""Tablets for reliability tests: a real device database, a worker signed in to a real server, records made through
the use cases the screens call, and syncs run by the app's own runner on a clock the test moves by hand.
"""

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.domain.clients import Client
from app.domain.sessions import Session
from app.store import repository
from app.store.db import DB_FILENAME, DeviceDatabase
from app.store.models import ClientRow, SessionRow
from app.usecases.accounts import TransportFactory, sign_in, sync_engine_factory
from app.usecases.clients import new_client_draft, register_client
from app.usecases.context import Actor
from app.usecases.reference import load_reference_lists
from app.usecases.sessions import add_client_to_session, begin_session, load_session, save_session
from protocol.records import client_to_wire, session_to_wire
from seed_data.reference import DEMO_PASSWORD
from sync.engine import SyncEngine, SyncReport
from sync.pacing import LinkPaces
from sync.runner import SyncRunner
from sync.transport import HttpTransport


def transport_with_timeout(connect: float, read: float) -> TransportFactory:
    """The app's HTTP transport with other timeouts (short ones make "the reply came too late" cheap to test)."""
    return partial(HttpTransport, timeout=(connect, read))


class SteppedClock:
    """A monotonic clock that only moves when the test says so: backoff waits cost no real time."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


class ObservedEngine:
    """The real sync engine, built afresh for every attempt as the app's runner does, noting how attempts ended."""

    def __init__(self, build: Callable[[], SyncEngine]):
        self.build = build
        self.outcomes: Counter[str] = Counter()
        self.last_ok = False
        self._engine: SyncEngine | None = None

    def sync(self) -> SyncReport:
        self.last_ok = False
        self._engine = self.build()
        try:
            report = self._engine.sync()
        except Exception as exc:
            self.outcomes[type(exc).__name__] += 1
            raise
        self.outcomes["ok"] += 1
        self.last_ok = True
        return report

    def counts(self) -> dict[str, int]:
        return (self._engine or self.build()).counts()

    def last_success(self) -> Any:
        return (self._engine or self.build()).last_success()


class FieldDevice:
    """One tablet with its own database file, used by one worker."""

    def __init__(self, folder: Path, name: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.db = DeviceDatabase(folder / DB_FILENAME)
        self.actor: Actor | None = None
        self.saves: Counter[str] = Counter()  # session id -> times saved on this device (1 + edits)
        self.registered: list[str] = []
        self.pace: LinkPaces | None = None  # None: sizes follow the link, as in the app

    @property
    def worker(self) -> Actor:
        assert self.actor is not None, "sign in first"
        return self.actor

    def sign_in(
        self,
        server_url: str,
        user_id: str,
        password: str = DEMO_PASSWORD,
        transport_factory: TransportFactory = HttpTransport,
    ) -> Actor:
        self.actor = sign_in(self.db, transport_factory, server_url, user_id, password, self.name).actor
        return self.actor

    def engine(self, transport_factory: TransportFactory = HttpTransport) -> SyncEngine:
        """An engine with this device's server, token and id, exactly as the app's runner builds one."""
        return sync_engine_factory(self.db, transport_factory, self.pace)()

    def sync(self, transport_factory: TransportFactory = HttpTransport) -> SyncReport:
        return self.engine(transport_factory).sync()

    def runner(self, clock: SteppedClock, rng: random.Random, transport_factory: TransportFactory) -> "DeviceRunner":
        return DeviceRunner(self, clock, rng, transport_factory)

    # --- what a worker does --------------------------------------------------------------------------------------

    def register_client(self, last_name: str) -> Client:
        draft = replace(
            new_client_draft(self.worker),
            first_name="Amal",
            last_name=last_name,
            date_of_birth=date(1988, 4, 2),
            consent=True,
        )
        saved = register_client(self.db, self.worker, draft, ignore_duplicates=True).client
        assert saved is not None
        self.registered.append(saved.id)
        return saved

    def record_session(self, client_id: str, notes: str, *, staff: list[str] | None = None) -> Session:
        """Fill a session from the synced pickers, as the Session form does, and save it: a direct service, or a
        group activity when ``staff`` names other workers too."""
        lists = load_reference_lists(self.db)
        session = begin_session(self.db, self.worker)
        form = add_client_to_session(session, client_id)
        form.service_type, form.services, form.status = "information_orientation", ["io_housing"], "complete"
        group = staff is not None and len(staff) > 1
        filled = replace(
            session,
            session_type="group_activity" if group else "direct_service",
            activity_name="Tax clinic" if group else "",
            staff=staff or [self.worker.user_id],
            site_code=lists.sites[0].code,
            delivery_methods=["in_person"],
            service_location_type=lists.location_types[0].code,
            interpreter_present=False,
            service_minutes=45,
            languages=[lists.languages[0].code],
            notes=notes,
        )
        saved = save_session(self.db, self.worker, filled)
        self.saves[saved.id] += 1
        return saved

    def edit_session(self, session_id: str, notes: str) -> Session:
        session = load_session(self.db, session_id)
        saved = save_session(self.db, self.worker, replace(session, notes=notes))
        self.saves[saved.id] += 1
        return saved

    # --- what the device holds -----------------------------------------------------------------------------------

    def sessions(self) -> dict[str, dict[str, Any]]:
        """Every session on the device in its wire form, by id."""
        with self.db.reads() as tx:
            ids = tx.scalars(select(SessionRow.id)).all()
            return {session_id: session_to_wire(repository.get_session(tx, session_id)) for session_id in ids}

    def clients(self) -> dict[str, dict[str, Any]]:
        with self.db.reads() as tx:
            return {row.id: client_to_wire(repository.client_from_row(row)) for row in tx.scalars(select(ClientRow))}

    def outbox_counts(self) -> dict[str, int]:
        with self.db.reading() as uow:
            return uow.outbox.counts()

    def close(self) -> None:
        self.db.close()


class DeviceRunner:
    """The app's SyncRunner for one device, stepped by the test: each attempt runs at once, waits cost nothing."""

    def __init__(
        self, device: FieldDevice, clock: SteppedClock, rng: random.Random, transport_factory: TransportFactory
    ):
        self.clock = clock
        self.engine = ObservedEngine(lambda: device.engine(transport_factory))
        self.runner = SyncRunner(self.engine, clock=clock, rng=rng)

    def sync_until_done(self, max_attempts: int, stop: threading.Event | None = None) -> bool:
        """Ask for a sync (as a save does) and keep running due attempts until one succeeds; False if none did, or
        if ``stop`` was set first."""
        self.runner.trigger()
        for _ in range(max_attempts):
            if stop is not None and stop.is_set():
                return False
            wait = self.runner.seconds_until_next()
            assert wait is not None, f"the runner stopped retrying: {self.runner.status.last_error}"
            self.clock.advance(wait + 0.001)
            if self.runner.run_due() and self.engine.last_ok:
                return True
        return False
