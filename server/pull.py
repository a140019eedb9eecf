"""Answering a device's pull: every change it may see after its cursor, in change-sequence order, in pages.

A page is found in two steps. First only the sequence numbers: each kind of record gives at most one page plus one
of its own after the cursor, and the merged list says where the page ends and whether more follows. Then each kind
is read once, whole rows, up to that end. So a page reads and decodes just the rows it sends (a first sync of
100,000 clients no longer decodes a page of sessions for every page of clients, only to drop them). All reads run on
one snapshot (see ``Database.reading``), and writers commit in sequence order (see ``crud.lock_sequence``), so a row
that commits late can never fall behind a cursor. When a page ends the feed, the cursor moves to the counter's value,
past changes this worker cannot see.
"""

from collections.abc import Callable
from dataclasses import dataclass
from heapq import merge
from itertools import islice
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Row, Select, exists, select
from sqlalchemy.orm import Session

from server import crud
from server.core.cursor import Cursor, decode_cursor
from server.db import Database
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
from server.schemas import (
    AgencyData,
    LanguageData,
    PulledChange,
    PullEntity,
    PullResponse,
    ServiceLocationTypeData,
    SiteData,
    WorkerData,
)
from server.visibility import as_seen_by


def pull_changes(db: Database, *, worker: Worker, cursor: str | None, limit: int) -> PullResponse:
    """The next page after ``cursor`` (None: from the start); raises CursorNotRecognised for a foreign cursor."""
    with db.reading() as session:
        state = crud.server_state(session)
        after = decode_cursor(cursor, epoch=state.epoch, last_seq=state.last_seq).seq if cursor else 0
        numbered = [(source, source.seqs(session, after=after, count=limit + 1)) for source in _Feed(worker).sources()]
        last = _page_end([seqs for _, seqs in numbered], limit=limit)
        found = [
            found
            for source, seqs in numbered
            if seqs and (last is None or seqs[0] <= last)  # a kind with nothing on this page is not read at all
            for found in source.read(session, after=after, upto=last)
        ]
    page = [change for _, change in sorted(found, key=lambda item: item[0])]
    has_more = last is not None
    return PullResponse(
        changes=page,
        cursor=Cursor(epoch=state.epoch, seq=last if last is not None else state.last_seq).encode(),
        has_more=has_more,
    )


def _upsert(entity: PullEntity, key: str, version: int, data: dict[str, Any] | BaseModel) -> PulledChange:
    """An upsert; reference records come as their typed model, clients and sessions as their stored wire dict."""
    record = data.model_dump() if isinstance(data, BaseModel) else data
    return PulledChange(entity=entity, id=key, op="upsert", version=version, data=record)


def _delete(entity: PullEntity, key: str, version: int) -> PulledChange:
    return PulledChange(entity=entity, id=key, op="delete", version=version, data=None)


@dataclass(frozen=True, slots=True)
class _Source:
    """One kind of change a worker may see: which rows, their sequence number column, and how a row travels."""

    statement: Select[Any]
    seq: ColumnElement[int]
    to_change: Callable[[Any], PulledChange]

    def seqs(self, session: Session, *, after: int, count: int) -> list[int]:
        numbers = self.statement.with_only_columns(self.seq, maintain_column_froms=True)
        return list(session.scalars(numbers.where(self.seq > after).order_by(self.seq).limit(count)))

    def read(self, session: Session, *, after: int, upto: int | None) -> list[tuple[int, PulledChange]]:
        statement = self.statement.where(self.seq > after)
        if upto is not None:
            statement = statement.where(self.seq <= upto)
        return [(row.seq, self.to_change(row)) for row in session.execute(statement)]


def _page_end(numbers: list[list[int]], *, limit: int) -> int | None:
    """The sequence number of the page's last change when more follow it; None when the rest fits in one page.

    ``numbers`` are each source's first ``limit + 1`` sequence numbers after the cursor, in order. They are unique
    across sources (one counter), so the first ``limit`` of the merged lists are exactly the page.
    """
    merged = merge(*numbers)
    first = list(islice(merged, limit + 1))
    return first[limit - 1] if len(first) > limit else None


