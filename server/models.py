"""Tables of the central database.

Every row a device mirrors (agency, site, worker, language, service location type, client, session) carries ``seq``,
the server change sequence of its last change, and ``version``, which counts its changes. Clients and sessions keep
the whole wire record as JSON for fast pulls, plus the columns needed to find and authorise them; a session's staff
are also kept as rows so "sessions I am staff on" is an indexed query.
"""

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.domain import roles
from protocol.records import DEFAULT_IDLE_LOCK_MINUTES, DEFAULT_OFFLINE_SIGN_IN_DAYS

ROLE_WORKER = roles.WORKER
ROLE_SUPERVISOR = roles.SUPERVISOR
ROLE_ADMINISTRATOR = roles.ADMINISTRATOR
ROLE_CHOICES_SQL = f"('{ROLE_WORKER}', '{ROLE_SUPERVISOR}', '{ROLE_ADMINISTRATOR}')"
_AUTO_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite numbers rows itself only for INTEGER PRIMARY KEY


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC without a zone (same on SQLite and PostgreSQL) and hands back zone-aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Datetimes stored by the server must carry a time zone.")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


JsonRecord = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JsonRecord, datetime: UtcDateTime}


class ServerState(Base):
    """The one row holding the change counter, the epoch that makes cursors specific to this database, and where the
    change history the server still keeps begins."""

    __tablename__ = "server_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    last_seq: Mapped[int] = mapped_column(BigInteger)
    # Removals up to this change were forgotten (see server.retention): an older cursor would miss one, so it is
    # answered 410 and the device pulls everything again.
    history_from_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Agency(Base):
    """An agency, with the device rules its administrator sets (devices receive them with the agency record)."""

    __tablename__ = "agency"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    offline_sign_in_days: Mapped[int] = mapped_column(default=DEFAULT_OFFLINE_SIGN_IN_DAYS)
    idle_lock_minutes: Mapped[int] = mapped_column(default=DEFAULT_IDLE_LOCK_MINUTES)
    version: Mapped[int] = mapped_column(default=1)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Site(Base):
    __tablename__ = "site"
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)
    seq: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_site_agency_seq", "agency_id", "seq"),)


class Worker(Base):
    """A person who signs in. User IDs are unique across agencies because sign-in is by user ID alone."""

    __tablename__ = "worker"
    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=ROLE_WORKER)
    active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(default=None)
    password_hash: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    seq: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_worker_agency_seq", "agency_id", "seq"),
        CheckConstraint(f"role IN {ROLE_CHOICES_SQL}", name="ck_worker_role"),
    )

    @property
    def is_supervisor(self) -> bool:
        """Sees every session of the agency: a supervisor, or an administrator (who holds a supervisor's powers)."""
        return roles.sees_every_agency_session(self.role)


class Language(Base):
    __tablename__ = "language"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_fr: Mapped[str] = mapped_column(String(100), default="", server_default="")
    version: Mapped[int] = mapped_column(default=1)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class ServiceLocationType(Base):
    __tablename__ = "service_location_type"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    label_fr: Mapped[str] = mapped_column(String(100), default="", server_default="")
    version: Mapped[int] = mapped_column(default=1)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class ClientRecord(Base):
    """A client's record, with the date of birth and phone digits beside it: possible duplicates are found among
    clients sharing one of them (``server.duplicates``). One merged into another (a duplicate registered on another
    tablet) keeps its row and record, with ``merged_into`` naming the client that holds its sessions now; devices
    receive it as a tombstone."""

    __tablename__ = "client"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    record: Mapped[dict[str, Any]]
    merged_into: Mapped[str | None] = mapped_column(String(36), default=None)
    version: Mapped[int]
    seq: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    phone_digits: Mapped[str] = mapped_column(String(40), default="", server_default="")

    __table_args__ = (
        Index("ix_client_agency_seq", "agency_id", "seq"),
        Index("ix_client_agency_birth", "agency_id", "date_of_birth"),
        Index("ix_client_agency_phone", "agency_id", "phone_digits"),
    )


_LIST_FACETS = ("complete", "reportable", "site_code", "session_type")
"""The session columns the console's list filters on, carried in its indexes."""


def _narrowed_list(facet: str) -> Index:
    """The list's order within one value of a facet (a site, reportable or not), carrying the other facets."""
    name = "ix_session_agency_site_date" if facet == "site_code" else f"ix_session_agency_{facet}_date"
    others = (column for column in _LIST_FACETS if column != facet)
    return Index(name, "agency_id", facet, "service_date", "id", *others)


class SessionRecord(Base):
    """A session. Besides the wire record, the columns the console filters on; its list pages newest first by
    (service_date, id), walking ``ix_session_list`` (or, filtered by site or by reportable or not, the index of
    that column). ``ix_session_list`` and ``ix_session_facets`` carry every filtered column, so a filtered count
    never reads the records (``server.browse``). ``reportable`` is the domain's verdict, judged again whenever the
    record or one of its clients' profiles changes (``server.reportable``)."""

    __tablename__ = "session"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    created_by: Mapped[str] = mapped_column(String(100), index=True)
    service_date: Mapped[date] = mapped_column(Date)
    site_code: Mapped[str] = mapped_column(String(40))
    session_type: Mapped[str] = mapped_column(String(40), default="")
    complete: Mapped[bool]
    reportable: Mapped[bool]
    record: Mapped[dict[str, Any]]
    version: Mapped[int]
    seq: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_session_agency_seq", "agency_id", "seq"),
        Index("ix_session_list", "agency_id", "service_date", "id", *_LIST_FACETS),
        Index("ix_session_facets", "id", "agency_id", "service_date", *_LIST_FACETS),
        _narrowed_list("site_code"),
        _narrowed_list("reportable"),
    )


