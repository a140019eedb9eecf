"""Answering a device's pull: every change it may see after its cursor, in change-sequence order, in pages.

A page is found in two steps. First only the sequence numbers: each kind of record gives at most one page plus one
of its own after the cursor, and the merged list says where the page ends and whether more follows. Then each kind
is read once, whole rows, up to that end. So a page reads and decodes just the rows it sends (a first sync of
100,000 clients no longer decodes a page of sessions for every page of clients, only to drop them). All reads run on
one snapshot (see ``Database.reading``), and writers commit in sequence order (see ``crud.lock_sequence``), so a row
that commits late can never fall behind a cursor. When a page ends the feed, the cursor moves to the counter's value,
past changes this worker cannot see.

Most pulls find nothing new, or a handful of changes, so what a pull costs is mostly fixed: the statements are
built once, when this module loads, with the worker, the agency and the cursor as bound parameters, and run on the
transaction's Core connection. A pull whose cursor is already at the counter's value runs none of them.

A page is built as plain dicts in their wire shape and written to JSON bytes in one call by the project's codec
(``PullPage``). ``server.schemas.PullResponse`` still describes the answer in the OpenAPI document, but building a
pydantic model per change and having FastAPI validate and serialise them all again cost more than the rest of a small
pull.
"""

from collections.abc import Callable
from dataclasses import dataclass
from heapq import merge
from itertools import islice
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, CompoundSelect, Row, Select, bindparam, exists, literal, select, union_all
from sqlalchemy.orm import Session

from protocol import codec
from protocol.enums import Entity, Operation
from protocol.records import (
    AgencyData,
    LanguageData,
    MergedClientData,
    ServiceLocationTypeData,
    SiteData,
    WorkerData,
    to_wire,
)
from server import crud
from server.core.cursor import Cursor, decode_cursor
from server.models import (
    Agency,
    ClientRecord,
    Language,
    ServiceLocationType,
    SessionFormerStaff,
    SessionRecord,
    SessionStaff,
    Site,
    Worker,
)
from server.visibility import as_seen_by

_AFTER, _UPTO, _COUNT = bindparam("after"), bindparam("upto"), bindparam("count")
_ME, _AGENCY = bindparam("me"), bindparam("agency")

# One change as it travels: the fields of ``server.schemas.PulledChange``, in its order.
WireChange = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PullPage:
    """One pull answer: the fields of ``server.schemas.PullResponse``, in its order."""

    changes: list[WireChange]
    cursor: str
    has_more: bool

    def to_json(self) -> bytes:
        """The answer's JSON, byte for byte what FastAPI would write for the same ``PullResponse``."""
        return codec.dumps_bytes({"changes": self.changes, "cursor": self.cursor, "has_more": self.has_more})


def pull_changes(session: Session, *, worker: Worker, cursor: str | None, limit: int) -> PullPage:
    """The next page after ``cursor`` (None: from the start), read in ``session``, a reading transaction (see
    ``Database.reading``); raises CursorNotRecognised for a foreign cursor, or one that could have missed a removal
    the server has forgotten."""
    state = crud.counter(session)
    start = Cursor(epoch=state.epoch, seq=0, since=state.last_seq)  # a pull from the beginning starts now
    if cursor:
        start = decode_cursor(
            cursor, epoch=state.epoch, last_seq=state.last_seq, history_from_seq=state.history_from_seq
        )
    after = start.seq
    if after == state.last_seq:  # nothing has changed anywhere since this cursor
        return PullPage(changes=[], cursor=Cursor(epoch=state.epoch, seq=after).encode(), has_more=False)
    connection = session.connection()
    feed = _SUPERVISOR_FEED if worker.is_supervisor else _FIELD_WORKER_FEED
    params = {"after": after, "count": limit + 1, "me": worker.user_id, "agency": worker.agency_id}
    numbers: list[list[int]] = [[] for _ in feed.sources]
    for source, seq in connection.execute(feed.numbers, params):
        numbers[source].append(seq)
    last = _page_end(numbers, limit=limit)
    params["upto"] = state.last_seq if last is None else last
    found = [
        (row.seq, source.to_change(worker, row))
        for source, seqs in zip(feed.sources, numbers, strict=True)
        if seqs and seqs[0] <= params["upto"]  # a kind with nothing on this page is not read at all
        for row in connection.execute(source.rows, params)
    ]
    page = [change for _, change in sorted(found, key=lambda item: item[0])]
    more = last is not None
    return PullPage(
        changes=page,
        cursor=Cursor(epoch=state.epoch, seq=params["upto"], since=start.since if more else None).encode(),
        has_more=more,
    )


