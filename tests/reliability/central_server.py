"""The real central server for reliability tests: ``outpost-server serve`` processes that can be killed with SIGKILL
and started again on the same port and database, and a look straight into the server's database to count what it
holds (the only honest way to say "exactly once").
"""

import os
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from server_process import HEALTH_PATH, STARTUP_TIMEOUT, free_port, server_command, stop_process
from sqlalchemy import create_engine, func, select

from server.models import AppliedOp, ClientRecord, SessionRecord


class ServerProcess:
    """One ``outpost-server serve`` process on a fixed loopback port; ``kill`` and ``start`` may repeat."""

    def __init__(self, database_url: str, log_path: Path, *, port: int | None = None):
        self.database_url = database_url
        self.log_path = log_path
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start serving and wait until /api/v1/health answers."""
        command = [*server_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--database-url", self.database_url],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        self.starts += 1
        self._wait_until_healthy()

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, open transactions cut off where they stand."""
        assert self.process is not None, "not started"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        stop_process(self.process)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_until_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"outpost-server exited with {self.process.returncode} before answering:\n{self.log()}")
            try:
                if requests.get(self.url + HEALTH_PATH, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        pytest.fail(f"outpost-server did not answer {HEALTH_PATH} within {STARTUP_TIMEOUT:.0f} s:\n{self.log()}")


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
