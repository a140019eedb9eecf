"""Every connection to the device file is set up so a saved record survives a crash and writers wait their turn."""

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Connection, event, text
from sqlalchemy.exc import IntegrityError

from app.store.db import DeviceDatabase
from app.store.models import SyncStateRow

FULL = 2


def settings_of(connection: Connection) -> dict[str, object]:
    return {
        name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
    }


def assert_durable_settings(settings: dict[str, object]) -> None:
    assert settings["journal_mode"] == "wal"
    assert settings["synchronous"] == FULL
    assert settings["foreign_keys"] == 1
    assert isinstance(settings["busy_timeout"], int)
    assert settings["busy_timeout"] > 0


def test_a_connection_is_in_wal_with_full_sync_foreign_keys_and_a_busy_timeout(device_db: DeviceDatabase) -> None:
    with device_db.engine.connect() as connection:
        assert_durable_settings(settings_of(connection))


def test_a_second_pooled_connection_gets_the_same_settings(device_db: DeviceDatabase) -> None:
    first, second = device_db.engine.raw_connection(), device_db.engine.raw_connection()
    try:
        assert first.dbapi_connection is not second.dbapi_connection
        for pooled in (first, second):
            cursor = pooled.cursor()
            settings = {
                name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
            cursor.close()
            assert_durable_settings(settings)
    finally:
        first.close()
        second.close()


def test_the_orm_sessions_use_configured_connections(device_db: DeviceDatabase) -> None:
    with device_db.sessions() as tx:
        assert_durable_settings(settings_of(tx.connection()))
    with device_db.reads() as tx:
        assert_durable_settings(settings_of(tx.connection()))


def test_the_file_itself_stays_in_wal_mode_for_any_reader(device_db: DeviceDatabase) -> None:
    raw = sqlite3.connect(device_db.path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_foreign_keys_are_enforced(device_db: DeviceDatabase) -> None:
    with device_db.engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(
            text("INSERT INTO client_search_term (term, sort_key, client_id) VALUES ('amal', 'haddad amal', 'nobody')")
        )


def test_a_second_writer_waits_for_the_first_instead_of_failing(tmp_path: Path) -> None:
    """Sync in the background and a worker saving at the same moment must both succeed, one after the other."""
    database = DeviceDatabase(tmp_path / "outpost.sqlite3")
    first_has_lock, second_asks, release_first = threading.Event(), threading.Event(), threading.Event()
    outcomes: list[str] = []

    def note_second_asking(_connection, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement == "BEGIN IMMEDIATE" and threading.current_thread().name == "second-writer":
            second_asks.set()

    event.listen(database.engine, "before_cursor_execute", note_second_asking)

    def slow_writer() -> None:
        with database.sessions.begin() as tx:
            tx.add(SyncStateRow(key="first", value="1"))
            tx.flush()
            first_has_lock.set()
            release_first.wait(timeout=60)

    def second_writer() -> None:
        first_has_lock.wait(timeout=60)
        with database.sessions.begin() as tx:
            tx.add(SyncStateRow(key="second", value="2"))
        outcomes.append("second saved")

    threads = [threading.Thread(target=slow_writer), threading.Thread(target=second_writer, name="second-writer")]
    for thread in threads:
        thread.start()
    assert second_asks.wait(timeout=60), "the second writer never asked for the write lock"
    release_first.set()  # the second writer is at BEGIN IMMEDIATE, behind the first
    for thread in threads:
        thread.join(timeout=60)

    with database.sessions() as tx:
        keys = set(tx.scalars(text("SELECT key FROM sync_state")))
    database.close()
    assert outcomes == ["second saved"]
    assert keys == {"first", "second"}


def test_reading_does_not_wait_for_a_sync_that_is_writing(device_db: DeviceDatabase) -> None:
    """Search as you type must stay instant while a sync page is being written: the read finishes while the write
    is still open (had it waited, it would have waited for good, and seen the write's value)."""
    with device_db.sessions.begin() as tx:
        tx.add(SyncStateRow(key="cursor", value="before"))
    writing, done_reading = threading.Event(), threading.Event()

    def sync_page() -> None:
        with device_db.sessions.begin() as tx:
            tx.merge(SyncStateRow(key="cursor", value="after"))
            tx.flush()
            writing.set()
            done_reading.wait(timeout=60)

    writer = threading.Thread(target=sync_page)
    writer.start()
    assert writing.wait(timeout=60)
    with device_db.reads() as tx:
        seen = tx.get(SyncStateRow, "cursor")
    still_writing = writer.is_alive()
    done_reading.set()
    writer.join(timeout=60)

    assert seen is not None
    assert seen.value == "before", "a reader sees the last committed state, not a write in progress"
    assert still_writing, "the read waited until the write gave up"


def test_a_long_read_does_not_hold_up_a_save(device_db: DeviceDatabase) -> None:
    """A save while a read is open in the same thread: had it to wait for the read, it could only fail."""
    with device_db.reads() as reading:
        reading.get(SyncStateRow, "cursor")
        with device_db.sessions.begin() as tx:
            tx.add(SyncStateRow(key="saved", value="yes"))
    with device_db.reads() as tx:
        assert tx.get(SyncStateRow, "saved") is not None
