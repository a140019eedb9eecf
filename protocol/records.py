"""The records that travel, with their limits: written once here, read and written by device and server alike.

Each ``*Data`` struct is a record's wire shape (the OpenAPI document publishes them under these names). Turning a
record into a domain object and back is generic: the domain dataclass has the same fields in the same order, so
adding a field means adding it to the dataclass and to its struct here, and nothing in between.

Reading never raises anything but ``WireErrors``, which lists every field of the wrong type, too long, or holding
the NUL character (the server returns them as a ``rejected`` result for that change alone). The usual, well-formed
record takes msgspec's fast path; only a record that fails it is walked field by field to name every problem.
Missing fields and ``null`` in a field that cannot be null read as the field's default, as they always have.
"""

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Final, TypeVar

import msgspec

from app.domain import codes
from app.domain.clients import Client
from app.domain.sessions import MAX_NOTES, Referral, ServiceForm, Session, is_session_complete
from protocol import codec
from protocol.problems import WireErrors, field_problems, nul_problems, required

# Text fields by what they hold; the limits are those of the columns that store them on either side. The server
# checks what an administrator types for the records it sends (sites, workers, reference lists) against the same
# numbers, so a device never has to refuse a pulled record as too long.
MAX_CODE: Final = 40
MAX_SHORT_CODE: Final = 20
MAX_USER_ID: Final = 100
MAX_NAME: Final = 200
MAX_ADDRESS: Final = 500
MAX_REFERENCE_NAME: Final = 100
Code = Annotated[str, msgspec.Meta(max_length=MAX_CODE)]
ShortCode = Annotated[str, msgspec.Meta(max_length=MAX_SHORT_CODE)]
RecordId = Annotated[str, msgspec.Meta(max_length=100)]
AgencyId = Annotated[str, msgspec.Meta(max_length=64)]
UserId = Annotated[str, msgspec.Meta(max_length=MAX_USER_ID)]
Name = Annotated[str, msgspec.Meta(max_length=MAX_NAME)]
Address = Annotated[str, msgspec.Meta(max_length=MAX_ADDRESS)]
Timestamp = Annotated[str, msgspec.Meta(max_length=40)]
Notes = Annotated[str, msgspec.Meta(max_length=MAX_NOTES)]


def _one_of(choices: Any, **extra: Any) -> msgspec.Meta:
    return msgspec.Meta(description="One of: " + ", ".join(choices) + ".", **extra)


# --- clients and sessions: pushed by devices, pulled by everyone who may see them ---------------------------------


class ReferralData(msgspec.Struct, kw_only=True):
    to: Name = ""
    reason: Address = ""
    follow_up_date: date | None = None


class ServiceFormData(msgspec.Struct, kw_only=True):
    id: Code
    client_id: Code
    service_type: Annotated[Code, _one_of(codes.SERVICE_TYPES)] | None = None
    services: list[Code] = []
    referrals: list[ReferralData] = []
    client_attended: bool | None = None
    status: Annotated[ShortCode, _one_of(codes.SERVICE_STATUSES)] | None = None
    private: Annotated[bool, msgspec.Meta(description="Notes are shown only to the session's staff.")] = False
    notes: Notes = ""


class SessionData(msgspec.Struct, kw_only=True):
    id: RecordId = ""
    agency_id: AgencyId = ""
    created_by: UserId = ""
    session_type: Annotated[Code, _one_of(codes.SESSION_TYPES)] | None = None
    service_date: date | None = None
    site_code: Code | None = None
    delivery_methods: Annotated[list[Code], _one_of(codes.DELIVERY_METHODS)] = []
    service_location_type: Code | None = None
    interpreter_present: bool | None = None
    interpreters: int = 0
    service_minutes: int = 0
    languages: list[ShortCode] = []
    staff: Annotated[list[UserId], msgspec.Meta(description="User IDs of the staff involved.")] = []
    notes: Notes = ""
    activity_name: Name = ""
    activity_topic: Name = ""
    unnamed_participants: Annotated[
        int, msgspec.Meta(description="Group activity: people who took part without being named (added in v1).")
    ] = 0
    service_forms: list[ServiceFormData] = []
    created_at: Timestamp = ""
    updated_at: Annotated[Timestamp, msgspec.Meta(description="Set by the server.")] = ""
    version: Annotated[int, msgspec.Meta(description="Set by the server: 1 on creation, +1 on every change.")] = 0
    complete: Annotated[bool, msgspec.Meta(description="Derived: every service form is complete.")] = False


