"""Repositories: what the use cases and the sync engine may ask of the device database, each bound to one unit of
work's transaction (see ``unit_of_work.py``). They hold all the device's SQL; nothing here commits.

Adding a client or a session also notes its change in the unit of work's queue, which ``commit()`` writes to the
outbox in the same transaction.
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Float,
    Select,
    Table,
    delete,
    exists,
    func,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as DbSession

from app.domain.clients import Client
from app.domain.sessions import KnownCodes, ServiceForm, Session
from app.store import repository
from app.store.models import (
    AgencyRow,
    ClientRow,
    FullPullSeenRow,
    LanguageRow,
    LocalAccountRow,
    LocationTypeRow,
    OutboxRow,
    ServiceFormRow,
    SessionRow,
    SessionStaffRow,
    SiteRow,
    WorkerRow,
    table_of,
)
from app.store.outbox import QueuedChange
from protocol.enums import Entity
from protocol.records import DEFAULT_IDLE_LOCK_MINUTES, DEFAULT_OFFLINE_SIGN_IN_DAYS, client_to_wire, session_to_wire


def _chunks(ids: list[str], size: int = 2_000) -> list[list[str]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


# Statements over a list of ids, passed as one JSON array (``repository.id_list``): one prepared statement
# whatever the count, where ``IN (...)`` with a parameter per id had SQLAlchemy write out and compile a new
# statement for every pulled page (about a tenth of a first sync's time).
_STORED_CLIENTS = text(f"SELECT id FROM client WHERE id {repository.IN_ID_LIST}")
_REMOVE_CLIENTS = text(f"DELETE FROM client WHERE id {repository.IN_ID_LIST}")
_REMOVE_SESSIONS = text(f"DELETE FROM session WHERE id {repository.IN_ID_LIST}")


class ClientRepository:
    def __init__(self, tx: DbSession, queued: list[QueuedChange]):
        self.tx = tx
        self.queued = queued

    def get(self, client_id: str) -> Client | None:
        return repository.get_client(self.tx, client_id)

    def add(self, client: Client, *, now: str) -> None:
        """Store the client as the worker saved it; its change goes to the outbox when the work commits."""
        repository.put_client(self.tx, client)
        self.queued.append(QueuedChange(Entity.CLIENT, client.id, client.version or None, client_to_wire(client), now))

    def put_copy(self, client: Client) -> None:
        """Store a copy that is already the server's (or already queued): no new change."""
        repository.put_client(self.tx, client)

    def replace_pulled(self, removed: list[str], clients: list[Client]) -> None:
        """Remove the ``removed`` clients and store pulled ``clients`` in place of any stored ones (in key order).

        A client new to the device gets its search terms indexed later (``index_waiting_terms``), so a first sync
        builds the term index in one sorted pass; one replacing a stored client gets them now, since the waiting
        table has no index to find a replaced client's terms by.
        """
        stored = self._stored([client.id for client in clients])
        self.remove(removed + [client.id for client in clients])
        repository.insert_clients(self.tx, [c for c in clients if c.id in stored])
        repository.insert_clients(self.tx, [c for c in clients if c.id not in stored], index_later=True)

    def _stored(self, ids: list[str]) -> set[str]:
        return set(self.tx.scalars(_STORED_CLIENTS, repository.id_list(ids)))

    def index_waiting_terms(self) -> int:
        """Put pulled clients' waiting search terms into the index (see ``replace_pulled``); returns how many."""
        return repository.index_waiting_terms(self.tx)

    def terms_waiting(self) -> bool:
        return repository.terms_waiting(self.tx)

    def remove(self, ids: list[str]) -> None:
        """Remove clients; their search terms go with them (ON DELETE CASCADE)."""
        if ids:
            self.tx.execute(_REMOVE_CLIENTS, repository.id_list(ids))

    def candidate_duplicates(self, draft: Client) -> list[Client]:
        return repository.candidate_duplicates(self.tx, draft)

    def family_members(self, family_code: str) -> list[Client]:
        return repository.family_members(self.tx, family_code)

    def names(self, client_ids: set[str]) -> dict[str, str]:
        """ "First Last" of each client on the device among ``client_ids``."""
        rows = self.tx.execute(
            select(ClientRow.id, ClientRow.first_name + " " + ClientRow.last_name).where(ClientRow.id.in_(client_ids))
        )
        return {client_id: name for client_id, name in rows}


