"""Use cases against in-memory units of work: what they commit, what they queue, and what they leave alone."""

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from unit.fakes import FakeDatabase

from app.domain.clients import Client
from app.domain.errors import ValidationFailed
from app.domain.sessions import Session
from app.usecases.clients import register_client
from app.usecases.context import Actor
from app.usecases.sessions import save_session
from protocol.records import session_to_wire

TODAY = date(2025, 3, 11)


@pytest.fixture
def fake_db(tmp_path: Path) -> FakeDatabase:
    return FakeDatabase(tmp_path / "device.sqlite3")


def test_saving_a_session_commits_it_with_its_change_for_the_server(
    fake_db: FakeDatabase, worker: Actor, make_session: Callable[..., Session]
) -> None:
    saved = save_session(fake_db, worker, make_session(), today=TODAY)

    assert fake_db.stored.sessions[saved.id] == saved
    [entry] = fake_db.stored.outbox.values()
    assert (entry.entity, entry.record_id, entry.base_version) == ("session", saved.id, None)
    assert entry.payload == session_to_wire(saved)


def test_a_session_that_breaks_a_rule_is_neither_saved_nor_queued(
    fake_db: FakeDatabase, worker: Actor, make_session: Callable[..., Session]
) -> None:
    with pytest.raises(ValidationFailed):
        save_session(fake_db, worker, make_session(languages=[]), today=TODAY)

    assert fake_db.commits == 0
    assert fake_db.stored.sessions == {} and fake_db.stored.outbox == {}


def test_a_possible_duplicate_holds_the_registration_back(
    fake_db: FakeDatabase, worker: Actor, make_client: Callable[..., Client]
) -> None:
    register_client(fake_db, worker, make_client(id="c1"), today=TODAY)

    held = register_client(fake_db, worker, make_client(id="c2"), today=TODAY)

    assert not held.saved and [summary.id for summary in held.duplicates] == ["c1"]
    assert set(fake_db.stored.clients) == {"c1"}


def test_joining_a_family_gives_the_relative_a_code_and_queues_both_clients(
    fake_db: FakeDatabase, worker: Actor, make_client: Callable[..., Client]
) -> None:
    register_client(fake_db, worker, make_client(id="c1"), today=TODAY)

    joined = register_client(
        fake_db,
        worker,
        make_client(id="c2", first_name="Omar", phone=""),
        family_of="c1",
        ignore_duplicates=True,
        today=TODAY,
    ).client

    assert joined is not None and joined.family_code
    assert fake_db.stored.clients["c1"].family_code == joined.family_code
    assert [entry.record_id for entry in fake_db.stored.outbox.values()] == ["c1", "c1", "c2"]
