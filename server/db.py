"""Connecting to the central database (SQLite or PostgreSQL) and bringing its schema up to date.

Writers and readers get different transactions. A writing transaction takes the change counter's lock first (see
``crud.lock_sequence``); on SQLite it also starts with ``BEGIN IMMEDIATE`` so writers queue on the busy timeout
instead of failing half way. A reading transaction sees one snapshot (PostgreSQL ``REPEATABLE READ``; a SQLite read
transaction already is one), so a pull's several queries agree with each other and with the counter.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from protocol import codec

BUSY_TIMEOUT_MS = 10_000
# A pooled PostgreSQL connection idle longer than this is checked with a ping before it is handed out; a busy
# server's connections are never idle that long, so they skip the round trip every checkout would otherwise cost.
PING_AFTER_IDLE_S = 10.0
_IDLE_SINCE = "outpost_idle_since"
INSERT_ROWS_PER_STATEMENT = 100
# PostgreSQL pool, beyond one connection per sync a process runs at once (see server.main.SYNC_SLOTS): a few kept
# for sign-ins and the console, a few more opened under load, and a short wait for one before the request is answered
# 503 (a wait longer than that would outlast the device's patience, and the queue would only grow).
OTHER_REQUESTS_KEPT = 2
OVERFLOW_CONNECTIONS = 5
POOL_WAIT_S = 5.0
_MIGRATIONS = Path(__file__).with_name("migrations")
_WRITER_OPTION = "outpost_writer"
_JSON_CODEC = {"json_serializer": codec.dumps, "json_deserializer": codec.loads}


def _configure_sqlite_connection(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below issues BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    writer = connection.get_execution_options().get(_WRITER_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


def _note_idle(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
    """Hand out a connection that sat idle a while only after a ping, so one PostgreSQL dropped (a restart, a
    firewall's idle timeout) is replaced instead of failing a request. ``DisconnectionError`` makes the pool
    discard it and try another."""
    idle_since = record.info.get(_IDLE_SINCE)
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as problem:
        raise DisconnectionError("a pooled connection did not answer its ping") from problem


def create_server_engine(database_url: str, *, lock_timeout_ms: int | None = None,
                         syncs_at_once: int | None = None) -> Engine:  # fmt: skip
    """An engine for ``database_url`` with the per-connection settings of its database kind.

    ``lock_timeout_ms`` (PostgreSQL) bounds how long any statement on these connections waits for a lock; past
    it the statement fails with a lock timeout, which the API answers 503 (see ``server.main``). ``syncs_at_once``
    (PostgreSQL) sizes the pool so that each of that many syncs has a connection of its own.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False}, **_JSON_CODEC)
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
        return engine
    options = {"options": f"-c lock_timeout={lock_timeout_ms}"} if lock_timeout_ms else {}
    pool: dict[str, Any] = {}
    if syncs_at_once is not None:
        pool = {"pool_size": syncs_at_once + OTHER_REQUESTS_KEPT, "max_overflow": OVERFLOW_CONNECTIONS,
                "pool_timeout": POOL_WAIT_S}  # fmt: skip
    engine = create_engine(url, connect_args=options, insertmanyvalues_page_size=INSERT_ROWS_PER_STATEMENT,
                           **pool, **_JSON_CODEC)  # fmt: skip
    engine.dialect.use_insertmanyvalues_wo_returning = True
    event.listen(engine.pool, "checkin", _note_idle)
    event.listen(engine.pool, "checkout", _ping_if_idle)
    return engine


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``. Safe to run from several processes at once: on PostgreSQL they take turns
    on an advisory lock (see migrations/env.py); on SQLite a writer engine's ``BEGIN IMMEDIATE`` does the same."""
    command.upgrade(migration_config(engine), revision)


def migration_config(engine: Engine) -> Config:
    """Alembic's configuration for the server's migrations, run on ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


class Database:
    """The open central database: migrated on open, handing out reading and writing transactions."""

    def __init__(self, database_url: str, *, run_migrations: bool = True, lock_timeout_ms: int | None = None,
                 syncs_at_once: int | None = None):  # fmt: skip
        if run_migrations:
            migrating = create_server_engine(database_url)  # waits as long as another process's migration takes
            try:
                migrate(migrating.execution_options(**{_WRITER_OPTION: True}))
            finally:
                migrating.dispose()
        self.engine = create_server_engine(database_url, lock_timeout_ms=lock_timeout_ms, syncs_at_once=syncs_at_once)
        writer_engine = self.engine.execution_options(**{_WRITER_OPTION: True})
        reader_engine = self.engine
        if self.engine.dialect.name == "postgresql":
            reader_engine = self.engine.execution_options(isolation_level="REPEATABLE READ")
        self._writers = sessionmaker(writer_engine, expire_on_commit=False)
        self._readers = sessionmaker(reader_engine, expire_on_commit=False)
        self._write_turn: AbstractContextManager[object] = nullcontext()
        if self.engine.dialect.name == "sqlite":
            self._write_turn = threading.Lock()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A transaction that commits when the block ends without an error and rolls back otherwise.

        On SQLite, this process's writers also queue on a lock of their own before ``BEGIN IMMEDIATE``. SQLite's busy
        handler waits by sleeping and polling (up to 100 ms a time), so under a crowd of pushes a writer could sleep
        through the moment the lock came free, and the slowest waited past the busy timeout. The lock only orders
        this process's threads; SQLite's own lock still guards the file against other processes.
        """
        with self._write_turn, self._writers() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction on one consistent snapshot; closing the session ends it without writing anything."""
        with self._readers() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
