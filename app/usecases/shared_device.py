"""Several workers on one tablet, one at a time: what the device holds when another worker takes it over.

The device holds what the server lets its signed-in worker see. When a different worker signs in, the previous
worker's copy of the server's data goes (the new worker's first sync pulls their own), except the clients and
sessions with a change still waiting in the outbox: those changes belong to their authors and reach the server
under each author's own sign-in (``sync.engine``), whoever holds the tablet by then. The outbox keeps each change as
a whole record, so what the tables show of a waiting record is rebuilt from it for the incoming worker, by the same
rule the server applies (``app.domain.visibility``): a session they may not see leaves the tables (its change stays
queued), and a private form's notes are blanked unless they are on the session's staff. When its author signs in
again, their records come back from the outbox as they saved them.

Clients are the agency's, so a worker of another agency is refused while someone's changes wait here.
"""

import logging
from typing import Any

from app.domain.visibility import Viewer, may_see_session, with_notes_as_seen_by
from app.domain.words import N_
from app.store.models import LocalAccountRow
from app.store.repositories import SyncKey
from app.store.unit_of_work import UnitOfWork
from protocol.enums import Entity, PushStatus
from protocol.problems import WireErrors
from protocol.records import client_from_wire, session_from_wire

log = logging.getLogger(__name__)

OTHER_AGENCYS_WORK_WAITS = N_(
    "Changes made by {who} have not reached the server yet. They need to sign in and sync before someone from "
    "another agency uses this device."
)


def viewer_of(account: LocalAccountRow) -> Viewer:
    return Viewer(user_id=account.user_id, agency_id=account.agency_id, role=account.role)


def other_agency_authors(uow: UnitOfWork, agency_id: str) -> list[LocalAccountRow]:
    """Workers of another agency than ``agency_id`` whose changes wait on this device."""
    accounts = [uow.accounts.get(author) for author in sorted(uow.outbox.authors())]
    return [account for account in accounts if account is not None and account.agency_id != agency_id]


def hand_over(uow: UnitOfWork, incoming: Viewer) -> None:
    """A different worker takes the device over: the previous copy of the server's data goes but for records with
    changes waiting, which are rebuilt as ``incoming`` may see them, and the next pull starts from the beginning."""
    uow.reference.clear_server_copy()
    uow.full_pull.end()
    uow.sync_state.set(SyncKey.CURSOR, "")
    uow.sync_state.set(SyncKey.LAST_SYNC, "")
    show_waiting_records(uow, incoming)


def show_waiting_records(uow: UnitOfWork, viewer: Viewer) -> None:
    """Write each record with a change waiting as last saved on this device (or, for a conflict only, the server's
    version the device shows until its author chooses), as far as ``viewer`` may see it."""
    hidden: dict[str, list[str]] = {Entity.CLIENT: [], Entity.SESSION: []}
    for entity, record_id, data in _last_saved(uow):
        shown = _as_seen_by(viewer, entity, data)
        if shown is None:
            hidden[entity].append(record_id)
            continue
        try:
            if entity == Entity.CLIENT:
                uow.clients.put_copy(client_from_wire(shown, record_id=record_id, trusted=True))
            else:
                uow.sessions.put_copy(session_from_wire(shown, record_id=record_id, trusted=True))
        except WireErrors as exc:  # its change still waits, and the row kept for it stays as it is
            log.error("A waiting %s %s cannot be rebuilt from its change: %s", entity, record_id, exc)
    uow.clients.remove(hidden[Entity.CLIENT])
    uow.sessions.remove(hidden[Entity.SESSION])


def _last_saved(uow: UnitOfWork) -> list[tuple[str, str, dict[str, Any]]]:
    """Each waiting record's newest entry, as the device shows it: the saved record, or the server's version when
    all that waits is a conflict."""
    found = []
    for entry in uow.outbox.newest_per_record():
        shown = entry.server_record if entry.problem == PushStatus.CONFLICT and entry.server_record else entry.payload
        found.append((entry.entity, entry.record_id, shown))
    return found


def _as_seen_by(viewer: Viewer, entity: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The record as ``viewer`` may read it, or None when it is not theirs to see."""
    if entity == Entity.CLIENT:
        return data if data.get("agency_id", viewer.agency_id) == viewer.agency_id else None
    staff = [str(user) for user in data.get("staff") or []]
    facts = {"agency_id": str(data.get("agency_id") or ""), "created_by": str(data.get("created_by") or "")}
    if not may_see_session(viewer, staff=staff, **facts):
        return None
    return with_notes_as_seen_by(viewer.user_id, data)