class ClientData(msgspec.Struct, kw_only=True):
    id: RecordId = ""
    agency_id: AgencyId = ""
    first_name: Name = ""
    last_name: Name = ""
    preferred_name: Name = ""
    latin_name: Annotated[Name, msgspec.Meta(description="Whole name in Latin letters, as documents write it.")] = ""
    own_script_name: Annotated[Name, msgspec.Meta(description="Whole name in the client's own script.")] = ""
    date_of_birth: date | None = None
    gender: Annotated[ShortCode, _one_of(codes.GENDERS)] | None = None
    marital_status: Annotated[ShortCode, _one_of(codes.MARITAL_STATUSES)] | None = None
    official_language: Annotated[ShortCode, _one_of(codes.OFFICIAL_LANGUAGES)] | None = None
    country_of_origin: Annotated[str, msgspec.Meta(max_length=100)] = ""
    arrival_date: date | None = None
    immigration_category: Annotated[Code, _one_of(codes.IMMIGRATION_CATEGORIES)] | None = None
    phone: Code = ""
    email: Name = ""
    address: Address = ""
    consent: bool = False
    client_identifier: Annotated[str, msgspec.Meta(max_length=100)] = ""
    client_identifier_kind: Annotated[Code, _one_of(codes.CLIENT_IDENTIFIER_KINDS)] | None = None
    family_code: Code = ""
    created_by: UserId = ""
    created_at: Timestamp = ""
    updated_at: Annotated[Timestamp, msgspec.Meta(description="Set by the server.")] = ""
    version: Annotated[int, msgspec.Meta(description="Set by the server: 1 on creation, +1 on every change.")] = 0


# --- reference lists: pulled only -------------------------------------------------------------------------------


# An agency's device settings until its administrator changes them, and what a device assumes when a server does
# not send them.
DEFAULT_OFFLINE_SIGN_IN_DAYS = 14
DEFAULT_IDLE_LOCK_MINUTES = 10


class AgencyData(msgspec.Struct, kw_only=True):
    id: AgencyId
    name: Name
    offline_sign_in_days: Annotated[
        int, msgspec.Meta(description="Days after a worker's last contact with the server during which they may sign "
                          "in offline.")
    ] = DEFAULT_OFFLINE_SIGN_IN_DAYS  # fmt: skip
    idle_lock_minutes: Annotated[
        int, msgspec.Meta(description="Minutes without use after which the app locks; an open form is kept.")
    ] = DEFAULT_IDLE_LOCK_MINUTES


class SiteData(msgspec.Struct, kw_only=True):
    code: Code
    name: Name
    address: Address = ""
    active: bool = True


class WorkerData(msgspec.Struct, kw_only=True):
    user_id: UserId
    name: Name
    role: Annotated[ShortCode, _one_of(codes.ROLES)] = "worker"
    active: bool = True


ReferenceName = Annotated[str, msgspec.Meta(max_length=MAX_REFERENCE_NAME)]
FrenchName = Annotated[
    str,
    msgspec.Meta(
        max_length=MAX_REFERENCE_NAME, description="The name in French; empty when none is known (added in v1)."
    ),
]


class LanguageData(msgspec.Struct, kw_only=True):
    code: ShortCode
    name: ReferenceName
    name_fr: FrenchName = ""


class ServiceLocationTypeData(msgspec.Struct, kw_only=True):
    code: Code
    label: ReferenceName
    label_fr: FrenchName = ""


class MergedClientData(msgspec.Struct, kw_only=True):
    """The ``data`` of a client's delete tombstone when the client was merged into another (not null, unlike other
    tombstones), so devices move what they hold to the survivor."""

    merged_into: Annotated[RecordId, msgspec.Meta(description="The client that now holds this one's sessions.")]


PUSHED_RECORDS = (SessionData, ClientData)
TOMBSTONE_RECORDS = (MergedClientData,)
PULLED_RECORDS = (AgencyData, SiteData, WorkerData, LanguageData, ServiceLocationTypeData, ClientData, SessionData)
REFERENCE_RECORDS: dict[str, type[msgspec.Struct]] = {
    "agency": AgencyData,
    "site": SiteData,
    "worker": WorkerData,
    "language": LanguageData,
    "service_location_type": ServiceLocationTypeData,
}

RecordT = TypeVar("RecordT", bound=msgspec.Struct)


def decode(data: Any, record_type: type[RecordT], *, trusted: bool = False) -> RecordT:
    """``data`` (decoded JSON) as ``record_type``; raises WireErrors naming every wrong field.

    ``trusted`` is for records the server sent: it refused text holding NUL when they were pushed, so that check (a
    fifth of reading a first sync) is skipped.
    """
    try:
        record = msgspec.convert(data, record_type)
    except msgspec.ValidationError:
        errors, cleaned = field_problems(data, record_type)
        if errors:
            raise WireErrors(errors) from None
        record = msgspec.convert(cleaned, record_type)
    if not trusted and (errors := nul_problems(record)):
        raise WireErrors(errors)
    return record


