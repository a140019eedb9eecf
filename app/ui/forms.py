"""Turning what a worker typed into domain records, and validation problems back into words beside the fields.

Everything here is plain Python so it can be unit-tested without Flet. The screens keep a draft of each form in
these shapes, and the domain rules (app/domain) stay the only judge of what may be saved: these helpers only
parse text, merge error lists and name fields in words.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol, TypeVar

from app.domain.codes import SERVICES_BY_TYPE
from app.domain.errors import FieldError
from app.domain.fields import REFERRAL_FIELDS, SERVICE_FORM_FIELDS, SESSION_FIELDS, labels
from app.domain.reporting import MISSING, ReportGap
from app.domain.sessions import Referral, Session, service_time_errors, split_service_time
from app.domain.words import N_
from app.i18n import Translator
from app.ui.messages import error_text

YES = "yes"
NO = "no"
YES_NO = {YES: N_("Yes"), NO: N_("No")}

SESSION_FIELD_LABELS = labels(SESSION_FIELDS)
"""The words the session form shows for each wire field name, in the order the fields appear."""
SERVICE_FORM_FIELD_LABELS = labels(SERVICE_FORM_FIELDS)
REFERRAL_FIELD_LABELS = labels(REFERRAL_FIELDS)
BAD_FOLLOW_UP_DATE = N_("Enter the follow-up date as YYYY-MM-DD, for example 2025-03-31.")

_TIME_FIELDS = frozenset({"service_hours", "service_minutes"})
_COMPLETION_FIELDS = frozenset({"service_type", "services", "status"})
_FORM_FIELD = re.compile(r"^service_forms\[(\d+)\]\.(.+)$")
_REFERRAL_FIELD = re.compile(r"^referrals\[(\d+)\]\.(\w+)$")


class HasCode(Protocol):
    @property
    def code(self) -> str: ...


CodedOption = TypeVar("CodedOption", bound=HasCode)


class HasId(Protocol):
    @property
    def id(self) -> str: ...


Person = TypeVar("Person", bound=HasId)


@dataclass(slots=True)
class SessionDraft:
    """The session form while it is being edited.

    The session record carries every choice made with pickers, lists and checkboxes; the number fields keep the
    text as typed, so nothing the worker entered is lost when it does not parse or break a rule.
    """

    session: Session
    hours_text: str = "0"
    minutes_text: str = "0"
    interpreters_text: str = "0"
    unnamed_text: str = "0"


def draft_from_session(session: Session) -> SessionDraft:
    hours, minutes = split_service_time(session.service_minutes)
    return SessionDraft(
        session=session,
        hours_text=str(hours),
        minutes_text=str(minutes),
        interpreters_text=str(session.interpreters),
        unnamed_text=str(session.unnamed_participants),
    )


def session_from_draft(draft: SessionDraft) -> tuple[Session, list[FieldError]]:
    """The record to save, and the problems only the typed text can show ("Hours", "Minutes").

    When the service time does not pass its field rules the record gets 0 minutes, so saving it fails on
    ``service_minutes`` and nothing half-understood is stored; ``merge_errors`` then keeps the more precise
    message from here.
    """
    minutes, time_errors = service_minutes_from_text(draft.hours_text, draft.minutes_text)
    interpreters = interpreter_count(draft.session.interpreter_present, draft.interpreters_text)
    unnamed = (parse_count(draft.unnamed_text) or 0) if draft.session.is_group_activity else 0
    session = replace(draft.session, service_minutes=minutes, interpreters=interpreters, unnamed_participants=unnamed)
    return session, time_errors


def number_shown(text: str) -> str:
    """What a number field holds for ``text``: nothing for a 0, which the field's hint draws instead, so the first
    key typed replaces it ("5", not "05") without the app rewriting the field."""
    stripped = text.strip()
    return "" if stripped.isdigit() and int(stripped) == 0 else stripped


def parse_count(text: str) -> int | None:
    """A whole number typed into a field; blank counts as 0, anything else that is not digits as unknown."""
    stripped = text.strip()
    if not stripped:
        return 0
    return int(stripped) if stripped.isdigit() else None


def service_minutes_from_text(hours_text: str, minutes_text: str) -> tuple[int, list[FieldError]]:
    """Total minutes from the "Hours" and "Minutes" fields, checked by the domain's service time rules."""
    hours, minutes = parse_count(hours_text), parse_count(minutes_text)
    errors = service_time_errors(hours, minutes)
    if errors or hours is None or minutes is None:
        return 0, errors
    return hours * 60 + minutes, []


