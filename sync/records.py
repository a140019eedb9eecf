"""Turning domain records into the protocol's JSON shapes and back.

Device and server both use these, so a field means the same thing on each side. Reading from the wire never
raises on bad input: wrong types become ``FieldError``s, which the server returns as a ``rejected`` result.
"""

from dataclasses import fields
from datetime import date
from typing import Any

from app.domain.clients import Client
from app.domain.errors import FieldError
from app.domain.sessions import Referral, ServiceForm, Session, is_session_complete

PROTOCOL_VERSION = 1
MAX_TEXT = 10_000


class WireErrors(Exception):
    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def session_to_wire(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "agency_id": session.agency_id,
        "created_by": session.created_by,
        "session_type": session.session_type,
        "service_date": _iso(session.service_date),
        "site_code": session.site_code,
        "delivery_methods": list(session.delivery_methods),
        "service_location_type": session.service_location_type,
        "interpreter_present": session.interpreter_present,
        "interpreters": session.interpreters,
        "service_minutes": session.service_minutes,
        "languages": list(session.languages),
        "staff": list(session.staff),
        "notes": session.notes,
        "activity_name": session.activity_name,
        "activity_topic": session.activity_topic,
        "service_forms": [service_form_to_wire(form) for form in session.service_forms],
        "complete": is_session_complete(session),
        "created_at": session.created_at,
        "updated_at": session.updated_at,
        "version": session.version,
    }


def service_form_to_wire(form: ServiceForm) -> dict[str, Any]:
    return {
        "id": form.id,
        "client_id": form.client_id,
        "service_type": form.service_type,
        "services": list(form.services),
        "referrals": [
            {"to": r.to, "reason": r.reason, "follow_up_date": _iso(r.follow_up_date)} for r in form.referrals
        ],
        "client_attended": form.client_attended,
        "status": form.status,
        "private": form.private,
        "notes": form.notes,
    }


_CLIENT_FIELDS = tuple(f.name for f in fields(Client))


def client_to_wire(client: Client) -> dict[str, Any]:
    data = {name: getattr(client, name) for name in _CLIENT_FIELDS}
    data["date_of_birth"] = _iso(client.date_of_birth)
    data["arrival_date"] = _iso(client.arrival_date)
    return data


