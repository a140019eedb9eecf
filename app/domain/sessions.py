"""Sessions and their service forms: what the worker records, what makes it valid, and when it is complete.

A session is the folder for the when/where/how of a meeting; each client in it has one service form. Validation
returns every problem at once so the form can show them all beside their fields and the server can return them
per record. Completeness is derived from the service forms, never stored by hand.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from app.domain.codes import (
    DELIVERY_METHODS,
    GROUP_ACTIVITY,
    SERVICE_STATUSES,
    SERVICE_TYPES,
    SERVICES_BY_TYPE,
    SESSION_TYPES,
)
from app.domain.errors import FieldError, problem
from app.domain.words import N_

MAX_NOTES = 10_000
MAX_SERVICE_MINUTES = 24 * 60
MAX_INTERPRETERS = 20
MAX_UNNAMED_PARTICIPANTS = 999

HOURS_NOT_A_NUMBER = problem("session.service_hours.not_a_number", N_("Hours must be a whole number, 0 or more."))
MINUTES_OUT_OF_RANGE = problem("session.service_minutes.out_of_range", N_("Minutes must be between 0 and 59."))
NO_SERVICE_TIME = problem(
    "session.service_minutes.missing", N_("Enter how long the service took (more than 0 minutes).")
)
SERVICE_TIME_TOO_LONG = problem("session.service_minutes.too_long", N_("Service Time cannot be more than 24 hours."))
SESSION_NOTES_TOO_LONG = problem("session.notes.too_long", N_("Session Notes can be at most {limit} characters."))
FORM_SERVICE_TYPE_UNKNOWN = problem("form.service_type.unknown", N_("Choose a Service Type from the list."))
FORM_SERVICES_NOT_OFFERED = problem(
    "form.services.not_offered", N_("Some services received do not belong to the chosen Service Type.")
)
FORM_SERVICE_TWICE = problem("form.services.twice", N_("A service is ticked more than once."))
FORM_STATUS_UNKNOWN = problem("form.status.unknown", N_("Choose a Status of Service from the list."))
REFERRAL_WITHOUT_ORGANISATION = problem(
    "form.referral.to.missing", N_("Say which organisation the client was referred to.")
)
FORM_NOTES_TOO_LONG = problem("form.notes.too_long", N_("Notes can be at most {limit} characters."))
FORM_NEEDS_SERVICE_TYPE = problem("form.service_type.missing", N_("Choose a Service Type."))
FORM_NEEDS_SERVICE = problem("form.services.missing", N_("Tick at least one service received."))
FORM_NEEDS_STATUS = problem("form.status.missing", N_("Choose a Status of Service."))
NO_SESSION_TYPE = problem("session.session_type.missing", N_("Choose a Session Type."))
NO_ACTIVITY_NAME = problem("session.activity_name.missing", N_("Give the group activity a name."))
NO_SERVICE_DATE = problem("session.service_date.missing", N_("Enter the Service Date."))
SERVICE_DATE_IN_FUTURE = problem("session.service_date.future", N_("The Service Date cannot be in the future."))
NO_SITE = problem("session.site_code.missing", N_("Press Find... to choose the Site."))
SITE_NOT_ACTIVE = problem("session.site_code.inactive", N_("Site {code} is not an active site of your agency."))
NO_DELIVERY_METHOD = problem("session.delivery_methods.missing", N_("Tick at least one Delivery Method."))
DELIVERY_METHOD_UNKNOWN = problem(
    "session.delivery_methods.unknown", N_("A Delivery Method is not one of the listed options.")
)
DELIVERY_METHOD_TWICE = problem("session.delivery_methods.twice", N_("A Delivery Method is ticked more than once."))
NO_LOCATION = problem("session.service_location_type.missing", N_("Choose the Type of Service Location."))
LOCATION_UNKNOWN = problem(
    "session.service_location_type.unknown", N_("That Type of Service Location is not on the list.")
)
INTERPRETER_UNSAID = problem(
    "session.interpreter_present.missing", N_("Say whether an interpreter was present (Yes or No).")
)
NO_INTERPRETERS = problem("session.interpreters.missing", N_("Enter how many interpreters were present (at least 1)."))
INTERPRETERS_WITHOUT_INTERPRETER = problem(
    "session.interpreters.not_zero", N_("Interpreters (#) must be 0 when no interpreter was present.")
)
NO_LANGUAGE = problem("session.languages.missing", N_("Add at least one Delivery Language."))
LANGUAGE_TWICE = problem("session.languages.twice", N_("A Delivery Language is listed more than once."))
LANGUAGE_UNKNOWN = problem("session.languages.unknown", N_("A Delivery Language is not on the language list."))
NO_STAFF = problem("session.staff.missing", N_("List at least one worker in Staff Involved."))
STAFF_TWICE = problem("session.staff.twice", N_("A worker is listed more than once in Staff Involved."))
STAFF_ONLY_FOR_GROUPS = problem(
    "session.staff.not_group", N_("More than one worker can be listed only for a Group Activity session.")
)
STAFF_UNKNOWN = problem(
    "session.staff.unknown", N_("A worker in Staff Involved is not an active worker of your agency.")
)
UNNAMED_OUT_OF_RANGE = problem(
    "session.unnamed_participants.out_of_range",
    N_("Enter how many people took part without being named, from 0 to {limit}."),
)
UNNAMED_ONLY_FOR_GROUPS = problem(
    "session.unnamed_participants.not_group", N_("Only a Group Activity counts participants who were not named.")
)
NO_CLIENT = problem("session.service_forms.missing", N_("Add the client this session is for."))
CLIENT_TWICE = problem("session.service_forms.twice", N_("A client is in this session more than once."))


@dataclass(slots=True)
class Referral:
    to: str = ""
    reason: str = ""
    follow_up_date: date | None = None


@dataclass(slots=True)
class ServiceForm:
    """One client's part of a session."""

    id: str
    client_id: str
    service_type: str | None = None
    services: list[str] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    client_attended: bool | None = None
    status: str | None = None
    private: bool = False
    notes: str = ""

    @property
    def complete(self) -> bool:
        return not completion_gaps(self)


