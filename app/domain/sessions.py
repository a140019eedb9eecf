"""Sessions and their service forms: what the worker records, what makes it valid, and when it is complete.

A session is the folder for the when/where/how of a meeting; each client in it has one service form. Validation
returns every problem at once so the form can show them all beside their fields and the server can return them
per record. Completeness is derived from the service forms, never stored by hand.
"""

from collections.abc import Collection
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
from app.domain.errors import FieldError

MAX_NOTES = 10_000
MAX_SERVICE_MINUTES = 24 * 60
MAX_INTERPRETERS = 20


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
    """Complete when it has service forms and every one of them is complete (the spec's green)."""
    return bool(session.service_forms) and all(form.complete for form in session.service_forms)


def split_service_time(total_minutes: int) -> tuple[int, int]:
    return divmod(max(total_minutes, 0), 60)


def service_time_errors(hours: int | None, minutes: int | None) -> list[FieldError]:
    """Rules of the "Hours" and "Minutes" fields, before they are combined into ``service_minutes``."""
    errors: list[FieldError] = []
    if hours is None or hours < 0:
        errors.append(FieldError("service_hours", "Hours must be a whole number, 0 or more."))
    if minutes is None or not 0 <= minutes <= 59:
        errors.append(FieldError("service_minutes", "Minutes must be between 0 and 59."))
    if not errors and hours * 60 + minutes <= 0:  # type: ignore[operator]
        errors.append(FieldError("service_minutes", "Enter how long the service took (more than 0 minutes)."))
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
        errors.append(FieldError("notes", f"Session Notes can be at most {MAX_NOTES:,} characters."))
    errors += _client_errors(session)
    for index, form in enumerate(session.service_forms):
        errors += service_form_errors(form, prefix=f"service_forms[{index}].")
    return errors


def service_form_errors(form: ServiceForm, *, prefix: str = "") -> list[FieldError]:
    """Problems that stop a service form from being saved at all (wrong codes, bad referral rows)."""
    errors: list[FieldError] = []
    if form.service_type is not None and form.service_type not in SERVICE_TYPES:
        errors.append(FieldError(f"{prefix}service_type", "Choose a Service Type from the list."))
    offered = SERVICES_BY_TYPE.get(form.service_type or "", {})
    unknown = [code for code in form.services if code not in offered]
    if unknown:
        errors.append(
            FieldError(f"{prefix}services", "Some services received do not belong to the chosen Service Type.")
        )
    if len(set(form.services)) != len(form.services):
        errors.append(FieldError(f"{prefix}services", "A service is ticked more than once."))
    if form.status is not None and form.status not in SERVICE_STATUSES:
        errors.append(FieldError(f"{prefix}status", "Choose a Status of Service from the list."))
    for index, referral in enumerate(form.referrals):
        if not referral.to.strip():
            errors.append(
                FieldError(f"{prefix}referrals[{index}].to", "Say which organisation the client was referred to.")
            )
    if len(form.notes) > MAX_NOTES:
        errors.append(FieldError(f"{prefix}notes", f"Notes can be at most {MAX_NOTES:,} characters."))
    return errors


def completion_gaps(form: ServiceForm) -> list[FieldError]:
    """What is still missing before this service form counts as complete (green)."""
    gaps: list[FieldError] = []
    if form.service_type not in SERVICE_TYPES:
        gaps.append(FieldError("service_type", "Choose a Service Type."))
    elif not any(code in SERVICES_BY_TYPE[form.service_type] for code in form.services):
        gaps.append(FieldError("services", "Tick at least one service received."))
    if form.status not in SERVICE_STATUSES:
        gaps.append(FieldError("status", "Choose a Status of Service."))
    return gaps


def _session_type_errors(session: Session) -> list[FieldError]:
    if session.session_type not in SESSION_TYPES:
        return [FieldError("session_type", "Choose a Session Type.")]
    if session.is_group_activity and not session.activity_name.strip():
        return [FieldError("activity_name", "Give the group activity a name.")]
    return []


def _service_date_errors(service_date: date | None, today: date) -> list[FieldError]:
    if service_date is None:
        return [FieldError("service_date", "Enter the Service Date.")]
    if service_date > today:
        return [FieldError("service_date", "The Service Date cannot be in the future.")]
    return []


def _site_errors(site_code: str | None, sites: Collection[str] | None) -> list[FieldError]:
    if not site_code:
        return [FieldError("site_code", "Press Find... to choose the Site.")]
    if sites is not None and site_code not in sites:
        return [FieldError("site_code", f"Site {site_code} is not an active site of your agency.")]
    return []


def _delivery_method_errors(methods: list[str]) -> list[FieldError]:
    if not methods:
        return [FieldError("delivery_methods", "Tick at least one Delivery Method.")]
    if any(method not in DELIVERY_METHODS for method in methods):
        return [FieldError("delivery_methods", "A Delivery Method is not one of the listed options.")]
    if len(set(methods)) != len(methods):
        return [FieldError("delivery_methods", "A Delivery Method is ticked more than once.")]
    return []


def _location_errors(location: str | None, known: Collection[str] | None) -> list[FieldError]:
    if not location:
        return [FieldError("service_location_type", "Choose the Type of Service Location.")]
    if known is not None and location not in known:
        return [FieldError("service_location_type", "That Type of Service Location is not on the list.")]
    return []


def _interpreter_errors(present: bool | None, count: int) -> list[FieldError]:
    if present is None:
        return [FieldError("interpreter_present", "Say whether an interpreter was present (Yes or No).")]
    if present and not 1 <= count <= MAX_INTERPRETERS:
        return [FieldError("interpreters", "Enter how many interpreters were present (at least 1).")]
    if not present and count != 0:
        return [FieldError("interpreters", "Interpreters (#) must be 0 when no interpreter was present.")]
    return []


def _minutes_errors(total: int) -> list[FieldError]:
    if total <= 0:
        return [FieldError("service_minutes", "Enter how long the service took (more than 0 minutes).")]
    if total > MAX_SERVICE_MINUTES:
        return [FieldError("service_minutes", "Service Time cannot be more than 24 hours.")]
    return []


def _language_errors(languages: list[str], known: Collection[str] | None) -> list[FieldError]:
    if not languages:
        return [FieldError("languages", "Add at least one Delivery Language.")]
    if len(set(languages)) != len(languages):
        return [FieldError("languages", "A Delivery Language is listed more than once.")]
    if known is not None and any(code not in known for code in languages):
        return [FieldError("languages", "A Delivery Language is not on the language list.")]
    return []


def _staff_errors(session: Session, known: Collection[str] | None) -> list[FieldError]:
    staff = session.staff
    if not staff:
        return [FieldError("staff", "List at least one worker in Staff Involved.")]
    if len(set(staff)) != len(staff):
        return [FieldError("staff", "A worker is listed more than once in Staff Involved.")]
    if len(staff) > 1 and not session.is_group_activity:
        return [FieldError("staff", "More than one worker can be listed only for a Group Activity session.")]
    if known is not None and any(user_id not in known for user_id in staff):
        return [FieldError("staff", "A worker in Staff Involved is not an active worker of your agency.")]
    return []


def _client_errors(session: Session) -> list[FieldError]:
    if not session.service_forms and not session.is_group_activity:
        return [FieldError("service_forms", "Add the client this session is for.")]
    client_ids = [form.client_id for form in session.service_forms]
    if len(set(client_ids)) != len(client_ids):
        return [FieldError("service_forms", "A client is in this session more than once.")]
    return []
