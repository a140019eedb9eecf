"""Recording sessions: begin one for a client, add family members, save, complete service forms, list "mine"."""

import uuid
from dataclasses import dataclass, replace
from datetime import date

from app.domain.errors import FieldError, ValidationFailed
from app.domain.sessions import ServiceForm, Session, completion_gaps, validate_session
from app.domain.words import N_
from app.store.repositories import SessionFilter, SessionListing
from app.store.unit_of_work import UnitOfWork
from app.usecases.context import Actor, NotAllowed, NotFound, UnitsOfWork, local_today, utc_now

PAGE_SIZE = 20
ANY_SESSION = SessionFilter()


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One dashboard row."""

    id: str
    service_date: date | None
    session_type: str  # the code ("group_activity"); "" when none is chosen yet
    site_code: str
    client_names: list[str]  # "" for a client not (yet) on this device
    staff: list[str]  # user IDs in Staff Involved
    activity_name: str
    complete: bool
    waiting_to_sync: bool


@dataclass(frozen=True, slots=True)
class OpenForm:
    """A service form of a client that is not complete yet, the session it is in, and what it still needs."""

    session: SessionSummary
    form_id: str
    missing: list[FieldError]


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
    db: UnitsOfWork,
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
        with db.reading() as uow:
            if uow.clients.get(client_id) is None:
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


def save_session(db: UnitsOfWork, actor: Actor, session: Session, *, today: date | None = None) -> Session:
    """Validate, then write the session and its outbox entry in one local transaction.

    Raises ValidationFailed with every problem; nothing is written then. Saving the same session again updates
    the record and queues another change.
    """
    now = utc_now()
    with db.writing() as uow:
        previous = uow.sessions.get(session.id)
        known = uow.reference.known_codes(session)
        errors = validate_session(session, today=today or local_today(), known=known, previous=previous)
        if errors:
            raise ValidationFailed(errors)
        saved = replace(
            session,
            created_at=previous.created_at if previous else now,
            updated_at=now,
            version=previous.version if previous else session.version,
        )
        uow.sessions.add(saved, now=now)
        uow.commit()
    return saved


def load_session(db: UnitsOfWork, session_id: str) -> Session:
    with db.reading() as uow:
        session = uow.sessions.get(session_id)
    if session is None:
        raise NotFound(session_id)
    return session


def save_service_form(db: UnitsOfWork, actor: Actor, session_id: str, form: ServiceForm, *, complete: bool = False,
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
    db: UnitsOfWork, actor: Actor, filters: SessionFilter = ANY_SESSION, *, page: int = 0, page_size: int = PAGE_SIZE
) -> Page:
    """Sessions where the worker is in Staff Involved, newest first, one page at a time (My Dashboard)."""
    return _page(db, replace(filters, staff=actor.user_id), page, page_size)


def list_agency_sessions(
    db: UnitsOfWork, actor: Actor, filters: SessionFilter = ANY_SESSION, *, page: int = 0, page_size: int = PAGE_SIZE
) -> Page:
    """Every session of the agency on this device, newest first, one page at a time (Agency sessions). A
    supervisor's device pulls all of them; a field worker's holds only their own, and the list is not theirs."""
    if not actor.is_supervisor:
        raise NotAllowed(actor.user_id)
    return _page(db, filters, page, page_size)


def list_client_sessions(db: UnitsOfWork, client_id: str, *, page: int = 0, page_size: int = PAGE_SIZE) -> Page:
    """The client's sessions on this device, newest first, one page at a time (Client Profile)."""
    return _page(db, SessionFilter(client_id=client_id), page, page_size)


def sessions_of_client(db: UnitsOfWork, client_id: str, *, limit: int = PAGE_SIZE) -> list[SessionSummary]:
    """The client's newest sessions on this device (Client Dashboard's recent sessions)."""
    return list_client_sessions(db, client_id, page_size=limit).items


def _page(db: UnitsOfWork, filters: SessionFilter, page: int, page_size: int) -> Page:
    with db.reading() as uow:
        listings, total = uow.sessions.page(filters, offset=page * page_size, limit=page_size)
        items = _summaries(uow, listings)
    return Page(items=items, page=page, page_size=page_size, total=total)


def open_service_forms(db: UnitsOfWork, client_id: str) -> list[OpenForm]:
    """Every service form of the client still to finish, from all their sessions on this device, newest session
    first (Client Dashboard)."""
    with db.reading() as uow:
        found = uow.sessions.forms_of_client_in_incomplete_sessions(client_id)
        summaries = _summaries(uow, [item.session for item in found])
    return [
        OpenForm(summary, item.form.id, missing)
        for summary, item in zip(summaries, found, strict=True)
        if (missing := completion_gaps(item.form))
    ]


def search_group_activities(db: UnitsOfWork, query: str, *, limit: int = 20) -> list[SessionSummary]:
    """Group activity sessions whose activity name contains the typed text (Find Client/Activity)."""
    text = query.strip()
    if len(text) < 2:
        return []
    with db.reading() as uow:
        return _summaries(uow, uow.sessions.group_activities(text, limit=limit))


def _summaries(uow: UnitOfWork, listings: list[SessionListing]) -> list[SessionSummary]:
    names = uow.clients.names({client_id for listing in listings for client_id in listing.client_ids})
    return [
        SessionSummary(
            id=listing.id,
            service_date=listing.service_date,
            session_type=listing.session_type or "",
            site_code=listing.site_code,
            client_names=[names.get(client_id, "") for client_id in listing.client_ids],
            staff=listing.staff,
            activity_name=listing.activity_name,
            complete=listing.complete,
            waiting_to_sync=listing.waiting_to_sync,
        )
        for listing in listings
    ]
