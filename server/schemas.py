"""Request and response bodies of the sync API, named exactly as in the sync contract.

These models are what ``/openapi.json`` publishes, so the device side can check its requests against them.
A change's ``data`` is validated as a plain object here and read field by field with ``sync.records`` later, so one
bad record is rejected on its own instead of failing the whole push; the record models below (``SessionData``,
``ClientData``...) document its fields in the OpenAPI document (see ``server.main``).
"""

from collections.abc import Iterable
from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from app.domain import codes
from server.core.config import MAX_CHANGES_PER_PUSH
from sync.records import PROTOCOL_VERSION


def _one_of(choices: Iterable[str]) -> str:
    return "One of: " + ", ".join(choices) + "."


def _refs(*models: type[BaseModel], nullable: bool = False) -> dict[str, Any]:
    """Point a free-form object at the record models it holds (published under components/schemas)."""
    choices: list[dict[str, str]] = [{"$ref": f"#/components/schemas/{model.__name__}"} for model in models]
    return {"anyOf": [*choices, {"type": "null"}] if nullable else choices}


# --- records on the wire ---------------------------------------------------------------------------------------------


class AgencyData(BaseModel):
    id: str
    name: str


class SiteData(BaseModel):
    code: str
    name: str
    address: str
    active: bool


class WorkerData(BaseModel):
    user_id: str
    name: str
    role: str = Field(description=_one_of(codes.ROLES))
    active: bool


class LanguageData(BaseModel):
    code: str
    name: str


class ServiceLocationTypeData(BaseModel):
    code: str
    label: str


class ReferralData(BaseModel):
    to: str
    reason: str
    follow_up_date: date | None


class ServiceFormData(BaseModel):
    id: str
    client_id: str
    service_type: str | None = Field(description=_one_of(codes.SERVICE_TYPES))
    services: list[str]
    referrals: list[ReferralData]
    client_attended: bool | None
    status: str | None = Field(description=_one_of(codes.SERVICE_STATUSES))
    private: bool = Field(description="Notes are shown only to the session's staff; others receive them blank.")
    notes: str


class SessionData(BaseModel):
    id: str
    agency_id: str
    created_by: str
    session_type: str | None = Field(description=_one_of(codes.SESSION_TYPES))
    service_date: date | None
    site_code: str | None
    delivery_methods: list[str] = Field(description=_one_of(codes.DELIVERY_METHODS))
    service_location_type: str | None
    interpreter_present: bool | None
    interpreters: int
    service_minutes: int
    languages: list[str]
    staff: list[str] = Field(description="User IDs of the staff involved.")
    notes: str
    activity_name: str
    activity_topic: str
    service_forms: list[ServiceFormData]
    complete: bool = Field(description="Derived by the server: every service form is complete.")
    created_at: str
    updated_at: str = Field(description="Set by the server.")
    version: int = Field(description="Set by the server: 1 on creation, one more on every change.")


class ClientData(BaseModel):
    id: str
    agency_id: str
    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: date | None
    gender: str | None = Field(description=_one_of(codes.GENDERS))
    marital_status: str | None = Field(description=_one_of(codes.MARITAL_STATUSES))
    official_language: str | None = Field(description=_one_of(codes.OFFICIAL_LANGUAGES))
    country_of_origin: str
    arrival_date: date | None
    immigration_category: str | None = Field(description=_one_of(codes.IMMIGRATION_CATEGORIES))
    phone: str
    email: str
    address: str
    consent: bool
    client_identifier: str
    family_code: str
    created_by: str
    created_at: str
    updated_at: str = Field(description="Set by the server.")
    version: int = Field(description="Set by the server: 1 on creation, one more on every change.")


PUSHED_RECORDS = (SessionData, ClientData)
PULLED_RECORDS = (AgencyData, SiteData, WorkerData, LanguageData, ServiceLocationTypeData, ClientData, SessionData)


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    protocol: int = PROTOCOL_VERSION


# Text the server stores or looks up from the envelope: PostgreSQL cannot hold the NUL character.
NO_NUL = r"^[^\x00]*$"


class LoginRequest(BaseModel):
    user_id: str = Field(min_length=1, max_length=100, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=1000)
    device_id: UUID
    device_name: str = Field(default="", max_length=200, pattern=NO_NUL)


class WorkerOut(BaseModel):
    user_id: str
    name: str
    role: Literal["worker", "supervisor"]
    agency_id: str


class AgencyOut(BaseModel):
    id: str
    name: str


class LoginResponse(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`.")
    expires_at: str = Field(description="ISO 8601 date and time (UTC) after which the token stops working.")
    worker: WorkerOut
    agency: AgencyOut


class ErrorDetail(BaseModel):
    detail: str


class Change(BaseModel):
    op_id: str = Field(
        min_length=1, max_length=64, pattern=NO_NUL, description="UUID made on the device for this change."
    )
    entity: str = Field(
        max_length=40,
        pattern=NO_NUL,
        description="Which kind of record.",
        json_schema_extra={"enum": ["client", "session"]},
    )
    id: str = Field(max_length=100, pattern=NO_NUL, description="The record's UUID.")
    base_version: int | None = Field(
        default=None, description="null to create; otherwise the server version this edit started from."
    )
    data: dict[str, Any] = Field(
        description="The whole record in its wire form (SessionData or ClientData).",
        json_schema_extra=_refs(*PUSHED_RECORDS),
    )


class PushRequest(BaseModel):
    device_id: UUID
    changes: list[Change] = Field(max_length=MAX_CHANGES_PER_PUSH)


class FieldErrorOut(BaseModel):
    field: str
    message: str


PushStatus = Literal["applied", "duplicate", "conflict", "rejected"]


class PushResult(BaseModel):
    op_id: str
    status: PushStatus
    version: int | None = Field(description="The record's version after this change (applied or duplicate).")
    errors: list[FieldErrorOut] | None = Field(description="Why the change was rejected.")
    current: dict[str, Any] | None = Field(
        description="The server's record, on conflict (SessionData or ClientData).",
        json_schema_extra=_refs(*PUSHED_RECORDS, nullable=True),
    )


class PushResponse(BaseModel):
    results: list[PushResult] = Field(description="One result per change, in the order of the request.")


PullEntity = Literal["agency", "site", "worker", "language", "service_location_type", "client", "session"]


class PulledChange(BaseModel):
    entity: PullEntity
    id: str = Field(description="UUID for clients and sessions; the natural key for reference records.")
    op: Literal["upsert", "delete"]
    version: int
    data: dict[str, Any] | None = Field(
        description="The record (the *Data schema of its entity); null for a delete tombstone.",
        json_schema_extra=_refs(*PULLED_RECORDS, nullable=True),
    )


class PullResponse(BaseModel):
    changes: list[PulledChange]
    cursor: str = Field(description="Opaque; send it back as `cursor` on the next pull.")
    has_more: bool
