"""The fixed values of the protocol: what a pushed change can come back as, what a pulled change does, which kinds of
record travel. They are ``StrEnum``s, so each member is the very string on the wire."""

from enum import StrEnum


class PushStatus(StrEnum):
    """The outcome of one pushed change."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # this op_id was applied before; the same version as then
    CONFLICT = "conflict"  # base_version is not the server's version; ``current`` holds the server's record
    REJECTED = "rejected"  # invalid or not allowed, with ``errors``; never retried as is


ACCEPTED_STATUSES = frozenset({PushStatus.APPLIED, PushStatus.DUPLICATE})
"""The server holds the change: the device may drop it from its outbox."""


class Operation(StrEnum):
    """What a pulled change does to the device's copy."""

    UPSERT = "upsert"
    DELETE = "delete"  # a tombstone: ``data`` is null


class Entity(StrEnum):
    """Every kind of record a pull may carry. Only clients and sessions are ever pushed."""

    AGENCY = "agency"
    SITE = "site"
    WORKER = "worker"
    LANGUAGE = "language"
    SERVICE_LOCATION_TYPE = "service_location_type"
    CLIENT = "client"
    SESSION = "session"


PUSHED_ENTITIES = (Entity.CLIENT, Entity.SESSION)
REFERENCE_ENTITIES = (
    Entity.AGENCY,
    Entity.SITE,
    Entity.WORKER,
    Entity.LANGUAGE,
    Entity.SERVICE_LOCATION_TYPE,
)


class RefusalCode(StrEnum):
    """``code`` of a 403 answer: the device must remove data."""

    DEVICE_REVOKED = "device_revoked"  # the administrator reported the device lost: delete every key and all data
    WORKER_DEACTIVATED = "worker_deactivated"  # this worker left: remove their key (their queued changes went first)
