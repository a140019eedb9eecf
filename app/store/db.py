"""Opening the device database: where the file lives, how every connection is set up, and bringing it up to date.

Each connection gets its key first (the store is encrypted, see ``encryption``), then WAL (readers never block the
writer), ``synchronous=FULL`` (a returned commit survives a power cut), foreign keys and a busy timeout. Migrations
run on open, so an app update never strands unsynced work. Closing the database drops its key: nothing that still
holds the object (a window's sync, say) can open a connection again. SQLAlchemy's errors leave out the statement's
values, so a failed save never writes a client's name into a log (a packaged app's console goes to a file).
"""

import os
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from app.store import encryption, repository
from app.store.repository import SearchResultRow
from app.store.unit_of_work import UnitOfWork
from protocol import codec

DB_FILENAME = "outpost.sqlite3"
BUSY_TIMEOUT_MS = 5_000
READ_ONLY_OPTION = "outpost_read_only"
# A transaction that only moves rows whose references were checked when they were first written (the waiting
# search terms): SQLite's per-row foreign-key look-up is switched off for it, and on again when its connection
# goes back to the pool. SQLite ignores the switch inside a transaction, so it is set before BEGIN.
TRUSTED_MOVE_OPTION = "outpost_trusted_move"
_FOREIGN_KEYS_OFF = "outpost_foreign_keys_off"
# SQLite's page cache for moving waiting search terms into the index (default 2 MB), as large as the pull's own
# (sync.engine.PULL_CACHE_KIB): it also bounds the memory SQLite's sorts keep before they spill to temporary files.
MOVE_CACHE_KIB = 65_536
_MIGRATIONS = Path(__file__).with_name("migrations")


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding the device database.

    An explicit override wins, then ``OUTPOST_DATA_DIR``, then ``FLET_APP_STORAGE_DATA`` (the folder a packaged
    Flet app keeps across updates), then the per-user data folder of the platform.
    """
    chosen = (
        override
        or os.environ.get("OUTPOST_DATA_DIR")
        or os.environ.get("FLET_APP_STORAGE_DATA")
        or platformdirs.user_data_dir("outpost", appauthor=False)
    )
    folder = Path(chosen)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class StoreClosed(RuntimeError):
    """The device store was closed (a sign-out or a switch of worker): no connection opens until a sign-in."""


class HeldKey:
    """The data key, for as long as the database it opens is open: ``drop`` forgets it, so a closed engine's
    connect hook has nothing left to open the file with."""

    def __init__(self, key: bytes):
        self._key: bytes | None = key

    def get(self) -> bytes:
        if self._key is None:
            raise StoreClosed("The device store is closed until a worker signs in.")
        return self._key

    def drop(self) -> None:
        self._key = None


def _configure_connection(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin(connection: Connection) -> None:
    # Writers take the write lock at BEGIN so two writers queue on the busy timeout instead of failing
    # mid-transaction. Readers begin deferred and read a WAL snapshot: they neither wait for a writer nor hold one up.
    options = connection.get_execution_options()
    if options.get(READ_ONLY_OPTION):
        connection.exec_driver_sql("BEGIN")
        return
    if options.get(TRUSTED_MOVE_OPTION):
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.info[_FOREIGN_KEYS_OFF] = True
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _foreign_keys_on_again(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
    """A connection back from a trusted move checks foreign keys again before anyone else gets it."""
    if record.info.pop(_FOREIGN_KEYS_OFF, False):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def create_device_engine(path: Path, key: HeldKey | None = None) -> Engine:
    """An engine on the SQLite file at ``path`` with the connection settings above, encrypted under ``key`` (see
    ``encryption``) unless it is None (tests and tools that need a plain file)."""
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False},
        hide_parameters=True,  # an error's text carries the statement, never the client's name or phone in it
        json_serializer=codec.dumps,
        json_deserializer=codec.loads,
        **({"module": encryption.dbapi()} if key is not None else {}),
    )
    if key is not None:  # the key first: nothing can be read before it
        held = key
        event.listen(
            engine, "connect", lambda dbapi_connection, _record: encryption.unlock(dbapi_connection, held.get())
        )
    event.listen(engine, "connect", _configure_connection)

    @event.listens_for(engine, "connect")
    def _no_pysqlite_transactions(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own handling is not fit for this).
        # ``Any``: sqlite3's and sqlcipher3's connections share no declared type with ``isolation_level``.
        dbapi_connection.isolation_level = None

    event.listen(engine, "begin", _begin)
    event.listen(engine, "checkin", _foreign_keys_on_again)
    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; existing rows, outbox included, are carried along."""
    command.upgrade(alembic_config(engine), revision)


