"""Writing one pulled page into the device database, fast enough for a first sync of a whole agency.

Clients and sessions are written set-wise (one DELETE per table for the ids in the page, then multi-row INSERTs)
instead of row by row through the ORM: a first sync brings every client of the agency. A record that still has an
unsynced local edit (a pending change, or one the server rejected) is left alone: it is the worker's work, and the
push of that change settles it. A record whose only local change is in conflict shows the server's version, so
the server's newer versions keep arriving and the conflict keeps the latest of them to compare with.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as DbSession

from app.domain.clients import Client
from app.domain.sessions import Session
from app.store import repository
from app.store.models import (
    AgencyRow,
    ClientRow,
    LanguageRow,
    LocationTypeRow,
    OutboxRow,
    SessionRow,
    SiteRow,
    WorkerRow,
)
from protocol.enums import Entity, Operation
from protocol.records import REFERENCE_RECORDS, WireErrors, client_from_wire, decode, session_from_wire
from sync.merges import follow_merges, merged_into

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PageOutcome:
    """What one page did: rows written or removed, changes left alone for local edits, and unreadable ones."""

    applied: int = 0
    kept_local: int = 0
    unreadable: int = 0


def apply_page(tx: DbSession, changes: list[dict[str, Any]]) -> PageOutcome:
    """Apply a pulled page inside the caller's transaction. Later changes of the same record win over earlier ones.

    The writes go straight to the transaction's connection, so the caller's pending ORM changes are flushed first.
    """
    tx.flush()
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for change in changes:
        latest[(str(change.get("entity")), str(change.get("id")))] = change
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for (entity, _), change in latest.items():
        by_entity.setdefault(entity, []).append(change)
    outcome = PageOutcome()
    for entity, entity_changes in by_entity.items():
        if entity in _REFERENCE_TABLES:
            _apply_reference(tx, entity, entity_changes, outcome)
        elif entity in _RECORD_WRITERS:
            _apply_records(tx, entity, entity_changes, outcome)
        else:
            log.info("Ignoring %d pulled change(s) of unknown entity %r", len(entity_changes), entity)
    return outcome


# --- clients and sessions ----------------------------------------------------------------------------------------


def _apply_records(tx: DbSession, entity: str, changes: list[dict[str, Any]], outcome: PageOutcome) -> None:
    if entity == Entity.CLIENT:
        survivors = {
            str(change["id"]): merged_into(change) for change in changes if change.get("op") == Operation.DELETE
        }
        follow_merges(tx, {merged: survivor for merged, survivor in survivors.items() if survivor})
    ids = [str(change["id"]) for change in changes]
    local_edits, conflicts = _local_changes(tx, ids)
    allowed = [change for change in changes if change["id"] not in local_edits]
    outcome.kept_local += len(changes) - len(allowed)
    upserts: list[Any] = []
    deleted: list[str] = []
    for change in allowed:
        if change.get("op") == Operation.DELETE:
            deleted.append(change["id"])
            continue
        record = _read_record(entity, change)
        if record is None:
            outcome.unreadable += 1
        else:
            upserts.append(record)
    writer, remover = _RECORD_WRITERS[entity]
    remover(tx, deleted + [record.id for record in upserts])
    writer(tx, sorted(upserts, key=lambda record: record.id))  # in key order: B-tree appends, not page splits
    outcome.applied += len(deleted) + len(upserts)
    _refresh_conflicts(tx, [change for change in allowed if change["id"] in conflicts])


def _local_changes(tx: DbSession, ids: list[str]) -> tuple[set[str], set[str]]:
    """Of ``ids``: records with an edit a pull must not overwrite, and records whose only changes are in conflict."""
    protected: set[str] = set()
    in_conflict: set[str] = set()
    rows = tx.execute(select(OutboxRow.record_id, OutboxRow.problem).where(OutboxRow.record_id.in_(ids)))
    for record_id, problem in rows:
        (in_conflict if problem == "conflict" else protected).add(record_id)
    return protected, in_conflict - protected


def _refresh_conflicts(tx: DbSession, changes: list[dict[str, Any]]) -> None:
    """Keep each conflict's copy of the server record current, so "keep mine" is based on the newest version."""
    for change in changes:
        current = None if change.get("op") == Operation.DELETE else _with_version(change)
        tx.execute(
            update(OutboxRow)
            .where(OutboxRow.record_id == change["id"], OutboxRow.problem == "conflict")
            .values(server_record=current)
        )


