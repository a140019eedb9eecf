"""Applying the changes a device pushes.

All changes of one push share one transaction, which first reserves one change sequence number per change (taking
the counter's lock until commit, see ``crud.reserve_seqs``); each change runs in its own savepoint and gets its own
result, so one bad record never blocks the ones after it. An applied change's ``op_id`` is stored in the same
transaction as the change itself: if the device never hears the answer and sends the change again, it gets
``duplicate`` with the version of the first time and nothing is written twice.

The op_ids and records a push names are read in two queries up front, so applying 500 changes does not cost 1,000
extra round trips to the database.
"""

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.domain.clients import Client, validate_client
from app.domain.errors import FieldError
from app.domain.sessions import KnownCodes, validate_session
from app.domain.sessions import Session as RecordedSession
from server import crud
from server.db import Database
from server.models import AppliedOp, ClientRecord, SessionFormerStaff, SessionRecord, SessionStaff, Worker
from server.schemas import Change, FieldErrorOut, PushResult
from server.visibility import as_seen_by, hidden_private_notes, may_see_session
from sync.records import WireErrors, client_from_wire, client_to_wire, session_from_wire, session_to_wire

# Devices record the service date in their own time zone, which may already be tomorrow in UTC terms.
_DATE_SLACK = timedelta(days=1)


def push_changes(db: Database, *, worker: Worker, changes: list[Change], now: datetime) -> list[PushResult]:
    """Apply ``changes`` in order as ``worker``; one result per change, committed together."""
    with db.writing() as session:
        first_seq = crud.reserve_seqs(session, count=len(changes))
        pusher = _Pusher(
            session,
            worker=worker,
            now=now,
            known=crud.known_codes(session, agency_id=worker.agency_id),
            seqs=iter(range(first_seq, first_seq + len(changes))),
        )
        pusher.load_named_in(changes)
        return [pusher.apply(change) for change in changes]


