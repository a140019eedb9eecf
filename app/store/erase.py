"""Erasing a device's data for good: what a device reported lost does at its next contact with the server.

Every row goes, in one transaction (``UnitOfWork.erase_every_row``); then ``scrub_files`` rewrites the file without
its free pages (``VACUUM``) and truncates the write-ahead log, so deleted rows linger neither in free pages nor in
the log, and removes every wrap of the data key, so even a copy of the file taken earlier can no longer be opened
on this device's say-so.
"""

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from app.store.keyring import Keyring
from app.store.models import Base

if TYPE_CHECKING:  # the database's unit of work calls in here
    from app.store.db import DeviceDatabase


def delete_every_row(tx: Session) -> None:
    """Empty every table of the device schema (children before parents), in the caller's transaction."""
    for table in reversed(Base.metadata.sorted_tables):
        tx.execute(table.delete())


def scrub_files(db: "DeviceDatabase") -> None:
    """After ``delete_every_row``: rewrite the file without its free pages, empty the write-ahead log (outside any
    transaction), and remove every wrap of the data key kept beside the database."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        connection.close()
    Keyring(db.path.parent).destroy()


def remove_wrap(db: "DeviceDatabase", user_id: str) -> None:
    """Remove ``user_id``'s wrap of the data key, if this device holds one."""
    Keyring(db.path.parent).remove(user_id)
