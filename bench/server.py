"""A real ``outpost-server serve`` process on a free loopback port, on a fresh SQLite file or PostgreSQL database.

Devices in the benchmark talk to it over HTTP exactly as the app does; the benchmark process itself opens the same
database only to set it up before the server starts and to check afterwards what arrived.
"""

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests
from psycopg import sql
from sqlalchemy.engine import make_url

POSTGRES_ADMIN_DSN = "postgresql://outpost:outpost@127.0.0.1:5432/postgres"
POSTGRES_URL = "postgresql+psycopg://outpost:outpost@127.0.0.1:5432/{name}"
START_TIMEOUT_S = 60


@dataclass(frozen=True, slots=True)
class RunningServer:
    base_url: str
    database_url: str
    log: Path
    pid: int


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(database_url: str, log: Path) -> Iterator[RunningServer]:
    """Start the server's own command line on ``database_url``; stop it (and wait) when the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--database-url", database_url]
    with log.open("ab") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    server = RunningServer(base_url=f"http://127.0.0.1:{port}", database_url=database_url, log=log, pid=process.pid)
    try:
        _wait_until_healthy(server, process)
        yield server
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes], timeout_s: float = 20) -> None:
    """Terminate a process this benchmark started and wait for it; kill it if it does not stop in time."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_healthy(server: RunningServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"outpost-server exited with {process.returncode}; see {server.log}")
        try:
            if requests.get(f"{server.base_url}/api/v1/health", timeout=5).ok:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or still starting on a loaded machine: ask again until the deadline
        time.sleep(0.2)
    raise RuntimeError(f"outpost-server did not answer within {START_TIMEOUT_S} s; see {server.log}")


def sqlite_url(folder: Path, name: str) -> str:
    path = folder / f"{name}.sqlite3"
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def postgres_unreachable_reason() -> str | None:
    """Why the local PostgreSQL cluster cannot be used, or None when it can."""
    try:
        with psycopg.connect(POSTGRES_ADMIN_DSN, connect_timeout=3):
            return None
    except psycopg.Error as problem:
        return f"PostgreSQL not reachable at 127.0.0.1:5432 ({type(problem).__name__})"


def postgres_backends(database_url: str) -> list[int]:
    """The process ids of the PostgreSQL backends now connected to ``database_url``'s database."""
    name = make_url(database_url).database
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
        rows = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)).fetchall()
    return [pid for (pid,) in rows]


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database for one figure (dropped afterwards); yields its SQLAlchemy URL."""
    name = f"outpost_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield POSTGRES_URL.format(name=name)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