def timestamp(moment: datetime) -> str:
    """How the server writes ``created_at``/``updated_at``: UTC, milliseconds, ``Z``."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _is_canonical_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _rejected(change: Change, errors: list[FieldError]) -> PushResult:
    details = [FieldErrorOut(field=error.field, message=error.message) for error in errors]
    return PushResult(op_id=change.op_id, status="rejected", version=None, errors=details, current=None)


def _refused(change: Change, field: str, message: str) -> PushResult:
    return _rejected(change, [FieldError(field, message)])


def _conflict(change: Change, current: dict[str, Any]) -> PushResult:
    return PushResult(op_id=change.op_id, status="conflict", version=None, errors=None, current=current)


def _applied(change: Change, version: int) -> PushResult:
    return PushResult(op_id=change.op_id, status="applied", version=version, errors=None, current=None)


class _Pusher:
    """Applies one push's changes as one worker, inside the push's transaction."""

    def __init__(self, session: Session, *, worker: Worker, now: datetime, known: KnownCodes, seqs: Iterator[int]):
        self.session = session
        self.worker = worker
        self.now = now
        self.today = now.date() + _DATE_SLACK
        self.known = known
        self.seqs = seqs
        self.applied_ops: dict[str, AppliedOp] = {}
        self.sessions: dict[str, SessionRecord] = {}
        self.clients: dict[str, ClientRecord] = {}

    def load_named_in(self, changes: list[Change]) -> None:
        """Read the earlier op_ids and the stored records this push names; later lookups are in memory."""
        op_ids = {change.op_id for change in changes}
        for op in self.session.scalars(select(AppliedOp).where(AppliedOp.op_id.in_(op_ids))):
            self.applied_ops[op.op_id] = op
        session_ids = {change.id for change in changes if change.entity == "session"}
        for stored_session in self.session.scalars(select(SessionRecord).where(SessionRecord.id.in_(session_ids))):
            self.sessions[stored_session.id] = stored_session
        client_ids = {change.id for change in changes if change.entity == "client"}
        for stored_client in self.session.scalars(select(ClientRecord).where(ClientRecord.id.in_(client_ids))):
            self.clients[stored_client.id] = stored_client

    def apply(self, change: Change) -> PushResult:
        with self.session.begin_nested():
            earlier = self.applied_ops.get(change.op_id)
            if earlier is not None:
                return self._repeat(change, earlier)
            result = self._apply_new(change)
            if result.status == "applied":
                op = AppliedOp(
                    op_id=change.op_id,
                    worker_user_id=self.worker.user_id,
                    entity=change.entity,
                    record_id=change.id,
                    version=result.version,
                    applied_at=self.now,
                )
                self.session.add(op)
                self.applied_ops[op.op_id] = op
            return result

    def _repeat(self, change: Change, earlier: AppliedOp) -> PushResult:
        if earlier.worker_user_id != self.worker.user_id:
            return _refused(change, "op_id", "This op_id was already used for another worker's change.")
        return PushResult(op_id=change.op_id, status="duplicate", version=earlier.version, errors=None, current=None)

    def _apply_new(self, change: Change) -> PushResult:
        if not _is_canonical_uuid(change.id):
            return _refused(change, "id", "The record id must be a UUID written in lower case with hyphens.")
        if change.entity == "session":
            return self._apply_session(change)
        if change.entity == "client":
            return self._apply_client(change)
        return _refused(change, "entity", "Only client and session records can be pushed.")

    # --- sessions ----------------------------------------------------------------------------------------------------

    def _apply_session(self, change: Change) -> PushResult:
        try:
            incoming = session_from_wire(change.data, record_id=change.id)
        except WireErrors as problem:
            return _rejected(change, problem.errors)
        stored = self.sessions.get(change.id)
        refusal = self._session_refusal(change, incoming, stored)
        if refusal is not None:
            return refusal
        if stored is not None:
            hidden = hidden_private_notes(self.worker, stored.record)
            for form in incoming.service_forms:
                form.notes = hidden.get(form.id, form.notes)
        previous = session_from_wire(stored.record, record_id=stored.id) if stored is not None else None
        errors = validate_session(incoming, today=self.today, known=self.known, previous=previous)
        if errors:
            return _rejected(change, errors)
        return _applied(change, self._store_session(incoming, stored))

    def _session_refusal(
        self, change: Change, incoming: RecordedSession, stored: SessionRecord | None
    ) -> PushResult | None:
        """Why this worker may not make this change (or the conflict it runs into); None when it may go ahead."""
        if stored is not None and stored.agency_id != self.worker.agency_id:
            return _refused(change, "id", "This session belongs to another agency.")
        if incoming.agency_id != self.worker.agency_id:
            return _refused(change, "agency_id", "You can only save sessions of your own agency.")
        if stored is None:
            if change.base_version is not None:
                return _refused(change, "id", "This session is not on the server, so it cannot be updated.")
            if incoming.created_by != self.worker.user_id:
                return _refused(change, "created_by", "A new session must be created by the worker signed in.")
            return None
        if not may_see_session(self.worker, stored):
            return _refused(change, "id", "Only the session's creator, its staff or a supervisor can change it.")
        if change.base_version != stored.version:
            return _conflict(change, as_seen_by(self.worker, stored.record))
        if incoming.created_by != stored.created_by:
            return _refused(change, "created_by", "Who created a session cannot be changed.")
        return None

    def _store_session(self, incoming: RecordedSession, stored: SessionRecord | None) -> int:
        previous_staff = set(stored.record["staff"]) if stored is not None else set()
        incoming.version = stored.version + 1 if stored is not None else 1
        incoming.created_at = stored.record["created_at"] if stored is not None else incoming.created_at
        incoming.created_at = incoming.created_at or timestamp(self.now)
        incoming.updated_at = timestamp(self.now)
        if stored is None:
            stored = SessionRecord(id=incoming.id, agency_id=incoming.agency_id, created_by=incoming.created_by)
            self.session.add(stored)
            self.sessions[stored.id] = stored
        stored.service_date = incoming.service_date  # type: ignore[assignment]  # validated: never None here
        stored.site_code = incoming.site_code or ""
        stored.complete = incoming.complete
        stored.record = session_to_wire(incoming)
        stored.version = incoming.version
        stored.seq = next(self.seqs)
        stored.updated_at = self.now
        self._update_staff(stored, previous=previous_staff, current=set(incoming.staff))
        return incoming.version

    def _update_staff(self, stored: SessionRecord, *, previous: set[str], current: set[str]) -> None:
        """Keep session_staff in step, and remember who was taken off so their devices get a tombstone."""
        removed = previous - current
        if removed:
            self.session.execute(
                delete(SessionStaff).where(SessionStaff.session_id == stored.id, SessionStaff.user_id.in_(removed))
            )
        self.session.add_all(SessionStaff(session_id=stored.id, user_id=user_id) for user_id in current - previous)
        if not previous:
            return  # a new session has no former staff
        former_query = select(SessionFormerStaff.user_id).where(SessionFormerStaff.session_id == stored.id)
        already_former = set(self.session.scalars(former_query))
        if already_former & current:
            self.session.execute(
                delete(SessionFormerStaff).where(
                    SessionFormerStaff.session_id == stored.id, SessionFormerStaff.user_id.in_(already_former & current)
                )
            )
        newly_former = removed - already_former - {stored.created_by}
        self.session.add_all(SessionFormerStaff(session_id=stored.id, user_id=user_id) for user_id in newly_former)

    # --- clients -----------------------------------------------------------------------------------------------------

    def _apply_client(self, change: Change) -> PushResult:
        try:
            incoming = client_from_wire(change.data, record_id=change.id)
        except WireErrors as problem:
            return _rejected(change, problem.errors)
        stored = self.clients.get(change.id)
        refusal = self._client_refusal(change, incoming, stored)
        if refusal is not None:
            return refusal
        errors = validate_client(incoming, today=self.today)
        if errors:
            return _rejected(change, errors)
        return _applied(change, self._store_client(incoming, stored))

    def _client_refusal(self, change: Change, incoming: Client, stored: ClientRecord | None) -> PushResult | None:
        if stored is not None and stored.agency_id != self.worker.agency_id:
            return _refused(change, "id", "This client belongs to another agency.")
        if incoming.agency_id != self.worker.agency_id:
            return _refused(change, "agency_id", "You can only save clients of your own agency.")
        if stored is None:
            if change.base_version is not None:
                return _refused(change, "id", "This client is not on the server, so it cannot be updated.")
            if incoming.created_by != self.worker.user_id:
                return _refused(change, "created_by", "A new client must be registered by the worker signed in.")
            return None
        if change.base_version != stored.version:
            return _conflict(change, stored.record)
        if incoming.created_by != stored.created_by:
            return _refused(change, "created_by", "Who registered a client cannot be changed.")
        return None

    def _store_client(self, incoming: Client, stored: ClientRecord | None) -> int:
        incoming.version = stored.version + 1 if stored is not None else 1
        incoming.created_at = stored.record["created_at"] if stored is not None else incoming.created_at
        incoming.created_at = incoming.created_at or timestamp(self.now)
        incoming.updated_at = timestamp(self.now)
        if stored is None:
            stored = ClientRecord(id=incoming.id, agency_id=incoming.agency_id, created_by=incoming.created_by)
            self.session.add(stored)
            self.clients[stored.id] = stored
        stored.record = client_to_wire(incoming)
        stored.version = incoming.version
        stored.seq = next(self.seqs)
        stored.updated_at = self.now
        return incoming.version