def interpreter_count(present: bool | None, text: str) -> int:
    """The "Interpreters (#)" count is 0 when no interpreter was present, whatever the disabled field still shows."""
    if present is False:
        return 0
    return parse_count(text) or 0


def merge_errors(typed: Sequence[FieldError], from_save: Sequence[FieldError]) -> list[FieldError]:
    """Problems from the typed text first; the save's own service time complaint is dropped when the text already
    explains it better (e.g. "Minutes must be between 0 and 59" rather than "more than 0 minutes")."""
    if not typed:
        return list(from_save)
    typed_fields = {error.field for error in typed}
    time_explained = bool(typed_fields & _TIME_FIELDS)
    kept = [
        error
        for error in from_save
        if error.field not in typed_fields and not (time_explained and error.field in _TIME_FIELDS)
    ]
    return [*typed, *kept]


def service_form_field(field_name: str) -> tuple[int, str] | None:
    """``service_forms[2].services`` → ``(2, "services")``; ``None`` for a field of the session itself."""
    match = _FORM_FIELD.match(field_name)
    return (int(match.group(1)), match.group(2)) if match else None


def errors_of_service_form(errors: Iterable[FieldError], index: int) -> tuple[list[FieldError], list[FieldError]]:
    """This service form's problems named as on the form (``services`` rather than ``service_forms[0].services``),
    and the rest (the session's own, or another form's). Unprefixed completion gaps and referral problems (the form's
    own checks of typed dates) belong to the form."""
    mine: list[FieldError] = []
    others: list[FieldError] = []
    for error in errors:
        nested = service_form_field(error.field)
        if nested is None and (error.field in _COMPLETION_FIELDS or _REFERRAL_FIELD.match(error.field)):
            mine.append(error)
        elif nested is not None and nested[0] == index:
            mine.append(replace(error, field=nested[1]))
        else:
            others.append(error)
    return mine, others


def service_form_problem_lines(errors: Iterable[FieldError], tr: Translator) -> list[str]:
    """The service form's summary lines, e.g. "Referral 2 – Referred to: Say which organisation ..."."""
    lines: list[str] = []
    for error in errors:
        referral = _REFERRAL_FIELD.match(error.field)
        if referral:
            inner = _label(REFERRAL_FIELD_LABELS, referral.group(2), tr)
            label = tr("Referral {row} – {field}", row=int(referral.group(1)) + 1, field=inner)
        else:
            label = _label(SERVICE_FORM_FIELD_LABELS, error.field, tr)
        lines.append(tr("{field}: {problem}", field=label, problem=error_text(error, tr)))
    return lines


def _label(labels: dict[str, str], name: str, tr: Translator) -> str:
    return tr(labels[name]) if name in labels else name


def referral_row_errors(errors: Iterable[FieldError], tr: Translator) -> dict[tuple[int, str], str]:
    """Messages for the referral rows' fields keyed by (row, field), from names such as ``referrals[1].to``."""
    found: dict[tuple[int, str], str] = {}
    for error in errors:
        match = _REFERRAL_FIELD.match(error.field)
        if match:
            found.setdefault((int(match.group(1)), match.group(2)), error_text(error, tr))
    return found


def error_summary(errors: Iterable[FieldError], client_names: Sequence[str], tr: Translator) -> list[str]:
    """One line per problem for the top of the session form, in the order the fields appear on it.

    A service form's problem names its client, because each client has their own form.
    """
    lines: list[str] = []
    for error in sorted(errors, key=_position_on_form):
        nested = service_form_field(error.field)
        if nested is None:
            label = _label(SESSION_FIELD_LABELS, error.field, tr)
        else:
            index, inner = nested
            client = client_names[index] if index < len(client_names) else tr("client {num}", num=index + 1)
            inner_label = _label(SERVICE_FORM_FIELD_LABELS, inner.split("[")[0], tr)
            label = tr("Service form of {client} – {field}", client=client, field=inner_label)
        line = tr("{field}: {problem}", field=label, problem=error_text(error, tr))
        if line not in lines:
            lines.append(line)
    return lines


def _position_on_form(error: FieldError) -> int:
    """Where a field sits on the session form; service forms' fields come last, after the clients list."""
    order = list(SESSION_FIELD_LABELS)
    return order.index(error.field) if error.field in order else len(order)


