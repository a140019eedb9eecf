"""The unit of work on the real SQLite file: work is kept only when committed, and always with its outbox entry."""

from collections.abc import Callable

import pytest

from app.domain.sessions import Session
from app.store.db import DeviceDatabase


def stored(database: DeviceDatabase, session_id: str) -> tuple[Session | None, int]:
    with database.reading() as uow:
        return uow.sessions.get(session_id), sum(uow.outbox.counts().values())


def test_work_left_without_a_commit_is_rolled_back(
    device_db: DeviceDatabase, make_session: Callable[..., Session]
) -> None:
    with device_db.writing() as uow:
        uow.sessions.add(make_session(), now="2025-03-10T10:00:00+00:00")

    assert stored(device_db, "session-1") == (None, 0)


def test_work_that_raises_is_rolled_back(device_db: DeviceDatabase, make_session: Callable[..., Session]) -> None:
    with pytest.raises(RuntimeError), device_db.writing() as uow:
        uow.sessions.add(make_session(), now="2025-03-10T10:00:00+00:00")
        uow.sync_state.set("pull_cursor", "abc")
        raise RuntimeError("the app stopped half way")

    assert stored(device_db, "session-1") == (None, 0)
    with device_db.reading() as uow:
        assert uow.sync_state.get("pull_cursor") == ""


def test_a_commit_keeps_the_record_and_queues_its_change(
    device_db: DeviceDatabase, make_session: Callable[..., Session]
) -> None:
    session = make_session()
    with device_db.writing() as uow:
        uow.sessions.add(session, now="2025-03-10T10:00:00+00:00")
        uow.commit()

    assert stored(device_db, "session-1") == (session, 1)
