"""Tables of the device database.

Reference lists and clients mirror the central server; sessions are stored normalised (languages, staff, service
forms, referrals) so the dashboard can find "my" sessions through an index. The outbox holds every local change
until the server acknowledges it; nothing leaves it silently.
"""

from typing import Any, ClassVar

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from protocol.records import DEFAULT_IDLE_LOCK_MINUTES, DEFAULT_OFFLINE_SIGN_IN_DAYS


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


def table_of(model: type[Base]) -> Table:
    """``model``'s table, for the plain statements written or read without the ORM. SQLAlchemy types
    ``__table__`` as any ``FromClause`` (a model may be mapped to a join or a select); ours each map one table."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to one table")
    return table


class AgencyRow(Base):
    """The worker's agency, with the device settings it sets (see protocol.records.AgencyData)."""

    __tablename__ = "agency"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    offline_sign_in_days: Mapped[int] = mapped_column(server_default=str(DEFAULT_OFFLINE_SIGN_IN_DAYS))
    idle_lock_minutes: Mapped[int] = mapped_column(server_default=str(DEFAULT_IDLE_LOCK_MINUTES))


class WorkerRow(Base):
    __tablename__ = "worker"
    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="worker")
    active: Mapped[bool] = mapped_column(default=True)


class SiteRow(Base):
    __tablename__ = "site"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)


class LanguageRow(Base):
    __tablename__ = "language"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_fr: Mapped[str] = mapped_column(String(100), default="")  # empty: no French name, the English one is shown


class LocationTypeRow(Base):
    __tablename__ = "service_location_type"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    label_fr: Mapped[str] = mapped_column(String(100), default="")


class ClientRow(Base):
    __tablename__ = "client"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    preferred_name: Mapped[str] = mapped_column(String(200), default="")
    latin_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    own_script_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    date_of_birth: Mapped[str | None] = mapped_column(String(10))
    gender: Mapped[str | None] = mapped_column(String(20))
    marital_status: Mapped[str | None] = mapped_column(String(20))
    official_language: Mapped[str | None] = mapped_column(String(10))
    country_of_origin: Mapped[str] = mapped_column(String(100), default="")
    arrival_date: Mapped[str | None] = mapped_column(String(10))
    immigration_category: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    consent: Mapped[bool] = mapped_column(default=False)
    client_identifier: Mapped[str] = mapped_column(String(100), default="")
    client_identifier_kind: Mapped[str | None] = mapped_column(String(40))
    family_code: Mapped[str] = mapped_column(String(40), default="", index=True)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[str] = mapped_column(String(40), default="")
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Folded "last first" name: the order search results and family lists come back in. Search reads the copy kept
    # in ``client_search_term``, so this column needs no index of its own.
    sort_key: Mapped[str] = mapped_column(String(400), default="")


class ClientSearchTermRow(Base):
    """One searchable word of a client (folded name part, date of birth, phone digits, identifier).

    The primary key starts with the term's first two characters (``head``), then the client's sort key. A search
    for "ngu" reads the rows whose head is "ng" in name order, keeps those whose term starts with "ngu", and stops
    at the first page: it never reads or sorts the thousands of clients a common prefix matches (migration 0013).
    A term starting with a digit (a date, phone digits) is its own head, as most clients share "19" or "41"; such
    a search, and a one-letter one, reads the heads that start with what was typed and sorts them.
    """

    __tablename__ = "client_search_term"
    __table_args__ = ({"sqlite_with_rowid": False},)
    head: Mapped[str] = mapped_column(String(200), primary_key=True)
    sort_key: Mapped[str] = mapped_column(String(400), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), primary_key=True, index=True)
    term: Mapped[str] = mapped_column(String(200), primary_key=True)


