"""Applying the changes a device pushes.

Every change gets its own result, in order, and one bad record never blocks the ones after it. The changes of one
push are judged one by one in memory against the records as they stood when the push began (read in a few queries
up front) plus this push's own earlier changes; then everything applied is written set-wise in the same transaction,
a handful of multi-row statements for the whole batch instead of several statements and a savepoint per change.
Nothing can change underneath in between: the push first reserves its sequence numbers, which takes the change
counter's lock until commit (see ``crud.reserve_seqs``), so writers run one at a time. Every column with a length
limit is checked before a change counts as applied (ids, codes, user ids), so the set-wise write does not fail on
one record's account.

An applied change's ``op_id`` is stored in the same transaction as the change itself: if the device never hears the
answer and sends the change again, it gets ``duplicate`` with the version of the first time and nothing is written
twice.
"""

import uuid
from collections.abc import Callable, Iterable, Iterator, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from app.domain.clients import Client, validate_client
from app.domain.errors import FieldError
from app.domain.sessions import KnownCodes, validate_session
from app.domain.sessions import Session as RecordedSession
from protocol import problems as refusal
from protocol.enums import Entity, PushStatus
from protocol.records import (
    ClientData,
    WireErrors,
    client_from_wire,
    client_to_wire,
    session_from_wire,
    session_to_wire,
)
from server import crud, reportable
from server.duplicates import client_columns
from server.models import (
    AppliedOp,
    ClientRecord,
    SessionForm,
    SessionFormerStaff,
    SessionRecord,
    SessionStaff,
    Worker,
)
from server.schemas import Change, FieldErrorOut, PushResult
from server.visibility import as_seen_by, hidden_private_notes, may_see_session

# What an edit of a merged client may carry over to the client it was merged into: everything but who and when.
MERGEABLE_CLIENT_FIELDS = tuple(
    name for name in ClientData.__struct_fields__
    if name not in {"id", "agency_id", "created_by", "created_at", "updated_at", "version"}
)  # fmt: skip
# Devices record the service date in their own time zone, which may already be tomorrow in UTC terms.
_DATE_SLACK = timedelta(days=1)
_Pair = tuple[str, str]  # (session_id, user_id)


def push_changes(session: Session, *, worker: Worker, changes: list[Change], now: datetime) -> list[PushResult]:
    """Apply ``changes`` in order as ``worker`` in ``session``, a writing transaction; one result per change,
    committed together when the transaction ends.

    A batch this worker had applied before is answered from its op_ids before the change counter is taken. A device
    that timed out waiting for its answer sends the same batch again; under load its first push may still be queued
    for the one writer, and without this the resend would queue behind it too, only to be told "duplicate". Applied
    op_ids are committed rows that never change, so reading them before the lock is safe; those not found yet are
    read again under it, as another push of the same batch may have committed in between.
    """
    connection = session.connection()
    earlier = _earlier_ops(connection, {change.op_id for change in changes})
    if all(earlier.get(c.op_id, _NOT_APPLIED).worker_user_id == worker.user_id for c in changes):
        return [_repeated(change, earlier[change.op_id]) for change in changes]
    first_seq = crud.reserve_seqs(session, count=len(changes))  # the counter's lock, held until commit
    earlier |= _earlier_ops(connection, {change.op_id for change in changes} - earlier.keys())
    pusher = _Pusher(
        worker=worker,
        now=now,
        known=crud.known_codes(session, worker=worker, among=_codes_named_in(changes)),
        seqs=iter(range(first_seq, first_seq + len(changes))),
        earlier_ops=earlier,
    )
    pusher.load_named_in(connection, changes)
    results = [pusher.apply(change) for change in changes]
    pusher.write(connection)
    return results


def _earlier_ops(connection: Connection, op_ids: set[str]) -> dict[str, "_EarlierOp"]:
    """Who applied which of these op_ids before, and the version it gave."""
    if not op_ids:
        return {}
    rows = connection.execute(_EARLIER_OPS, {"ids": sorted(op_ids)})
    return {op_id: _EarlierOp(worker_user_id, version) for op_id, worker_user_id, version in rows}


