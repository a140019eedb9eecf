"""The agency's figures for a period: totals, and the same figures by site, worker, service type and delivery method.

What each figure counts (docs/reports.md says the same in words):
- ``sessions``: sessions with a service date in the period.  ``hours``: their Service Time, each session once.
- ``service_forms``: service forms in those sessions; ``unique_clients``: distinct clients among them.
- ``services_received``: services ticked on those forms; ``referrals``: referral rows on them.
- ``group_activities``: Group Activity sessions; ``named_participants``: service forms in them;
  ``unnamed_participants``: the people who took part without being named, as each activity counted them.
- ``languages``: sessions delivered in each language (a session in two languages counts under both).
A session counts under every group it belongs to (each worker in its Staff Involved, each delivery method ticked,
each service type among its forms), so the groups of one breakdown can add up to more than the total; a service
form counts under its own service type only.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from app.domain.sessions import ServiceForm, Session

NO_SERVICE_TYPE = ""


@dataclass(slots=True)
class Tally:
    """The figures of one group (or of the whole period) as sessions are added to it."""

    sessions: int = 0
    minutes: int = 0
    service_forms: int = 0
    services_received: int = 0
    referrals: int = 0
    group_activities: int = 0
    named_participants: int = 0
    unnamed_participants: int = 0
    clients: set[str] = field(default_factory=set)

    def add_session(self, session: Session) -> None:
        self.sessions += 1
        self.minutes += session.service_minutes
        self.group_activities += session.is_group_activity
        if session.is_group_activity:
            self.unnamed_participants += session.unnamed_participants

    def add_form(self, session: Session, form: ServiceForm) -> None:
        self.service_forms += 1
        self.services_received += len(form.services)
        self.referrals += len(form.referrals)
        self.named_participants += session.is_group_activity
        self.clients.add(form.client_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "unique_clients": len(self.clients),
            "service_forms": self.service_forms,
            "services_received": self.services_received,
            "hours": round(self.minutes / 60, 2),
            "group_activities": self.group_activities,
            "named_participants": self.named_participants,
            "unnamed_participants": self.unnamed_participants,
            "referrals": self.referrals,
        }


@dataclass(frozen=True, slots=True)
class Breakdown:
    """How one dimension sorts a session (``session_keys``) and each of its forms (``form_keys``) into groups."""

    name: str
    session_keys: Callable[[Session], Iterable[str]]
    form_keys: Callable[[Session, ServiceForm], Iterable[str]]


def _session_service_types(session: Session) -> set[str]:
    return {form.service_type or NO_SERVICE_TYPE for form in session.service_forms} or {NO_SERVICE_TYPE}


BREAKDOWNS = (
    Breakdown("site", lambda s: [s.site_code or ""], lambda s, f: [s.site_code or ""]),
    Breakdown("worker", lambda s: s.staff, lambda s, f: s.staff),
    Breakdown("service_type", _session_service_types, lambda s, f: [f.service_type or NO_SERVICE_TYPE]),
    Breakdown("delivery_method", lambda s: s.delivery_methods, lambda s, f: s.delivery_methods),
)


@dataclass(slots=True)
class Statistics:
    """Totals, one table of groups per breakdown, and sessions by language."""

    totals: Tally = field(default_factory=Tally)
    groups: dict[str, dict[str, Tally]] = field(default_factory=lambda: {b.name: {} for b in BREAKDOWNS})
    languages: dict[str, int] = field(default_factory=dict)

    def add(self, session: Session) -> None:
        self.totals.add_session(session)
        for form in session.service_forms:
            self.totals.add_form(session, form)
        for breakdown in BREAKDOWNS:
            table = self.groups[breakdown.name]
            for key in set(breakdown.session_keys(session)):
                table.setdefault(key, Tally()).add_session(session)
            for form in session.service_forms:
                for key in set(breakdown.form_keys(session, form)):
                    table.setdefault(key, Tally()).add_form(session, form)
        for language in set(session.languages):
            self.languages[language] = self.languages.get(language, 0) + 1


def tally(sessions: Iterable[Session]) -> Statistics:
    statistics = Statistics()
    for session in sessions:
        statistics.add(session)
    return statistics
