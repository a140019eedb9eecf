"""Every server test runs twice: on a temporary SQLite file and on PostgreSQL (a fresh database per test run)."""

import shutil
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
        session.execute(update(ServerState).values(last_seq=0, history_from_seq=0))
    database.close()


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly migrated SQLite database, copied for each test instead of migrating every time."""
    path = tmp_path_factory.mktemp("template") / "server.sqlite3"
    Database(f"sqlite:///{path}").close()  # the last connection to close folds the WAL into the file
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "server.sqlite3"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), path)
        return f"sqlite:///{path}"
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