# Search terms of pulled clients not yet in ``client_search_term``, one row per client (``terms``: a JSON object of
# each term and its head): appended as pages arrive, moved into the index sorted when the pull ends or the database
# next opens (migration 0014). No key: nothing reads a row of it alone.
CLIENT_SEARCH_TERM_WAITING = Table(
    "client_search_term_waiting",
    Base.metadata,
    Column("client_id", ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("sort_key", String(400), nullable=False),
    Column("terms", Text, nullable=False),
)


class SessionRow(Base):
    """A session's own fields. Lists read it newest first (service date, then when recorded) through an index, for
    all sessions, one site's, or the complete or incomplete ones (migration 0011)."""

    __tablename__ = "session"
    __table_args__ = (
        Index("ix_session_newest", "service_date", "created_at"),
        Index("ix_session_site_newest", "site_code", "service_date", "created_at"),
        Index("ix_session_complete_newest", "complete", "service_date", "created_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(100))
    session_type: Mapped[str | None] = mapped_column(String(40))
    service_date: Mapped[str | None] = mapped_column(String(10))
    site_code: Mapped[str | None] = mapped_column(String(40))
    delivery_methods: Mapped[list[Any]] = mapped_column(default=list)
    service_location_type: Mapped[str | None] = mapped_column(String(40))
    interpreter_present: Mapped[bool | None]
    interpreters: Mapped[int] = mapped_column(default=0)
    service_minutes: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    activity_name: Mapped[str] = mapped_column(String(200), default="")
    activity_topic: Mapped[str] = mapped_column(String(200), default="")
    unnamed_participants: Mapped[int] = mapped_column(default=0)
    # Derived from the service forms by the store on every write, kept only so the dashboard can filter by it.
    complete: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[str] = mapped_column(String(40), default="")
    version: Mapped[int] = mapped_column(default=0)

    languages: Mapped[list["SessionLanguageRow"]] = relationship(
        cascade="all, delete-orphan", order_by="SessionLanguageRow.position", lazy="selectin"
    )
    staff: Mapped[list["SessionStaffRow"]] = relationship(
        cascade="all, delete-orphan", order_by="SessionStaffRow.position", lazy="selectin"
    )
    service_forms: Mapped[list["ServiceFormRow"]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceFormRow.position", lazy="selectin"
    )


# A session's languages and staff and a form's referrals are WITHOUT ROWID tables: one B-tree each, ordered by its
# key, where a rowid table is two (the rows, and its key's index); a save writes a page for each B-tree it changes
# (migration 0015). Sessions and service forms, whose rows are wide and ids random, stay rowid tables.
_ONE_B_TREE = {"sqlite_with_rowid": False}


class SessionLanguageRow(Base):
    __tablename__ = "session_language"
    __table_args__ = (_ONE_B_TREE,)
    session_id: Mapped[str] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class SessionStaffRow(Base):
    __tablename__ = "session_staff"
    __table_args__ = (Index("ix_session_staff_user", "user_id", "session_id"), _ONE_B_TREE)
    session_id: Mapped[str] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class ServiceFormRow(Base):
    __tablename__ = "service_form"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), index=True)
    # No foreign key to client: a pulled page may carry a session before the client it names.
    client_id: Mapped[str] = mapped_column(String(36), index=True)
    position: Mapped[int] = mapped_column(default=0)
    service_type: Mapped[str | None] = mapped_column(String(40))
    services: Mapped[list[Any]] = mapped_column(default=list)
    client_attended: Mapped[bool | None]
    status: Mapped[str | None] = mapped_column(String(20))
    private: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(Text, default="")

    referrals: Mapped[list["ReferralRow"]] = relationship(
        cascade="all, delete-orphan", order_by="ReferralRow.position", lazy="selectin"
    )


class ReferralRow(Base):
    """A referral, keyed by its service form and its place there (it has no id of its own: migration 0015)."""

    __tablename__ = "referral"
    __table_args__ = (_ONE_B_TREE,)
    service_form_id: Mapped[str] = mapped_column(ForeignKey("service_form.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    follow_up_date: Mapped[str | None] = mapped_column(String(10))


class OutboxRow(Base):
    """A local change waiting for the server. ``seq`` keeps the order changes were made in."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_seq", "state", "seq"), Index("ix_outbox_record", "record_id"))
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(36), unique=True)
    entity: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36))
    base_version: Mapped[int | None]
    payload: Mapped[dict[str, Any]]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending | needs_attention
    problem: Mapped[str | None] = mapped_column(String(20))  # rejected | conflict
    errors: Mapped[list[Any]] = mapped_column(default=list)
    server_record: Mapped[dict[str, Any] | None]
    created_at: Mapped[str] = mapped_column(String(40), default="")
    author: Mapped[str] = mapped_column(String(100), default="", server_default="")
    """The worker who made the change (migration 0012): it is pushed under their sign-in, whoever holds the device."""


class SyncStateRow(Base):
    """Small key/value facts about sync: the pull cursor, the device id, the last successful sync."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class LocalAccountRow(Base):
    """A worker who has signed in on this device, so they can sign in again offline."""

    __tablename__ = "local_account"
    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[str] = mapped_column(String(64))
    agency_name: Mapped[str] = mapped_column(String(200), default="")
    password_salt: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(128))
    token: Mapped[str] = mapped_column(Text, default="")
    token_expires_at: Mapped[str] = mapped_column(String(40), default="")
    last_sign_in: Mapped[str] = mapped_column(String(40), default="")
    pin_hash: Mapped[str] = mapped_column(String(200), default="", server_default="")
    """Argon2id hash of the app lock's PIN (with its salt and cost); empty until the worker sets one."""
    pin_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    password_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    last_contact: Mapped[str] = mapped_column(String(40), default="", server_default="")
    """When the server last accepted this worker from this device (ISO 8601, UTC): the offline period counts from it."""


class FullPullSeenRow(Base):
    """A client or session a full pull (after a 410) has named so far; see repositories.FullPullRepository."""

    __tablename__ = "full_pull_seen"
    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
