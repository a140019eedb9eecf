"""Reading and writing domain records in the device database.

How a ``Session`` or ``Client`` maps onto rows, for the repositories (``repositories.py``), which are all that use
it; nothing here commits.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import fields as dataclass_fields
from datetime import date
from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import BindParameter, Dialect, Integer, Row, Select, Table, bindparam, func, intersect, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.schema import CreateIndex, DropIndex

if TYPE_CHECKING:  # SQLAlchemy names the type of a bind processor only privately
    from sqlalchemy.sql.type_api import _BindProcessorType

from app.domain.clients import Client
from app.domain.search import client_search_terms, query_words, sort_key
from app.domain.sessions import Referral, ServiceForm, Session, is_session_complete
from app.domain.text import phone_digits
from app.store.models import (
    CLIENT_SEARCH_TERM_WAITING,
    ClientRow,
    ClientSearchTermRow,
    OutboxRow,
    ReferralRow,
    ServiceFormRow,
    SessionLanguageRow,
    SessionRow,
    SessionStaffRow,
    SyncStateRow,
    table_of,
)
from protocol import codec

_Processor = tuple[int, "_BindProcessorType[Any]"]
"""A column's value converter (a date to text, for one) by its place in the row."""

# Tables written or read with plain statements, where the ORM's bookkeeping would cost more than the work.
_CLIENTS = table_of(ClientRow)
_SEARCH_TERMS = table_of(ClientSearchTermRow)
_SESSIONS = table_of(SessionRow)
_LANGUAGES = table_of(SessionLanguageRow)
_STAFF = table_of(SessionStaffRow)
_FORMS = table_of(ServiceFormRow)
_REFERRALS = table_of(ReferralRow)
_OUTBOX = table_of(OutboxRow)
_WAITING_TERMS = CLIENT_SEARCH_TERM_WAITING

TERM_HEAD_LENGTH = 2  # how many first characters of a name's term lead the term index's key (ClientSearchTermRow)


def term_head(term: str) -> str:
    """What leads a term's key in the index: a word's first two characters ("ma" for "mariam"), or the whole term
    when it starts with a digit (a date, phone digits), which shares its first characters with most clients."""
    return term if _starts_with_digit(term) else term[:TERM_HEAD_LENGTH]


def _starts_with_digit(text: str) -> bool:
    return "0" <= text[:1] <= "9"


IN_ID_LIST = "IN (SELECT value FROM json_each(:ids))"
"""A condition on a column against many ids in one parameter, ``:ids``, a JSON array (``id_list``)."""


def id_list(ids: Iterable[str]) -> dict[str, str]:
    """The parameter of ``IN_ID_LIST``: the ids as one JSON array of text."""
    return {"ids": codec.dumps(list(ids))}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# --- clients -----------------------------------------------------------------------------------------------------

_CLIENT_DATE_FIELDS = ("date_of_birth", "arrival_date")
_CLIENT_FIELDS = tuple(c.key for c in _CLIENTS.columns if c.key != "sort_key")


def put_client(db: DbSession, client: Client) -> None:
    """Insert or replace a client and its search terms (the old terms go with the old row: ON DELETE CASCADE)."""
    db.connection().execute(_DELETE_CLIENT, {"client_id": client.id})
    insert_clients(db, [client])


def insert_clients(db: DbSession, clients: list[Client], *, index_later: bool = False) -> None:
    """Insert clients that are not stored yet, with their search terms: one multi-row insert per table.

    A first sync brings every client of the agency this way, so the rows are plain tuples. With ``index_later``
    the terms are appended to ``client_search_term_waiting`` instead of the index, for ``index_waiting_terms`` to
    move there all at once: inserted page by page, they landed at random places in the index's B-tree, and that
    cost more than the rest of a first sync together.
    """
    rows: list[tuple[Any, ...]] = []
    keys = []
    for client in clients:
        key = sort_key(client.first_name, client.last_name)
        rows.append((*_client_values(client), key))
        keys.append(key)
    insert_rows(db, _CLIENTS, (*_CLIENT_FIELDS, "sort_key"), rows)
    pairs = zip(clients, keys, strict=True)
    if index_later:  # each term with its head, as a JSON object: index_waiting_terms reads it with json_each
        waiting = [(c.id, key, codec.dumps({t: term_head(t) for t in client_search_terms(c)})) for c, key in pairs]
        insert_rows(db, _WAITING_TERMS, ("client_id", "sort_key", "terms"), waiting)
    else:
        terms = [(term_head(t), key, c.id, t) for c, key in pairs for t in client_search_terms(c)]
        terms.sort()  # B-tree appends rather than page splits
        insert_rows(db, _SEARCH_TERMS, ("head", "sort_key", "client_id", "term"), terms)


