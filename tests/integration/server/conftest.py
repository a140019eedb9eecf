"""Every server test runs twice: on a temporary SQLite file and on PostgreSQL (a fresh database per test run)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg import fresh_postgres_database
from server_harness import ServerHarness
from sqlalchemy import update

from server.db import Database
from server.main import create_app
from server.models import Base, ServerState


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database("outpost_server_test") as url:
        yield url


def _empty_database(database_url: str) -> None:
    """Remove every row a previous test left, keeping the schema and the database's epoch."""
    database = Database(database_url)
    with database.writing() as session:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != ServerState.__tablename__:
                session.execute(table.delete())
        session.execute(update(ServerState).values(last_seq=0))
    database.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite3'}"
    url = request.getfixturevalue("postgres_url")
    _empty_database(url)
    return url


@pytest.fixture
def server(database_url: str) -> Iterator[ServerHarness]:
    harness = ServerHarness(create_app(database_url))
    yield harness
    harness.app.dependency_overrides.clear()
    harness.db.close()


@pytest.fixture
def two_agencies(server: ServerHarness) -> ServerHarness:
    """The server with the north and south agencies of ``ServerHarness.add_two_agencies``."""
    server.add_two_agencies()
    return server