def _named_in(table: Table, key: str, *columns: str) -> Any:
    """A statement, built once, reading ``columns`` of the rows whose ``key`` is in the list bound as ``ids``."""
    return select(*(table.c[name] for name in columns)).where(table.c[key].in_(bindparam("ids", expanding=True)))


_EARLIER_OPS = _named_in(AppliedOp.__table__, "op_id", "op_id", "worker_user_id", "version")
_STORED = {
    model.__tablename__: _named_in(model.__table__, "id", "id", "agency_id", "created_by", "version", "record")
    for model in (SessionRecord, ClientRecord)
}
_FORMER_STAFF = _named_in(SessionFormerStaff.__table__, "session_id", "session_id", "user_id")
_client = ClientRecord.__table__
_MERGED = _named_in(_client, "id", "id", "merged_into").where(_client.c.merged_into.is_not(None))


def _codes_named_in(changes: list[Change]) -> KnownCodes:
    """Every site, location type, language and staff code the pushed sessions name (what they name of the wrong type,
    or text holding NUL, which PostgreSQL cannot even compare, is left out: reading the record rejects it anyway)."""
    named: dict[str, set[str]] = {key: set() for key in ("site_code", "service_location_type", "languages", "staff")}
    for change in changes:
        if change.entity != "session" or not isinstance(change.data, dict):
            continue
        for key, codes in named.items():
            value = change.data.get(key)
            values = value if isinstance(value, list) else [value]
            codes.update(code for code in values if isinstance(code, str) and "\x00" not in code)
    return KnownCodes(sites=named["site_code"], service_location_types=named["service_location_type"],
                      languages=named["languages"], workers=named["staff"])  # fmt: skip