class _Feed:
    """Every kind of change one worker may see, as sources to page through."""

    def __init__(self, worker: Worker):
        self.worker = worker

    def sources(self) -> list[_Source]:
        return [
            self._agency(),
            self._sites(),
            self._workers(),
            self._languages(),
            self._location_types(),
            self._clients(),
            *self._sessions(),
            *self._session_tombstones(),
        ]

    def _agency(self) -> _Source:
        statement = select(Agency.id, Agency.name, Agency.version, Agency.seq)
        return _Source(
            statement.where(Agency.id == self.worker.agency_id),
            Agency.seq,
            lambda row: _upsert("agency", row.id, row.version, AgencyData(id=row.id, name=row.name)),
        )

    def _sites(self) -> _Source:
        statement = select(Site.code, Site.name, Site.address, Site.active, Site.version, Site.seq)
        return _Source(statement.where(Site.agency_id == self.worker.agency_id), Site.seq, _site_change)

    def _workers(self) -> _Source:
        statement = select(Worker.user_id, Worker.name, Worker.role, Worker.active, Worker.version, Worker.seq)
        return _Source(statement.where(Worker.agency_id == self.worker.agency_id), Worker.seq, _worker_change)

    def _languages(self) -> _Source:
        return _Source(
            select(Language.code, Language.name, Language.version, Language.seq),
            Language.seq,
            lambda row: _upsert("language", row.code, row.version, LanguageData(code=row.code, name=row.name)),
        )

    def _location_types(self) -> _Source:
        return _Source(
            select(ServiceLocationType.code, ServiceLocationType.label, ServiceLocationType.version,
                   ServiceLocationType.seq),
            ServiceLocationType.seq,
            lambda row: _upsert("service_location_type", row.code, row.version,
                                ServiceLocationTypeData(code=row.code, label=row.label)),
        )  # fmt: skip

    def _clients(self) -> _Source:
        statement = select(ClientRecord.id, ClientRecord.version, ClientRecord.seq, ClientRecord.record)
        return _Source(
            statement.where(ClientRecord.agency_id == self.worker.agency_id),
            ClientRecord.seq,
            lambda row: _upsert("client", row.id, row.version, row.record),
        )

    def _session_upsert(self, row: Row[Any]) -> PulledChange:
        return _upsert("session", row.id, row.version, as_seen_by(self.worker, row.record))

    def _sessions(self) -> list[_Source]:
        """A supervisor's feed is the agency's sessions. A field worker's is two disjoint parts, each found from the
        worker's own rows: the sessions they created, and those they are on the staff of but did not create.

        The field worker's parts leave out the agency test on purpose. A session's creator and staff are always
        workers of its agency (a push checks both), so it would change nothing, but with it SQLite plans the query
        by the (agency_id, seq) index and tests every session of the agency after the cursor against the worker:
        10 ms a pull once a few thousand sessions are new. Without it, the worker's own rows lead (a few dozen).
        """
        columns = select(SessionRecord.id, SessionRecord.version, SessionRecord.seq, SessionRecord.record)
        if self.worker.is_supervisor:
            agency = columns.where(SessionRecord.agency_id == self.worker.agency_id)
            return [_Source(agency, SessionRecord.seq, self._session_upsert)]
        me = self.worker.user_id
        staffed = columns.join(SessionStaff, SessionStaff.session_id == SessionRecord.id)
        return [
            _Source(columns.where(SessionRecord.created_by == me), SessionRecord.seq, self._session_upsert),
            _Source(staffed.where(SessionStaff.user_id == me, SessionRecord.created_by != me), SessionRecord.seq,
                    self._session_upsert),
        ]  # fmt: skip

    def _session_tombstones(self) -> list[_Source]:
        """Sessions this worker was taken off (and did not create): their devices must drop them. Found from the
        worker's former-staff rows, for the same reason as ``_sessions``.

        Supervisors see every session of the agency, so they never lose one.
        """
        if self.worker.is_supervisor:
            return []
        me = self.worker.user_id
        on_staff = exists().where(SessionStaff.session_id == SessionRecord.id, SessionStaff.user_id == me)
        statement = (
            select(SessionRecord.id, SessionRecord.version, SessionRecord.seq)
            .join(SessionFormerStaff, SessionFormerStaff.session_id == SessionRecord.id)
            .where(SessionFormerStaff.user_id == me, SessionRecord.created_by != me, ~on_staff)
        )
        return [_Source(statement, SessionRecord.seq, lambda row: _delete("session", row.id, row.version))]


def _site_change(row: Row[Any]) -> PulledChange:
    if not row.active:
        return _delete("site", row.code, row.version)
    return _upsert("site", row.code, row.version, SiteData(code=row.code, name=row.name, address=row.address,
                                                          active=True))  # fmt: skip


def _worker_change(row: Row[Any]) -> PulledChange:
    if not row.active:
        return _delete("worker", row.user_id, row.version)
    return _upsert("worker", row.user_id, row.version, WorkerData(user_id=row.user_id, name=row.name, role=row.role,
                                                                  active=True))  # fmt: skip