def _change(entity: Entity, key: str, op: Operation, version: int, data: dict[str, Any] | None) -> WireChange:
    return {"entity": entity.value, "id": key, "op": op.value, "version": version, "data": data}


def _upsert(entity: Entity, key: str, version: int, data: dict[str, Any] | msgspec.Struct) -> WireChange:
    """An upsert; reference records come as their typed model, clients and sessions as their stored wire dict."""
    record = to_wire(data) if isinstance(data, msgspec.Struct) else data
    return _change(entity, key, Operation.UPSERT, version, record)


def _delete(entity: Entity, key: str, version: int) -> WireChange:
    return _change(entity, key, Operation.DELETE, version, None)


@dataclass(frozen=True, slots=True)
class _Source:
    """One kind of change a worker may see: the statement finding its sequence numbers after the cursor, the one
    reading its rows up to a page's end, and how a row travels (to the given worker)."""

    numbers: Select[Any]
    rows: Select[Any]
    to_change: Callable[[Worker, Row[Any]], WireChange]


@dataclass(frozen=True, slots=True)
class _Feed:
    """Every kind of change one sort of worker sees, and one statement finding all their sequence numbers at once
    (``(source index, seq)`` rows): one round trip to the database instead of one per kind."""

    sources: list[_Source]
    numbers: CompoundSelect

    @classmethod
    def of(cls, sources: list[_Source]) -> "_Feed":
        parts = []
        for index, source in enumerate(sources):
            part = source.numbers.subquery()  # a subquery keeps each part's ORDER BY and LIMIT (SQLite needs it)
            parts.append(select(literal(index).label("source"), part.c.seq))
        return cls(sources, union_all(*parts))


def _source(statement: Select[Any], seq: ColumnElement[int], to_change: Callable[[Worker, Row[Any]], WireChange]
            ) -> _Source:  # fmt: skip
    numbers = statement.with_only_columns(seq, maintain_column_froms=True).where(seq > _AFTER)
    return _Source(numbers.order_by(seq).limit(_COUNT), statement.where(seq > _AFTER, seq <= _UPTO), to_change)


def _page_end(numbers: list[list[int]], *, limit: int) -> int | None:
    """The sequence number of the page's last change when more follow it; None when the rest fits in one page.

    ``numbers`` are each source's first ``limit + 1`` sequence numbers after the cursor, in order. They are unique
    across sources (one counter), so the first ``limit`` of the merged lists are exactly the page.
    """
    merged = merge(*numbers)
    first = list(islice(merged, limit + 1))
    return first[limit - 1] if len(first) > limit else None


def _client_change(_worker: Worker, row: Row[Any]) -> WireChange:
    """A client, or the tombstone of one merged into another, naming the survivor so devices move what they hold."""
    if row.merged_into is not None:
        merged = to_wire(MergedClientData(merged_into=row.merged_into))
        return _change(Entity.CLIENT, row.id, Operation.DELETE, row.version, merged)
    return _upsert(Entity.CLIENT, row.id, row.version, row.record)


def agency_record(row: Agency | Row[Any]) -> AgencyData:
    """The agency as devices receive it, in pulls and in the sign-in answer."""
    return AgencyData(id=row.id, name=row.name, offline_sign_in_days=row.offline_sign_in_days,
                      idle_lock_minutes=row.idle_lock_minutes)  # fmt: skip


def _agency_change(_worker: Worker, row: Row[Any]) -> WireChange:
    return _upsert(Entity.AGENCY, row.id, row.version, agency_record(row))


def _site_change(_worker: Worker, row: Row[Any]) -> WireChange:
    if not row.active:
        return _delete(Entity.SITE, row.code, row.version)
    site = SiteData(code=row.code, name=row.name, address=row.address, active=True)
    return _upsert(Entity.SITE, row.code, row.version, site)


def _worker_change(_worker: Worker, row: Row[Any]) -> WireChange:
    if not row.active:
        return _delete(Entity.WORKER, row.user_id, row.version)
    worker = WorkerData(user_id=row.user_id, name=row.name, role=row.role, active=True)
    return _upsert(Entity.WORKER, row.user_id, row.version, worker)


