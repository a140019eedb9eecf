"""The Sync details screen: changes still waiting, and changes that need the worker to decide.

Nothing here is dropped behind the worker's back. A refused change stays until it is fixed (saving the record again
replaces it), retried, or discarded by the worker; a conflict keeps both versions until the worker keeps one.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from app.domain.errors import FieldError
from app.store import repository
from app.store.db import DeviceDatabase
from app.store.models import ClientRow, OutboxRow
from app.usecases.context import NotFound, utc_now
from sync.apply import delete_clients, delete_sessions
from sync.engine import CURSOR_KEY, store_wire_record

REJECTED = "rejected"
CONFLICT = "conflict"
# Fields that differ between any two copies of a record without anyone having changed what it says.
_BOOKKEEPING_FIELDS = frozenset({"version", "created_at", "updated_at", "complete"})


@dataclass(frozen=True, slots=True)
class RecordTitle:
    """What a worker recognises a queued record by, for the screen to put in words: a client's name, or a session's
    type, date and clients (or its group activity's name)."""

    entity: str
    name: str = ""  # a client's name, or a group activity's name
    session_type: str = ""  # the code
    service_date: date | None = None
    people: tuple[str, ...] = ()  # the session's clients by name; "" for one not on this device


@dataclass(frozen=True, slots=True)
class PendingItem:
    """A change waiting to reach the server."""

    id: int
    entity: str
    record_id: str
    title: RecordTitle
    saved_at: str
    attempts: int
    last_error: str


@dataclass(frozen=True, slots=True)
class AttentionItem:
    """A change the server did not take, with what the worker needs to decide about it."""

    id: int
    entity: str
    record_id: str
    title: RecordTitle
    problem: str  # "rejected" | "conflict"
    reasons: list[FieldError]  # the server's reasons for a rejection
    mine: dict[str, Any]  # the worker's version, as saved on this device
    theirs: dict[str, Any] | None  # the server's version, for a conflict (None if the server no longer shows it)
    differences: list[str]  # wire names of the fields where the two versions disagree
    saved_at: str


def pending_items(db: DeviceDatabase) -> list[PendingItem]:
    """Changes waiting to be sent, oldest first."""
    with db.reads() as tx:
        entries = _entries(tx, repository.PENDING)
        titles = _titles(tx, entries)
    return [
        PendingItem(
            id=entry.seq,
            entity=entry.entity,
            record_id=entry.record_id,
            title=titles[entry.seq],
            saved_at=entry.created_at,
            attempts=entry.attempts,
            last_error=entry.last_error,
        )
        for entry in entries
    ]


def needs_attention(db: DeviceDatabase) -> list[AttentionItem]:
    """Refused and conflicting changes, oldest first."""
    with db.reads() as tx:
        entries = _entries(tx, repository.NEEDS_ATTENTION)
        titles = _titles(tx, entries)
    return [
        AttentionItem(
            id=entry.seq,
            entity=entry.entity,
            record_id=entry.record_id,
            title=titles[entry.seq],
            problem=entry.problem or REJECTED,
            reasons=[FieldError.from_dict(error) for error in entry.errors],
            mine=entry.payload,
            theirs=entry.server_record,
            differences=_differences(entry.payload, entry.server_record) if entry.problem == CONFLICT else [],
            saved_at=entry.created_at,
        )
        for entry in entries
    ]


def keep_mine(db: DeviceDatabase, item_id: int) -> None:
    """Resolve a conflict with the worker's version: it shows again here and is sent as an edit of the server's."""
    with db.sessions.begin() as tx:
        entry = _entry(tx, item_id, CONFLICT)
        base = _server_version(tx, entry)
        payload = entry.payload | {"version": base}
        store_wire_record(tx, entry.entity, entry.record_id, payload)
        tx.delete(entry)
        repository.queue_change(
            tx, entity=entry.entity, record_id=entry.record_id, base_version=base, payload=payload, now=utc_now()
        )


def keep_server(db: DeviceDatabase, item_id: int) -> None:
    """Resolve a conflict with the server's version, which the device already shows: the local edit goes."""
    with db.sessions.begin() as tx:
        entry = _entry(tx, item_id, CONFLICT)
        tx.delete(entry)
        if entry.server_record is None and not _other_entries(tx, entry):
            _delete_local_record(tx, entry)


def retry(db: DeviceDatabase, item_id: int) -> None:
    """Send a refused change again as it is (e.g. after an administrator fixed what the server objected to)."""
    with db.sessions.begin() as tx:
        entry = _entry(tx, item_id, REJECTED)
        entry.op_id = str(uuid.uuid4())  # the server remembers the old op_id's answer
        entry.state = repository.PENDING
        entry.problem = None
        entry.errors = []
        entry.attempts = 0
        entry.last_error = ""


def discard(db: DeviceDatabase, item_id: int) -> None:
    """Give up a refused change. A record the server never had leaves the device; an edited one comes back from
    the server as it is there (the next sync pulls everything again to fetch it)."""
    with db.sessions.begin() as tx:
        entry = _entry(tx, item_id, REJECTED)
        tx.delete(entry)
        if _other_entries(tx, entry):
            return
        if entry.base_version is None:
            _delete_local_record(tx, entry)
        else:
            repository.set_state(tx, CURSOR_KEY, "")


# --- helpers -----------------------------------------------------------------------------------------------------


def _entries(tx: DbSession, state: str) -> list[OutboxRow]:
    return list(tx.scalars(select(OutboxRow).where(OutboxRow.state == state).order_by(OutboxRow.seq)))


def _entry(tx: DbSession, item_id: int, problem: str) -> OutboxRow:
    entry = tx.get(OutboxRow, item_id)
    if entry is None or entry.state != repository.NEEDS_ATTENTION or entry.problem != problem:
        raise NotFound(f"No {problem} change {item_id} on this device.")
    return entry


def _other_entries(tx: DbSession, entry: OutboxRow) -> bool:
    others = select(OutboxRow.seq).where(OutboxRow.record_id == entry.record_id, OutboxRow.seq != entry.seq)
    return tx.scalar(others.limit(1)) is not None


def _server_version(tx: DbSession, entry: OutboxRow) -> int:
    """The newest server version known: the conflict's copy, or a newer one a later pull stored locally."""
    stored = (
        repository.get_client(tx, entry.record_id)
        if entry.entity == "client"
        else repository.get_session(tx, entry.record_id)
    )
    return max((entry.server_record or {}).get("version") or 0, stored.version if stored else 0)


def _delete_local_record(tx: DbSession, entry: OutboxRow) -> None:
    remove = delete_clients if entry.entity == "client" else delete_sessions
    remove(tx, [entry.record_id])


def _differences(mine: dict[str, Any], theirs: dict[str, Any] | None) -> list[str]:
    if theirs is None:
        return []
    names = (mine.keys() | theirs.keys()) - _BOOKKEEPING_FIELDS
    return sorted(name for name in names if mine.get(name) != theirs.get(name))


def _titles(tx: DbSession, entries: list[OutboxRow]) -> dict[int, RecordTitle]:
    """What each entry is, in the terms a worker recognises it by (see ``RecordTitle``)."""
    client_ids = {
        form.get("client_id")
        for entry in entries
        if entry.entity == "session"
        for form in entry.payload.get("service_forms") or []
    }
    names = dict(
        tx.execute(
            select(ClientRow.id, ClientRow.first_name + " " + ClientRow.last_name).where(ClientRow.id.in_(client_ids))
        ).all()
    )
    return {entry.seq: _title(entry, names) for entry in entries}


def _title(entry: OutboxRow, client_names: dict[str, str]) -> RecordTitle:
    data = entry.payload
    if entry.entity == "client":
        return RecordTitle("client", name=f"{data.get('first_name', '')} {data.get('last_name', '')}".strip())
    service_date = data.get("service_date")
    return RecordTitle(
        "session",
        name=data.get("activity_name") or "",
        session_type=data.get("session_type") or "",
        service_date=date.fromisoformat(service_date) if service_date else None,
        people=tuple(client_names.get(form.get("client_id"), "") for form in data.get("service_forms") or []),
    )
