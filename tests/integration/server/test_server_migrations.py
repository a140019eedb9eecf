"""The migrations build exactly the schema the models describe, once, however many servers start together."""

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pg import fresh_postgres_database
from sqlalchemy import func, select, text

from server import crud, devices
from server.db import Database, migrate
from server.models import Base, ServerState


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        with database.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        database.close()


def test_migrating_again_keeps_the_epoch(database_url: str) -> None:
    first = Database(database_url)
    with first.reading() as session:
        epoch = crud.server_state(session).epoch
    first.close()
    second = Database(database_url)
    with second.reading() as session:
        assert crud.server_state(session).epoch == epoch
    second.close()


def start_servers_together(database_url: str, count: int = 3) -> None:
    """Open the database from ``count`` processes at once, as servers started together do; all must succeed."""
    starter = "import sys; from server.db import Database; Database(sys.argv[1]).close()"
    processes = [
        subprocess.Popen([sys.executable, "-c", starter, database_url], stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    failures = [process.communicate(timeout=120)[1] for process in processes if process.wait(timeout=120) != 0]
    assert failures == []
    database = Database(database_url, run_migrations=False)
    with database.reading() as session:
        assert session.execute(select(func.count()).select_from(ServerState)).scalar_one() == 1
    database.close()


def test_servers_starting_together_on_a_new_sqlite_file_migrate_it_once(tmp_path: Path) -> None:
    start_servers_together(f"sqlite:///{tmp_path / 'new.sqlite3'}")


@pytest.mark.postgres
def test_servers_starting_together_on_a_new_postgres_database_migrate_it_once() -> None:
    with fresh_postgres_database("outpost_migration_test") as url:
        start_servers_together(url)


def test_devices_signed_in_before_the_device_registry_are_listed_after_upgrading(tmp_path: Path) -> None:
    """Revision 0005 enters each device found in the sign-in tokens, as of its latest sign-in."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = Database(url, run_migrations=False)
    migrate(old.engine.execution_options(outpost_writer=True), "0004")
    signed_in = datetime(2025, 3, 1, 9, 30)
    with old.engine.begin() as connection:
        connection.execute(text("INSERT INTO agency VALUES ('north', 'North Centre', 1, 1)"))
        for user_id in ("wlee", "ajones"):
            connection.execute(
                text("INSERT INTO worker VALUES (:user, 'north', :user, 'worker', 1, 'x', 1, 2)"), {"user": user_id}
            )
        for token, user_id, minutes in (("a", "wlee", 0), ("b", "ajones", 5)):
            connection.execute(
                text("INSERT INTO auth_token VALUES (:token, :user, 'tablet-1', 'Front desk', :at, :expires)"),
                {"token": token, "user": user_id, "at": signed_in + timedelta(minutes=minutes),
                 "expires": signed_in + timedelta(days=30)},
            )  # fmt: skip
    old.close()

    upgraded = Database(url)
    (device,) = devices.list_devices(upgraded, agency_id="north")
    upgraded.close()
    assert (device.device_id, device.name, device.workers) == ("tablet-1", "Front desk", ("ajones", "wlee"))
    assert device.last_contact_at.replace(tzinfo=None) == signed_in + timedelta(minutes=5)