def _session_upsert(worker: Worker, row: Row[Any]) -> WireChange:
    return _upsert(Entity.SESSION, row.id, row.version, as_seen_by(worker, row.record))


def _shared_sources() -> list[_Source]:
    """What every worker of an agency sees: the agency, its sites, workers and clients, and the shared lists."""
    agency, site, worker = Agency.__table__, Site.__table__, Worker.__table__
    language, location, client = Language.__table__, ServiceLocationType.__table__, ClientRecord.__table__
    return [
        _source(select(agency.c.id, agency.c.name, agency.c.offline_sign_in_days, agency.c.idle_lock_minutes,
                       agency.c.version, agency.c.seq).where(agency.c.id == _AGENCY), agency.c.seq, _agency_change),
        _source(select(site.c.code, site.c.name, site.c.address, site.c.active, site.c.version, site.c.seq)
                .where(site.c.agency_id == _AGENCY), site.c.seq, _site_change),
        _source(select(worker.c.user_id, worker.c.name, worker.c.role, worker.c.active, worker.c.version,
                       worker.c.seq).where(worker.c.agency_id == _AGENCY), worker.c.seq, _worker_change),
        _source(select(language.c.code, language.c.name, language.c.name_fr, language.c.version, language.c.seq),
                language.c.seq,
                lambda _w, row: _upsert(Entity.LANGUAGE, row.code, row.version,
                                        LanguageData(code=row.code, name=row.name, name_fr=row.name_fr))),
        _source(select(location.c.code, location.c.label, location.c.label_fr, location.c.version, location.c.seq),
                location.c.seq,
                lambda _w, row: _upsert(Entity.SERVICE_LOCATION_TYPE, row.code, row.version,
                                        ServiceLocationTypeData(code=row.code, label=row.label,
                                                                label_fr=row.label_fr))),
        _source(select(client.c.id, client.c.version, client.c.seq, client.c.record, client.c.merged_into)
                .where(client.c.agency_id == _AGENCY), client.c.seq, _client_change),
    ]  # fmt: skip


def _supervisor_sessions() -> list[_Source]:
    """A supervisor's feed is the agency's sessions; they never lose one, so they get no tombstones."""
    session = SessionRecord.__table__
    columns = select(session.c.id, session.c.version, session.c.seq, session.c.record)
    return [_source(columns.where(session.c.agency_id == _AGENCY), session.c.seq, _session_upsert)]


def _field_worker_sessions() -> list[_Source]:
    """A field worker's feed is two disjoint parts, each found from the worker's own rows: the sessions they created,
    and those they are on the staff of but did not create. Then the sessions they were taken off (and did not
    create): their devices must drop them, found from the worker's former-staff rows.

    The parts leave out the agency test on purpose. A session's creator and staff are always workers of its agency
    (a push checks both), so it would change nothing, but with it SQLite plans the query by the (agency_id, seq)
    index and tests every session of the agency after the cursor against the worker: 10 ms a pull once a few
    thousand sessions are new. Without it, the worker's own rows lead (a few dozen).
    """
    session, staff, former = SessionRecord.__table__, SessionStaff.__table__, SessionFormerStaff.__table__
    columns = select(session.c.id, session.c.version, session.c.seq, session.c.record)
    staffed = columns.join(staff, staff.c.session_id == session.c.id)
    on_staff = exists().where(staff.c.session_id == session.c.id, staff.c.user_id == _ME)
    taken_off = (
        select(session.c.id, session.c.version, session.c.seq)
        .join(former, former.c.session_id == session.c.id)
        .where(former.c.user_id == _ME, session.c.created_by != _ME, ~on_staff)
    )
    return [
        _source(columns.where(session.c.created_by == _ME), session.c.seq, _session_upsert),
        _source(staffed.where(staff.c.user_id == _ME, session.c.created_by != _ME), session.c.seq, _session_upsert),
        _source(taken_off, session.c.seq, lambda _w, row: _delete(Entity.SESSION, row.id, row.version)),
    ]


_SUPERVISOR_FEED = _Feed.of([*_shared_sources(), *_supervisor_sessions()])
_FIELD_WORKER_FEED = _Feed.of([*_shared_sources(), *_field_worker_sessions()])