def terms_waiting(db: DbSession) -> bool:
    """Whether some stored clients' search terms are not in the index yet (a pull stored them, then stopped)."""
    return db.connection().execute(_ANY_WAITING).first() is not None


def index_waiting_terms(db: DbSession) -> int:
    """Move every waiting search term into ``client_search_term``, in the index's own order; returns of how many
    clients.

    Sorted, the rows append to the B-tree's last page instead of splitting pages all over it. It runs in the
    caller's transaction, so until that commits the terms stay waiting and a later run moves them: search is whole
    again after a pull stopped at any point, once the pull ends or the database next opens.
    """
    connection = db.connection()
    waiting = connection.execute(_COUNT_WAITING).scalar_one()
    if not waiting:
        return 0
    # The index by client (for removing a client's terms) is filled in client order, not the terms' order: when
    # the waiting clients outnumber those indexed, building it again after the move (one sort) beats inserting
    # each term into it at a random place.
    rebuild = 2 * waiting >= connection.execute(_COUNT_CLIENTS).scalar_one()
    if rebuild:
        connection.execute(DropIndex(_TERMS_BY_CLIENT))
    connection.exec_driver_sql(_INDEX_WAITING)
    connection.exec_driver_sql(f"DELETE FROM {_WAITING_TERMS.name}")
    if rebuild:
        connection.execute(CreateIndex(_TERMS_BY_CLIENT))
    return int(waiting)


_WAITING_TERMS = CLIENT_SEARCH_TERM_WAITING


def _client_values(client: Client) -> list[Any]:
    """The client's column values in ``_CLIENT_FIELDS`` order, dates as ISO text."""
    values = list(_client_field_values(client))
    for index in _CLIENT_DATE_INDEXES:
        values[index] = _iso(values[index])
    return values


_client_field_values = attrgetter(*_CLIENT_FIELDS)
_CLIENT_DATE_INDEXES = tuple(_CLIENT_FIELDS.index(name) for name in _CLIENT_DATE_FIELDS)
_DELETE_CLIENT = _CLIENTS.delete().where(_CLIENTS.c.id == bindparam("client_id"))
_ANY_WAITING = select(_WAITING_TERMS.c.client_id).limit(1)
_COUNT_WAITING = select(func.count()).select_from(_WAITING_TERMS)
_COUNT_CLIENTS = select(func.count()).select_from(_CLIENTS)
[_TERMS_BY_CLIENT] = _SEARCH_TERMS.indexes
_INDEX_WAITING = (
    f"INSERT INTO {_SEARCH_TERMS.name} (head, sort_key, client_id, term)"
    f" SELECT term.value, waiting.sort_key, waiting.client_id, term.key"
    f" FROM {_WAITING_TERMS.name} AS waiting, json_each(waiting.terms) AS term ORDER BY 1, 2, 3, 4"
)


def client_from_row(row: ClientRow) -> Client:
    values: dict[str, Any] = {name: getattr(row, name) for name in _CLIENT_FIELDS}
    for name in _CLIENT_DATE_FIELDS:
        values[name] = _day(values[name])
    return Client(**values)


def get_client(db: DbSession, client_id: str) -> Client | None:
    row = db.get(ClientRow, client_id)
    return client_from_row(row) if row else None


# What a search result row shows.
_SEARCH_RESULT_COLUMNS = (
    "id", "first_name", "last_name", "preferred_name", "date_of_birth", "phone", "family_code", "client_identifier",
)  # fmt: skip


def search_clients(db: DbSession, query: str, *, limit: int) -> Sequence[Row[Any]]:
    """Clients matching every word of ``query`` as a prefix of one of their terms, in name order: rows of the
    columns a result list shows (id, names, date of birth, phone, family code, client identifier).

    A word of two or more letters reads the term index where the word's first two characters are the head, which
    is in name order, so SQLite stops after the ``limit`` shown, however many thousands of clients "mar" matches;
    only those are looked up in ``client``. Several words are merged in that order too. A one-letter word, a date
    ("1990-05-12") or phone digits read the range of heads they start and sort it (see ``term_head``). A search
    runs on every keystroke, so it is one prepared statement of plain columns.
    """
    words = query_words(query)
    if not words:
        return []
    statement = _search_statement(tuple(_spans_heads(word) for word in words))
    return db.connection().execute(statement, _search_bounds(words, limit)).all()


