"""A tablet that saves sessions as fast as it can, for the durability test to kill with SIGKILL at random moments.

Run as ``python save_sessions_forever.py``. It imports the app once, then, for each ``start DB_PATH SEED [PAUSE_AT]``
line on standard input, forks a child that opens the device database like the app does (migrating it if it is new)
and saves sessions through ``save_session`` in a loop. The child prints ``child PID`` first, then ``saving MARKER``
before each save and ``saved ID MARKER`` after it has returned, so a kill between the two hit a save in progress;
one save in four edits an earlier session of the same child instead of making a new one. With ``PAUSE_AT`` n, the
n-th save stops just before its transaction commits, every row written, prints ``paused MARKER`` and waits to be
killed: a kill at a known point inside a save. When the child is gone the parent prints ``ended PID STATUS``, so
everything the child printed comes before it. Forking from a process that has already imported everything makes
each restart take milliseconds, not the second or more a fresh interpreter needs; the database is opened afresh in
every child, as after a real restart.
"""

import os
import random
import sys
import time
import traceback
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import event

from app.domain.sessions import ServiceForm, Session
from app.store.db import DeviceDatabase
from app.usecases.context import Actor
from app.usecases.sessions import load_session, save_session

WORKER = Actor(user_id="mhernandez", name="Mateo Hernández", role="worker", agency_id="maplebridge")


def new_session(rng: random.Random, marker: str) -> Session:
    return Session(
        id=str(uuid.uuid4()),
        agency_id=WORKER.agency_id,
        created_by=WORKER.user_id,
        session_type="direct_service",
        service_date=date(2025, 3, rng.randint(1, 28)),
        site_code="TOR-001",
        delivery_methods=["in_person"],
        service_location_type="agency_office",
        interpreter_present=False,
        service_minutes=rng.randint(5, 240),
        languages=["en"],
        staff=[WORKER.user_id],
        notes=marker,
        service_forms=[
            ServiceForm(
                id=str(uuid.uuid4()),
                client_id=str(uuid.uuid4()),
                service_type="information_orientation",
                services=["io_housing"],
                status="complete",
            )
        ],
    )


def save_forever(database_path: Path, seed: int, pause_at: int | None) -> None:
    """Save sessions until killed; report each one only after ``save_session`` returned."""
    rng = random.Random(seed)
    db = DeviceDatabase(database_path)
    saving: dict[int, str] = {}  # the save running now: its number (from 1) and marker
    if pause_at is not None:
        event.listen(db.engine, "commit", lambda _connection: pause_at in saving and pause_in(saving[pause_at]))
    mine: list[str] = []
    for number in range(1, 1_000_000):
        marker = f"run-{seed}-save-{number}"
        if mine and rng.random() < 0.25:
            session = replace(load_session(db, rng.choice(mine)), notes=marker)
        else:
            session = new_session(rng, marker)
        say(f"saving {marker}")
        saving[number] = marker
        saved = save_session(db, WORKER, session, today=date(2025, 3, 31))
        del saving[number]
        mine.append(saved.id)
        say(f"saved {saved.id} {marker}")


def pause_in(marker: str) -> None:
    """Called before the save's COMMIT, its rows all written: say so and wait to be killed."""
    say(f"paused {marker}")
    while True:
        time.sleep(3600)


def say(line: str) -> None:
    """One line to the test, in a single write: a kill between the text and its newline (which ``print`` writes
    separately) would glue this line to the parent's next one."""
    os.write(sys.stdout.fileno(), f"{line}\n".encode())


def run_child(database_path: Path, seed: int, pause_at: int | None) -> None:
    say(f"child {os.getpid()}")
    try:
        save_forever(database_path, seed, pause_at)
    except BaseException:
        say("error " + traceback.format_exc().replace("\n", " | "))
        os._exit(1)
    os._exit(0)


def main() -> None:
    for line in sys.stdin:
        command, *arguments = line.split()
        if command != "start":
            return
        path, seed = Path(arguments[0]), int(arguments[1])
        pause_at = int(arguments[2]) if len(arguments) > 2 else None
        pid = os.fork()
        if pid == 0:
            run_child(path, seed, pause_at)
        _, status = os.waitpid(pid, 0)
        say(f"ended {pid} {status}")


if __name__ == "__main__":
    main()
