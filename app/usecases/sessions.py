"""Recording sessions: begin one for a client, add family members, save, complete service forms, list "mine"."""

import uuid
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from app.domain.errors import FieldError, ValidationFailed
from app.domain.sessions import ServiceForm, Session, completion_gaps, validate_session
from app.domain.words import N_
from app.store import repository
from app.store.db import DeviceDatabase
from app.store.models import ClientRow, OutboxRow, ServiceFormRow, SessionRow, SessionStaffRow
from app.usecases.context import Actor, NotFound, local_today, utc_now
from app.usecases.reference import known_codes
from protocol.records import session_to_wire

PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One dashboard row."""

    id: str
    service_date: date | None
    session_type: str  # the code ("group_activity"); "" when none is chosen yet
    site_code: str
    client_names: list[str]  # "" for a client not (yet) on this device
    activity_name: str
    complete: bool
    waiting_to_sync: bool


@dataclass(frozen=True, slots=True)
class Page:
    items: list[SessionSummary]
    page: int
    page_size: int
    total: int

    @property
    def has_next(self) -> bool:
        return (self.page + 1) * self.page_size < self.total


def begin_session(
    db: DeviceDatabase,
    actor: Actor,
    client_id: str | None = None,
    *,
    session_type: str | None = None,
    today: date | None = None,
) -> Session:
    """A new, unsaved session: today, the worker in Staff Involved, their agency, no interpreter (the usual case,
    as in the agency system), and the client's service form. A Group Activity may start without a client."""
    session = Session(
        id=str(uuid.uuid4()),
        agency_id=actor.agency_id,
        created_by=actor.user_id,
        session_type=session_type,
        service_date=today or local_today(),
        interpreter_present=False,
        staff=[actor.user_id],
    )
    if client_id is not None:
        with db.reads() as tx:
            if repository.get_client(tx, client_id) is None:
                raise NotFound(client_id)
        add_client_to_session(session, client_id)
    return session


def add_client_to_session(session: Session, client_id: str) -> ServiceForm:
    """Give ``client_id`` a service form of their own in the session (each family member gets one)."""
    if any(form.client_id == client_id for form in session.service_forms):
        raise ValidationFailed([FieldError("service_forms", N_("This client is already in the session."))])
    form = ServiceForm(id=str(uuid.uuid4()), client_id=client_id)
    session.service_forms.append(form)
    return form


def save_session(db: DeviceDatabase, actor: Actor, session: Session, *, today: date | None = None) -> Session:
    """Validate, then write the session and its outbox entry in one local transaction.

    Raises ValidationFailed with every problem; nothing is written then. Saving the same session again updates
    the record and queues another change.
    """
    now = utc_now()
    with db.sessions.begin() as tx:
        previous = repository.get_session(tx, session.id)
        known = known_codes(tx, session)
        errors = validate_session(session, today=today or local_today(), known=known, previous=previous)
        if errors:
            raise ValidationFailed(errors)
        saved = replace(
            session,
            created_at=previous.created_at if previous else now,
            updated_at=now,
            version=previous.version if previous else session.version,
        )
        repository.put_session(tx, saved)
        repository.queue_change(
            tx,
            entity="session",
            record_id=saved.id,
            base_version=saved.version or None,
            payload=session_to_wire(saved),
            now=now,
        )
    return saved


def load_session(db: DeviceDatabase, session_id: str) -> Session:
    with db.reads() as tx:
        session = repository.get_session(tx, session_id)
    if session is None:
        raise NotFound(session_id)
    return session


def save_service_form(db: DeviceDatabase, actor: Actor, session_id: str, form: ServiceForm, *, complete: bool = False,
                      today: date | None = None) -> Session:  # fmt: skip
    """Store one service form in its session. With ``complete`` it must have everything a complete form needs."""
    if complete:
        gaps = completion_gaps(form)
        if gaps:
            raise ValidationFailed(gaps)
    session = load_session(db, session_id)
    forms = [form if f.id == form.id else f for f in session.service_forms]
    if form.id not in {f.id for f in session.service_forms}:
        raise NotFound(form.id)
    return save_session(db, actor, replace(session, service_forms=forms), today=today)


def list_my_sessions(
    db: DeviceDatabase,
    actor: Actor,
    *,
    page: int = 0,
    page_size: int = PAGE_SIZE,
    incomplete_only: bool = False,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Page:
    """Sessions where the worker is in Staff Involved, newest first, one page at a time."""
    mine = select(SessionStaffRow.session_id).where(SessionStaffRow.user_id == actor.user_id)
    query = select(SessionRow).where(SessionRow.id.in_(mine))
    if incomplete_only:
        query = query.where(SessionRow.complete.is_(False))
    if date_from:
        query = query.where(SessionRow.service_date >= date_from.isoformat())
    if date_to:
        query = query.where(SessionRow.service_date <= date_to.isoformat())
    with db.reads() as tx:
        total = tx.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(
            tx.scalars(
                query.order_by(SessionRow.service_date.desc(), SessionRow.created_at.desc())
                .offset(page * page_size)
                .limit(page_size)
            )
        )
        items = _summaries(tx, rows)
    return Page(items=items, page=page, page_size=page_size, total=total)


def sessions_of_client(db: DeviceDatabase, client_id: str, *, limit: int = 20) -> list[SessionSummary]:
    """The client's sessions on this device, newest first (Client Profile and Client Dashboard)."""
    with_client = select(ServiceFormRow.session_id).where(ServiceFormRow.client_id == client_id)
    query = (
        select(SessionRow)
        .where(SessionRow.id.in_(with_client))
        .order_by(SessionRow.service_date.desc(), SessionRow.created_at.desc())
        .limit(limit)
    )
    with db.reads() as tx:
        return _summaries(tx, list(tx.scalars(query)))


def search_group_activities(db: DeviceDatabase, query: str, *, limit: int = 20) -> list[SessionSummary]:
    """Group activity sessions whose activity name contains the typed text (Find Client/Activity)."""
    text = query.strip()
    if len(text) < 2:
        return []
    statement = (
        select(SessionRow)
        .where(SessionRow.session_type == "group_activity", SessionRow.activity_name.icontains(text, autoescape=True))
        .order_by(SessionRow.service_date.desc())
        .limit(limit)
    )
    with db.reads() as tx:
        return _summaries(tx, list(tx.scalars(statement)))


def _summaries(tx: DbSession, rows: list[SessionRow]) -> list[SessionSummary]:
    client_ids = {form.client_id for row in rows for form in row.service_forms}
    names = dict(
        tx.execute(
            select(ClientRow.id, ClientRow.first_name + " " + ClientRow.last_name).where(ClientRow.id.in_(client_ids))
        ).all()
    )
    waiting = set(tx.scalars(select(OutboxRow.record_id).where(OutboxRow.record_id.in_([row.id for row in rows]))))
    return [
        SessionSummary(
            id=row.id,
            service_date=date.fromisoformat(row.service_date) if row.service_date else None,
            session_type=row.session_type or "",
            site_code=row.site_code or "",
            client_names=[names.get(form.client_id, "") for form in row.service_forms],
            activity_name=row.activity_name,
            complete=row.complete,
            waiting_to_sync=row.id in waiting,
        )
        for row in rows
    ]