def yes_no_key(value: bool | None) -> str | None:
    return None if value is None else (YES if value else NO)


def yes_no_value(key: str | None) -> bool | None:
    return {YES: True, NO: False}.get(key or "")


def keep_offered_services(service_type: str | None, services: Iterable[str]) -> list[str]:
    """Ticks that still make sense after the Service Type changes: only services offered for the new type."""
    offered = SERVICES_BY_TYPE.get(service_type or "", {})
    return [code for code in services if code in offered]


def toggled(codes: Sequence[str], code: str, ticked: bool, order: Iterable[str]) -> list[str]:
    """A checkbox group's codes after one box changed, kept in the order the boxes are shown."""
    chosen = (set(codes) | {code}) if ticked else (set(codes) - {code})
    return [candidate for candidate in order if candidate in chosen]


def remaining_options(options: Iterable[CodedOption], chosen: Iterable[str]) -> list[CodedOption]:
    """Picker choices not already in the list (a language or worker cannot be added twice)."""
    taken = set(chosen)
    return [option for option in options if option.code not in taken]


def family_shortcuts(members: Iterable[Person], in_session: Iterable[str]) -> list[Person]:
    """The "Add Client" shortcut list: relatives of the clients in the session, each once, minus those already in."""
    seen = set(in_session)
    shortcuts: list[Person] = []
    for member in members:
        if member.id not in seen:
            seen.add(member.id)
            shortcuts.append(member)
    return shortcuts


def parse_follow_up_date(text: str) -> tuple[date | None, str | None]:
    """A referral's "Follow-up date" typed as YYYY-MM-DD; blank is allowed (no follow-up planned)."""
    stripped = text.strip()
    if not stripped:
        return None, None
    try:
        return date.fromisoformat(stripped), None
    except ValueError:
        return None, BAD_FOLLOW_UP_DATE


@dataclass(slots=True)
class ReferralDraft:
    """One "Referrals" row as typed; the date stays text until it parses."""

    to: str = ""
    reason: str = ""
    follow_up_text: str = ""


def referral_drafts(referrals: Iterable[Referral]) -> list[ReferralDraft]:
    return [ReferralDraft(r.to, r.reason, r.follow_up_date.isoformat() if r.follow_up_date else "") for r in referrals]


def referrals_from_drafts(drafts: Sequence[ReferralDraft]) -> tuple[list[Referral], list[FieldError]]:
    """Referral records, and a ``referrals[i].follow_up_date`` problem for each date that does not parse."""
    referrals: list[Referral] = []
    errors: list[FieldError] = []
    for index, row in enumerate(drafts):
        follow_up, problem = parse_follow_up_date(row.follow_up_text)
        if problem:
            errors.append(FieldError(f"referrals[{index}].follow_up_date", problem))
        referrals.append(Referral(to=row.to.strip(), reason=row.reason.strip(), follow_up_date=follow_up))
    return referrals, errors


def describe_service_date(value: date | None, tr: Translator) -> str:
    """How the chosen Service Date reads in its field: with its weekday, the worker's way ("mer. 2 déc. 2026")."""
    return tr.date(value, weekday=True) if value else ""


def report_needs(form_gaps: Iterable[ReportGap], profile_gaps: Sequence[ReportGap], tr: Translator) -> str | None:
    """What a client's row in the session says while their service form cannot go in the funder's report: the
    form's fields the report still needs, then the client's profile when it lacks something ("Needed for reports:
    Client Attended, client profile"). None when the form can be reported."""
    names = list(dict.fromkeys(_label(SERVICE_FORM_FIELD_LABELS, gap.field, tr) for gap in form_gaps))
    if profile_gaps:
        names.append(tr("client profile"))
    return tr("Needed for reports: {fields}", fields=", ".join(names)) if names else None


def report_marks(gaps: Iterable[ReportGap], tr: Translator) -> dict[str, str]:
    """A calm note under each field the funder still needs, in the worker's language: "Needed for reports" where
    the field is empty (its label says what), the rule's own words otherwise ("An IRCC client ID (UCI) has 8 or 10
    digits..."). Saving never waits for these; they are the rules of the console's "Not reported" list."""
    marks: dict[str, str] = {}
    for gap in gaps:
        note = tr("Needed for reports") if gap.code.endswith(MISSING) else gap.said(tr)
        marks.setdefault(gap.field, note)
    return marks
