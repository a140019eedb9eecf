"""Device durability: a tablet's database survives the app being killed at any moment, and an old database is
carried forward by an app update with its unsynced work intact.

The kill tests run ``save_sessions_forever.py`` (a process saving sessions through the real use case in a loop) and
SIGKILL it at random moments, again and again on the same database file. After every kill the file must pass
SQLite's ``PRAGMA integrity_check``, and every save the process reported as returned must be in it: the session and
its own outbox entry (the marker it wrote is the session's notes, so the entry is that save's, not a later one's).
The database is read with Python's ``sqlite3`` module, not the app, so the app's code is not judging itself.
"""

import json
import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from central_server import read_holdings
from field_devices import FieldDevice
from sqlalchemy import Connection, Engine, text

from app.store.db import DB_FILENAME, alembic_config, create_device_engine, migrate
from app.usecases.sessions import list_my_sessions

SCRIPT = Path(__file__).with_name("save_sessions_forever.py")
KILLS = 60
FIRST_START_KILLS = 12
SAVES_BEFORE_KILL = (0, 0, 1, 2, 3, 5, 8)  # a kill comes after this many reported saves...
MAX_EXTRA_WAIT = 0.1  # ...and up to this many seconds more, while the next save runs
FIRST_START_WAIT = 0.6  # seconds: opening a new database (every migration) and its first saves
LINE_TIMEOUT = 60.0
SEED = int(os.environ.get("OUTPOST_DURABILITY_SEED", "6005"))


@dataclass
class Run:
    """What one child reported before it was killed: saves that returned (marker -> session id), the save it had
    announced but not finished when the kill came, and the save it paused in, if it was told to."""

    saves: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    in_progress: str | None = None
    paused: str | None = None

    def note(self, line: str) -> None:
        kind, _, rest = line.partition(" ")
        if kind == "saving":
            self.in_progress = rest
        elif kind == "saved":
            session_id, marker = rest.split(" ", 1)
            self.saves[marker] = session_id
            self.in_progress = None
        elif kind == "paused":
            self.paused = rest
        else:
            self.errors.append(line)


