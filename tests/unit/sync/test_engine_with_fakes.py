"""The sync engine against in-memory units of work and the fake server: the engine's decisions, without SQLite."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from unit.fakes import FakeDatabase
from unit.sync.conftest import FakeServer, FakeTransport

from app.domain.clients import Client
from app.domain.errors import FieldError
from app.domain.sessions import Session
from app.store.outbox import NEEDS_ATTENTION, attempt_problem
from app.store.repositories import SyncKey
from app.usecases.context import Actor
from app.usecases.sessions import save_session
from protocol.records import client_to_wire
from sync.engine import SyncEngine, SyncReport
from sync.transport import Offline

TODAY = date(2025, 3, 11)


@pytest.fixture
def fake_db(tmp_path: Path) -> FakeDatabase:
    return FakeDatabase(tmp_path / "device.sqlite3")


@pytest.fixture
def fake_engine(fake_db: FakeDatabase, transport: FakeTransport) -> SyncEngine:
    return SyncEngine(fake_db, transport, device_id="device-a")


def test_an_applied_change_leaves_the_outbox_and_its_record_takes_the_server_version(
    fake_db: FakeDatabase, fake_engine: SyncEngine, server: FakeServer, worker: Actor,
    make_session: Callable[..., Session],
) -> None:  # fmt: skip
    saved = save_session(fake_db, worker, make_session(), today=TODAY)

    report = fake_engine.sync()

    assert report.applied == 1
    assert fake_db.stored.outbox == {}
    assert fake_db.stored.sessions[saved.id].version == 1
    assert server.record("session", saved.id) is not None


def test_a_refused_change_waits_for_the_worker_with_the_servers_reasons(
    fake_db: FakeDatabase, fake_engine: SyncEngine, server: FakeServer, worker: Actor,
    make_session: Callable[..., Session],
) -> None:  # fmt: skip
    server.refuse(lambda change: True, [{"field": "site_code", "message": "Site N-001 is closed."}])
    save_session(fake_db, worker, make_session(), today=TODAY)

    report = fake_engine.sync()

    [entry] = fake_db.stored.outbox.values()
    assert report.rejected == 1
    assert (entry.state, entry.errors) == (
        NEEDS_ATTENTION,
        [{"field": "site_code", "message": "Site N-001 is closed."}],
    )


def test_a_failed_push_keeps_the_change_and_notes_the_attempt(
    fake_db: FakeDatabase, fake_engine: SyncEngine, transport: FakeTransport, worker: Actor,
    make_session: Callable[..., Session],
) -> None:  # fmt: skip
    save_session(fake_db, worker, make_session(), today=TODAY)
    transport.failures["push"].append(Offline("no network"))

    with pytest.raises(Offline):
        fake_engine.sync()

    [entry] = fake_db.stored.outbox.values()
    assert (entry.attempts, attempt_problem(entry.last_error)) == (1, FieldError("", "no network"))


def test_a_pull_stores_the_records_and_the_cursor_together(
    fake_db: FakeDatabase, fake_engine: SyncEngine, server: FakeServer, make_client: Callable[..., Client]
) -> None:
    server.put("client", "c1", client_to_wire(make_client(id="c1")))
    server.put("site", "N-001", {"name": "North library", "address": "", "active": True})

    report = fake_engine.sync()

    assert report.pulled == 2
    assert set(fake_db.stored.clients) == {"c1"}
    assert fake_db.stored.reference["site"]["N-001"]["name"] == "North library"
    assert fake_db.stored.state[SyncKey.CURSOR] == "2"


def test_a_pulled_merge_moves_local_and_queued_service_forms_to_the_survivor(
    fake_db: FakeDatabase, fake_engine: SyncEngine, server: FakeServer, worker: Actor,
    make_client: Callable[..., Client], make_session: Callable[..., Session],
) -> None:  # fmt: skip
    for client_id in ("merged", "survivor"):
        server.put("client", client_id, client_to_wire(make_client(id=client_id)))
    fake_engine.sync()
    server.merge("merged", "survivor")
    session = make_session()
    form = replace(session.service_forms[0], client_id="merged")
    save_session(fake_db, worker, replace(session, service_forms=[form]), today=TODAY)  # queued, not yet sent

    fake_engine.pull(SyncReport())

    assert set(fake_db.stored.clients) == {"survivor"}
    assert [f.client_id for f in fake_db.stored.sessions[session.id].service_forms] == ["survivor"]
    [entry] = fake_db.stored.outbox.values()
    assert [f["client_id"] for f in entry.payload["service_forms"]] == ["survivor"]


def test_after_a_410_what_the_full_pull_no_longer_names_leaves_and_queued_work_stays(
    fake_db: FakeDatabase, fake_engine: SyncEngine, server: FakeServer, worker: Actor,
    make_client: Callable[..., Client], make_session: Callable[..., Session],
) -> None:  # fmt: skip
    for client_id in ("kept", "forgotten"):
        server.put("client", client_id, client_to_wire(make_client(id=client_id)))
    fake_engine.sync()
    saved = save_session(fake_db, worker, make_session(), today=TODAY)
    server.refuse(lambda change: True, [{"field": "notes", "message": "No."}])  # it stays queued for the worker
    server.forget("client", "forgotten")  # a removal the server has since forgotten
    server.oldest_cursor = server.seq + 1

    report = fake_engine.sync()

    assert report.full_pull and report.removed == 1
    assert set(fake_db.stored.clients) == {"kept"}
    assert set(fake_db.stored.sessions) == {saved.id}
    assert fake_db.stored.full_pull_named is None