SearchResultRow = tuple[str, str, str, str, str | None, str, str, str]
"""A search result as the DB-API cursor returns it: the ``_SEARCH_RESULT_COLUMNS`` in that order."""


def search_client_rows(cursor: DBAPICursor, query: str, *, limit: int) -> list[SearchResultRow]:
    """``search_clients`` on a bare DB-API cursor, as plain tuples: the same statement, compiled once per shape of
    query into SQLite's text.

    A search runs on every keystroke and its SQL takes a few tenths of a millisecond; SQLAlchemy's execution path
    (parameter handling, result and ``Row`` objects) cost about as much again, which this skips. The cursor must
    be inside a read transaction (``DeviceDatabase.search_clients``).
    """
    words = query_words(query)
    if not words:
        return []
    sql, defaults = _search_sql(tuple(_spans_heads(word) for word in words))
    cursor.execute(sql, defaults | _search_bounds(words, limit))
    return cast("list[SearchResultRow]", cursor.fetchall())  # sqlite3's fetchall is a list of tuples


def _search_bounds(words: list[str], limit: int) -> dict[str, Any]:
    """The values of the search statement's parameters for these query words."""
    bounds: dict[str, Any] = {"limit": limit}
    for i, word in enumerate(words):
        bounds |= {f"word_{i}": word, f"past_word_{i}": word + _PAST_EVERY_CHARACTER, f"head_{i}": term_head(word)}
    return bounds


_PAST_EVERY_CHARACTER = "\U0010ffff"
# SQLite's dialect writing parameters as ":name", which both sqlite3 and sqlcipher3 take with a dict of values.
_NAMED_PARAMETERS_SQLITE = sqlite.dialect(paramstyle="named")


@lru_cache(maxsize=32)
def _search_sql(spanning_words: tuple[bool, ...]) -> tuple[str, dict[str, Any]]:
    """``_search_statement`` as SQLite text, with the values of the parameters it fixes itself (the OFFSET 0
    SQLite's dialect writes after a LIMIT)."""
    compiled = _search_statement(spanning_words).compile(dialect=_NAMED_PARAMETERS_SQLITE)
    return compiled.string, dict(compiled.params)


def _spans_heads(word: str) -> bool:
    """Whether the terms starting with ``word`` have several heads ("a": "al", "am"; "1985": every date that year)."""
    return len(word) < TERM_HEAD_LENGTH or _starts_with_digit(word)


@lru_cache(maxsize=32)  # one per shape of query typed: how many words, and which span several heads
def _search_statement(spanning_words: tuple[bool, ...]) -> Select[Any]:
    """The search for one word per item of ``spanning_words`` (True where the word's matches have several heads):
    each word's matches in name order, intersected, the first ``limit`` looked up."""
    terms = _SEARCH_TERMS.c
    per_word = []
    for i, spans in enumerate(spanning_words):
        word: BindParameter[str] = bindparam(f"word_{i}")
        past_word: BindParameter[str] = bindparam(f"past_word_{i}")
        # Matches with several heads are read in head order and sorted; one head's come in name order.
        heads = (terms.head >= word, terms.head < past_word) if spans else (terms.head == bindparam(f"head_{i}"),)
        per_word.append(
            select(terms.sort_key, terms.client_id).where(*heads, terms.term >= word, terms.term < past_word)
        )
    matching = intersect(*per_word) if len(per_word) > 1 else per_word[0].distinct()
    first = matching.order_by(*matching.selected_columns).limit(bindparam("limit", type_=Integer)).subquery()
    return (
        select(*(_CLIENTS.c[name] for name in _SEARCH_RESULT_COLUMNS))
        .join_from(first, _CLIENTS, _CLIENTS.c.id == first.c.client_id)
        .order_by(first.c.sort_key, first.c.client_id)
    )


def candidate_duplicates(db: DbSession, draft: Client) -> list[Client]:
    """Clients sharing the draft's date of birth or phone: the only ones that can be duplicates (an index lookup)."""
    terms = [t for t in (_iso(draft.date_of_birth), phone_digits(draft.phone)) if t and len(t) >= 7]
    if not terms:
        return []
    ids = (
        select(ClientSearchTermRow.client_id)
        .where(ClientSearchTermRow.head.in_({term_head(t) for t in terms}), ClientSearchTermRow.term.in_(terms))
        .distinct()
    )
    return [client_from_row(row) for row in db.scalars(select(ClientRow).where(ClientRow.id.in_(ids)))]