class DeviceDatabase:
    """The open device database, migrated on open.

    ``sessions`` is for transactions that write (they queue for the write lock at BEGIN); ``reads`` is for those
    that only read, so a search or a dashboard page never waits for a sync that is writing.
    """

    def __init__(self, path: Path, *, key: bytes | None = None, run_migrations: bool = True):
        self.path = path
        self._key = HeldKey(key) if key is not None else None
        self.engine = create_device_engine(path, self._key)
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)
        reader = self.engine.execution_options(**{READ_ONLY_OPTION: True})
        self.reads: sessionmaker[Session] = sessionmaker(reader, expire_on_commit=False)
        mover = self.engine.execution_options(**{TRUSTED_MOVE_OPTION: True})
        self._moves: sessionmaker[Session] = sessionmaker(mover, expire_on_commit=False)
        if run_migrations:
            migrate(self.engine)
            self.index_waiting_terms()

    def index_waiting_terms(self) -> int:
        """Put pulled clients' waiting search terms into the index, in a transaction of its own; returns of how
        many clients. A pull calls this once its pages are stored; so does opening the database, since a pull
        that stopped without ending (the app was closed or killed) may have left terms waiting.

        Every waiting row's client was checked against ``client`` when the row was written, and a client's
        removal takes its waiting row with it, so the move skips SQLite's foreign-key look-up per term (about a
        third of the move's time for a whole agency).
        """
        with self.reading() as uow:
            if not uow.clients.terms_waiting():
                return 0
        with UnitOfWork(self._moves) as uow:
            uow.set_page_cache(MOVE_CACHE_KIB)
            moved = uow.clients.index_waiting_terms()
            uow.commit()
        return moved

    def writing(self) -> UnitOfWork:
        """A unit of work that may write: it queues for the write lock when it begins."""
        return UnitOfWork(self.sessions)

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads a snapshot: it never waits for a writer, nor holds one up."""
        return UnitOfWork(self.reads)

    def search_clients(self, query: str, *, limit: int) -> list[SearchResultRow]:
        """The clients a search box finds (``repository.search_clients``), read as ``reading()`` reads: one snapshot,
        begun deferred, so a search never waits for a sync that is writing.

        A search runs on every keystroke, and around its few tenths of a millisecond of SQL the ORM session and
        SQLAlchemy's execution path cost about as much again. So it takes a connection from the same pool (keyed
        and set up like every other) and runs on its bare DB-API cursor.
        """
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("BEGIN")  # deferred, as _begin begins a reader
            try:
                return repository.search_client_rows(cursor, query, limit=limit)
            finally:
                cursor.execute("ROLLBACK")
                cursor.close()
        finally:
            connection.close()  # back to the pool

    @classmethod
    def open(cls, folder: str | os.PathLike[str] | None = None, *, key: bytes | None = None) -> "DeviceDatabase":
        return cls(data_dir(folder) / DB_FILENAME, key=key)

    def close(self) -> None:
        """Close every pooled connection and forget the key: whoever still holds this object (a window's sync that
        has not stopped yet) gets ``StoreClosed`` instead of a new connection. A connection in use finishes its
        transaction, so nothing half-written is left."""
        if self._key is not None:
            self._key.drop()
        self.engine.dispose()
