"""Driving the server like a device does (HTTP through TestClient) after setting up its data like an administrator.

Records built here are valid as they are, so a test changes only the field it is about.
"""

import functools
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from credentials.passwords import hash_secret
from server import crud
from server.api.deps import utc_now
from server.db import Database

PASSWORD = "correct horse battery"
NORTH = "north"
SOUTH = "south"
API = "/api/v1"


@functools.cache
def _password_hash(password: str) -> str:
    """Hashing is slow on purpose; tests hash each password once."""
    return hash_secret(password)


def new_id() -> str:
    return str(uuid.uuid4())


def session_data(**changes: Any) -> dict[str, Any]:
    """A valid direct-service session of the north agency by ``wlee`` with one complete service form."""
    record: dict[str, Any] = {
        "id": new_id(),
        "agency_id": NORTH,
        "created_by": "wlee",
        "session_type": "direct_service",
        "service_date": "2025-03-10",
        "site_code": "N-001",
        "delivery_methods": ["in_person"],
        "service_location_type": "agency_office",
        "interpreter_present": False,
        "interpreters": 0,
        "service_minutes": 45,
        "languages": ["en"],
        "staff": ["wlee"],
        "notes": "",
        "activity_name": "",
        "activity_topic": "",
        "service_forms": [
            {
                "id": new_id(),
                "client_id": new_id(),
                "service_type": "information_orientation",
                "services": ["io_housing"],
                "referrals": [],
                "client_attended": True,
                "status": "complete",
                "private": False,
                "notes": "",
            }
        ],
        "created_at": "2025-03-10T10:00:00-05:00",
        "updated_at": "2025-03-10T10:00:00-05:00",
        "version": 0,
    }
    return record | changes


def group_session_data(staff: list[str], **changes: Any) -> dict[str, Any]:
    """A group activity (the only kind that may list several staff)."""
    return session_data(session_type="group_activity", activity_name="Tax clinic", staff=staff, **changes)


def client_data(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": new_id(),
        "agency_id": NORTH,
        "first_name": "Amal",
        "last_name": "Haddad",
        "preferred_name": "",
        "date_of_birth": "1988-04-02",
        "gender": None,
        "marital_status": None,
        "official_language": None,
        "country_of_origin": "",
        "arrival_date": None,
        "immigration_category": None,
        "phone": "416-555-0142",
        "email": "",
        "address": "",
        "consent": True,
        "client_identifier": "",
        "family_code": "",
        "created_by": "wlee",
        "created_at": "",
        "updated_at": "",
        "version": 0,
    }
    return record | changes


def change(entity: str, data: dict[str, Any], *, base_version: int | None = None, op_id: str | None = None) -> dict:
    return {"op_id": op_id or new_id(), "entity": entity, "id": data["id"], "base_version": base_version, "data": data}


