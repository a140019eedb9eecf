"""Reportable, not only saved: what the funder's monthly upload needs of a client profile and a service form.

Saving never depends on these rules. A record that breaks one is still saved and synced; it is simply left out of
the funder export (and listed on its "Not reported" sheet) until someone fills the gap. The rules are data, so a
screen can mark every field the funder needs before anything is missing, and a gap carries a stable ``code`` and
its words as a template with values, which a screen says in its reader's language (``ReportGap.said``).

A service form is reportable when it is complete (``sessions.completion_gaps``), the rules below hold for it, and
its client's profile is reportable: the funder rejects every service of a client it cannot identify.
"""

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.domain.clients import Client
from app.domain.sessions import ServiceForm, Session, completion_gaps
from app.domain.words import N_

Record = TypeVar("Record")
IRCC_CLIENT_ID = "ircc_client_id"


def _not_a_uci(client: Client) -> bool:
    """An IRCC client ID (UCI) is 8 or 10 digits, often written with hyphens or spaces; other kinds are not checked."""
    text = client.client_identifier.strip()
    if client.client_identifier_kind != IRCC_CLIENT_ID or not text:
        return False
    digits = [character for character in text if character.isdigit()]
    return any(not (c.isdigit() or c in " -") for c in text) or len(digits) not in (8, 10)


GapValue = str | tuple["ReportGap", ...]


@dataclass(frozen=True, slots=True)
class ReportGap:
    """One reason a record cannot be reported yet: which field (wire name), a stable code, and what it says: an
    English ``template`` marked for the catalogs, filled in with ``params``. A value may itself be gaps (a client
    profile's own, behind "the client's profile is not reportable"), said in the same language one after another."""

    field: str
    code: str
    template: str
    params: Mapping[str, GapValue] = dataclasses.field(default_factory=dict, hash=False)

    @property
    def message(self) -> str:
        """In English, as the server's list and the funder export's "Not reported" sheet write it."""
        return self.said(_as_written)

    def said(self, translate: Callable[[str], str]) -> str:
        """In the language of ``translate`` (a catalog's ``gettext``): the template and the gaps among its values."""
        if not self.params:
            return translate(self.template)
        values = {name: _said(value, translate) for name, value in self.params.items()}
        return translate(self.template).format(**values)

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


def _said(value: GapValue, translate: Callable[[str], str]) -> str:
    return value if isinstance(value, str) else "; ".join(gap.said(translate) for gap in value)


def _as_written(message: str) -> str:
    return message


@dataclass(frozen=True, slots=True)
class ReportRule(Generic[Record]):
    """A field the funder needs, and the test that finds it missing. ``gap`` is what is shown when it is."""

    field: str
    code: str
    message: str
    is_missing: Callable[[Record], bool]

    @property
    def gap(self) -> ReportGap:
        return ReportGap(self.field, self.code, self.message)


CLIENT_REPORT_RULES: tuple[ReportRule[Client], ...] = (
    ReportRule(
        "client_identifier_kind",
        "report.client_identifier_kind.missing",
        N_("Choose the kind of client identifier (IRCC client ID, permanent resident card...)."),
        lambda client: client.client_identifier_kind is None,
    ),
    ReportRule(
        "client_identifier",
        "report.client_identifier.missing",
        N_("Enter the client identifier (the funder identifies each client by it)."),
        lambda client: not client.client_identifier.strip(),
    ),
    ReportRule(
        "client_identifier",
        "report.client_identifier.not_a_uci",
        N_("An IRCC client ID (UCI) has 8 or 10 digits, e.g. 1234-5678 or 12-3456-7890."),
        lambda client: _not_a_uci(client),
    ),
    ReportRule(
        "official_language",
        "report.official_language.missing",
        N_("Choose the preferred official language (English, French or Unknown)."),
        lambda client: client.official_language is None,
    ),
)
"""What a named client profile needs besides what saving already requires (names, date of birth, consent)."""

SERVICE_FORM_REPORT_RULES: tuple[ReportRule[ServiceForm], ...] = (
    ReportRule(
        "client_attended",
        "report.client_attended.missing",
        N_("Say whether the client attended."),
        lambda form: form.client_attended is None,
    ),
    ReportRule(
        "client_attended",
        "report.client_attended.no",
        N_("The client did not attend; only services a client attended are reported."),
        lambda form: form.client_attended is False,
    ),
)
"""What a service form needs besides being complete (Service Type, a service received, Status of Service)."""

_COMPLETION_CODES = {
    "service_type": "report.service_type.missing",
    "services": "report.services.missing",
    "status": "report.status.missing",
}
CLIENT_MISSING = ReportGap(
    "client_id", "report.client.not_on_server", N_("The client's profile has not reached the server yet.")
)
CLIENT_NOT_REPORTABLE_CODE = "report.client.not_reportable"
CLIENT_NOT_REPORTABLE = N_("The client's profile is not reportable: {missing}")
MISSING = ".missing"
"""How the code of a gap ends when the field is simply empty (``report.official_language.missing``)."""

REPORT_FIELDS: Mapping[str, frozenset[str]] = {
    "client": frozenset(rule.field for rule in CLIENT_REPORT_RULES),
    "service_form": frozenset(rule.field for rule in SERVICE_FORM_REPORT_RULES) | frozenset(_COMPLETION_CODES),
}
"""The fields a form marks as needed to report, by record kind (whether or not they are filled in yet)."""


def client_report_gaps(client: Client) -> list[ReportGap]:
    """What keeps this client profile from being reported; empty when it is reportable."""
    return [rule.gap for rule in CLIENT_REPORT_RULES if rule.is_missing(client)]


def service_form_report_gaps(form: ServiceForm) -> list[ReportGap]:
    """What keeps this service form itself from being reported (its client's profile aside)."""
    gaps = [ReportGap(gap.field, _COMPLETION_CODES[gap.field], gap.message) for gap in completion_gaps(form)]
    return gaps + [rule.gap for rule in SERVICE_FORM_REPORT_RULES if rule.is_missing(form)]


def session_report_gaps(session: Session, clients: Mapping[str, Client]) -> dict[str, list[ReportGap]]:
    """For each service form of ``session`` (by form id), what keeps it from being reported, its client included.

    ``clients`` holds the profiles of the session's clients; one that is absent has not reached this database yet.
    A client profile's own gaps appear once per form as one gap naming them, so a list of forms stays short.
    """
    gaps: dict[str, list[ReportGap]] = {}
    for form in session.service_forms:
        found = service_form_report_gaps(form)
        client = clients.get(form.client_id)
        if client is None:
            found.append(CLIENT_MISSING)
        else:
            found += _client_gap_for_form(client_report_gaps(client))
        gaps[form.id] = found
    return gaps


def session_is_reportable(session: Session, clients: Mapping[str, Client]) -> bool:
    """Whether nothing in ``session`` keeps it from being reported: none of its service forms has a gap, its
    client's profile included (``clients`` as for ``session_report_gaps``). A group activity with only unnamed
    participants has no form to hold back, so it is reportable."""
    return not any(session_report_gaps(session, clients).values())


def _client_gap_for_form(client_gaps: list[ReportGap]) -> list[ReportGap]:
    if not client_gaps:
        return []
    return [ReportGap("client_id", CLIENT_NOT_REPORTABLE_CODE, CLIENT_NOT_REPORTABLE, {"missing": tuple(client_gaps)})]
