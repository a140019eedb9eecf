"""A tablet that saves sessions as fast as it can, for the durability test to kill with SIGKILL at random moments.

Run as ``python save_sessions_forever.py``. It imports the app once, then, for each ``start DB_PATH SEED`` line on
standard input, forks a child that opens the device database like the app does (migrating it if it is new) and
saves sessions through ``save_session`` in a loop. The child prints ``child PID`` first, then ``saved ID MARKER``
after each save has returned; one save in four edits an earlier session of the same child instead of making a new
one. When the child is gone the parent prints ``ended PID STATUS``, so everything the child printed comes before
it. Forking from a process that has already imported everything makes each restart take milliseconds, not the
second or more a fresh interpreter needs; the database is opened afresh in every child, as after a real restart.
"""

import os
import random
import sys
import traceback
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

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


def save_forever(database_path: Path, seed: int) -> None:
    """Save sessions until killed; report each one only after ``save_session`` returned."""
    rng = random.Random(seed)
    db = DeviceDatabase(database_path)
    mine: list[str] = []
    for number in range(1_000_000):
        marker = f"run-{seed}-save-{number}"
        if mine and rng.random() < 0.25:
            session = replace(load_session(db, rng.choice(mine)), notes=marker)
        else:
            session = new_session(rng, marker)
        saved = save_session(db, WORKER, session, today=date(2025, 3, 31))
        mine.append(saved.id)
        say(f"saved {saved.id} {marker}")


def say(line: str) -> None:
    """One line to the test, in a single write: a kill between the text and its newline (which ``print`` writes
    separately) would glue this line to the parent's next one."""
    os.write(sys.stdout.fileno(), f"{line}\n".encode())


def run_child(database_path: Path, seed: int) -> None:
    say(f"child {os.getpid()}")
    try:
        save_forever(database_path, seed)
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
        pid = os.fork()
        if pid == 0:
            run_child(path, seed)
        _, status = os.waitpid(pid, 0)
        say(f"ended {pid} {status}")


if __name__ == "__main__":
    main()
