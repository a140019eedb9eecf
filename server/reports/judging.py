"""Which of an agency's records can be reported, and why the others cannot: the domain rules applied on the server.

``judged_sessions`` is what the funder export and the supervisor's list both read; ``unreportable_records`` is the
list itself (the console shows it; the export's "Not reported" sheet has the same rows).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session as DbSession

from app.domain.clients import Client
from app.domain.reporting import ReportGap, client_report_gaps, session_report_gaps
from app.domain.sessions import ServiceForm, Session
from server.reports.period import Period
from server.reports.reading import ClientBook, paged, sessions_in

CLIENT = "client"
SERVICE_FORM = "service_form"


@dataclass(frozen=True, slots=True)
class JudgedForm:
    """One service form of a session in the period, its client (None when not on the server) and its gaps."""

    session: Session
    form: ServiceForm
    client: Client | None
    gaps: list[ReportGap]

    @property
    def reportable(self) -> bool:
        return not self.gaps


@dataclass(frozen=True, slots=True)
class UnreportableRecord:
    """A record that cannot be reported yet: a client profile (listed once) or a service form, and why.

    ``service_date``, ``session_id`` and ``staff`` are those of the first session in the period that needs the
    client, for a client profile; ``client_name`` is empty when the client is not on the server.
    """

    entity: str
    record_id: str
    session_id: str
    service_date: date
    site_code: str
    staff: tuple[str, ...]
    client_id: str
    client_name: str
    service_type: str | None
    gaps: tuple[ReportGap, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "entity": self.entity,
            "record_id": self.record_id,
            "session_id": self.session_id,
            "service_date": self.service_date.isoformat(),
            "site_code": self.site_code,
            "staff": list(self.staff),
            "client_id": self.client_id,
            "client_name": self.client_name,
            "service_type": self.service_type,
            "gaps": [gap.as_dict() for gap in self.gaps],
        }


def judged_sessions(db: DbSession, *, agency_id: str, period: Period) -> Iterator[list[JudgedForm]]:
    """For each session in the period (by service date), its service forms judged against the report rules."""
    clients = ClientBook(db, agency_id)
    for page in paged(sessions_in(db, agency_id=agency_id, period=period)):
        clients.fetch_for(page)
        for session in page:
            mine = {form.client_id: client for form in session.service_forms if (client := clients.get(form.client_id))}
            gaps = session_report_gaps(session, mine)
            yield [JudgedForm(session, form, mine.get(form.client_id), gaps[form.id]) for form in session.service_forms]


def unreportable_records(db: DbSession, *, agency_id: str, period: Period) -> Iterator[UnreportableRecord]:
    """Every record in the period that keeps something from being reported, with its reasons, in date order.

    A client profile with gaps is listed once, before the first of its service forms; each of those forms is listed
    too, with "the client's profile is not reportable" among its reasons.
    """
    listed_clients: set[str] = set()
    for forms in judged_sessions(db, agency_id=agency_id, period=period):
        for judged in forms:
            client = judged.client
            if client is not None and client.id not in listed_clients:
                listed_clients.add(client.id)
                client_gaps = client_report_gaps(client)
                if client_gaps:
                    yield _record(judged, CLIENT, client.id, client_gaps)
            if judged.gaps:
                yield _record(judged, SERVICE_FORM, judged.form.id, judged.gaps)


def _record(judged: JudgedForm, entity: str, record_id: str, gaps: list[ReportGap]) -> UnreportableRecord:
    session, form = judged.session, judged.form
    assert session.service_date is not None  # stored sessions always have one (a save rule)
    return UnreportableRecord(
        entity=entity,
        record_id=record_id,
        session_id=session.id,
        service_date=session.service_date,
        site_code=session.site_code or "",
        staff=tuple(session.staff),
        client_id=form.client_id,
        client_name=judged.client.display_name if judged.client else "",
        service_type=form.service_type if entity == SERVICE_FORM else None,
        gaps=tuple(gaps),
    )