@dataclass(slots=True)
class Session:
    """A session as the device and the server both hold it. ``version`` is the server's; 0 before the first sync."""

    id: str
    agency_id: str
    created_by: str
    session_type: str | None = None
    service_date: date | None = None
    site_code: str | None = None
    delivery_methods: list[str] = field(default_factory=list)
    service_location_type: str | None = None
    interpreter_present: bool | None = None
    interpreters: int = 0
    service_minutes: int = 0
    languages: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    notes: str = ""
    activity_name: str = ""
    activity_topic: str = ""
    unnamed_participants: int = 0
    """People at a group activity who were not registered as clients: counted, reported apart from named clients."""
    service_forms: list[ServiceForm] = field(default_factory=list)
    created_at: str = ""
    updated_at: str = ""
    version: int = 0

    @property
    def complete(self) -> bool:
        return is_session_complete(self)

    @property
    def is_group_activity(self) -> bool:
        return self.session_type == GROUP_ACTIVITY

    def notes_withheld_from(self, form: ServiceForm, user_id: str) -> bool:
        """Whether ``form``'s notes are kept from ``user_id``: private notes reach only the session's staff (the
        server sends them blank to anyone else, docs/sync-protocol.md), so a blank box would mislead."""
        return form.private and user_id not in self.staff


@dataclass(frozen=True, slots=True)
class KnownCodes:
    """Reference lists to check codes against. ``None`` for a list means "do not check" (e.g. not yet synced)."""

    sites: Collection[str] | None = None
    service_location_types: Collection[str] | None = None
    languages: Collection[str] | None = None
    workers: Collection[str] | None = None

    def also_accepting(self, session: "Session") -> "KnownCodes":
        """These lists plus the codes ``session`` already uses.

        A site that closed or a worker who left after a session was recorded must not lock that session against
        edits; only newly chosen codes have to be active.
        """

        def widen(codes: Collection[str] | None, used: list[str]) -> Collection[str] | None:
            return None if codes is None else {*codes, *used}

        return KnownCodes(
            sites=widen(self.sites, [session.site_code] if session.site_code else []),
            service_location_types=widen(
                self.service_location_types, [session.service_location_type] if session.service_location_type else []
            ),
            languages=widen(self.languages, session.languages),
            workers=widen(self.workers, session.staff),
        )


