"""The fields of a session, a service form, a referral and a client profile, each described once.

An entry says what the field is to a person: its wire name, its label (marked for the catalogs), what kind of input
it takes, whether it is required, a line of help, and where its choices come from. Everything that names a field in
words reads it from here: the forms' labels and "Required" marks, the summary of problems at the top of a form,
the field a problem points at, the Sync screen's explanation of a server refusal, and the browser tests' names.

The order of each table is the order of its form, which is also the order of a form's problem summary. Adding a
field to the session is an entry here, plus its storage and wire code (see docs/architecture.md).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.domain import codes
from app.domain.words import N_


class Kind(StrEnum):
    """What a field takes, which decides the control a form draws for it."""

    TEXT = "text"
    NOTES = "notes"  # several lines of free text
    NUMBER = "number"  # a whole number, 0 or more
    DATE = "date"
    CHOICE = "choice"  # one of a vocabulary (a drop-down)
    YES_NO = "yes_no"
    CHECKLIST = "checklist"  # any of a vocabulary (check boxes)
    PICK_LIST = "pick_list"  # an ordered list picked from a reference list ("Add ..." → pick → "Update")
    SITE = "site"  # a site code found with the "Find..." dialog
    DURATION = "duration"  # hours and minutes, stored as minutes
    SWITCH = "switch"
    CONSENT = "consent"  # a box the client's acknowledgement ticks
    READ_ONLY = "read_only"
    CLIENTS = "clients"  # the session's clients, each with a service form
    REFERRALS = "referrals"  # rows of their own fields (REFERRAL_FIELDS)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    """The wire name (the record's attribute)."""
    label: str
    kind: Kind
    required: bool = False
    help: str = ""
    choices: Mapping[str, str] | str | None = None
    """A fixed vocabulary (code → label), or the name of a reference list from the server ("languages")."""
    group_only: bool = False
    """Shown only for a Group Activity session."""
    parts: tuple[tuple[str, str], ...] = ()
    """Names and labels of the inputs a field is typed into, when it has several ("Hours", "Minutes")."""


SESSION_FIELDS = (
    FieldSpec("session_type", N_("Session Type"), Kind.CHOICE, required=True, choices=codes.SESSION_TYPES),
    FieldSpec("activity_name", N_("Activity"), Kind.TEXT, required=True, group_only=True),
    FieldSpec("activity_topic", N_("Topic"), Kind.TEXT, group_only=True),
    FieldSpec(
        "unnamed_participants",
        N_("Unnamed participants"),
        Kind.NUMBER,
        help=N_("People who took part without being registered as clients."),
        group_only=True,
    ),
    FieldSpec("service_date", N_("Service Date"), Kind.DATE, required=True),
    FieldSpec("site_code", N_("Site"), Kind.SITE, required=True, choices="sites"),
    FieldSpec(
        "delivery_methods",
        N_("Delivery Method"),
        Kind.CHECKLIST,
        required=True,
        help=N_("Select all that apply."),
        choices=codes.DELIVERY_METHODS,
    ),
    FieldSpec(
        "service_location_type", N_("Type of Service Location"), Kind.CHOICE, required=True, choices="location_types"
    ),
    FieldSpec("interpreter_present", N_("Interpreter Present"), Kind.YES_NO, required=True),
    FieldSpec("interpreters", N_("Interpreters (#)"), Kind.NUMBER),
    FieldSpec(
        "service_minutes",
        N_("Service Time"),
        Kind.DURATION,
        required=True,
        help=N_("How long the service took. With several clients, the total time of the session."),
        parts=(("service_hours", N_("Hours")), ("service_minutes", N_("Minutes"))),
    ),
    FieldSpec(
        "languages",
        N_("Delivery Language"),
        Kind.PICK_LIST,
        required=True,
        help=N_("The language(s) you provided the service in."),
        choices="languages",
    ),
    FieldSpec("staff", N_("Staff Involved"), Kind.PICK_LIST, required=True, choices="workers"),
    FieldSpec("notes", N_("Session Notes"), Kind.NOTES),
    FieldSpec(
        "service_forms",
        N_("Clients"),
        Kind.CLIENTS,
        help=N_("Each client has a service form of their own; family members get one each."),
    ),
)

SERVICE_FORM_FIELDS = (
    FieldSpec("service_type", N_("Service Type"), Kind.CHOICE, required=True, choices=codes.SERVICE_TYPES),
    FieldSpec(
        "services",
        N_("Services Received"),
        Kind.CHECKLIST,
        required=True,
        help=N_("Select all that apply."),
        choices="services_of_type",
    ),
    FieldSpec(
        "referrals",
        N_("Referrals"),
        Kind.REFERRALS,
        help=N_("Organisations the client was referred to, if any."),
    ),
    FieldSpec("client_attended", N_("Client Attended"), Kind.YES_NO),
    FieldSpec("status", N_("Status of Service"), Kind.CHOICE, required=True, choices=codes.SERVICE_STATUSES),
    FieldSpec(
        "private",
        N_("Private"),
        Kind.SWITCH,
        help=N_("Only the staff involved in the session see private notes."),
    ),
    FieldSpec("notes", N_("Notes"), Kind.NOTES),
)

REFERRAL_FIELDS = (
    FieldSpec("to", N_("Referred to"), Kind.TEXT, required=True),
    FieldSpec("reason", N_("Reason"), Kind.TEXT),
    FieldSpec("follow_up_date", N_("Follow-up date"), Kind.DATE),
)

CLIENT_FIELDS = (
    FieldSpec("first_name", N_("First name"), Kind.TEXT, required=True),
    FieldSpec("last_name", N_("Last name"), Kind.TEXT, required=True),
    FieldSpec("preferred_name", N_("Preferred name"), Kind.TEXT),
    FieldSpec("latin_name", N_("Name in Latin letters"), Kind.TEXT),
    FieldSpec("own_script_name", N_("Name in own script"), Kind.TEXT),
    FieldSpec("date_of_birth", N_("Date of birth"), Kind.DATE, required=True),
    FieldSpec("gender", N_("Gender"), Kind.CHOICE, choices=codes.GENDERS),
    FieldSpec("marital_status", N_("Marital status"), Kind.CHOICE, choices=codes.MARITAL_STATUSES),
    FieldSpec("official_language", N_("Preferred official language"), Kind.CHOICE, choices=codes.OFFICIAL_LANGUAGES),
    FieldSpec("immigration_category", N_("Immigration category"), Kind.CHOICE, choices=codes.IMMIGRATION_CATEGORIES),
    FieldSpec("country_of_origin", N_("Country of origin"), Kind.TEXT),
    FieldSpec("arrival_date", N_("Arrival date"), Kind.DATE),
    FieldSpec("phone", N_("Phone"), Kind.TEXT),
    FieldSpec("email", N_("Email"), Kind.TEXT),
    FieldSpec("client_identifier", N_("Client identifier"), Kind.TEXT),
    FieldSpec(
        "client_identifier_kind",
        N_("Kind of client identifier"),
        Kind.CHOICE,
        choices=codes.CLIENT_IDENTIFIER_KINDS,
    ),
    FieldSpec("address", N_("Address"), Kind.NOTES),
    FieldSpec("consent", N_("Privacy statement acknowledged"), Kind.CONSENT, required=True),
    FieldSpec("family_code", N_("Family code"), Kind.READ_ONLY),
)


def labels(fields: tuple[FieldSpec, ...]) -> dict[str, str]:
    """Each name a problem may point at, with its label (marked, untranslated), in the order of the form: a field's
    own name, and the names of the inputs it is typed into."""
    found: dict[str, str] = {}
    for spec in fields:
        for part, label in spec.parts:
            if part != spec.name:  # a problem of the whole field ("Service Time") is named by the field
                found.setdefault(part, label)
        found.setdefault(spec.name, spec.label)
    return found


def field_named(fields: tuple[FieldSpec, ...], name: str) -> FieldSpec:
    return next(spec for spec in fields if spec.name == name)
