"""The real central server for reliability tests: ``outpost-server serve`` processes that can be killed with SIGKILL
and started again on the same database, and a look straight into the server's database to count what it
holds (the only honest way to say "exactly once").
"""

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pausable_server import PAUSE_FILE_VARIABLE, paused_marker
from server_process import start_server, stop_process
from sqlalchemy import create_engine, func, select

from server.models import AppliedOp, ClientRecord, SessionRecord

PAUSABLE_SERVER = Path(__file__).with_name("pausable_server.py")


class ServerProcess:
    """One ``outpost-server serve`` process on loopback; ``kill`` and ``start`` may repeat, on the same database.

    ``port`` is None while no process serves: each start binds a port the OS picks (see ``start_server``), so a
    restart usually listens on another port, and nothing else can have taken it in the meantime. ``command``
    replaces ``outpost-server`` by a program that takes the same arguments (``pausable_server.py``).
    """

    def __init__(
        self,
        database_url: str,
        log_path: Path,
        *,
        command: Sequence[str] | None = None,
        env: dict[str, str] | None = None,
    ):
        self.database_url = database_url
        self.log_path = log_path
        self.command = command
        self.env = env
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        assert self.port is not None, "not serving"
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start serving and wait until /api/v1/health answers."""
        self.process, self.port = start_server(self.database_url, self.log_path, command=self.command, env=self.env)
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, open transactions cut off where they stand. Returns once the
        process is gone."""
        assert self.process is not None, "not started"
        self.port = None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        self.port = None
        if self.process is None or self.process.poll() is not None:
            return
        stop_process(self.process)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass(frozen=True, slots=True)
class ServerHoldings:
    """What the server's database holds: sessions and clients by id, and how many changes it applied."""

    sessions: dict[str, dict[str, Any]]  # id -> the stored wire record (with its version)
    session_creators: dict[str, str]
    clients: dict[str, dict[str, Any]]
    applied_ops: Counter[str]  # entity -> how many op_ids the server applied (and would answer "duplicate" to)
    applied_per_record: Counter[str]  # record id -> how many op_ids were applied to it

    def sessions_of(self, user_id: str) -> dict[str, dict[str, Any]]:
        """Sessions ``user_id`` created or is staff on: what a (non-supervisor) device of theirs should hold."""
        return {
            key: record
            for key, record in self.sessions.items()
            if self.session_creators[key] == user_id or user_id in record.get("staff", [])
        }


def read_holdings(database_url: str) -> ServerHoldings:
    """Read the server's records directly from its database (works while the server runs, or after it died)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            session_rows = connection.execute(
                select(SessionRecord.id, SessionRecord.created_by, SessionRecord.version, SessionRecord.record)
            ).all()
            client_rows = connection.execute(select(ClientRecord.id, ClientRecord.version, ClientRecord.record)).all()
            applied = Counter(
                dict(connection.execute(select(AppliedOp.entity, func.count()).group_by(AppliedOp.entity)).all())
            )
            per_record = Counter(
                dict(connection.execute(select(AppliedOp.record_id, func.count()).group_by(AppliedOp.record_id)).all())
            )
    finally:
        engine.dispose()
    return ServerHoldings(
        sessions={row.id: {**row.record, "version": row.version} for row in session_rows},
        session_creators={row.id: row.created_by for row in session_rows},
        clients={row.id: {**row.record, "version": row.version} for row in client_rows},
        applied_ops=applied,
        applied_per_record=per_record,
    )


class CommitPause:
    """Stops a ``pausable_server.py`` process inside a push, with its changes written and not committed."""

    def __init__(self, folder: Path):
        self.armed = folder / "pause-before-commit"
        self.paused = paused_marker(self.armed)

    def server(self, database_url: str, log_path: Path) -> ServerProcess:
        """A server process that this pause can stop (not started yet)."""
        command = [sys.executable, str(PAUSABLE_SERVER)]
        return ServerProcess(database_url, log_path, command=command, env={PAUSE_FILE_VARIABLE: str(self.armed)})

    def arm(self) -> None:
        """The next push to commit stops just before it does."""
        self.paused.unlink(missing_ok=True)
        self.armed.touch()

    def wait(self, timeout: float = 120.0) -> None:
        """Until the server has stopped before a commit (a condition: the file it writes then)."""
        deadline = time.monotonic() + timeout
        while not self.paused.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no push stopped before its commit within {timeout:.0f} s")
            time.sleep(0.01)
