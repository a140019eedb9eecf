"""Setting up device databases for the figures: a signed-in worker's device already holding the agency's data.

Clients are written the way the sync engine's page writer writes them (``app.store.repository.insert_clients``,
the write a first sync makes for every client of the agency), a few thousand to a transaction. Reference lists are
plain rows, as a pull leaves them. None of this is timed; the figures time the use cases that run on top of it.
"""

from collections.abc import Iterable
from pathlib import Path

from app.domain.clients import Client
from app.store.db import DeviceDatabase
from app.store.models import AgencyRow, LanguageRow, LocationTypeRow, SiteRow, WorkerRow
from app.store.repository import insert_clients
from app.usecases.context import Actor

BATCH = 2_000


def open_device(folder: Path, name: str) -> DeviceDatabase:
    """A new, migrated device database file of its own under ``folder``."""
    path = folder / f"{name}.sqlite3"
    path.unlink(missing_ok=True)
    return DeviceDatabase(path)


def store_clients(db: DeviceDatabase, clients: Iterable[Client]) -> int:
    """Write ``clients`` as a pull does, ``BATCH`` to a transaction; returns how many were written."""
    written = 0
    batch: list[Client] = []
    for client in clients:
        batch.append(client)
        if len(batch) == BATCH:
            written += _store_batch(db, batch)
            batch = []
    return written + _store_batch(db, batch)


def _store_batch(db: DeviceDatabase, clients: list[Client]) -> int:
    if clients:
        with db.sessions.begin() as tx:
            insert_clients(tx, clients)
    return len(clients)


def store_reference(
    db: DeviceDatabase,
    actor: Actor,
    *,
    sites: Iterable[tuple[str, str, str]],
    workers: Iterable[tuple[str, str, str]],
    languages: Iterable[tuple[str, str]],
    location_types: Iterable[tuple[str, str]],
) -> None:
    """The agency, its sites ``(code, name, address)``, workers ``(user_id, name, role)`` and the shared lists."""
    with db.sessions.begin() as tx:
        tx.add(AgencyRow(id=actor.agency_id, name=actor.agency_name))
        tx.add_all(SiteRow(code=code, name=name, address=address) for code, name, address in sites)
        tx.add_all(WorkerRow(user_id=user_id, name=name, role=role) for user_id, name, role in workers)
        tx.add_all(LanguageRow(code=code, name=name) for code, name in languages)
        tx.add_all(LocationTypeRow(code=code, label=label) for code, label in location_types)
