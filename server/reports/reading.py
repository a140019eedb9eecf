"""Reading an agency's sessions and clients for reports, a page at a time, as domain records.

Reports and exports read within one reading transaction (one snapshot, see ``server.db``), in pages found by
keyset, so an agency of any size is read in bounded memory and every page agrees with the others. Clients are
fetched by id for the sessions of each page and kept for the rest of the read, since the same clients come back
month after month. Records are decoded as trusted: the server refused text holding NUL when they were pushed.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Row, Text, null, select, tuple_, type_coerce
from sqlalchemy.orm import Session as DbSession

from app.domain.clients import Client
from app.domain.sessions import Session
from protocol.records import client_from_stored, session_from_stored
from server.models import ClientRecord, SessionRecord
from server.reports.period import Period

T = TypeVar("T")
PAGE_SIZE = 1000
_IN_CHUNK = 900  # under SQLite's default limit of bound parameters per statement


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A session as the server holds it now: the domain record plus the server's bookkeeping."""

    session: Session
    seq: int


def sessions_in(db: DbSession, *, agency_id: str, period: Period, page_size: int = PAGE_SIZE) -> Iterator[Session]:
    """The agency's sessions with a service date in ``period``, by service date then id."""
    after: tuple[date, str] | None = None
    in_period = (
        SessionRecord.agency_id == agency_id,
        SessionRecord.service_date >= period.start,
        SessionRecord.service_date <= period.end,
    )
    while True:
        query = select(SessionRecord.service_date, SessionRecord.id, _as_stored(SessionRecord.record)).where(*in_period)
        if after is not None:
            query = query.where(tuple_(SessionRecord.service_date, SessionRecord.id) > after)
        rows = db.execute(query.order_by(SessionRecord.service_date, SessionRecord.id).limit(page_size)).all()
        for row in rows:
            yield session_from_stored(row.record, record_id=row.id)
        if len(rows) < page_size:
            return
        after = (rows[-1].service_date, rows[-1].id)


def sessions_changed_after(
    db: DbSession, *, agency_id: str, seq: int, page_size: int = PAGE_SIZE
) -> Iterator[StoredSession]:
    """The agency's sessions whose last change came after change sequence ``seq``, oldest change first."""
    for row in _changed_after(db, SessionRecord, agency_id, seq, page_size):
        yield StoredSession(session_from_stored(row.record, record_id=row.id), row.seq)


def clients_changed_after(db: DbSession, *, agency_id: str, seq: int, page_size: int = PAGE_SIZE) -> Iterator[Client]:
    """The agency's clients whose last change came after change sequence ``seq``, oldest change first; a client
    merged into another is not among them (it is gone, see ``merged_into``)."""
    for row in _changed_after(db, ClientRecord, agency_id, seq, page_size):
        if row.merged_into is None:
            yield client_from_stored(row.record, record_id=row.id)


def merged_into(db: DbSession, client_ids: Iterable[str]) -> dict[str, str]:
    """Of these clients, those merged into another, with the client that holds their sessions now."""
    found: dict[str, str] = {}
    for chunk in in_chunks(sorted(set(client_ids))):
        query = select(ClientRecord.id, ClientRecord.merged_into).where(
            ClientRecord.id.in_(chunk), ClientRecord.merged_into.is_not(None)
        )
        found |= {row.id: row.merged_into for row in db.execute(query)}
    return found


def _changed_after(
    db: DbSession, model: type[SessionRecord] | type[ClientRecord], agency_id: str, seq: int, page_size: int
) -> Iterator[Row[Any]]:
    """Rows (id, seq, record, merged_into) of ``model`` changed after ``seq``, a keyset page at a time (the agency-seq
    index); ``merged_into`` is None for sessions."""
    merged = ClientRecord.merged_into if model is ClientRecord else null()
    while True:
        query = (
            select(model.id, model.seq, _as_stored(model.record), merged.label("merged_into"))
            .where(model.agency_id == agency_id, model.seq > seq)
            .order_by(model.seq)
            .limit(page_size)
        )
        rows = db.execute(query).all()
        yield from rows
        if len(rows) < page_size:
            return
        seq = rows[-1].seq


def _as_stored(record: Any) -> Any:
    """A record column as the driver gives it: JSON text on SQLite, which ``*_from_stored`` decodes straight into the
    record (PostgreSQL's driver hands over decoded JSON whatever the column is taken as)."""
    return type_coerce(record, Text).label("record")


def in_chunks(items: Iterable[str], size: int = _IN_CHUNK) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass(slots=True)
class ClientBook:
    """The agency's clients that a read has needed so far, fetched by id a page of sessions at a time."""

    db: DbSession
    agency_id: str
    known: dict[str, Client] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)

    def fetch_for(self, sessions: Iterable[Session]) -> None:
        self.fetch({form.client_id for session in sessions for form in session.service_forms})

    def fetch(self, client_ids: Iterable[str]) -> None:
        """Fetch these clients unless fetched (or found absent) before."""
        missing = set(client_ids) - self.known.keys() - self.absent
        for chunk in in_chunks(sorted(missing)):
            # By primary key alone, the agency checked on each row: given the agency in the WHERE clause as well,
            # SQLite's planner walks one of the agency's client indexes instead, every client of it for each chunk.
            query = select(ClientRecord.id, ClientRecord.agency_id, _as_stored(ClientRecord.record)).where(
                ClientRecord.id.in_(chunk)
            )
            for row in self.db.execute(query):
                if row.agency_id == self.agency_id:
                    self.known[row.id] = client_from_stored(row.record, record_id=row.id)
        self.absent |= missing - self.known.keys()

    def get(self, client_id: str) -> Client | None:
        return self.known.get(client_id)


def paged(items: Iterable[T], size: int = PAGE_SIZE) -> Iterator[list[T]]:
    """``items`` in lists of ``size``, so each list's related rows can be fetched in one go."""
    page: list[T] = []
    for item in items:
        page.append(item)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page