def family_members(db: DbSession, family_code: str) -> list[Client]:
    if not family_code:
        return []
    rows = db.scalars(select(ClientRow).where(ClientRow.family_code == family_code).order_by(ClientRow.sort_key))
    return [client_from_row(row) for row in rows]


# --- sessions ----------------------------------------------------------------------------------------------------

# A session's fields kept as they are in columns of its own row, found rather than listed: a field of ``Session``
# with a column of the same name on ``SessionRow`` is written and read back with nothing to add here. The service
# date and the delivery methods change form on the way (an ISO date, a JSON list); the lists of languages, staff
# and service forms have tables of their own.
_SESSION_SCALARS = tuple(
    field.name
    for field in dataclass_fields(Session)
    if field.name in _SESSIONS.c and field.name not in ("service_date", "delivery_methods")
)
# The tables a session is stored in, parents first, and the columns each insert fills.
_SESSION_TABLES: dict[Table, tuple[str, ...]] = {
    _SESSIONS: (*_SESSION_SCALARS, "service_date", "delivery_methods", "complete"),
    _LANGUAGES: ("session_id", "code", "position"),
    _STAFF: ("session_id", "user_id", "position"),
    _FORMS: ("id", "session_id", "client_id", "position", "service_type", "services", "client_attended", "status",
             "private", "notes"),
    _REFERRALS: ("service_form_id", "position", "to", "reason", "follow_up_date"),
}  # fmt: skip
_SESSION_ID: BindParameter[str] = bindparam("session_id")
_SESSION_BY_ID = select(_SESSIONS).where(_SESSIONS.c.id == _SESSION_ID)
_LANGUAGES_OF = select(_LANGUAGES.c.code).where(_LANGUAGES.c.session_id == _SESSION_ID).order_by(_LANGUAGES.c.position)
_STAFF_OF = select(_STAFF.c.user_id).where(_STAFF.c.session_id == _SESSION_ID).order_by(_STAFF.c.position)
_FORMS_OF = select(_FORMS).where(_FORMS.c.session_id == _SESSION_ID).order_by(_FORMS.c.position)
_REFERRALS_OF = (
    select(_REFERRALS)
    .where(_REFERRALS.c.service_form_id.in_(select(_FORMS.c.id).where(_FORMS.c.session_id == _SESSION_ID)))
    .order_by(_REFERRALS.c.service_form_id, _REFERRALS.c.position)
)
_SESSION_EXISTS = f"SELECT 1 FROM {_SESSIONS.name} WHERE id = ?"
_DELETE_SESSION = f"DELETE FROM {_SESSIONS.name} WHERE id = ?"


def put_session(db: DbSession, session: Session) -> None:
    """Insert or replace a session with its languages, staff, service forms and referrals.

    Replacing deletes the old session row first; the schema's ON DELETE CASCADE takes its languages, staff, forms
    and referrals with it.
    """
    dbapi_cursor(db).execute(_DELETE_SESSION, (session.id,))
    insert_sessions(db, [session])


def insert_sessions(db: DbSession, sessions: list[Session]) -> None:
    """Insert sessions that are not stored yet: one multi-row insert per table.

    Plain inserts rather than the ORM's unit of work, whose bookkeeping for a session's fifteen-odd rows cost
    several times what SQLite spends on them; a save and a pulled page both write this way.
    """
    rows: dict[Table, list[tuple[Any, ...]]] = {table: [] for table in _SESSION_TABLES}
    for session in sessions:
        _add_session_rows(session, rows)
    for table, columns in _SESSION_TABLES.items():
        insert_rows(db, table, columns, rows[table])


def _add_session_rows(session: Session, rows: dict[Table, list[tuple[Any, ...]]]) -> None:
    scalars = tuple(getattr(session, name) for name in _SESSION_SCALARS)
    complete = is_session_complete(session)
    rows[_SESSIONS].append((*scalars, _iso(session.service_date), list(session.delivery_methods), complete))
    rows[_LANGUAGES] += [(session.id, code, i) for i, code in enumerate(session.languages)]
    rows[_STAFF] += [(session.id, user_id, i) for i, user_id in enumerate(session.staff)]
    for position, form in enumerate(session.service_forms):
        rows[_FORMS].append(
            (form.id, session.id, form.client_id, position, form.service_type, list(form.services),
             form.client_attended, form.status, form.private, form.notes)
        )  # fmt: skip
        rows[_REFERRALS] += [(form.id, i, r.to, r.reason, _iso(r.follow_up_date)) for i, r in enumerate(form.referrals)]