@dataclass(frozen=True, slots=True)
class SessionListing:
    """One session as a list shows it: a dashboard row, a client's past session."""

    id: str
    service_date: date | None
    session_type: str | None
    site_code: str
    client_ids: list[str]
    staff: list[str]
    activity_name: str
    complete: bool
    waiting_to_sync: bool


@dataclass(frozen=True, slots=True)
class SessionFilter:
    """Which sessions a list shows: each criterion left empty lets every session through."""

    staff: str | None = None
    """A worker in Staff Involved (My Dashboard: the signed-in worker; Agency sessions: the worker chosen)."""
    site_code: str | None = None
    client_id: str | None = None
    incomplete_only: bool = False
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True, slots=True)
class FormListing:
    """A client's service form and the session it is in, as a list of forms to finish shows them."""

    session: SessionListing
    form: ServiceForm


class SessionRepository:
    def __init__(self, tx: DbSession, queued: list[QueuedChange]):
        self.tx = tx
        self.queued = queued

    def get(self, session_id: str) -> Session | None:
        return repository.get_session(self.tx, session_id)

    def add(self, session: Session, *, now: str) -> None:
        """Store the session as the worker saved it; its change goes to the outbox when the work commits."""
        repository.put_session(self.tx, session)
        change = QueuedChange(Entity.SESSION, session.id, session.version or None, session_to_wire(session), now)
        self.queued.append(change)

    def put_copy(self, session: Session) -> None:
        """Store a copy that is already the server's (or already queued): no new change."""
        repository.put_session(self.tx, session)

    def replace_pulled(self, removed: list[str], sessions: list[Session]) -> None:
        """Remove the ``removed`` sessions and store pulled ``sessions`` (in key order) in place of stored ones."""
        self.remove(removed + [session.id for session in sessions])
        repository.insert_sessions(self.tx, sessions)

    def remove(self, ids: list[str]) -> None:
        """Remove sessions; languages, staff, service forms and referrals go with them (ON DELETE CASCADE)."""
        if ids:
            self.tx.execute(_REMOVE_SESSIONS, repository.id_list(ids))

    def follow_merged_clients(self, survivors: dict[str, str]) -> None:
        """Service forms of a merged client (of ``survivors``: merged id -> id) become its survivor's."""
        for merged, survivor in survivors.items():
            self.tx.execute(update(ServiceFormRow).where(ServiceFormRow.client_id == merged).values(client_id=survivor))

    def page(self, filters: SessionFilter, *, offset: int, limit: int) -> tuple[list[SessionListing], int]:
        """The sessions ``filters`` lets through, newest first: one page of them, and how many there are.

        Newest first is the order of ``ix_session_newest`` (service date, then when recorded), so a page of the
        whole agency's sessions reads the index from its end instead of sorting every session on the device; a
        site's, or the incomplete ones, come the same way from their own index, and the count reads the same index.
        """
        conditions = _session_conditions(filters)
        total = self.tx.scalar(select(func.count()).select_from(SessionRow).where(*conditions)) or 0
        page = (
            select(SessionRow)
            .where(*conditions)
            .order_by(SessionRow.service_date.desc(), SessionRow.created_at.desc())
            .offset(offset)
            .limit(limit)
        )
        return self._listings(page), total

    def forms_of_client_in_incomplete_sessions(self, client_id: str) -> list[FormListing]:
        """The client's service forms in every session of theirs on this device that is not complete, newest session
        first. Only there can a form of theirs be open: a complete session has every form complete."""
        with_client = select(ServiceFormRow.session_id).where(ServiceFormRow.client_id == client_id)
        query = (
            select(SessionRow)
            .where(SessionRow.id.in_(with_client), SessionRow.complete.is_(False))
            .order_by(SessionRow.service_date.desc(), SessionRow.created_at.desc())
        )
        listings = self._listings(query)
        in_listed = ServiceFormRow.session_id.in_([item.id for item in listings])
        forms = self.tx.scalars(select(ServiceFormRow).where(ServiceFormRow.client_id == client_id, in_listed))
        by_session = {form.session_id: _service_form(form) for form in forms}
        return [FormListing(listing, by_session[listing.id]) for listing in listings if listing.id in by_session]

    def group_activities(self, text: str, *, limit: int) -> list[SessionListing]:
        """Group activity sessions whose activity name contains ``text``, newest first."""
        statement = (
            select(SessionRow)
            .where(SessionRow.session_type == "group_activity",
                   SessionRow.activity_name.icontains(text, autoescape=True))
            .order_by(SessionRow.service_date.desc())
            .limit(limit)
        )  # fmt: skip
        return self._listings(statement)

    def _listings(self, sessions: Select[Any]) -> list[SessionListing]:
        """Run ``sessions`` (a select of ``SessionRow``, filtered, ordered and limited) for just the columns a list
        shows, then each session's clients, its staff and whether it waits for sync, a statement each: loading
        whole sessions with their languages and referrals cost several times the queries themselves."""
        rows = self.tx.execute(sessions.with_only_columns(*_LISTING_COLUMNS)).all()
        ids = [row.id for row in rows]
        clients: dict[str, list[str]] = {}
        in_order = (select(ServiceFormRow.session_id, ServiceFormRow.client_id)
                    .where(ServiceFormRow.session_id.in_(ids)).order_by(ServiceFormRow.position))  # fmt: skip
        for session_id, client_id in self.tx.execute(in_order):
            clients.setdefault(session_id, []).append(client_id)
        staff: dict[str, list[str]] = {}
        on_staff = (select(SessionStaffRow.session_id, SessionStaffRow.user_id)
                    .where(SessionStaffRow.session_id.in_(ids)).order_by(SessionStaffRow.position))  # fmt: skip
        for session_id, user_id in self.tx.execute(on_staff):
            staff.setdefault(session_id, []).append(user_id)
        waiting = set(self.tx.scalars(select(OutboxRow.record_id).where(OutboxRow.record_id.in_(ids))))
        return [
            SessionListing(
                id=row.id,
                service_date=date.fromisoformat(row.service_date) if row.service_date else None,
                session_type=row.session_type,
                site_code=row.site_code or "",
                client_ids=clients.get(row.id, []),
                staff=staff.get(row.id, []),
                activity_name=row.activity_name,
                complete=row.complete,
                waiting_to_sync=row.id in waiting,
            )
            for row in rows
        ]


