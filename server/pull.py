"""Answering a device's pull: every change it may see after its cursor, in change-sequence order, in pages.

Each kind of record is read with the same ``seq > cursor`` bound and at most one page plus one row; merged and cut to
one page, that is exactly the next page of the whole feed. All reads run on one snapshot (see ``Database.reading``),
and writers commit in sequence order (see ``crud.lock_sequence``), so a row that commits late can never fall behind
a cursor. When a page ends the feed, the cursor moves to the counter's value, past changes this worker cannot see.
"""

from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, exists, or_, select
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

_Found = tuple[int, PulledChange]


def pull_changes(db: Database, *, worker: Worker, cursor: str | None, limit: int) -> PullResponse:
    """The next page after ``cursor`` (None: from the start); raises CursorNotRecognised for a foreign cursor."""
    with db.reading() as session:
        state = crud.server_state(session)
        after = decode_cursor(cursor, epoch=state.epoch, last_seq=state.last_seq).seq if cursor else 0
        found = sorted(_Feed(session, worker=worker, after=after, rows=limit + 1).everything(), key=lambda f: f[0])
    page = found[:limit]
    has_more = len(found) > limit
    next_seq = page[-1][0] if has_more else state.last_seq
    return PullResponse(
        changes=[change for _, change in page],
        cursor=Cursor(epoch=state.epoch, seq=next_seq).encode(),
        has_more=has_more,
    )


def _upsert(entity: PullEntity, key: str, version: int, data: dict[str, Any] | BaseModel) -> PulledChange:
    """An upsert; reference records come as their typed model, clients and sessions as their stored wire dict."""
    record = data.model_dump() if isinstance(data, BaseModel) else data
    return PulledChange(entity=entity, id=key, op="upsert", version=version, data=record)


def _delete(entity: PullEntity, key: str, version: int) -> PulledChange:
    return PulledChange(entity=entity, id=key, op="delete", version=version, data=None)


class _Feed:
    """The changes one worker may see after one sequence number, at most ``rows`` of each kind."""

    def __init__(self, session: Session, *, worker: Worker, after: int, rows: int):
        self.session = session
        self.worker = worker
        self.after = after
        self.rows = rows

    def everything(self) -> list[_Found]:
        return [
            *self._agency(),
            *self._sites(),
            *self._workers(),
            *self._languages(),
            *self._location_types(),
            *self._clients(),
            *self._sessions(),
            *self._session_tombstones(),
        ]

    def _page(self, statement: Select[Any], seq: ColumnElement[int]) -> Select[Any]:
        return statement.where(seq > self.after).order_by(seq).limit(self.rows)

    def _agency(self) -> list[_Found]:
        statement = self._page(select(Agency).where(Agency.id == self.worker.agency_id), Agency.seq)
        return [
            (row.seq, _upsert("agency", row.id, row.version, AgencyData(id=row.id, name=row.name)))
            for row in self.session.scalars(statement)
        ]

    def _sites(self) -> list[_Found]:
        statement = self._page(select(Site).where(Site.agency_id == self.worker.agency_id), Site.seq)
        return [
            (
                row.seq,
                _upsert(
                    "site",
                    row.code,
                    row.version,
                    SiteData(code=row.code, name=row.name, address=row.address, active=True),
                )
                if row.active
                else _delete("site", row.code, row.version),
            )
            for row in self.session.scalars(statement)
        ]

    def _workers(self) -> list[_Found]:
        statement = self._page(select(Worker).where(Worker.agency_id == self.worker.agency_id), Worker.seq)
        return [
            (
                row.seq,
                _upsert(
                    "worker",
                    row.user_id,
                    row.version,
                    WorkerData(user_id=row.user_id, name=row.name, role=row.role, active=True),
                )
                if row.active
                else _delete("worker", row.user_id, row.version),
            )
            for row in self.session.scalars(statement)
        ]

    def _languages(self) -> list[_Found]:
        statement = self._page(select(Language), Language.seq)
        return [
            (row.seq, _upsert("language", row.code, row.version, LanguageData(code=row.code, name=row.name)))
            for row in self.session.scalars(statement)
        ]

    def _location_types(self) -> list[_Found]:
        statement = self._page(select(ServiceLocationType), ServiceLocationType.seq)
        return [
            (
                row.seq,
                _upsert(
                    "service_location_type",
                    row.code,
                    row.version,
                    ServiceLocationTypeData(code=row.code, label=row.label),
                ),
            )
            for row in self.session.scalars(statement)
        ]

    def _clients(self) -> list[_Found]:
        columns = select(ClientRecord.id, ClientRecord.version, ClientRecord.seq, ClientRecord.record)
        statement = self._page(columns.where(ClientRecord.agency_id == self.worker.agency_id), ClientRecord.seq)
        return [
            (row.seq, _upsert("client", row.id, row.version, row.record)) for row in self.session.execute(statement)
        ]

    def _on_staff(self) -> ColumnElement[bool]:
        return exists().where(SessionStaff.session_id == SessionRecord.id, SessionStaff.user_id == self.worker.user_id)

    def _sessions(self) -> list[_Found]:
        columns = select(SessionRecord.id, SessionRecord.version, SessionRecord.seq, SessionRecord.record)
        statement = columns.where(SessionRecord.agency_id == self.worker.agency_id)
        if not self.worker.is_supervisor:
            statement = statement.where(or_(SessionRecord.created_by == self.worker.user_id, self._on_staff()))
        return [
            (row.seq, _upsert("session", row.id, row.version, as_seen_by(self.worker, row.record)))
            for row in self.session.execute(self._page(statement, SessionRecord.seq))
        ]

    def _session_tombstones(self) -> list[_Found]:
        """Sessions this worker was taken off (and did not create): their devices must drop them.

        Supervisors see every session of the agency, so they never lose one.
        """
        if self.worker.is_supervisor:
            return []
        statement = (
            select(SessionRecord.id, SessionRecord.version, SessionRecord.seq)
            .join(SessionFormerStaff, SessionFormerStaff.session_id == SessionRecord.id)
            .where(
                SessionFormerStaff.user_id == self.worker.user_id,
                SessionRecord.agency_id == self.worker.agency_id,
                SessionRecord.created_by != self.worker.user_id,
                ~self._on_staff(),
            )
        )
        return [
            (row.seq, _delete("session", row.id, row.version))
            for row in self.session.execute(self._page(statement, SessionRecord.seq))
        ]
