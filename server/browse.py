"""Reading an agency's sessions and clients for the console: filtered pages, one record, a client's history.

Session pages are keyset pages newest first by (service date, id): a page after another starts where it ended, by
index, so the thousandth page costs what the first does (``make bench`` measures the ratio). Filters narrow the
same walk: a site has an index of its own, and so has reportable or not (``server.reportable`` keeps the flag). The
list's index carries every filtered column of the session, so a count reads the index alone, never the stored
records (reading 200,000 records took seconds). A worker's sessions and a service type's are a set of session ids
(``IN``, from the staff rows or the forms' service type index), not a join: the database either walks the list in
order and checks each id against the set, or starts from the set and reads the (id, filtered columns) index; a join
could only probe the staff table once for every session of the agency.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from app.domain.clients import display_name
from server.models import (
    ClientRecord,
    Language,
    ServiceLocationType,
    SessionForm,
    SessionRecord,
    SessionStaff,
    Site,
    Worker,
)
from server.visibility import as_seen_by

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class SessionFilter:
    """What a supervisor narrows the agency's sessions to; None means any."""

    agency_id: str
    since: date | None = None
    until: date | None = None
    site_code: str | None = None
    worker: str | None = None
    session_type: str | None = None
    service_type: str | None = None
    complete: bool | None = None
    reportable: bool | None = None


@dataclass(frozen=True, slots=True)
class PagePosition:
    """A row's place in the newest-first order; a page starts after (older) or before (newer) one."""

    service_date: date
    session_id: str

    def encode(self) -> str:
        return f"{self.service_date.isoformat()}_{self.session_id}"

    @classmethod
    def decode(cls, text: str | None) -> "PagePosition | None":
        """None for a missing or unreadable position (the page then starts at the newest)."""
        if not text:
            return None
        day, _, session_id = text.partition("_")
        try:
            return cls(date.fromisoformat(day), session_id[:36])
        except ValueError:
            return None


@dataclass(slots=True)
class SessionRow:
    id: str
    service_date: date
    session_type: str
    site_code: str
    complete: bool
    reportable: bool
    staff: list[str]
    clients: list[str] = field(default_factory=list)
    service_types: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SessionPage:
    rows: list[SessionRow]
    newer: PagePosition | None  # where the page of newer sessions ends, if there is one
    older: PagePosition | None  # where the page of older sessions starts, if there is one


_LISTED = (SessionRecord.id, SessionRecord.service_date, SessionRecord.session_type, SessionRecord.site_code,
           SessionRecord.complete, SessionRecord.reportable, SessionRecord.record)  # fmt: skip
"""The columns a listed session is shown from (``_listed``)."""


def _listed(row: Any) -> SessionRow:
    return SessionRow(row.id, row.service_date, row.session_type, row.site_code, row.complete, row.reportable,
                      list(row.record["staff"]))  # fmt: skip


def _filtered(where: SessionFilter) -> Select[Any]:
    statement = select(*_LISTED).where(SessionRecord.agency_id == where.agency_id)
    if where.since is not None:
        statement = statement.where(SessionRecord.service_date >= where.since)
    if where.until is not None:
        statement = statement.where(SessionRecord.service_date <= where.until)
    if where.site_code:
        statement = statement.where(SessionRecord.site_code == where.site_code)
    if where.session_type:
        statement = statement.where(SessionRecord.session_type == where.session_type)
    if where.complete is not None:
        statement = statement.where(SessionRecord.complete.is_(where.complete))
    if where.reportable is not None:  # equality, not IS: PostgreSQL walks ix_session_agency_reportable_date for it
        statement = statement.where(SessionRecord.reportable == where.reportable)
    if where.worker:
        theirs = select(SessionStaff.session_id).where(SessionStaff.user_id == where.worker)
        statement = statement.where(SessionRecord.id.in_(theirs))
    if where.service_type:
        of_type = select(SessionForm.session_id).where(SessionForm.service_type == where.service_type)
        statement = statement.where(SessionRecord.id.in_(of_type))
    return statement


def session_page(
    session: Session,
    *,
    where: SessionFilter,
    after: PagePosition | None = None,
    before: PagePosition | None = None,
    size: int = PAGE_SIZE,
) -> SessionPage:
    """One page of matching sessions, newest first: the first, or the one after (older than) ``after``, or the one
    before (newer than) ``before``."""
    statement = _filtered(where)
    newest_first = (SessionRecord.service_date.desc(), SessionRecord.id.desc())
    if before is not None:
        statement = statement.where(_later_than(before)).order_by(SessionRecord.service_date, SessionRecord.id)
        rows = list(reversed(session.execute(statement.limit(size + 1)).all()))
        more_newer, found = len(rows) > size, rows[-size:]
        more_older = True
    else:
        if after is not None:
            statement = statement.where(_earlier_than(after))
        rows = session.execute(statement.order_by(*newest_first).limit(size + 1)).all()
        more_older, found = len(rows) > size, rows[:size]
        more_newer = after is not None
    page = [_listed(row) for row in found]
    _add_clients(session, page)
    return SessionPage(
        rows=page,
        newer=_position(page[0]) if page and more_newer else None,
        older=_position(page[-1]) if page and more_older else None,
    )


