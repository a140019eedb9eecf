"""A real central server for end-to-end tests: ``outpost-server`` in its own process on a free loopback port.

``demo_server`` is the demo agency loaded into a fresh database (SQLite, and PostgreSQL where one answers; see
tests/pg.py) and served over HTTP; one server serves a whole test module. Tests add their own records with fresh
ids and names, so they do not depend on each other's data. ``RunningServer.admin`` runs the administrator's
command line against the same database.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from pg import fresh_postgres_database
from server_process import closed_port, run_admin, start_server, stop_process


@dataclass(frozen=True, slots=True)
class RunningServer:
    url: str  # e.g. http://127.0.0.1:41234 (no trailing slash, no /api/v1)
    database_url: str
    log_path: Path

    def admin(self, *args: str, stdin: str = "") -> str:
        """Run ``outpost-server ARGS --database-url ...``; fails the test with its output if it fails."""
        return run_admin(self.database_url, *args, stdin=stdin)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def serve(database_url: str, log_path: Path) -> Iterator[RunningServer]:
    """Start ``outpost-server serve`` and wait until /api/v1/health answers; stop it afterwards."""
    process, port = start_server(database_url, log_path)
    try:
        yield RunningServer(url=f"http://127.0.0.1:{port}", database_url=database_url, log_path=log_path)
    finally:
        stop_process(process)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty server database: a SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite3'}"
        return
    with fresh_postgres_database("outpost_e2e") as url:
        yield url


@pytest.fixture(scope="module")
def demo_server(server_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The demo agency (workers' password ``outpost-demo``) on a real server process."""
    run_admin(server_database_url, "demo")
    with serve(server_database_url, tmp_path_factory.mktemp("server-log") / "server.log") as server:
        yield server


@pytest.fixture
def unreachable_url() -> Iterator[str]:
    """A loopback URL where nothing listens, nor will while the test runs: what a device sees with no network."""
    with closed_port() as port:
        yield f"http://127.0.0.1:{port}"
