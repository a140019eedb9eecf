"""Fixtures every layer's tests share: a device database in a real file, a signed-in worker, and valid records.

The record factories return something that passes every rule, so a test changes only the field it is about and
any error it sees comes from that change.
"""

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from reliability_figures import FigureCollector

from app.domain.clients import Client
from app.domain.sessions import ServiceForm, Session
from app.store.db import DB_FILENAME, DeviceDatabase
from app.usecases.context import Actor

AGENCY_ID = "agency-north"

# Property tests judge behaviour, never speed: on a shared, loaded machine Hypothesis's per-example deadline and its
# "input generation is slow" check fail by timing luck, so neither applies.
settings.register_profile("outpost", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("outpost")


def pytest_configure(config: pytest.Config) -> None:
    """The process that reports results (not an xdist worker) gathers the reliability tests' figures."""
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(FigureCollector(config), "reliability-figures")


@pytest.fixture
def device_db(tmp_path: Path) -> Iterator[DeviceDatabase]:
    """A freshly migrated device database in a file, as on a tablet."""
    database = DeviceDatabase(tmp_path / DB_FILENAME)
    yield database
    database.close()


@pytest.fixture
def worker() -> Actor:
    return Actor(user_id="wlee", name="Wen Lee", role="worker", agency_id=AGENCY_ID, agency_name="North Centre")


@pytest.fixture
def make_client() -> Callable[..., Client]:
    """``make_client(**changes)``: a registrable client with the given fields changed."""

    def build(**changes: Any) -> Client:
        values: dict[str, Any] = {
            "id": "client-1",
            "agency_id": AGENCY_ID,
            "first_name": "Amal",
            "last_name": "Haddad",
            "date_of_birth": date(1988, 4, 2),
            "phone": "416-555-0142",
            "consent": True,
        }
        return Client(**(values | changes))

    return build


@pytest.fixture
def make_session() -> Callable[..., Session]:
    """``make_session(**changes)``: a valid direct-service session with one complete service form."""

    def build(**changes: Any) -> Session:
        values: dict[str, Any] = {
            "id": "session-1",
            "agency_id": AGENCY_ID,
            "created_by": "wlee",
            "session_type": "direct_service",
            "service_date": date(2025, 3, 10),
            "site_code": "N-001",
            "delivery_methods": ["in_person"],
            "service_location_type": "agency_office",
            "interpreter_present": False,
            "interpreters": 0,
            "service_minutes": 45,
            "languages": ["en"],
            "staff": ["wlee"],
            "service_forms": [
                ServiceForm(
                    id="form-1",
                    client_id="client-1",
                    service_type="information_orientation",
                    services=["io_housing"],
                    status="complete",
                )
            ],
        }
        return Session(**(values | changes))

    return build