class SavingTablet:
    """``save_sessions_forever.py``, with its output read on a thread so the test can wait with a deadline."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def run_and_kill(self, database: Path, seed: int, *, after_saves: int, then: float) -> Run:
        """Start a child on ``database``; once it reported ``after_saves`` saves, wait ``then`` seconds more (it
        keeps saving) and SIGKILL it. Returns what it reported. Counting saves first keeps the moments random
        relative to the work, however fast or busy the machine is."""
        pid, run = self._start(f"{database} {seed}")
        while len(run.saves) < after_saves and not run.errors:
            run.note(self._next_line(LINE_TIMEOUT))
        deadline = time.monotonic() + then
        while (left := deadline - time.monotonic()) > 0:
            try:
                run.note(self.lines.get(timeout=left))
            except queue.Empty:
                break
        return self._kill(pid, run)

    def run_and_kill_in_save(self, database: Path, seed: int, *, save_number: int) -> Run:
        """Start a child whose ``save_number``-th save stops just before its commit, and SIGKILL it there."""
        pid, run = self._start(f"{database} {seed} {save_number}")
        while run.paused is None and not run.errors:
            run.note(self._next_line(LINE_TIMEOUT))
        return self._kill(pid, run)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)

    def _start(self, arguments: str) -> tuple[int, Run]:
        assert self.process.stdin is not None
        self.process.stdin.write(f"start {arguments}\n")
        self.process.stdin.flush()
        first = self._next_line(LINE_TIMEOUT)
        assert first.startswith("child "), first
        return int(first.split()[1]), Run()

    def _kill(self, pid: int, run: Run) -> Run:
        """SIGKILL the child, then take in everything it said before it died."""
        os.kill(pid, signal.SIGKILL)
        while not (line := self._next_line(LINE_TIMEOUT)).startswith(f"ended {pid} "):
            run.note(line)
        return run

    def _next_line(self, timeout: float) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"save_sessions_forever.py said nothing for {timeout} s")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))


@pytest.fixture
def saving_tablet() -> Iterator[SavingTablet]:
    tablet = SavingTablet()
    yield tablet
    tablet.close()


def check_after_kill(database: Path, reported: dict[str, str], *, uncommitted: str | None = None) -> int:
    """Integrity, every reported save present with its own outbox entry, and the save killed before its commit
    (``uncommitted``) absent; returns the saves in the file."""
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "outbox" not in tables:  # killed before the first migration committed: it left nothing half made
            assert not tables - {"alembic_version"} and not reported
            return 0
        queued = set(connection.execute("SELECT record_id, json_extract(payload, '$.notes') FROM outbox"))
        sessions = {session_id for (session_id,) in connection.execute("SELECT id FROM session")}
    missing = [marker for marker, session_id in reported.items() if (session_id, marker) not in queued]
    assert not missing, f"saves that returned but are not in the database: {missing[:5]}"
    assert {session_id for session_id, _ in queued} <= sessions, "an outbox entry without its session"
    assert uncommitted not in {marker for _, marker in queued}, "a save killed before its commit was kept"
    return len(queued)


def saves_missing(database: Path, reported: dict[str, str]) -> int:
    """Reported saves (session and its own outbox entry) the file does not hold."""
    with closing(sqlite3.connect(database)) as connection:
        queued = set(connection.execute("SELECT record_id, json_extract(payload, '$.notes') FROM outbox"))
    return sum((session_id, marker) not in queued for marker, session_id in reported.items())


def test_sessions_whose_save_returned_survive_sixty_sigkills(saving_tablet, tmp_path, reliability_figures):
    """Every other kill stops a save just before its commit, all its rows written (a known point); the rest come at
    a random moment, counted as in a save when the tablet had announced a save and not finished it."""
    database = tmp_path / DB_FILENAME
    rng = random.Random(SEED)
    reported: dict[str, str] = {}
    random_kills_in_a_save = checks_passed = in_file = 0
    for run_number in range(KILLS):
        seed = SEED * 1000 + run_number
        if run_number % 2 == 0:
            run = saving_tablet.run_and_kill_in_save(database, seed, save_number=rng.choice(SAVES_BEFORE_KILL) + 1)
            assert run.paused is not None and run.paused == run.in_progress
        else:
            run = saving_tablet.run_and_kill(
                database, seed, after_saves=rng.choice(SAVES_BEFORE_KILL), then=rng.uniform(0.0, MAX_EXTRA_WAIT)
            )
            random_kills_in_a_save += run.in_progress is not None
        assert not run.errors, run.errors
        reported |= run.saves
        in_file = check_after_kill(database, reported, uncommitted=run.paused)
        checks_passed += 1

    kills_before_commit = (KILLS + 1) // 2
    reliability_figures(
        "device-kills",
        {
            "kills": KILLS,
            "kills inside a save, its rows written, before its commit": kills_before_commit,
            "kills at a random moment": KILLS - kills_before_commit,
            "random kills that hit a save in progress": random_kills_in_a_save,
            "kills that hit a save in progress": kills_before_commit + random_kills_in_a_save,
            "saves reported as returned": len(reported),
            "saves in the database": in_file,
            "saves committed but killed before reporting": in_file - len(reported),
            "checks passed after a kill (integrity, saves, outbox)": checks_passed,
            "lost": saves_missing(database, reported),
        },
    )
    assert kills_before_commit + random_kills_in_a_save >= KILLS // 2
    assert in_file >= len(reported) > KILLS // 2


def test_a_tablet_killed_during_its_first_start_opens_afterwards(saving_tablet, tmp_path):
    """The first start creates the database (runs every migration): a kill there must not leave it unusable."""
    rng = random.Random(SEED)
    for number in range(FIRST_START_KILLS):
        database = tmp_path / f"fresh-{number}" / DB_FILENAME
        database.parent.mkdir()
        run = saving_tablet.run_and_kill(database, number, after_saves=0, then=rng.uniform(0.0, FIRST_START_WAIT))
        assert not run.errors, run.errors
        if database.exists():
            check_after_kill(database, run.saves)
        again = saving_tablet.run_and_kill(database, 1000 + number, after_saves=1, then=0.0)
        assert not again.errors, again.errors
        check_after_kill(database, run.saves | again.saves)


# --- an update of the app meets a database made by its oldest version ---------------------------------------------

WORKER = "mhernandez"
AGENCY = "maplebridge"
OLD_SESSIONS = 25


def oldest_revision(engine: Engine) -> str:
    """The first migration there is, whatever migrations are added later."""
    base = ScriptDirectory.from_config(alembic_config(engine)).get_base()
    assert isinstance(base, str), "the device migrations must have a single first revision"
    return base


def write_like_the_first_version(database: Path) -> tuple[str, list[str]]:
    """A database at the oldest schema holding a client and sessions saved offline, written with plain SQL the way
    that version stored them (rows plus one pending outbox entry each, wire format v1). Returns the ids."""
    engine = create_device_engine(database)
    migrate(engine, oldest_revision(engine))
    saved_at = "2025-03-10T15:00:00+00:00"
    client_id = str(uuid.uuid4())
    client = {
        "id": client_id, "agency_id": AGENCY, "first_name": "Yusuf", "last_name": "Okafor", "preferred_name": "",
        "date_of_birth": "1979-11-23", "gender": None, "marital_status": None, "official_language": None,
        "country_of_origin": "", "arrival_date": None, "immigration_category": None, "phone": "416-555-0177",
        "email": "", "address": "", "consent": True, "client_identifier": "", "family_code": "",
        "created_by": WORKER, "created_at": saved_at, "updated_at": saved_at, "version": 0,
    }  # fmt: skip
    session_ids = [str(uuid.uuid4()) for _ in range(OLD_SESSIONS)]
    with engine.begin() as sql:
        sql.execute(
            text(
                "INSERT INTO client (id, agency_id, first_name, last_name, preferred_name, date_of_birth, gender,"
                " marital_status, official_language, country_of_origin, arrival_date, immigration_category, phone,"
                " email, address, consent, client_identifier, family_code, created_by, created_at, updated_at,"
                " version, sort_key) VALUES (:id, :agency_id, :first_name, :last_name, '', :date_of_birth, NULL,"
                " NULL, NULL, '', NULL, NULL, :phone, '', '', 1, '', '', :created_by, :created_at, :updated_at, 0,"
                " 'okafor yusuf')"
            ),
            client,
        )
        queue_old_change(sql, "client", client_id, client, saved_at)
        for number, session_id in enumerate(session_ids):
            session = old_session(session_id, client_id, number, saved_at)
            write_old_session(sql, session)
            queue_old_change(sql, "session", session_id, session, saved_at)
        sql.execute(text("INSERT INTO sync_state (key, value) VALUES ('device_id', :id)"), {"id": str(uuid.uuid4())})
        sql.execute(text("INSERT INTO sync_state (key, value) VALUES ('user_id', :user)"), {"user": WORKER})
    engine.dispose()
    return client_id, session_ids


def old_session(session_id: str, client_id: str, number: int, saved_at: str) -> dict[str, Any]:
    form = {
        "id": str(uuid.uuid4()), "client_id": client_id, "service_type": "information_orientation",
        "services": ["io_housing"], "referrals": [], "client_attended": True, "status": "complete",
        "private": False, "notes": "",
    }  # fmt: skip
    return {
        "id": session_id, "agency_id": AGENCY, "created_by": WORKER, "session_type": "direct_service",
        "service_date": "2025-03-10", "site_code": "TOR-001", "delivery_methods": ["in_person"],
        "service_location_type": "agency_office", "interpreter_present": False, "interpreters": 0,
        "service_minutes": 30 + number, "languages": ["en"], "staff": [WORKER],
        "notes": f"Saved offline by the first version, number {number}", "activity_name": "", "activity_topic": "",
        "service_forms": [form], "complete": True, "created_at": saved_at, "updated_at": saved_at, "version": 0,
    }  # fmt: skip


def write_old_session(sql: Connection, session: dict[str, Any]) -> None:
    sql.execute(
        text(
            "INSERT INTO session (id, agency_id, created_by, session_type, service_date, site_code, delivery_methods,"
            " service_location_type, interpreter_present, interpreters, service_minutes, notes, activity_name,"
            " activity_topic, complete, created_at, updated_at, version) VALUES (:id, :agency_id, :created_by,"
            " :session_type, :service_date, :site_code, :methods, :service_location_type, 0, 0, :service_minutes,"
            " :notes, '', '', 1, :created_at, :updated_at, 0)"
        ),
        session | {"methods": json.dumps(session["delivery_methods"])},
    )
    sql.execute(text("INSERT INTO session_language (session_id, code, position) VALUES (:id, 'en', 0)"), session)
    sql.execute(text("INSERT INTO session_staff (session_id, user_id, position) VALUES (:id, :created_by, 0)"), session)
    form = session["service_forms"][0]
    sql.execute(
        text(
            "INSERT INTO service_form (id, session_id, client_id, position, service_type, services, client_attended,"
            " status, private, notes) VALUES (:id, :session_id, :client_id, 0, :service_type, :services, 1,"
            " 'complete', 0, '')"
        ),
        form | {"session_id": session["id"], "services": json.dumps(form["services"])},
    )


def queue_old_change(sql: Connection, entity: str, record_id: str, payload: dict[str, Any], saved_at: str) -> None:
    sql.execute(
        text(
            "INSERT INTO outbox (op_id, entity, record_id, base_version, payload, attempts, last_error, state,"
            " problem, errors, server_record, created_at) VALUES (:op_id, :entity, :record_id, NULL, :payload, 0,"
            " '', 'pending', NULL, '[]', NULL, :created_at)"
        ),
        {
            "op_id": str(uuid.uuid4()),
            "entity": entity,
            "record_id": record_id,
            "payload": json.dumps(payload),
            "created_at": saved_at,
        },
    )


def test_unsynced_work_in_a_database_of_the_oldest_version_still_syncs(demo_server, tmp_path):
    folder = tmp_path / "old-tablet"
    folder.mkdir()
    client_id, session_ids = write_like_the_first_version(folder / DB_FILENAME)

    device = FieldDevice(folder, "old-tablet")  # the current app: opening runs every newer migration
    with device.db.engine.connect() as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert revision == ScriptDirectory.from_config(alembic_config(device.db.engine)).get_current_head()
    device.sign_in(demo_server.url, WORKER)
    waiting = list_my_sessions(device.db, device.worker, page_size=100).items
    assert sorted(item.id for item in waiting) == sorted(session_ids)
    assert all(item.waiting_to_sync for item in waiting)

    device.sync()

    holdings = read_holdings(demo_server.database_url)
    assert holdings.sessions.keys() == set(session_ids)
    assert sorted(record["notes"] for record in holdings.sessions.values()) == sorted(
        f"Saved offline by the first version, number {number}" for number in range(OLD_SESSIONS)
    )
    assert {record["version"] for record in holdings.sessions.values()} == {1}
    assert holdings.clients.keys() == {client_id}
    assert device.outbox_counts() == {"pending": 0, "needs_attention": 0}
    device.close()