class SessionForm(Base):
    """One service form of a session: which client it is for and its service type. Finds a client's sessions (their
    history, a merge) and filters sessions by service type without reading every record. A client is in a session
    at most once, so the pair is the key."""

    __tablename__ = "session_form"
    session_id: Mapped[str] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    service_type: Mapped[str] = mapped_column(String(40), default="")

    __table_args__ = (Index("ix_session_form_service_type", "service_type", "session_id"),)


class SessionStaff(Base):
    """Who is in a session's Staff Involved now; they see it (and its private notes) on their devices."""

    __tablename__ = "session_staff"
    session_id: Mapped[str] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class SessionFormerStaff(Base):
    """Workers taken off a session's staff; their next pull carries a delete tombstone so the session leaves their
    device. Kept for the retention window: ``removed_seq`` is the change that took them off."""

    __tablename__ = "session_former_staff"
    session_id: Mapped[str] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
    removed_at: Mapped[datetime] = mapped_column(index=True)
    removed_seq: Mapped[int] = mapped_column(BigInteger)


class AppliedOp(Base):
    """A pushed change that was applied, kept for the retention window so a repeated ``op_id`` is answered without
    writing twice."""

    __tablename__ = "applied_op"
    op_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker_user_id: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int]
    applied_at: Mapped[datetime] = mapped_column(index=True)


class AuthToken(Base):
    """A signed-in device. Only the SHA-256 of the token is stored."""

    __tablename__ = "auth_token"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker_user_id: Mapped[str] = mapped_column(ForeignKey("worker.user_id"), index=True)
    device_id: Mapped[str] = mapped_column(String(36))
    device_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Device(Base):
    """A tablet, phone or computer that signed in, as it last reported itself.

    Rows are made at a device's first sign-in and brought up to date whenever it calls with a token. A revoked
    device is refused at its next contact and wipes itself; its id is never accepted again (a wiped device makes a
    new one).
    """

    __tablename__ = "device"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    last_user_id: Mapped[str] = mapped_column(String(100))
    first_seen_at: Mapped[datetime]
    last_contact_at: Mapped[datetime]
    app_version: Mapped[str] = mapped_column(String(40), default="")
    pending_changes: Mapped[int | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revocation_told_at: Mapped[datetime | None] = mapped_column(default=None)
    device_key: Mapped[str] = mapped_column(String(64), default="")
    """Random, made with the row: a signed-in worker of a device that is not revoked receives it, and it opens the
    device's own wrap of its data key (see app/store/keyring.py)."""


class DeviceWorker(Base):
    """A worker who signed in on a device (shared tablets have several), and when that worker last called from it."""

    __tablename__ = "device_worker"
    device_id: Mapped[str] = mapped_column(ForeignKey("device.device_id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("worker.user_id"), primary_key=True, index=True)
    last_contact_at: Mapped[datetime]


class LoginFailure(Base):
    """One failed sign-in for a user ID (known or not), counted to refuse guessing; old rows are pruned."""

    __tablename__ = "login_failure"
    id: Mapped[int] = mapped_column(_AUTO_ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(100), index=True)
    failed_at: Mapped[datetime] = mapped_column(index=True)


class ExportRun(Base):
    """One funder export of an agency's month: when, by whom, how much, and where the server's changes stood.

    ``seq_at_export`` is the change sequence the export read up to: the next export looks only at records changed
    after it for its "Changed since exported" list, so that list never depends on a change history that is pruned.
    """

    __tablename__ = "export_run"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    month: Mapped[str] = mapped_column(String(7))
    again: Mapped[bool]
    file_format: Mapped[str] = mapped_column(String(10))
    seq_at_export: Mapped[int] = mapped_column(BigInteger)
    exported_by: Mapped[str] = mapped_column(String(100))
    exported_at: Mapped[datetime]
    clients: Mapped[int]
    services: Mapped[int]
    not_reported: Mapped[int]
    changed: Mapped[int]

    __table_args__ = (Index("ix_export_run_agency_month", "agency_id", "month"),)


class ExportItem(Base):
    """A record an export wrote (``action`` "exported") with the facts it reported, or noted as gone ("removed").

    The latest item of a record is what the funder was last told about it; later exports compare against it.
    """

    __tablename__ = "export_item"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    export_id: Mapped[int] = mapped_column(ForeignKey("export_run.id"))
    agency_id: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36))
    session_id: Mapped[str | None] = mapped_column(String(36))
    month: Mapped[str] = mapped_column(String(7))
    action: Mapped[str] = mapped_column(String(10))
    facts: Mapped[dict[str, Any]]

    __table_args__ = (
        Index("ix_export_item_agency_record", "agency_id", "record_id"),
        Index("ix_export_item_agency_session", "agency_id", "session_id"),
    )


class ConsoleSignIn(Base):
    """A browser signed in to the console. Only the SHA-256 of the session cookie is stored; a sign-in ends when it
    has been idle too long, at its absolute limit, at sign-out, or when its worker is deactivated."""

    __tablename__ = "console_sign_in"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker_user_id: Mapped[str] = mapped_column(ForeignKey("worker.user_id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class AuditEvent(Base):
    """Who did what: sign-ins, exports, merges, device revocations and administrative changes, never rewritten.

    ``actor`` is the user ID of who acted, or empty for the server's command line; ``target`` names what was acted
    on (a user ID, a site code, a client id...) and ``details`` the rest, as the console shows it.
    """

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(_AUTO_ID, primary_key=True)
    at: Mapped[datetime]
    agency_id: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]]

    __table_args__ = (
        Index("ix_audit_agency_id", "agency_id", "id"),
        Index("ix_audit_agency_action_id", "agency_id", "action", "id"),
        Index("ix_audit_actor_id", "actor", "id"),
    )