def is_session_complete(session: Session) -> bool:
    """Complete (the spec's green) when every service form is complete and there is someone the session was for:
    a client with a form, or, at a group activity, participants who were counted without being named."""
    someone = bool(session.service_forms) or (session.is_group_activity and session.unnamed_participants > 0)
    return someone and all(form.complete for form in session.service_forms)


def split_service_time(total_minutes: int) -> tuple[int, int]:
    return divmod(max(total_minutes, 0), 60)


def service_time_errors(hours: int | None, minutes: int | None) -> list[FieldError]:
    """Rules of the "Hours" and "Minutes" fields, before they are combined into ``service_minutes``."""
    errors: list[FieldError] = []
    if hours is None or hours < 0:
        errors.append(HOURS_NOT_A_NUMBER.at("service_hours"))
    if minutes is None or not 0 <= minutes <= 59:
        errors.append(MINUTES_OUT_OF_RANGE.at("service_minutes"))
    if hours is not None and minutes is not None and not errors and hours * 60 + minutes <= 0:
        errors.append(NO_SERVICE_TIME.at("service_minutes"))
    return errors


def validate_session(
    session: Session, *, today: date, known: KnownCodes | None = None, previous: Session | None = None
) -> list[FieldError]:
    """Every reason this session cannot be saved; empty when it can. Incomplete service forms may still be saved.

    ``previous`` is the version being edited: codes it already uses stay acceptable even if since deactivated.
    """
    known = known or KnownCodes()
    if previous is not None:
        known = known.also_accepting(previous)
    errors: list[FieldError] = []
    errors += _session_type_errors(session)
    errors += _service_date_errors(session.service_date, today)
    errors += _site_errors(session.site_code, known.sites)
    errors += _delivery_method_errors(session.delivery_methods)
    errors += _location_errors(session.service_location_type, known.service_location_types)
    errors += _interpreter_errors(session.interpreter_present, session.interpreters)
    errors += _minutes_errors(session.service_minutes)
    errors += _language_errors(session.languages, known.languages)
    errors += _staff_errors(session, known.workers)
    if len(session.notes) > MAX_NOTES:
        errors.append(SESSION_NOTES_TOO_LONG.at("notes", limit=MAX_NOTES))
    errors += _unnamed_participant_errors(session)
    errors += _client_errors(session)
    for index, form in enumerate(session.service_forms):
        errors += service_form_errors(form, prefix=f"service_forms[{index}].")
    return errors


def service_form_errors(form: ServiceForm, *, prefix: str = "") -> list[FieldError]:
    """Problems that stop a service form from being saved at all (wrong codes, bad referral rows)."""
    errors: list[FieldError] = []
    if form.service_type is not None and form.service_type not in SERVICE_TYPES:
        errors.append(FORM_SERVICE_TYPE_UNKNOWN.at(f"{prefix}service_type"))
    offered: Mapping[str, str] = SERVICES_BY_TYPE.get(form.service_type or "", {})
    unknown = [code for code in form.services if code not in offered]
    if unknown:
        errors.append(FORM_SERVICES_NOT_OFFERED.at(f"{prefix}services"))
    if len(set(form.services)) != len(form.services):
        errors.append(FORM_SERVICE_TWICE.at(f"{prefix}services"))
    if form.status is not None and form.status not in SERVICE_STATUSES:
        errors.append(FORM_STATUS_UNKNOWN.at(f"{prefix}status"))
    for index, referral in enumerate(form.referrals):
        if not referral.to.strip():
            errors.append(REFERRAL_WITHOUT_ORGANISATION.at(f"{prefix}referrals[{index}].to"))
    if len(form.notes) > MAX_NOTES:
        errors.append(FORM_NOTES_TOO_LONG.at(f"{prefix}notes", limit=MAX_NOTES))
    return errors


def completion_gaps(form: ServiceForm) -> list[FieldError]:
    """What is still missing before this service form counts as complete (green)."""
    gaps: list[FieldError] = []
    if form.service_type is None or form.service_type not in SERVICE_TYPES:
        gaps.append(FORM_NEEDS_SERVICE_TYPE.at("service_type"))
    elif not any(code in SERVICES_BY_TYPE[form.service_type] for code in form.services):
        gaps.append(FORM_NEEDS_SERVICE.at("services"))
    if form.status not in SERVICE_STATUSES:
        gaps.append(FORM_NEEDS_STATUS.at("status"))
    return gaps


