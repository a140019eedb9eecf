"""Which of an agency's records can be reported, and why the others cannot: the domain rules applied on the server.

``judged_pages`` is what the funder export and the supervisor's list both read; ``unreportable_records`` is the
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


def judged_pages(db: DbSession, *, agency_id: str, period: Period) -> Iterator[list[JudgedForm]]:
    """The service forms of the period's sessions judged against the report rules, a page of sessions at a time
    (by service date, then session, then the form's place in it)."""
    clients = ClientBook(db, agency_id)
    for page in paged(sessions_in(db, agency_id=agency_id, period=period)):
        clients.fetch_for(page)
        judged: list[JudgedForm] = []
        for session in page:
            mine = {form.client_id: client for form in session.service_forms if (client := clients.get(form.client_id))}
            gaps = session_report_gaps(session, mine)
            judged += [
                JudgedForm(session, form, mine.get(form.client_id), gaps[form.id]) for form in session.service_forms
            ]
        yield judged


def unreportable_records(db: DbSession, *, agency_id: str, period: Period) -> Iterator[UnreportableRecord]:
    """Every record in the period that keeps something from being reported, with its reasons, in date order.

    A client profile with gaps is listed once, before the first of its service forms; each of those forms is listed
    too, with "the client's profile is not reportable" among its reasons.
    """
    lister = UnreportableLister()
    for forms in judged_pages(db, agency_id=agency_id, period=period):
        for judged in forms:
            yield from lister.records_for(judged)


class UnreportableLister:
    """Turns judged forms into unreportable records, listing each client profile with gaps only once."""

    def __init__(self) -> None:
        self.listed_clients: set[str] = set()

    def records_for(self, judged: JudgedForm, extra: tuple[ReportGap, ...] = ()) -> list[UnreportableRecord]:
        """The client's record (the first time it is met) and the form's, when they have gaps; ``extra`` are gaps
        the caller adds to the form's (the export's "no sheet for this service type")."""
        records: list[UnreportableRecord] = []
        client = judged.client
        if client is not None and client.id not in self.listed_clients:
            self.listed_clients.add(client.id)
            client_gaps = client_report_gaps(client)
            if client_gaps:
                records.append(_record(judged, CLIENT, client.id, client_gaps))
        gaps = [*judged.gaps, *extra]
        if gaps:
            records.append(_record(judged, SERVICE_FORM, judged.form.id, gaps))
        return records


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