def to_wire(record: msgspec.Struct) -> dict[str, Any]:
    """A reference record as the plain dict that travels."""
    wire: dict[str, Any] = msgspec.to_builtins(record)
    return wire


# --- domain objects ⇄ wire ----------------------------------------------------------------------------------------


class _ToDomain:
    """Builds a domain dataclass from its wire struct, field by field in order.

    A struct lists its dataclass's fields first, in the same order (checked when this module loads), then any
    derived ones (a session's ``complete``), so the values go across as one tuple: a first sync builds a hundred
    thousand records this way.
    """

    def __init__(self, wire: type[msgspec.Struct], domain: type, **nested: Callable[[Any], Any]):
        names = [field.name for field in dataclasses.fields(domain)]
        if list(wire.__struct_fields__[: len(names)]) != names:
            raise TypeError(f"{wire.__name__} must start with the fields of {domain.__name__}, in their order")
        self.domain = domain
        self.count = len(names)
        self.nested = [(names.index(name), convert) for name, convert in nested.items()]

    def __call__(self, record: msgspec.Struct) -> Any:
        values = msgspec.structs.astuple(record)[: self.count]
        if not self.nested:
            return self.domain(*values)
        converted = list(values)
        for index, convert in self.nested:
            converted[index] = [convert(item) for item in converted[index]]
        return self.domain(*converted)


_referral = _ToDomain(ReferralData, Referral)
_service_form = _ToDomain(ServiceFormData, ServiceForm, referrals=_referral)
_session = _ToDomain(SessionData, Session, service_forms=_service_form)
_client = _ToDomain(ClientData, Client)


def session_to_wire(session: Session) -> dict[str, Any]:
    """The session as it travels: its fields (dates as ISO text) plus ``complete``, derived from its forms."""
    wire: dict[str, Any] = msgspec.to_builtins(session)
    wire["complete"] = is_session_complete(session)
    return wire


def service_form_to_wire(form: ServiceForm) -> dict[str, Any]:
    wire: dict[str, Any] = msgspec.to_builtins(form)
    return wire


def client_to_wire(client: Client) -> dict[str, Any]:
    wire: dict[str, Any] = msgspec.to_builtins(client)
    return wire


def session_from_wire(data: Any, *, record_id: str | None = None, trusted: bool = False) -> Session:
    """A Session from wire data; ``record_id`` (the change's id) wins over ``data["id"]``. Raises WireErrors.

    ``complete`` is not read: it is derived from the service forms, never taken from the sender.
    """
    session: Session = _session(_with_id(decode(data, SessionData, trusted=trusted), record_id))
    return session


def client_from_wire(data: Any, *, record_id: str | None = None, trusted: bool = False) -> Client:
    """A Client from wire data; ``record_id`` (the change's id) wins over ``data["id"]``. Raises WireErrors."""
    client: Client = _client(_with_id(decode(data, ClientData, trusted=trusted), record_id))
    return client


def session_from_stored(stored: Any, *, record_id: str) -> Session:
    """A Session from the server's store, as its driver gives it: JSON text (SQLite) or decoded JSON (PostgreSQL).
    Trusted: the server refused text holding NUL when the record was pushed."""
    session: Session = _session(_with_id(_from_stored(stored, SessionData), record_id))
    return session


def client_from_stored(stored: Any, *, record_id: str) -> Client:
    """A Client from the server's store (see ``session_from_stored``)."""
    client: Client = _client(_with_id(_from_stored(stored, ClientData), record_id))
    return client


def _from_stored(stored: Any, record_type: type[RecordT]) -> RecordT:
    """JSON text goes straight into the struct, without a dict of each record in between (a large report reads tens
    of thousands); text that does not fit the struct is read as ``decode`` reads it, to name every problem."""
    if not isinstance(stored, str | bytes):
        return decode(stored, record_type, trusted=True)
    try:
        return msgspec.json.decode(stored, type=record_type)
    except msgspec.ValidationError:
        return decode(codec.loads(stored), record_type, trusted=True)


WireRecordT = TypeVar("WireRecordT", SessionData, ClientData)


def _with_id(wire: WireRecordT, record_id: str | None) -> WireRecordT:
    """The record keyed by ``record_id`` when the change gives one; an id is required either way."""
    if record_id:
        wire.id = record_id
    elif not wire.id:
        raise WireErrors([required("id")])
    return wire