def _session_type_errors(session: Session) -> list[FieldError]:
    if session.session_type not in SESSION_TYPES:
        return [NO_SESSION_TYPE.at("session_type")]
    if session.is_group_activity and not session.activity_name.strip():
        return [NO_ACTIVITY_NAME.at("activity_name")]
    return []


def _service_date_errors(service_date: date | None, today: date) -> list[FieldError]:
    if service_date is None:
        return [NO_SERVICE_DATE.at("service_date")]
    if service_date > today:
        return [SERVICE_DATE_IN_FUTURE.at("service_date")]
    return []


def _site_errors(site_code: str | None, sites: Collection[str] | None) -> list[FieldError]:
    if not site_code:
        return [NO_SITE.at("site_code")]
    if sites is not None and site_code not in sites:
        return [SITE_NOT_ACTIVE.at("site_code", code=site_code)]
    return []


def _delivery_method_errors(methods: list[str]) -> list[FieldError]:
    if not methods:
        return [NO_DELIVERY_METHOD.at("delivery_methods")]
    if any(method not in DELIVERY_METHODS for method in methods):
        return [DELIVERY_METHOD_UNKNOWN.at("delivery_methods")]
    if len(set(methods)) != len(methods):
        return [DELIVERY_METHOD_TWICE.at("delivery_methods")]
    return []


def _location_errors(location: str | None, known: Collection[str] | None) -> list[FieldError]:
    if not location:
        return [NO_LOCATION.at("service_location_type")]
    if known is not None and location not in known:
        return [LOCATION_UNKNOWN.at("service_location_type")]
    return []


def _interpreter_errors(present: bool | None, count: int) -> list[FieldError]:
    if present is None:
        return [INTERPRETER_UNSAID.at("interpreter_present")]
    if present and not 1 <= count <= MAX_INTERPRETERS:
        return [NO_INTERPRETERS.at("interpreters")]
    if not present and count != 0:
        return [INTERPRETERS_WITHOUT_INTERPRETER.at("interpreters")]
    return []


def _minutes_errors(total: int) -> list[FieldError]:
    if total <= 0:
        return [NO_SERVICE_TIME.at("service_minutes")]
    if total > MAX_SERVICE_MINUTES:
        return [SERVICE_TIME_TOO_LONG.at("service_minutes")]
    return []


def _language_errors(languages: list[str], known: Collection[str] | None) -> list[FieldError]:
    if not languages:
        return [NO_LANGUAGE.at("languages")]
    if len(set(languages)) != len(languages):
        return [LANGUAGE_TWICE.at("languages")]
    if known is not None and any(code not in known for code in languages):
        return [LANGUAGE_UNKNOWN.at("languages")]
    return []


def _staff_errors(session: Session, known: Collection[str] | None) -> list[FieldError]:
    staff = session.staff
    if not staff:
        return [NO_STAFF.at("staff")]
    if len(set(staff)) != len(staff):
        return [STAFF_TWICE.at("staff")]
    if len(staff) > 1 and not session.is_group_activity:
        return [STAFF_ONLY_FOR_GROUPS.at("staff")]
    if known is not None and any(user_id not in known for user_id in staff):
        return [STAFF_UNKNOWN.at("staff")]
    return []


def _unnamed_participant_errors(session: Session) -> list[FieldError]:
    count = session.unnamed_participants
    if not 0 <= count <= MAX_UNNAMED_PARTICIPANTS:
        return [UNNAMED_OUT_OF_RANGE.at("unnamed_participants", limit=MAX_UNNAMED_PARTICIPANTS)]
    if count and not session.is_group_activity:
        return [UNNAMED_ONLY_FOR_GROUPS.at("unnamed_participants")]
    return []


def _client_errors(session: Session) -> list[FieldError]:
    if not session.service_forms and not session.is_group_activity:
        return [NO_CLIENT.at("service_forms")]
    client_ids = [form.client_id for form in session.service_forms]
    if len(set(client_ids)) != len(client_ids):
        return [CLIENT_TWICE.at("service_forms")]
    return []
