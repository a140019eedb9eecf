"""A device for end-to-end sync tests: its own SQLite file, signed in to the real server as a demo worker, and
worked through the same use cases the screens call."""

import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.domain.clients import Client
from app.domain.sessions import Session
from app.store.db import DB_FILENAME, DeviceDatabase
from app.store.models import LocalAccountRow, OutboxRow
from app.usecases.accounts import TransportFactory, sign_in, sync_engine_factory
from app.usecases.clients import new_client_draft, register_client
from app.usecases.context import Actor
from app.usecases.reference import load_reference_lists
from app.usecases.sessions import add_client_to_session, begin_session, save_session
from seed_data.reference import DEMO_PASSWORD
from sync.engine import SyncEngine, SyncReport
from sync.transport import HttpTransport

WORKER = "mhernandez"
COLLEAGUE = "lnguyen"
SUPERVISOR = "ayusuf"


def unique(word: str) -> str:
    """A name no other test uses, so searches on a shared server find only this test's records."""
    return f"{word}{uuid.uuid4().hex[:8]}"


class Device:
    """One tablet: its own database file, a signed-in worker, and a way to sync (optionally over another transport)."""

    def __init__(self, folder: Path, server_url: str, name: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.db = DeviceDatabase(folder / DB_FILENAME)
        self.server_url = server_url
        self.name = name
        self.actor: Actor | None = None

    def sign_in(self, user_id: str, password: str = DEMO_PASSWORD) -> Actor:
        self.actor = sign_in(self.db, HttpTransport, self.server_url, user_id, password, self.name).actor
        return self.actor

    def engine(self, transport_factory: TransportFactory = HttpTransport) -> SyncEngine:
        """A sync engine with this device's server, token and id, as the app's runner builds it."""
        return sync_engine_factory(self.db, transport_factory)()

    def sync(self, transport_factory: TransportFactory = HttpTransport) -> SyncReport:
        return self.engine(transport_factory).sync()

    @property
    def token(self) -> str:
        with self.db.reads() as tx:
            return tx.get(LocalAccountRow, self.worker.user_id).token

    @property
    def worker(self) -> Actor:
        assert self.actor is not None, "sign in first"
        return self.actor

    def register(self, **profile: Any) -> Client:
        values: dict[str, Any] = {
            "first_name": unique("Amal"),
            "last_name": "Haddad",
            "date_of_birth": date(1988, 4, 2),
            "consent": True,
        }
        draft = replace(new_client_draft(self.worker), **(values | profile))
        saved = register_client(self.db, self.worker, draft, ignore_duplicates=True).client
        assert saved is not None
        return saved

    def record_session(self, client_ids: list[str], *, staff: list[str] | None = None, **fields: Any) -> Session:
        """Begin a session, fill it in from this device's synced reference lists and save it (offline-capable)."""
        lists = load_reference_lists(self.db)
        session = begin_session(self.db, self.worker)
        for client_id in client_ids:
            form = add_client_to_session(session, client_id)
            form.service_type, form.services, form.status = "information_orientation", ["io_housing"], "complete"
        group = staff is not None and len(staff) > 1
        values: dict[str, Any] = {
            "session_type": "group_activity" if group else "direct_service",
            "activity_name": unique("Tax clinic ") if group else "",
            "site_code": lists.sites[0].code,
            "delivery_methods": ["in_person"],
            "service_location_type": lists.location_types[0].code,
            "interpreter_present": False,
            "service_minutes": 45,
            "languages": [lists.languages[0].code],
            "staff": staff or [self.worker.user_id],
        }
        return save_session(self.db, self.worker, replace(session, **(values | fields)))

    def outbox(self) -> list[OutboxRow]:
        with self.db.reads() as tx:
            return list(tx.scalars(select(OutboxRow).order_by(OutboxRow.seq)))
