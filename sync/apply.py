"""Writing one pulled page into the device database, fast enough for a first sync of a whole agency.

Clients and sessions are written set-wise (the page's ids removed, then multi-row inserts) instead of row by row:
a first sync brings every client of the agency. A record that still has an unsynced local edit (a pending change,
or one the server rejected) is left alone: it is the worker's work, and the push of that change settles it. A record
whose only local change is in conflict shows the server's version, so the server's newer versions keep arriving and
the conflict keeps the latest of them to compare with. The SQL is the repositories'; this decides what goes where.
"""

import logging
from dataclasses import dataclass
from typing import Any

import msgspec

from app.domain.clients import Client
from app.domain.sessions import Session
from app.store.unit_of_work import UnitOfWork
from protocol.enums import Entity, Operation
from protocol.problems import WireErrors
from protocol.records import REFERENCE_RECORDS, client_from_wire, decode, session_from_wire
from sync.merges import follow_merges, merged_into

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PageOutcome:
    """What one page did: rows written or removed, changes left alone for local edits, and unreadable ones."""

    applied: int = 0
    kept_local: int = 0
    unreadable: int = 0


def apply_page(uow: UnitOfWork, changes: list[dict[str, Any]]) -> PageOutcome:
    """Apply a pulled page inside the unit of work. Later changes of the same record win over earlier ones."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for change in changes:
        latest[(str(change.get("entity")), str(change.get("id")))] = change
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for (entity, _), change in latest.items():
        by_entity.setdefault(entity, []).append(change)
    outcome = PageOutcome()
    for entity, entity_changes in by_entity.items():
        if entity in REFERENCE_RECORDS:
            _apply_reference(uow, entity, entity_changes, outcome)
        elif entity in (Entity.CLIENT, Entity.SESSION):
            _apply_records(uow, entity, entity_changes, outcome)
        else:
            log.info("Ignoring %d pulled change(s) of unknown entity %r", len(entity_changes), entity)
    return outcome


# --- clients and sessions ----------------------------------------------------------------------------------------


def _apply_records(uow: UnitOfWork, entity: str, changes: list[dict[str, Any]], outcome: PageOutcome) -> None:
    if entity == Entity.CLIENT:
        follow_merges(uow, {str(change["id"]): survivor for change in changes if (survivor := merged_into(change))})
    ids = [str(change["id"]) for change in changes]
    local_edits, conflicts = uow.outbox.local_changes(ids)
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
    repository = uow.clients if entity == Entity.CLIENT else uow.sessions
    repository.replace_pulled(deleted, sorted(upserts, key=lambda record: record.id))  # key order: B-tree appends
    outcome.applied += len(deleted) + len(upserts)
    for change in allowed:
        if change["id"] in conflicts:
            current = None if change.get("op") == Operation.DELETE else _with_version(change)
            uow.outbox.refresh_conflict(change["id"], current)


def _with_version(change: dict[str, Any]) -> dict[str, Any]:
    return {**(change.get("data") or {}), "id": change["id"], "version": change.get("version", 0)}


def _read_record(entity: str, change: dict[str, Any]) -> Client | Session | None:
    reader = client_from_wire if entity == Entity.CLIENT else session_from_wire
    try:
        return reader(_with_version(change), record_id=change["id"], trusted=True)
    except WireErrors as exc:
        log.warning("Skipping unreadable %s %s from the server: %s", entity, change["id"], exc)
        return None


# --- reference lists ---------------------------------------------------------------------------------------------


def _apply_reference(uow: UnitOfWork, entity: str, changes: list[dict[str, Any]], outcome: PageOutcome) -> None:
    """Upsert the page's rows of one list at once, then retire or remove its deleted ones."""
    key_column = uow.reference.key_column(entity)
    removed = [str(change["id"]) for change in changes if change.get("op") == Operation.DELETE]
    rows = []
    for change in changes:
        if change.get("op") != Operation.DELETE:
            row = _reference_row(entity, str(change["id"]), change.get("data"), key_column)
            if row is None:
                outcome.unreadable += 1
            else:
                rows.append(row)
    uow.reference.upsert_pulled(entity, rows)
    uow.reference.remove_pulled(entity, removed)
    outcome.applied += len(rows) + len(removed)


def _reference_row(entity: str, key: str, data: Any, key_column: str) -> dict[str, Any] | None:
    """The row a pulled reference record becomes (its key from the change), or None when it cannot be read."""
    if isinstance(data, dict):
        data = {**data, key_column: key}
    try:
        record = decode(data, REFERENCE_RECORDS[entity], trusted=True)
    except WireErrors as exc:
        log.warning("Skipping unreadable %s %s from the server: %s", entity, key, exc)
        return None
    row: dict[str, Any] = msgspec.structs.asdict(record)
    return row
