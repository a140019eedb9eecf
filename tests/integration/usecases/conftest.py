"""A device that has synced its agency's reference lists once, and shortcuts to register clients and record sessions
through the same use cases the screens call."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from app.domain.clients import Client
from app.domain.sessions import Session
from app.store.db import DeviceDatabase
from app.store.models import LanguageRow, LocationTypeRow, SiteRow, WorkerRow
from app.usecases.clients import new_client_draft, register_client
from app.usecases.context import Actor
from app.usecases.sessions import begin_session, save_session

TODAY = date(2025, 3, 10)


@pytest.fixture
def db(device_db: DeviceDatabase) -> DeviceDatabase:
    with device_db.sessions.begin() as tx:
        tx.add_all(
            [
                SiteRow(code="N-001", name="North Library", address="12 King St"),
                SiteRow(code="N-002", name="Shelter on Elm", address="4 Elm Ave"),
                SiteRow(code="N-003", name="Closed branch", active=False),
                WorkerRow(user_id="wlee", name="Wen Lee"),
                WorkerRow(user_id="jdoe", name="Jane Doe"),
                WorkerRow(user_id="mroy", name="Marc Roy", active=False),
                LanguageRow(code="en", name="English", name_fr="Anglais"),
                LanguageRow(code="ar", name="Arabic"),  # no French name sent
                LanguageRow(code="fr", name="French", name_fr="Français"),
                LocationTypeRow(code="agency_office", label="Agency office", label_fr="Bureau de l'organisme"),
                LocationTypeRow(code="client_home", label="Client's home", label_fr="Domicile du client"),
            ]
        )
    return device_db


@pytest.fixture
def colleague() -> Actor:
    return Actor(user_id="jdoe", name="Jane Doe", role="worker", agency_id="agency-north")


@pytest.fixture
def register(db: DeviceDatabase, worker: Actor) -> Callable[..., Client]:
    """``register(**profile)``: register a client (possible duplicates ignored) and return what was saved."""

    def run(*, family_of: str | None = None, new_family: bool = False, **profile: Any) -> Client:
        values: dict[str, Any] = {
            "first_name": "Amal",
            "last_name": "Haddad",
            "date_of_birth": date(1988, 4, 2),
            "consent": True,
        }
        draft = replace(new_client_draft(worker), **(values | profile))
        registration = register_client(
            db, worker, draft, family_of=family_of, new_family=new_family, ignore_duplicates=True, today=TODAY
        )
        assert registration.client is not None
        return registration.client

    return run


def _fill_in(session: Session, **changes: Any) -> Session:
    values: dict[str, Any] = {
        "session_type": "direct_service",
        "site_code": "N-001",
        "delivery_methods": ["in_person"],
        "service_location_type": "agency_office",
        "interpreter_present": False,
        "service_minutes": 30,
        "languages": ["en"],
    }
    return replace(session, **(values | changes))


@pytest.fixture
def fill_in() -> Callable[..., Session]:
    """``fill_in(session, **changes)``: what a worker types into the Session form before pressing "Save Session"."""
    return _fill_in


@pytest.fixture
def record(db: DeviceDatabase, worker: Actor) -> Callable[..., Session]:
    """``record(client_id, actor=..., **fields)``: begin a session for the client, fill it in and save it."""

    def run(client_id: str | None, *, actor: Actor | None = None, **changes: Any) -> Session:
        begun = begin_session(db, actor or worker, client_id, today=changes.get("service_date", TODAY))
        return save_session(db, actor or worker, _fill_in(begun, **changes), today=TODAY)

    return run
