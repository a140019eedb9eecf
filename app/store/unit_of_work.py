"""The unit of work: one transaction on the device database, with the repositories that work inside it.

    with db.writing() as uow:
        uow.sessions.add(session, now=now)   # the session's rows, and its change for the outbox
        uow.commit()                         # the rows and the outbox entry together, or neither

Leaving the ``with`` block without ``commit()`` rolls everything back, so an exception (a failed validation, a full
disk) never leaves half a change behind. ``commit()`` also queues, in the same transaction, an outbox entry for
every client and session the work added: a record is never saved without its change waiting to be sent.

``db.writing()`` takes the write lock at its start (``BEGIN IMMEDIATE``); ``db.reading()`` reads a snapshot and never
waits for a writer. Each call makes a new unit of work, so use cases running in worker threads never share one.
"""

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker

from app.store import erase
from app.store.outbox import OutboxRepository, QueuedChange
from app.store.repositories import (
    AccountRepository,
    ClientRepository,
    FullPullRepository,
    ReferenceRepository,
    SessionRepository,
    SyncStateRepository,
)


class UnitOfWork:
    """One transaction and its repositories; ``commit()`` keeps the work, anything else drops it."""

    clients: ClientRepository
    sessions: SessionRepository
    outbox: OutboxRepository
    sync_state: SyncStateRepository
    full_pull: FullPullRepository
    reference: ReferenceRepository
    accounts: AccountRepository

    def __init__(self, transactions: sessionmaker[DbSession]):
        self._transactions = transactions
        self._tx: DbSession | None = None
        self.queued: list[QueuedChange] = []

    def __enter__(self) -> Self:
        tx = self._transactions()
        tx.begin()
        self._tx = tx
        self.queued = []
        self.clients = ClientRepository(tx, self.queued)
        self.sessions = SessionRepository(tx, self.queued)
        self.outbox = OutboxRepository(tx, self.queued)
        self.sync_state = SyncStateRepository(tx)
        self.full_pull = FullPullRepository(tx)
        self.reference = ReferenceRepository(tx)
        self.accounts = AccountRepository(tx)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._tx is not None:
            # Closing rolls back whatever was not committed. Unlike rollback() it leaves the records already read
            # usable (they are detached, not expired), so a reading unit can hand them out.
            self._tx.close()
            self._tx = None
            self.queued.clear()

    def commit(self) -> None:
        """Queue the outbox entries of the records added, then commit it all in one transaction."""
        assert self._tx is not None, "commit() belongs inside 'with db.writing() as uow:'"
        for change in self.queued:
            self.outbox.queue(change)
        self.queued.clear()
        self._tx.commit()

    def erase_every_row(self) -> None:
        """Delete every row of every table (a device reported lost); nothing is queued for the outbox."""
        assert self._tx is not None
        self.queued.clear()
        erase.delete_every_row(self._tx)

    def set_page_cache(self, kibibytes: int) -> None:
        """Give this transaction's connection a larger page cache (a first sync's term index)."""
        assert self._tx is not None
        self._tx.connection().exec_driver_sql(f"PRAGMA cache_size=-{kibibytes}")

    def rollback(self) -> None:
        assert self._tx is not None
        self.queued.clear()
        self._tx.rollback()