class _Reader:
    """Reads typed values out of an untrusted dict, collecting a FieldError for each wrong one."""

    def __init__(self, data: Any, prefix: str = ""):
        self.errors: list[FieldError] = []
        self.prefix = prefix
        if not isinstance(data, dict):
            self.errors.append(FieldError(prefix.rstrip(".") or "data", "Expected an object."))
            data = {}
        self.data: dict[str, Any] = data

    def _fail(self, name: str, message: str) -> None:
        self.errors.append(FieldError(f"{self.prefix}{name}", message))

    def text(self, name: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
        value = self.data.get(name)
        if type(value) is str and len(value) <= limit and "\x00" not in value:
            return value  # the usual case, checked first: a first sync reads two million of these
        if value is None:
            if required:
                self._fail(name, "This field is required.")
            return ""
        if not isinstance(value, str):
            self._fail(name, "Expected text.")
            return ""
        if len(value) > limit:
            self._fail(name, f"At most {limit:,} characters.")
        if "\x00" in value:  # PostgreSQL cannot store it, and no keyboard types it
            self._fail(name, "Text cannot contain the NUL character.")
        return value

    def optional_text(self, name: str) -> str | None:
        return self.text(name) or None

    def integer(self, name: str) -> int:
        value = self.data.get(name, 0)
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int):
            self._fail(name, "Expected a whole number.")
            return 0
        return value

    def boolean(self, name: str, *, default: bool | None = None) -> bool | None:
        value = self.data.get(name, default)
        if value is not None and not isinstance(value, bool):
            self._fail(name, "Expected true or false.")
            return default
        return value

    def day(self, name: str) -> date | None:
        value = self.data.get(name)
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _bad_date()
        except ValueError:
            self._fail(name, "Expected a date as YYYY-MM-DD.")
            return None

    def codes(self, name: str) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self._fail(name, "Expected a list of codes.")
            return []
        return value

    def objects(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self._fail(name, "Expected a list.")
            return []
        return value


def _bad_date() -> date:
    raise ValueError("not an ISO date")


def session_from_wire(data: Any, *, record_id: str | None = None) -> Session:
    """Build a Session from wire data; raises WireErrors listing every field of the wrong type."""
    read = _Reader(data)
    forms: list[ServiceForm] = []
    for index, raw_form in enumerate(read.objects("service_forms")):
        form_reader = _Reader(raw_form, prefix=f"service_forms[{index}].")
        forms.append(_service_form(form_reader))
        read.errors += form_reader.errors
    session = Session(
        id=record_id or read.text("id", required=True),
        agency_id=read.text("agency_id"),
        created_by=read.text("created_by"),
        session_type=read.optional_text("session_type"),
        service_date=read.day("service_date"),
        site_code=read.optional_text("site_code"),
        delivery_methods=read.codes("delivery_methods"),
        service_location_type=read.optional_text("service_location_type"),
        interpreter_present=read.boolean("interpreter_present"),
        interpreters=read.integer("interpreters"),
        service_minutes=read.integer("service_minutes"),
        languages=read.codes("languages"),
        staff=read.codes("staff"),
        notes=read.text("notes"),
        activity_name=read.text("activity_name", limit=200),
        activity_topic=read.text("activity_topic", limit=200),
        service_forms=forms,
        created_at=read.text("created_at", limit=40),
        updated_at=read.text("updated_at", limit=40),
        version=read.integer("version"),
    )
    if read.errors:
        raise WireErrors(read.errors)
    return session


def _service_form(read: _Reader) -> ServiceForm:
    referrals = []
    for index, raw in enumerate(read.objects("referrals")):
        ref = _Reader(raw, prefix=f"{read.prefix}referrals[{index}].")
        referrals.append(
            Referral(
                to=ref.text("to", limit=200),
                reason=ref.text("reason", limit=500),
                follow_up_date=ref.day("follow_up_date"),
            )
        )
        read.errors += ref.errors
    return ServiceForm(
        id=read.text("id", required=True, limit=40),
        client_id=read.text("client_id", required=True, limit=40),
        service_type=read.optional_text("service_type"),
        services=read.codes("services"),
        referrals=referrals,
        client_attended=read.boolean("client_attended"),
        status=read.optional_text("status"),
        private=bool(read.boolean("private", default=False)),
        notes=read.text("notes"),
    )


def client_from_wire(data: Any, *, record_id: str | None = None) -> Client:
    """Build a Client from wire data; raises WireErrors listing every field of the wrong type."""
    read = _Reader(data)
    client = Client(
        id=record_id or read.text("id", required=True),
        agency_id=read.text("agency_id"),
        first_name=read.text("first_name", limit=200),
        last_name=read.text("last_name", limit=200),
        preferred_name=read.text("preferred_name", limit=200),
        date_of_birth=read.day("date_of_birth"),
        gender=read.optional_text("gender"),
        marital_status=read.optional_text("marital_status"),
        official_language=read.optional_text("official_language"),
        country_of_origin=read.text("country_of_origin", limit=100),
        arrival_date=read.day("arrival_date"),
        immigration_category=read.optional_text("immigration_category"),
        phone=read.text("phone", limit=40),
        email=read.text("email", limit=200),
        address=read.text("address", limit=500),
        consent=bool(read.boolean("consent", default=False)),
        client_identifier=read.text("client_identifier", limit=100),
        family_code=read.text("family_code", limit=40),
        created_by=read.text("created_by", limit=100),
        created_at=read.text("created_at", limit=40),
        updated_at=read.text("updated_at", limit=40),
        version=read.integer("version"),
    )
    if read.errors:
        raise WireErrors(read.errors)
    return client