class ServerHarness:
    """One server app on one database, plus the administrator's and devices' moves tests need."""

    def __init__(self, app: FastAPI):
        self.app = app
        self.client = TestClient(app)
        self.db: Database = app.state.database
        self.device_id = new_id()

    # --- the administrator ---------------------------------------------------------------------------------------

    def add_agency(self, agency_id: str, name: str = "") -> None:
        with self.db.writing() as session:
            crud.lock_sequence(session)
            crud.upsert_agency(session, agency_id=agency_id, name=name or f"{agency_id.title()} Centre")

    def add_site(self, agency_id: str, code: str, name: str = "", address: str = "") -> None:
        with self.db.writing() as session:
            crud.lock_sequence(session)
            crud.upsert_site(session, agency_id=agency_id, code=code, name=name or f"Site {code}", address=address)

    def add_worker(self, agency_id: str, user_id: str, *, role: str = "worker", password: str = PASSWORD) -> None:
        with self.db.writing() as session:
            crud.lock_sequence(session)
            crud.add_worker(
                session,
                agency_id=agency_id,
                user_id=user_id,
                name=user_id.title(),
                role=role,
                password_hash=_password_hash(password),
            )

    def deactivate_site(self, agency_id: str, code: str) -> None:
        with self.db.writing() as session:
            crud.lock_sequence(session)
            crud.deactivate_site(session, agency_id=agency_id, code=code)

    def deactivate_worker(self, user_id: str) -> None:
        with self.db.writing() as session:
            crud.lock_sequence(session)
            crud.deactivate_worker(session, user_id=user_id, now=now())

    def add_shared_lists(self) -> None:
        with self.db.writing() as session:
            crud.lock_sequence(session)
            languages = (("en", "English", "Anglais"), ("fr", "French", "Français"), ("ar", "Arabic", ""))
            for code, name, name_fr in languages:
                crud.upsert_language(session, code=code, name=name, name_fr=name_fr)
            for code, label, label_fr in (
                ("agency_office", "Agency office", "Bureau de l'organisme"),
                ("client_home", "Client's home", "Domicile du client"),
            ):
                crud.upsert_location_type(session, code=code, label=label, label_fr=label_fr)

    def add_two_agencies(self) -> None:
        """North: sites N-001/N-002, workers wlee and ajones, supervisor sboss. South: site S-001, worker zsouth."""
        self.add_shared_lists()
        self.add_agency(NORTH)
        self.add_site(NORTH, "N-001")
        self.add_site(NORTH, "N-002")
        self.add_worker(NORTH, "wlee")
        self.add_worker(NORTH, "ajones")
        self.add_worker(NORTH, "sboss", role="supervisor")
        self.add_agency(SOUTH)
        self.add_site(SOUTH, "S-001")
        self.add_worker(SOUTH, "zsouth")

    # --- a device --------------------------------------------------------------------------------------------------

    def login_response(self, user_id: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        body = {"user_id": user_id, "password": password, "device_id": self.device_id, "device_name": "Test tablet"}
        return self.client.post(f"{API}/auth/login", json=body)

    def login(self, user_id: str, password: str = PASSWORD) -> dict[str, str]:
        """Sign in and return the Authorization header to send."""
        response = self.login_response(user_id, password)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def push(self, headers: dict[str, str], *changes: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.client.post(
            f"{API}/sync/push", headers=headers, json={"device_id": self.device_id, "changes": list(changes)}
        )
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def push_one(self, headers: dict[str, str], one_change: dict[str, Any]) -> dict[str, Any]:
        return self.push(headers, one_change)[0]

    def pull_page(self, headers: dict[str, str], cursor: str | None = None, limit: int | None = None) -> dict:
        params: dict[str, Any] = {}
        if cursor is not None:
            params["cursor"] = cursor
        if limit is not None:
            params["limit"] = limit
        response = self.client.get(f"{API}/sync/pull", headers=headers, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def pull_all(
        self, headers: dict[str, str], cursor: str | None = None, limit: int = 1000
    ) -> tuple[list[dict[str, Any]], str]:
        """Every change after ``cursor``, following pages until has_more is false; returns them and the last cursor."""
        changes: list[dict[str, Any]] = []
        while True:
            page = self.pull_page(headers, cursor, limit)
            changes += page["changes"]
            cursor = page["cursor"]
            if not page["has_more"]:
                return changes, cursor

    def move_clock(self, moment: datetime) -> None:
        """From now on the server believes it is ``moment``."""
        self.app.dependency_overrides[utc_now] = lambda: moment


def now() -> datetime:
    return datetime.now(UTC)


def records(changes: list[dict[str, Any]], entity: str) -> dict[str, dict[str, Any]]:
    """The upserted records of one entity in pulled changes, by id (later changes win)."""
    return {item["id"]: item["data"] for item in changes if item["entity"] == entity and item["op"] == "upsert"}


def deleted(changes: list[dict[str, Any]], entity: str) -> set[str]:
    return {item["id"] for item in changes if item["entity"] == entity and item["op"] == "delete"}
