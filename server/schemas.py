"""Request and response bodies of the sync API, named exactly as in the sync contract.

These models are what ``/openapi.json`` publishes, so the device side can check its requests against them.
Record fields inside ``data`` are not modelled here: they are read field by field with ``sync.records`` so one bad
record is rejected on its own instead of failing the whole push.
"""

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from server.core.config import MAX_CHANGES_PER_PUSH
from sync.records import PROTOCOL_VERSION


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    protocol: int = PROTOCOL_VERSION


class LoginRequest(BaseModel):
    user_id: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)
    device_id: UUID
    device_name: str = Field(default="", max_length=200)


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
    op_id: str = Field(min_length=1, max_length=64, description="UUID made on the device for this change.")
    entity: str = Field(
        max_length=40, description="Which kind of record.", json_schema_extra={"enum": ["client", "session"]}
    )
    id: str = Field(max_length=100, description="The record's UUID.")
    base_version: int | None = Field(
        default=None, description="null to create; otherwise the server version this edit started from."
    )
    data: dict[str, Any] = Field(description="The whole record in its wire form.")


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
    current: dict[str, Any] | None = Field(description="The server's record, on conflict.")


class PushResponse(BaseModel):
    results: list[PushResult] = Field(description="One result per change, in the order of the request.")


PullEntity = Literal["agency", "site", "worker", "language", "service_location_type", "client", "session"]


class PulledChange(BaseModel):
    entity: PullEntity
    id: str = Field(description="UUID for clients and sessions; the natural key for reference records.")
    op: Literal["upsert", "delete"]
    version: int
    data: dict[str, Any] | None = Field(description="The record; null for a delete tombstone.")


class PullResponse(BaseModel):
    changes: list[PulledChange]
    cursor: str = Field(description="Opaque; send it back as `cursor` on the next pull.")
    has_more: bool