def _with_version(change: dict[str, Any]) -> dict[str, Any]:
    return {**(change.get("data") or {}), "id": change["id"], "version": change.get("version", 0)}


def _read_record(entity: str, change: dict[str, Any]) -> Client | Session | None:
    reader = client_from_wire if entity == Entity.CLIENT else session_from_wire
    try:
        return reader(_with_version(change), record_id=change["id"], trusted=True)
    except WireErrors as exc:
        log.warning("Skipping unreadable %s %s from the server: %s", entity, change["id"], exc)
        return None


def _chunks(ids: list[str], size: int = 2_000) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def delete_clients(tx: DbSession, ids: list[str]) -> None:
    """Remove clients; their search terms go with them (ON DELETE CASCADE)."""
    for chunk in _chunks(ids):
        tx.execute(delete(ClientRow).where(ClientRow.id.in_(chunk)), execution_options={"synchronize_session": False})


def delete_sessions(tx: DbSession, ids: list[str]) -> None:
    """Remove sessions; languages, staff, service forms and referrals go with them (ON DELETE CASCADE)."""
    for chunk in _chunks(ids):
        tx.execute(delete(SessionRow).where(SessionRow.id.in_(chunk)), execution_options={"synchronize_session": False})


_RECORD_WRITERS: dict[str, tuple[Callable[[DbSession, list[Any]], None], Callable[[DbSession, list[str]], None]]] = {
    Entity.CLIENT: (repository.insert_clients, delete_clients),
    Entity.SESSION: (repository.insert_sessions, delete_sessions),
}


# --- reference lists ---------------------------------------------------------------------------------------------

# For each reference entity: its table, and whether a delete keeps the row as inactive. Sites and workers stay (old
# sessions still name them, so their names must still show) but leave the pickers; the other lists lose the row.
_REFERENCE_TABLES: dict[str, tuple[Table, bool]] = {
    Entity.AGENCY: (AgencyRow.__table__, False),
    Entity.SITE: (SiteRow.__table__, True),
    Entity.WORKER: (WorkerRow.__table__, True),
    Entity.LANGUAGE: (LanguageRow.__table__, False),
    Entity.SERVICE_LOCATION_TYPE: (LocationTypeRow.__table__, False),
}


def _reference_row(entity: str, key: str, data: Any, key_column: str) -> dict[str, Any] | None:
    """The row a pulled reference record becomes (its key from the change), or None when it cannot be read."""
    if isinstance(data, dict):
        data = {**data, key_column: key}
    try:
        record = decode(data, REFERENCE_RECORDS[entity], trusted=True)
    except WireErrors as exc:
        log.warning("Skipping unreadable %s %s from the server: %s", entity, key, exc)
        return None
    return msgspec.structs.asdict(record)


def _apply_reference(tx: DbSession, entity: str, changes: list[dict[str, Any]], outcome: PageOutcome) -> None:
    """Upsert the page's rows of one list in one statement, then retire or remove its deleted ones.

    A first sync brings thousands of sites and workers; one ORM merge each cost a query and a flush per row.
    """
    table, keep_inactive = _REFERENCE_TABLES[entity]
    [key] = table.primary_key.columns
    removed = [str(change["id"]) for change in changes if change.get("op") == Operation.DELETE]
    rows = []
    for change in changes:
        if change.get("op") != Operation.DELETE:
            row = _reference_row(entity, str(change["id"]), change.get("data"), key.name)
            if row is None:
                outcome.unreadable += 1
            else:
                rows.append(row)
    connection = tx.connection()
    if rows:
        upsert = sqlite_insert(table)
        replaced = {name: upsert.excluded[name] for name in rows[0] if name != key.name}
        connection.execute(upsert.on_conflict_do_update(index_elements=[key], set_=replaced), rows)
    for chunk in _chunks(removed):
        if keep_inactive:
            connection.execute(table.update().where(key.in_(chunk)).values(active=False))
        else:
            connection.execute(table.delete().where(key.in_(chunk)))
    outcome.applied += len(rows) + len(removed)