def count_sessions(session: Session, *, where: SessionFilter) -> int:
    counted = _filtered(where).with_only_columns(func.count(), maintain_column_froms=True)
    return session.execute(counted).scalar_one()


def _earlier_than(position: PagePosition) -> Any:
    """A row-value comparison, which SQLite and PostgreSQL both seek in the index (an OR of two comparisons is only
    filtered, so a page deep in the list would walk every row above it)."""
    return tuple_(SessionRecord.service_date, SessionRecord.id) < (position.service_date, position.session_id)


def _later_than(position: PagePosition) -> Any:
    return tuple_(SessionRecord.service_date, SessionRecord.id) > (position.service_date, position.session_id)


def _position(row: SessionRow) -> PagePosition:
    return PagePosition(row.service_date, row.id)


def _add_clients(session: Session, rows: list[SessionRow]) -> None:
    """Each row's clients (by name) and service types, in two queries for the page."""
    by_id = {row.id: row for row in rows}
    forms = select(SessionForm.session_id, SessionForm.client_id, SessionForm.service_type)
    found = session.execute(forms.where(SessionForm.session_id.in_(by_id))).all()
    names = client_names(session, {client_id for _, client_id, _ in found})
    for session_id, client_id, service_type in found:
        row = by_id[session_id]
        row.clients.append(names.get(client_id, client_id))
        if service_type and service_type not in row.service_types:
            row.service_types.append(service_type)


def client_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """Display names of these clients (merged ones included, as they were named)."""
    statement = select(ClientRecord.id, ClientRecord.record).where(ClientRecord.id.in_(list(ids)))
    return {
        row.id: display_name(row.record["first_name"], row.record["last_name"], row.record["preferred_name"])
        for row in session.execute(statement)
    }


def worker_names(session: Session, *, agency_id: str) -> dict[str, str]:
    """Every worker of the agency (deactivated ones too: old sessions name them), by user ID."""
    return {user_id: name for user_id, name in session.execute(select(Worker.user_id, Worker.name)
                                                                .where(Worker.agency_id == agency_id))}  # fmt: skip


def site_names(session: Session, *, agency_id: str) -> dict[str, str]:
    return {
        code: name for code, name in session.execute(select(Site.code, Site.name).where(Site.agency_id == agency_id))
    }


@dataclass(frozen=True, slots=True)
class ReferenceNames:
    """The agency's reference lists by code, in the reader's language: a session names its languages and its type
    of service location by code."""

    languages: dict[str, str]
    location_types: dict[str, str]


def reference_names(session: Session, *, french: bool) -> ReferenceNames:
    """Each entry's French name when the reader reads French and the entry has one, else its English name."""
    languages = session.execute(select(Language.code, Language.name, Language.name_fr))
    locations = session.execute(
        select(ServiceLocationType.code, ServiceLocationType.label, ServiceLocationType.label_fr)
    )
    return ReferenceNames(
        languages={code: (french and name_fr) or name for code, name, name_fr in languages},
        location_types={code: (french and label_fr) or label for code, label, label_fr in locations},
    )


# --- one session, one client -----------------------------------------------------------------------------------------


def session_as_seen(session: Session, *, viewer: Worker, session_id: str) -> dict[str, Any] | None:
    """The session record as this supervisor may read it (private notes of sessions they are not staff on blanked),
    or None when it is not a session of their agency."""
    row = session.get(SessionRecord, session_id)
    if row is None or row.agency_id != viewer.agency_id:
        return None
    return as_seen_by(viewer, row.record)


@dataclass(slots=True)
class ClientHistory:
    record: dict[str, Any]
    merged_into: str | None
    sessions: list[SessionRow]
    session_count: int


HISTORY_SIZE = 100


def client_history(session: Session, *, agency_id: str, client_id: str) -> ClientHistory | None:
    """A client's profile and their latest sessions, newest first; None when not a client of the agency."""
    row = session.get(ClientRecord, client_id)
    if row is None or row.agency_id != agency_id:
        return None
    theirs = (
        select(*_LISTED)
        .join(SessionForm, SessionForm.session_id == SessionRecord.id)
        .where(SessionForm.client_id == client_id)
    )
    found = session.execute(
        theirs.order_by(SessionRecord.service_date.desc(), SessionRecord.id.desc()).limit(HISTORY_SIZE)
    ).all()
    rows = [_listed(item) for item in found]
    _add_clients(session, rows)
    total = session.execute(select(func.count()).select_from(SessionForm).where(SessionForm.client_id == client_id))
    return ClientHistory(
        record=row.record, merged_into=row.merged_into, sessions=rows, session_count=total.scalar_one()
    )