def timestamp(moment: datetime) -> str:
    """How the server writes ``created_at``/``updated_at``: UTC, milliseconds, ``Z``."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _is_canonical_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _rejected(change: Change, errors: list[FieldError]) -> PushResult:
    details = [FieldErrorOut(**error.as_dict()) for error in errors]
    return PushResult(op_id=change.op_id, status=PushStatus.REJECTED, version=None, errors=details, current=None)


def _refused(change: Change, error: FieldError) -> PushResult:
    return _rejected(change, [error])


def _conflict(change: Change, current: dict[str, Any], *, merged_into: str | None = None) -> PushResult:
    return PushResult(op_id=change.op_id, status=PushStatus.CONFLICT, version=None, errors=None, current=current,
                      merged_into=merged_into)  # fmt: skip


def _repeated(change: Change, earlier: "_EarlierOp") -> PushResult:
    return PushResult(op_id=change.op_id, status=PushStatus.DUPLICATE, version=earlier.version, errors=None,
                      current=None)  # fmt: skip


def _applied(change: Change, version: int, *, merged_into: str | None = None) -> PushResult:
    return PushResult(op_id=change.op_id, status=PushStatus.APPLIED, version=version, errors=None, current=None,
                      merged_into=merged_into)  # fmt: skip


def _form_clients(change: Change) -> set[str]:
    """The client ids a pushed session's service forms name (read leniently: the record is judged later; an id
    holding NUL, which PostgreSQL cannot even compare, is left out, and reading the record rejects it)."""
    forms = change.data.get("service_forms")
    if not isinstance(forms, list):
        return set()
    ids = (form.get("client_id") for form in forms if isinstance(form, dict))
    return {client_id for client_id in ids if isinstance(client_id, str) and "\x00" not in client_id}


@dataclass(slots=True)
class _Held:
    """One client or session as the server holds it, kept in step with this push's earlier changes.

    ``in_database`` says whether the row already exists (written back with UPDATE) or is new in this push (INSERT);
    ``changed`` whether this push applied anything to it; ``columns`` the values kept in columns of their own beside
    the record. Sessions also carry their former staff, and their staff and former staff as stored before the push
    (``*_before``), so only the difference is written.
    """

    agency_id: str
    created_by: str
    version: int
    record: dict[str, Any]
    seq: int = 0
    in_database: bool = True
    changed: bool = False
    columns: dict[str, Any] = field(default_factory=dict)
    former: set[str] = field(default_factory=set)
    staff_before: frozenset[str] = frozenset()
    former_before: frozenset[str] = frozenset()
    merged_into: str | None = None


@dataclass(slots=True)
class _EarlierOp:
    worker_user_id: str
    version: int


_NOT_APPLIED = _EarlierOp(worker_user_id="", version=0)


class _Pusher:
    """Judges one push's changes as one worker, then writes what was applied."""

    def __init__(self, *, worker: Worker, now: datetime, known: KnownCodes, seqs: Iterator[int],
                 earlier_ops: dict[str, "_EarlierOp"]):  # fmt: skip
        self.worker = worker
        self.now = now
        self.today = now.date() + _DATE_SLACK
        self.known = known
        self.seqs = seqs
        self.earlier_ops = earlier_ops
        self.new_ops: list[dict[str, Any]] = []
        self.sessions: dict[str, _Held] = {}
        self.clients: dict[str, _Held] = {}
        self.survivors: dict[str, str] = {}  # merged client id -> the client that holds its sessions now

    def load_named_in(self, connection: Connection, changes: list[Change]) -> None:
        """Read the stored records this push names; later lookups are in memory."""
        for entity, held in (("session", self.sessions), ("client", self.clients)):
            ids = sorted({change.id for change in changes if change.entity == entity})
            for row in connection.execute(_STORED[entity], {"ids": ids}) if ids else ():
                held[row.id] = _Held(row.agency_id, row.created_by, row.version, row.record,
                                     staff_before=frozenset(row.record.get("staff", ())))  # fmt: skip
        self._load_merged(connection, changes)
        if self.sessions:
            for session_id, user_id in connection.execute(_FORMER_STAFF, {"ids": sorted(self.sessions)}):
                self.sessions[session_id].former.add(user_id)
        for held in self.sessions.values():
            held.former_before = frozenset(held.former)

    def _load_merged(self, connection: Connection, changes: list[Change]) -> None:
        """Which clients this push names (as edited records or in service forms) were merged into another, and
        the surviving clients an edit of a merged one will be applied to."""
        named = {change.id for change in changes if change.entity == Entity.CLIENT}
        named |= {client_id for change in changes if change.entity == Entity.SESSION
                  for client_id in _form_clients(change)}  # fmt: skip
        for client_id, survivor in connection.execute(_MERGED, {"ids": sorted(named)}) if named else ():
            self.survivors[client_id] = survivor
            if client_id in self.clients:
                self.clients[client_id].merged_into = survivor
        if wanted := set(self.survivors.values()) - set(self.clients):
            for row in connection.execute(_STORED["client"], {"ids": sorted(wanted)}):
                self.clients[row.id] = _Held(row.agency_id, row.created_by, row.version, row.record)

    def apply(self, change: Change) -> PushResult:
        earlier = self.earlier_ops.get(change.op_id)
        if earlier is not None:
            return self._repeat(change, earlier)
        result = self._apply_new(change)
        if result.status == PushStatus.APPLIED:
            assert result.version is not None  # an applied result always carries the new version
            self.earlier_ops[change.op_id] = _EarlierOp(self.worker.user_id, result.version)
            self.new_ops.append(
                {"op_id": change.op_id, "worker_user_id": self.worker.user_id, "entity": change.entity,
                 "record_id": change.id, "version": result.version, "applied_at": self.now}
            )  # fmt: skip
        return result

    def _repeat(self, change: Change, earlier: _EarlierOp) -> PushResult:
        if earlier.worker_user_id != self.worker.user_id:
            return _refused(change, refusal.OP_ID_TAKEN.at("op_id"))
        return _repeated(change, earlier)

    def _apply_new(self, change: Change) -> PushResult:
        if not _is_canonical_uuid(change.id):
            return _refused(change, refusal.ID_NOT_UUID.at("id"))
        if change.entity == Entity.SESSION:
            return self._apply_session(change)
        if change.entity == Entity.CLIENT:
            return self._apply_client(change)
        return _refused(change, refusal.ENTITY_NOT_PUSHED.at("entity"))

    def _next_version(self, held: dict[str, _Held], record_id: str, incoming: Client | RecordedSession) -> _Held:
        """Stamp ``incoming`` as the next version of its record (server timestamps) and note it for writing."""
        current = held.get(record_id)
        incoming.version = current.version + 1 if current is not None else 1
        incoming.created_at = current.record["created_at"] if current is not None else incoming.created_at
        incoming.created_at = incoming.created_at or timestamp(self.now)
        incoming.updated_at = timestamp(self.now)
        if current is None:
            current = _Held(incoming.agency_id, incoming.created_by, 0, {}, in_database=False)
            held[record_id] = current
        current.version = incoming.version
        current.seq = next(self.seqs)
        current.changed = True
        return current

    # --- sessions ----------------------------------------------------------------------------------------------------

    def _apply_session(self, change: Change) -> PushResult:
        try:
            incoming = session_from_wire(change.data, record_id=change.id)
        except WireErrors as problem:
            return _rejected(change, problem.errors)
        for form in incoming.service_forms:  # queued before a merge: the form now belongs to the surviving client
            form.client_id = self.survivors.get(form.client_id, form.client_id)
        stored = self.sessions.get(change.id)
        refusal = self._session_refusal(change, incoming, stored)
        if refusal is not None:
            return refusal
        if stored is not None:
            hidden = hidden_private_notes(self.worker, stored.record)
            for form in incoming.service_forms:
                form.notes = hidden.get(form.id, form.notes)
        previous = session_from_wire(stored.record, record_id=change.id) if stored is not None else None
        errors = validate_session(incoming, today=self.today, known=self.known, previous=previous)
        if errors:
            return _rejected(change, errors)
        staff_before = set(stored.record["staff"]) if stored is not None else set()
        held = self._next_version(self.sessions, change.id, incoming)
        held.record = session_to_wire(incoming)
        held.columns = {"service_date": incoming.service_date, "site_code": incoming.site_code or "",
                        "session_type": incoming.session_type or "", "complete": incoming.complete}  # fmt: skip
        _note_former_staff(held, previous=staff_before, current=set(incoming.staff))
        return _applied(change, incoming.version)

    def _session_refusal(self, change: Change, incoming: RecordedSession, stored: _Held | None) -> PushResult | None:
        """Why this worker may not make this change (or the conflict it runs into); None when it may go ahead."""
        if stored is not None and stored.agency_id != self.worker.agency_id:
            return _refused(change, refusal.SESSION_OF_OTHER_AGENCY.at("id"))
        if incoming.agency_id != self.worker.agency_id:
            return _refused(change, refusal.SESSION_FOR_OTHER_AGENCY.at("agency_id"))
        if stored is None:
            if change.base_version is not None:
                return _refused(change, refusal.SESSION_NOT_ON_SERVER.at("id"))
            if incoming.created_by != self.worker.user_id:
                return _refused(change, refusal.SESSION_CREATOR_NOT_SIGNED_IN.at("created_by"))
            return None
        if not may_see_session(self.worker, stored):
            return _refused(change, refusal.SESSION_NOT_YOURS.at("id"))
        if change.base_version != stored.version:
            return _conflict(change, as_seen_by(self.worker, stored.record))
        if incoming.created_by != stored.created_by:
            return _refused(change, refusal.SESSION_CREATOR_CHANGED.at("created_by"))
        return None

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
        if stored is not None and stored.merged_into is not None:
            return self._apply_to_survivor(change, incoming, stored)
        errors = validate_client(incoming, today=self.today)
        if errors:
            return _rejected(change, errors)
        held = self._next_version(self.clients, change.id, incoming)
        held.record = client_to_wire(incoming)
        held.columns = client_columns(incoming)
        return _applied(change, incoming.version)

    def _apply_to_survivor(self, change: Change, incoming: Client, merged: _Held) -> PushResult:
        """An edit queued offline for a client that was merged since: what it changed goes to the surviving client.

        Edited from the merged client as it was when merged, the fields this worker changed are applied to the
        survivor (and the answer names it, so the device drops the merged copy). Edited from an older copy, it is a
        conflict with the survivor: the device keeps the worker's copy beside the survivor's until they choose.
        """
        survivor_id = merged.merged_into
        assert survivor_id is not None
        survivor = self.clients[survivor_id]
        if change.base_version != merged.record["version"]:
            return _conflict(change, survivor.record, merged_into=survivor_id)
        edited = client_to_wire(incoming)
        changed = {name: edited[name] for name in MERGEABLE_CLIENT_FIELDS if edited[name] != merged.record[name]}
        result = client_from_wire(survivor.record | changed, record_id=survivor_id)
        errors = validate_client(result, today=self.today)
        if errors:
            return _rejected(change, errors)
        held = self._next_version(self.clients, survivor_id, result)
        held.record = client_to_wire(result)
        held.columns = client_columns(result)
        return _applied(change, result.version, merged_into=survivor_id)

    def _client_refusal(self, change: Change, incoming: Client, stored: _Held | None) -> PushResult | None:
        if stored is not None and stored.agency_id != self.worker.agency_id:
            return _refused(change, refusal.CLIENT_OF_OTHER_AGENCY.at("id"))
        if incoming.agency_id != self.worker.agency_id:
            return _refused(change, refusal.CLIENT_FOR_OTHER_AGENCY.at("agency_id"))
        if stored is None:
            if change.base_version is not None:
                return _refused(change, refusal.CLIENT_NOT_ON_SERVER.at("id"))
            if incoming.created_by != self.worker.user_id:
                return _refused(change, refusal.CLIENT_REGISTRAR_NOT_SIGNED_IN.at("created_by"))
            return None
        if stored.merged_into is not None:
            return None  # judged against the client it was merged into (see _apply_to_survivor)
        if change.base_version != stored.version:
            return _conflict(change, stored.record)
        if incoming.created_by != stored.created_by:
            return _refused(change, refusal.CLIENT_REGISTRAR_CHANGED.at("created_by"))
        return None

    # --- writing -----------------------------------------------------------------------------------------------------

    def write(self, connection: Connection) -> None:
        """Everything this push applied, set-wise: records first (staff rows refer to sessions), then op_ids; the
        stored sessions naming a client it changed are judged again for reporting once the client is written."""
        sessions = {key: held for key, held in self.sessions.items() if held.changed}
        clients = {key: held for key, held in self.clients.items() if held.changed}
        self._judge_reportable(connection, sessions)
        _write_records(connection, SessionRecord.__table__, sessions, self.now)
        _write_records(connection, ClientRecord.__table__, clients, self.now)
        staff = _pairs(sessions, lambda held: held.staff_before), _pairs(sessions, lambda held: held.record["staff"])
        _write_pairs(connection, SessionStaff.__table__, before=staff[0], after=staff[1])
        former = _pairs(sessions, lambda held: held.former_before), _pairs(sessions, lambda held: held.former)

        def removal(session_id: str) -> dict[str, Any]:  # when and by which change someone was taken off
            return {"removed_at": self.now, "removed_seq": sessions[session_id].seq}

        _write_pairs(connection, SessionFormerStaff.__table__, before=former[0], after=former[1], added_with=removal)
        write_session_forms(connection, {key: held.record for key, held in sessions.items()},
                            new={key for key, held in sessions.items() if not held.in_database})  # fmt: skip
        if clients:
            reportable.rejudge_sessions_naming(connection, agency_id=self.worker.agency_id, client_ids=clients,
                                               judged=sessions)  # fmt: skip
        if self.new_ops:
            connection.execute(insert(AppliedOp.__table__), self.new_ops)

    def _judge_reportable(self, connection: Connection, sessions: dict[str, _Held]) -> None:
        """Whether each session this push writes can be reported, against its clients as the push leaves them."""
        named = reportable.clients_named(held.record for held in sessions.values())
        agency_id = self.worker.agency_id
        clients = {client_id: held.record for client_id, held in self.clients.items()
                   if client_id in named and held.agency_id == agency_id}  # fmt: skip
        clients |= reportable.stored_clients(connection, agency_id=agency_id, ids=named - clients.keys())
        records = {session_id: held.record for session_id, held in sessions.items()}
        for session_id, verdict in reportable.judge(records, clients).items():
            sessions[session_id].columns["reportable"] = verdict


