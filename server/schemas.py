"""Request and response bodies of the sync API, named exactly as in the sync contract.

These models are what ``/openapi.json`` publishes, so the device side can check its requests against them; their
fixed values and limits come from ``protocol``. A change's ``data`` is validated as a plain object here and read with
``protocol.records`` later, so one bad record is rejected on its own instead of failing the whole push; the record
structs there (``SessionData``, ``ClientData``...) document its fields in the OpenAPI document (see ``server.main``).
"""

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from app.domain.codes import ROLES
from protocol import PROTOCOL_VERSION
from protocol.api import MAX_CHANGES_PER_PUSH
from protocol.enums import PUSHED_ENTITIES, Entity, Operation, PushStatus, RefusalCode
from protocol.records import MAX_USER_ID, PULLED_RECORDS, PUSHED_RECORDS, TOMBSTONE_RECORDS, AgencyData


def _refs(*models: type, nullable: bool = False) -> dict[str, Any]:
    """Point a free-form object at the record models it holds (published under components/schemas)."""
    choices: list[dict[str, str]] = [{"$ref": f"#/components/schemas/{model.__name__}"} for model in models]
    return {"anyOf": [*choices, {"type": "null"}] if nullable else choices}


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    protocol: int = PROTOCOL_VERSION


# Text the server stores or looks up from the envelope: PostgreSQL cannot hold the NUL character.
NO_NUL = r"^[^\x00]*$"


class LoginRequest(BaseModel):
    user_id: str = Field(min_length=1, max_length=MAX_USER_ID, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=1000)
    device_id: UUID
    device_name: str = Field(default="", max_length=200, pattern=NO_NUL)


class WorkerOut(BaseModel):
    user_id: str
    name: str
    role: str = Field(json_schema_extra={"enum": list(ROLES)})  # the domain's roles (app/domain/codes.py)
    agency_id: str


class LoginResponse(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`.")
    expires_at: str = Field(description="ISO 8601 date and time (UTC) after which the token stops working.")
    worker: WorkerOut
    agency: dict[str, Any] = Field(
        description="The worker's agency as a pull sends it, its device settings included.",
        json_schema_extra=_refs(AgencyData),
    )
    device_key: str = Field(
        description="This device's key (protocol v1 addition): it opens the device's own wrap of its data key, so a "
        "worker without a wrap on the device can open its store after an online sign-in. Sent to devices that are "
        "not revoked only."
    )


class ErrorDetail(BaseModel):
    detail: str


class Refusal(ErrorDetail):
    code: RefusalCode = Field(
        description="device_revoked: delete every key and all data on the device. worker_deactivated: remove this "
        "worker's key from the device (push first what they recorded).",
    )


class Change(BaseModel):
    op_id: str = Field(
        min_length=1, max_length=64, pattern=NO_NUL, description="UUID made on the device for this change."
    )
    entity: str = Field(
        max_length=40,
        pattern=NO_NUL,
        description="Which kind of record.",
        json_schema_extra={"enum": [str(entity) for entity in PUSHED_ENTITIES]},
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
    message: str = Field(description="What is wrong, in English.")
    code: str | None = Field(
        default=None,
        description="Which problem it is, stable across versions (added in v1.1): a device shows it in its worker's "
        "language, with ``params``. Absent for a problem without one.",
    )
    params: dict[str, str | int] | None = Field(default=None, description="The values the message names, by name.")


class PushResult(BaseModel):
    op_id: str
    status: PushStatus
    version: int | None = Field(description="The record's version after this change (applied or duplicate).")
    errors: list[FieldErrorOut] | None = Field(description="Why the change was rejected.")
    current: dict[str, Any] | None = Field(
        description="The server's record, on conflict (SessionData or ClientData).",
        json_schema_extra=_refs(*PUSHED_RECORDS, nullable=True),
    )
    merged_into: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="For an edit of a client merged into another since: the surviving client's id. An applied "
        "edit was applied to that client (`version` is its version); a conflict's `current` is that client. Left out "
        "otherwise.",
    )


class PushResponse(BaseModel):
    results: list[PushResult] = Field(description="One result per change, in the order of the request.")


class PulledChange(BaseModel):
    entity: Entity
    id: str = Field(description="UUID for clients and sessions; the natural key for reference records.")
    op: Operation
    version: int
    data: dict[str, Any] | None = Field(
        description="The record (the *Data schema of its entity); null for a delete tombstone, except a merged "
        "client's, which names the surviving client (MergedClientData).",
        json_schema_extra=_refs(*PULLED_RECORDS, *TOMBSTONE_RECORDS, nullable=True),
    )


class PullResponse(BaseModel):
    changes: list[PulledChange]
    cursor: str = Field(description="Opaque; send it back as `cursor` on the next pull.")
    has_more: bool