def get_session(db: DbSession, session_id: str) -> Session | None:
    """The stored session, or None. Every save asks, most often about a session not stored yet: that answer is one
    primary-key probe on the bare cursor (``dbapi_cursor``)."""
    if dbapi_cursor(db).execute(_SESSION_EXISTS, (session_id,)).fetchone() is None:
        return None
    connection = db.connection()
    key = {"session_id": session_id}
    row = connection.execute(_SESSION_BY_ID, key).one()
    referrals: dict[str, list[Referral]] = {}
    for referral in connection.execute(_REFERRALS_OF, key):
        referrals.setdefault(referral.service_form_id, []).append(referral_from_row(referral))
    return Session(
        **{name: getattr(row, name) for name in _SESSION_SCALARS},
        service_date=_day(row.service_date),
        delivery_methods=list(row.delivery_methods),
        languages=list(connection.scalars(_LANGUAGES_OF, key)),
        staff=list(connection.scalars(_STAFF_OF, key)),
        service_forms=[
            service_form_from_row(form, referrals.get(form.id, [])) for form in connection.execute(_FORMS_OF, key)
        ],
    )


def referral_from_row(row: Any) -> Referral:
    """A referral from its ``referral`` row (a statement's row or a ``ReferralRow``: they name columns alike)."""
    return Referral(to=row.to, reason=row.reason, follow_up_date=_day(row.follow_up_date))


def service_form_from_row(row: Any, referrals: list[Referral]) -> ServiceForm:
    """A service form from its ``service_form`` row (a statement's row or a ``ServiceFormRow``) and its referrals."""
    return ServiceForm(
        id=row.id,
        client_id=row.client_id,
        service_type=row.service_type,
        services=list(row.services),
        referrals=referrals,
        client_attended=row.client_attended,
        status=row.status,
        private=row.private,
        notes=row.notes,
    )


# --- plain statements --------------------------------------------------------------------------------------------


def dbapi_cursor(db: DbSession) -> DBAPICursor:
    """A bare DB-API cursor on the connection of ``db``'s transaction (begun, ``BEGIN IMMEDIATE`` for a writer, if
    nothing has run in it yet): what it runs is part of the unit of work, committed or rolled back with the rest.

    For the statements every save or pulled page runs, whose SQL takes tens of microseconds: SQLAlchemy's execution
    path around each (an execution context, a result object, events) cost more than that. A save's statements, a
    tenth of a millisecond each through it, were half of what a save cost besides the commit (docs/benchmarks.md).
    SQLite's own errors name no values, as ``hide_parameters`` keeps SQLAlchemy's.
    """
    return db.connection().connection.cursor()


def insert_rows(db: DbSession, table: Table, names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """One ``executemany`` of plain tuples on the transaction's bare cursor.

    A first sync inserts hundreds of thousands of rows and a save about fifteen; SQLAlchemy's per-row parameter
    bookkeeping costs more than SQLite's own work for both. Values still go through the bind processor of each
    column type that has one (JSON lists become text), so the rows read back as ORM-written ones.
    """
    if not rows:
        return
    connection = db.connection()
    statement, processors = _insert_statement(table, tuple(names), connection.dialect)
    if processors:
        rows = [_processed(row, processors) for row in rows]
    dbapi_cursor(db).executemany(statement, rows)


@lru_cache(maxsize=64)
def _insert_statement(table: Table, names: tuple[str, ...], dialect: Dialect) -> tuple[str, list[_Processor]]:
    quote = dialect.identifier_preparer.quote
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    processors = [
        (index, process)
        for index, name in enumerate(names)
        if (process := table.c[name].type.bind_processor(dialect)) is not None
    ]
    return statement, processors


def _processed(row: tuple[Any, ...], processors: list[_Processor]) -> tuple[Any, ...]:
    values = list(row)
    for index, process in processors:
        values[index] = process(values[index])
    return tuple(values)


# --- sync state --------------------------------------------------------------------------------------------------


def get_state(db: DbSession, key: str, default: str = "") -> str:
    row = db.get(SyncStateRow, key)
    return row.value if row else default


def set_state(db: DbSession, key: str, value: str) -> None:
    db.merge(SyncStateRow(key=key, value=value))


def get_json_state(db: DbSession, key: str) -> Any:
    raw = get_state(db, key)
    return json.loads(raw) if raw else None
