"""The Sync details screen: changes still waiting, and changes that need the worker to decide.

Each worker sees their own changes only (on a shared tablet the queue holds colleagues' too, which wait for their
authors). Nothing here is dropped behind the worker's back. A refused change stays until it is fixed (saving the
record again replaces it), retried, or discarded by the worker; a conflict keeps both versions until the worker
keeps one.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.domain.errors import FieldError
from app.store.models import OutboxRow
from app.store.outbox import NEEDS_ATTENTION, PENDING, QueuedChange, attempt_problem
from app.store.repositories import SyncKey
from app.store.unit_of_work import UnitOfWork
from app.usecases.context import NotFound, UnitsOfWork, utc_now
from protocol.enums import PushStatus
from sync.engine import store_wire_record

# Why a change waits for the worker: the push status the server answered it with, as the outbox keeps it.
REJECTED = PushStatus.REJECTED
CONFLICT = PushStatus.CONFLICT
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
    last_problem: FieldError | None  # why the last push did not reach the server


@dataclass(frozen=True, slots=True)
class AttentionItem:
    """A change the server did not take, with what the worker needs to decide about it."""

    id: int
    entity: str
    record_id: str
    title: RecordTitle
    problem: str  # REJECTED or CONFLICT
    reasons: list[FieldError]  # the server's reasons for a rejection
    mine: dict[str, Any]  # the worker's version, as saved on this device
    theirs: dict[str, Any] | None  # the server's version, for a conflict (None if the server no longer shows it)
    differences: list[str]  # wire names of the fields where the two versions disagree
    saved_at: str


def pending_items(db: UnitsOfWork) -> list[PendingItem]:
    """Changes waiting to be sent, oldest first."""
    with db.reading() as uow:
        entries = _own(uow, uow.outbox.entries(PENDING))
        titles = _titles(uow, entries)
    return [
        PendingItem(
            id=entry.seq,
            entity=entry.entity,
            record_id=entry.record_id,
            title=titles[entry.seq],
            saved_at=entry.created_at,
            attempts=entry.attempts,
            last_problem=attempt_problem(entry.last_error),
        )
        for entry in entries
    ]


def needs_attention(db: UnitsOfWork) -> list[AttentionItem]:
    """Refused and conflicting changes, oldest first."""
    with db.reading() as uow:
        entries = _own(uow, uow.outbox.entries(NEEDS_ATTENTION))
        titles = _titles(uow, entries)
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


def keep_mine(db: UnitsOfWork, item_id: int) -> None:
    """Resolve a conflict with the worker's version: it shows again here and is sent as an edit of the server's."""
    with db.writing() as uow:
        entry = _entry(uow, item_id, CONFLICT)
        base = _server_version(uow, entry)
        payload = entry.payload | {"version": base}
        store_wire_record(uow, entry.entity, entry.record_id, payload)
        uow.outbox.remove(entry)
        uow.outbox.add(QueuedChange(entry.entity, entry.record_id, base, payload, utc_now()))
        uow.commit()


def keep_server(db: UnitsOfWork, item_id: int) -> None:
    """Resolve a conflict with the server's version, which the device already shows: the local edit goes."""
    with db.writing() as uow:
        entry = _entry(uow, item_id, CONFLICT)
        uow.outbox.remove(entry)
        if entry.server_record is None and not uow.outbox.has_others(entry):
            _delete_local_record(uow, entry)
        uow.commit()


def retry(db: UnitsOfWork, item_id: int) -> None:
    """Send a refused change again as it is (e.g. after an administrator fixed what the server objected to)."""
    with db.writing() as uow:
        uow.outbox.send_again(_entry(uow, item_id, REJECTED))
        uow.commit()


def discard(db: UnitsOfWork, item_id: int) -> None:
    """Give up a refused change. A record the server never had leaves the device; an edited one comes back from
    the server as it is there (the next sync pulls everything again to fetch it)."""
    with db.writing() as uow:
        entry = _entry(uow, item_id, REJECTED)
        uow.outbox.remove(entry)
        if not uow.outbox.has_others(entry):
            if entry.base_version is None:
                _delete_local_record(uow, entry)
            else:
                uow.sync_state.set(SyncKey.CURSOR, "")
        uow.commit()


# --- helpers -----------------------------------------------------------------------------------------------------


def _own(uow: UnitOfWork, entries: list[OutboxRow]) -> list[OutboxRow]:
    """The entries the worker the device holds made (an entry from before authors were kept is theirs too)."""
    me = uow.sync_state.get(SyncKey.USER)
    return [entry for entry in entries if entry.author in ("", me)]


def _entry(uow: UnitOfWork, item_id: int, problem: str) -> OutboxRow:
    entry = uow.outbox.get(item_id)
    if entry is None or not _own(uow, [entry]) or entry.state != NEEDS_ATTENTION or entry.problem != problem:
        raise NotFound(f"No {problem} change {item_id} on this device.")
    return entry


def _server_version(uow: UnitOfWork, entry: OutboxRow) -> int:
    """The newest server version known: the conflict's copy, or a newer one a later pull stored locally."""
    stored = uow.clients.get(entry.record_id) if entry.entity == "client" else uow.sessions.get(entry.record_id)
    return max((entry.server_record or {}).get("version") or 0, stored.version if stored else 0)


def _delete_local_record(uow: UnitOfWork, entry: OutboxRow) -> None:
    (uow.clients if entry.entity == "client" else uow.sessions).remove([entry.record_id])


def _differences(mine: dict[str, Any], theirs: dict[str, Any] | None) -> list[str]:
    if theirs is None:
        return []
    names = (mine.keys() | theirs.keys()) - _BOOKKEEPING_FIELDS
    return sorted(name for name in names if mine.get(name) != theirs.get(name))


def _titles(uow: UnitOfWork, entries: list[OutboxRow]) -> dict[int, RecordTitle]:
    """What each entry is, in the terms a worker recognises it by (see ``RecordTitle``)."""
    client_ids = {
        form.get("client_id")
        for entry in entries
        if entry.entity == "session"
        for form in entry.payload.get("service_forms") or []
    }
    names = uow.clients.names(client_ids)
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