_LISTING_COLUMNS = (
    SessionRow.id, SessionRow.service_date, SessionRow.session_type, SessionRow.site_code, SessionRow.activity_name,
    SessionRow.complete,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReferenceRows:
    """The pickers' lists, sorted for display: (code, name, address) sites, (code, label) for the others."""

    sites: list[tuple[str, str, str]]
    workers: list[tuple[str, str]]
    languages: list[tuple[str, str]]
    location_types: list[tuple[str, str]]


class ReferenceRepository:
    """Sites, workers, languages and types of service location, as the server last sent them."""

    def __init__(self, tx: DbSession):
        self.tx = tx

    def lists(self, *, french: bool = False) -> ReferenceRows:
        """Active sites and workers, all languages and location types; with ``french``, languages and location
        types by their French names where the server sent one (the English one otherwise), sorted as shown."""
        tx = self.tx
        language = _shown_name(LanguageRow.name, LanguageRow.name_fr, french).label("shown")
        location = _shown_name(LocationTypeRow.label, LocationTypeRow.label_fr, french).label("shown")
        return ReferenceRows(
            sites=[(s.code, s.name, s.address)
                   for s in tx.scalars(select(SiteRow).where(SiteRow.active).order_by(SiteRow.code))],
            workers=[(w.user_id, w.name)
                     for w in tx.scalars(select(WorkerRow).where(WorkerRow.active).order_by(WorkerRow.name))],
            languages=[(r.code, r.shown) for r in tx.execute(select(LanguageRow.code, language).order_by(language))],
            location_types=[(r.code, r.shown)
                            for r in tx.execute(select(LocationTypeRow.code, location).order_by(location))],
        )  # fmt: skip

    def known_codes(self, session: Session) -> KnownCodes:
        """Of the codes ``session`` uses, those a saved session may use, list by list. A list not yet synced (empty)
        is ``None``: it is not checked, so offline work can go on.

        Validation only asks about the session's own codes, so looking up just those answers exactly as the whole
        lists would. Every save calls this, and an agency may have thousands of sites: it is one statement of a few
        primary-key reads, plus a "has the list any usable row" probe for each list.
        """
        used = {
            "sites": [session.site_code] if session.site_code else [],
            "service_location_types": [session.service_location_type] if session.service_location_type else [],
            "languages": list(session.languages),
            "workers": list(session.staff),
        }
        found: dict[str, set[str]] = {name: set() for name in used}
        synced: set[str] = set()
        statement = _known_codes_statement(tuple(len(used[name]) for name, *_ in _CODE_LISTS))
        values = tuple(code for name, *_ in _CODE_LISTS for code in used[name])
        for name, code in repository.dbapi_cursor(self.tx).execute(statement, values):
            if code is None:
                synced.add(name)
            else:
                found[name].add(code)
        return KnownCodes(**{name: found[name] if name in synced else None for name in used})

    def clear_server_copy(self) -> None:
        """Remove every row that came from the server (sessions and clients included), but the clients and sessions
        with a change waiting in the outbox: the worker who takes the device over sees those only as far as the
        rules let them (``app.usecases.shared_device``)."""
        for record in (SessionRow, ClientRow):
            queued = exists().where(OutboxRow.record_id == record.id)
            self.tx.execute(delete(record).where(~queued), execution_options={"synchronize_session": False})
        for model in (SiteRow, WorkerRow, LanguageRow, LocationTypeRow, AgencyRow):
            self.tx.execute(delete(model))

    def offline_sign_in_days(self, agency_id: str) -> int:
        """How long the agency lets a worker sign in on this device without reaching the server."""
        agency = self.tx.get(AgencyRow, agency_id)
        return agency.offline_sign_in_days if agency is not None else DEFAULT_OFFLINE_SIGN_IN_DAYS

    def idle_lock_minutes(self, agency_id: str) -> int:
        """After how many idle minutes the agency locks the app."""
        agency = self.tx.get(AgencyRow, agency_id)
        return agency.idle_lock_minutes if agency is not None else DEFAULT_IDLE_LOCK_MINUTES

    def put_agency(
        self,
        agency_id: str,
        name: str,
        *,
        offline_sign_in_days: int | None = None,
        idle_lock_minutes: int | None = None,
    ) -> None:
        """Keep the agency's name and, when given, its device settings (left as they are when not)."""
        row = AgencyRow(id=agency_id, name=name)
        if offline_sign_in_days is not None:
            row.offline_sign_in_days = offline_sign_in_days
        if idle_lock_minutes is not None:
            row.idle_lock_minutes = idle_lock_minutes
        self.tx.merge(row)

    def key_column(self, entity: str) -> str:
        """The name of the list's key column (a pulled change's ``id``)."""
        table, _ = _REFERENCE_TABLES[entity]
        [key] = table.primary_key.columns
        return str(key.name)

    def upsert_pulled(self, entity: str, rows: list[dict[str, Any]]) -> None:
        """Insert or update the rows of one list in one statement (a first sync brings thousands of sites)."""
        if not rows:
            return
        table, _ = _REFERENCE_TABLES[entity]
        [key] = table.primary_key.columns
        upsert = sqlite_insert(table)
        replaced = {name: upsert.excluded[name] for name in rows[0] if name != key.name}
        self.tx.connection().execute(upsert.on_conflict_do_update(index_elements=[key], set_=replaced), rows)

    def remove_pulled(self, entity: str, keys: list[str]) -> None:
        """Tombstones: sites and workers stay as inactive (old sessions still name them, so their names must still
        show) but leave the pickers; the other lists lose the row."""
        table, keep_inactive = _REFERENCE_TABLES[entity]
        [key] = table.primary_key.columns
        connection = self.tx.connection()
        for chunk in _chunks(keys):
            if keep_inactive:
                connection.execute(table.update().where(key.in_(chunk)).values(active=False))
            else:
                connection.execute(table.delete().where(key.in_(chunk)))


_ABOUT_HALF: ColumnClause[float] = literal_column("0.5", Float)  # likelihood() takes a constant, not a bound parameter


def _session_conditions(filters: SessionFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.staff:
        on_staff = select(SessionStaffRow.session_id).where(SessionStaffRow.user_id == filters.staff)
        conditions.append(SessionRow.id.in_(on_staff))
    if filters.client_id:
        with_client = select(ServiceFormRow.session_id).where(ServiceFormRow.client_id == filters.client_id)
        conditions.append(SessionRow.id.in_(with_client))
    if filters.site_code:
        conditions.append(SessionRow.site_code == filters.site_code)
    if filters.incomplete_only:
        # About half of an agency's sessions are incomplete: telling SQLite so (likelihood) makes it narrow by the
        # worker, the client or the site first when one is chosen, and use ix_session_complete_newest only alone.
        conditions.append(func.likelihood(SessionRow.complete.is_(False), _ABOUT_HALF))
    if filters.date_from:
        conditions.append(SessionRow.service_date >= filters.date_from.isoformat())
    if filters.date_to:
        conditions.append(SessionRow.service_date <= filters.date_to.isoformat())
    return conditions


def _service_form(row: ServiceFormRow) -> ServiceForm:
    return repository.service_form_from_row(row, [repository.referral_from_row(r) for r in row.referrals])


def _shown_name(english: Any, french: Any, in_french: bool) -> Any:
    """The name a list entry is shown by: the French one when asked for and known, else the English one."""
    return func.coalesce(func.nullif(french, ""), english) if in_french else english


# Each reference list's table, and whether a tombstone keeps its row as inactive.
_REFERENCE_TABLES: dict[str, tuple[Table, bool]] = {
    Entity.AGENCY: (table_of(AgencyRow), False),
    Entity.SITE: (table_of(SiteRow), True),
    Entity.WORKER: (table_of(WorkerRow), True),
    Entity.LANGUAGE: (table_of(LanguageRow), False),
    Entity.SERVICE_LOCATION_TYPE: (table_of(LocationTypeRow), False),
}


# The lists a session's codes are checked against: (name, table, code column, what makes a row usable).
_CODE_LISTS = (
    ("sites", table_of(SiteRow), "code", "active"),
    ("service_location_types", table_of(LocationTypeRow), "code", ""),
    ("languages", table_of(LanguageRow), "code", ""),
    ("workers", table_of(WorkerRow), "user_id", "active"),
)


@lru_cache(maxsize=64)  # one per count of codes in each list; a save runs it as plain text, compiled once
def _known_codes_statement(counts: tuple[int, ...]) -> str:
    """For each list: the usable rows among that many codes bound in turn, and one NULL row if the list has any.

    Plain SQL with ``?`` marks rather than a SQLAlchemy ``union_all`` of expanding parameters, which it compiled
    again on every save (a fifth of a save's time in Python).
    """
    parts = []
    for (name, table, column, usable), count in zip(_CODE_LISTS, counts, strict=True):
        marks = ", ".join("?" * count)
        also = f" AND {usable}" if usable else ""
        parts.append(f"SELECT '{name}', {column} FROM {table.name} WHERE {column} IN ({marks}){also}")
        where = f" WHERE {usable}" if usable else ""
        parts.append(f"SELECT '{name}', NULL WHERE EXISTS (SELECT 1 FROM {table.name}{where})")
    return " UNION ALL ".join(parts)


class SyncStateRepository:
    """Small facts about this device and its sync, by key (the keys are in ``SyncKey``)."""

    def __init__(self, tx: DbSession):
        self.tx = tx

    def get(self, key: str, default: str = "") -> str:
        return repository.get_state(self.tx, key, default)

    def set(self, key: str, value: str) -> None:
        repository.set_state(self.tx, key, value)


class FullPullRepository:
    """What a full pull after a 410 has named so far, and which records it did not name.

    A 410 means the device's cursor is no good any more (another or a restored database, or history the server has
    forgotten: docs/sync-protocol.md, *Retention*). A full pull carries every record the worker may see now, but not
    the removals the server has forgotten, so a client or session it does not name is no longer the worker's to
    hold. The pull may be cut off and resume in a later sync, so what it named is kept in ``full_pull_seen`` and a
    flag in ``sync_state`` says one is under way, both written in the transactions that store its pages.
    """

    def __init__(self, tx: DbSession):
        self.tx = tx

    def begin(self) -> None:
        repository.set_state(self.tx, SyncKey.FULL_PULL, "1")
        self.tx.execute(delete(FullPullSeenRow))

    def under_way(self) -> bool:
        return repository.get_state(self.tx, SyncKey.FULL_PULL) == "1"

    def note(self, changes: list[dict[str, Any]]) -> None:
        """Remember the clients and sessions a page names (tombstones too: those records go anyway)."""
        if named := _named_records(changes):
            self.tx.execute(sqlite_insert(FullPullSeenRow).on_conflict_do_nothing(), named)

    def not_named(self) -> dict[str, list[str]]:
        """The clients and sessions the full pull did not name and nothing in the outbox needs, by entity."""
        found: dict[str, list[str]] = {}
        for entity, model in ((Entity.CLIENT, ClientRow), (Entity.SESSION, SessionRow)):
            named = exists().where(FullPullSeenRow.entity == entity, FullPullSeenRow.id == model.id)
            queued = exists().where(OutboxRow.record_id == model.id)
            found[entity] = list(self.tx.scalars(select(model.id).where(~named, ~queued)))
        return found

    def end(self) -> None:
        self.tx.execute(delete(FullPullSeenRow))
        repository.set_state(self.tx, SyncKey.FULL_PULL, "")


def _named_records(changes: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {"entity": str(change.get("entity")), "id": str(change.get("id"))}
        for change in changes
        if change.get("entity") in (Entity.CLIENT, Entity.SESSION)
    ]


class SyncKey:
    """The keys of ``sync_state``."""

    CURSOR = "pull_cursor"
    FULL_PULL = "full_pull"  # "1" while a full pull after a 410 is under way (see FullPullRepository)
    LAST_SYNC = "last_sync_at"
    DEVICE_ID = "device_id"
    DEVICE_NAME = "device_name"
    SERVER_URL = "server_url"
    USER = "user_id"  # the worker whose data this device holds (kept after sign-out)
    SIGNED_IN = "signed_in"  # "1" while that worker is signed in


class AccountRepository:
    """Workers who have signed in on this device, so they can sign in again offline."""

    def __init__(self, tx: DbSession):
        self.tx = tx

    def get(self, user_id: str) -> LocalAccountRow | None:
        return self.tx.get(LocalAccountRow, user_id) if user_id else None

    def put(self, account: LocalAccountRow) -> LocalAccountRow:
        return self.tx.merge(account)

    def forget(self, user_id: str) -> None:
        self.tx.execute(delete(LocalAccountRow).where(LocalAccountRow.user_id == user_id))