def _note_former_staff(held: _Held, *, previous: set[str], current: set[str]) -> None:
    """Remember who was taken off the session (its creator aside) so their devices get a tombstone; whoever is back
    on staff is no longer former."""
    held.former -= current
    held.former |= previous - current - {held.created_by}


def _write_records(connection: Connection, table: Table, changed: dict[str, _Held], now: datetime) -> None:
    """Insert the records new in this push and update the others, each to the state the push leaves it in."""
    new = [
        {"id": key, "agency_id": held.agency_id, "created_by": held.created_by, "version": held.version,
         "seq": held.seq, "updated_at": now, "record": held.record, **held.columns}
        for key, held in changed.items()
        if not held.in_database
    ]  # fmt: skip
    kept = [
        {"record_id": key, "version": held.version, "seq": held.seq, "updated_at": now, "record": held.record,
         **held.columns}
        for key, held in changed.items()
        if held.in_database
    ]  # fmt: skip
    if new:
        connection.execute(insert(table), new)
    if kept:
        connection.execute(table.update().where(table.c.id == bindparam("record_id")), kept)


def write_session_forms(connection: Connection, records: dict[str, dict[str, Any]], *,
                        new: Set[str] = frozenset()) -> None:  # fmt: skip
    """Replace the service form rows (client, service type) of these sessions, by id, with those of their records;
    sessions in ``new`` have none yet."""
    if not records:
        return
    table = SessionForm.__table__
    if stored := [key for key in records if key not in new]:
        connection.execute(delete(table).where(table.c.session_id.in_(stored)))
    rows = [
        {"session_id": key, "client_id": form["client_id"], "service_type": form["service_type"] or ""}
        for key, record in records.items()
        for form in record["service_forms"]
    ]
    if rows:
        connection.execute(insert(table), rows)


def _pairs(sessions: dict[str, _Held], users: Callable[[_Held], Iterable[str]]) -> set[_Pair]:
    return {(session_id, user_id) for session_id, held in sessions.items() for user_id in users(held)}


def _write_pairs(
    connection: Connection,
    table: Table,
    *,
    before: set[_Pair],
    after: set[_Pair],
    added_with: Callable[[str], dict[str, Any]] = lambda _session_id: {},
) -> None:
    """Bring a (session_id, user_id) table from ``before`` to ``after`` for the sessions this push touched; a new
    row also gets the columns ``added_with(session_id)`` gives."""
    if gone := [{"pair_session": s, "pair_user": u} for s, u in sorted(before - after)]:
        match = (table.c.session_id == bindparam("pair_session")) & (table.c.user_id == bindparam("pair_user"))
        connection.execute(delete(table).where(match), gone)
    if added := [{"session_id": s, "user_id": u, **added_with(s)} for s, u in sorted(after - before)]:
        connection.execute(insert(table), added)
