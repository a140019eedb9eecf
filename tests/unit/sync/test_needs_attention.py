"""Sync details: what a worker sees about waiting and refused changes, and what each choice does."""

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from app.store import repository
from app.store.db import DeviceDatabase
from app.store.models import OutboxRow
from app.store.repositories import SyncKey
from app.usecases.attention import (
    RecordTitle,
    discard,
    keep_mine,
    keep_server,
    needs_attention,
    pending_items,
    retry,
)
from app.usecases.context import NotFound
from app.usecases.sessions import load_session
from protocol.records import session_to_wire

REFUSAL = [{"field": "site_code", "message": "Site N-001 is closed."}]
SESSION_WITH_AMAL = RecordTitle(
    "session", session_type="direct_service", service_date=date(2025, 3, 10), people=("Amal Haddad",)
)


def outbox(db: DeviceDatabase) -> list[OutboxRow]:
    with db.reads() as tx:
        return list(tx.scalars(select(OutboxRow).order_by(OutboxRow.seq)))


@pytest.fixture
def conflict(device_db, engine, server, save, make_session, register):
    """A session edited here ("mine") while another device changed it on the server ("theirs", version 2)."""
    register(id="client-1", first_name="Amal", last_name="Haddad")
    save(notes="first")
    engine.sync()
    server.put("session", "session-1", session_to_wire(replace(make_session(), notes="theirs", service_minutes=90)))
    save(notes="mine")
    engine.sync()
    [item] = needs_attention(device_db)
    return item


@pytest.fixture
def rejection(device_db, engine, server, save, register):
    register(id="client-1", first_name="Amal", last_name="Haddad")
    server.refuse(lambda change: change["entity"] == "session", REFUSAL)
    save(notes="mine")
    engine.sync()
    [item] = needs_attention(device_db)
    return item


class TestWhatTheWorkerSees:
    def test_waiting_changes_are_listed_with_names_a_worker_recognises(self, device_db, save, register) -> None:
        register(id="client-1", first_name="Amal", last_name="Haddad")
        save()

        items = pending_items(device_db)

        assert [item.title for item in items] == [RecordTitle("client", name="Amal Haddad"), SESSION_WITH_AMAL]
        assert all(item.attempts == 0 for item in items)

    def test_a_refused_change_shows_the_servers_reasons(self, rejection) -> None:
        assert rejection.problem == "rejected"
        assert [(r.field, r.message) for r in rejection.reasons] == [("site_code", "Site N-001 is closed.")]
        assert rejection.title == SESSION_WITH_AMAL

    def test_a_conflict_shows_both_versions_and_where_they_differ(self, conflict) -> None:
        assert conflict.problem == "conflict"
        assert (conflict.mine["notes"], conflict.theirs["notes"]) == ("mine", "theirs")
        assert conflict.differences == ["notes", "service_minutes"]


class TestChoices:
    def test_keep_mine_sends_the_local_version_over_the_servers(self, device_db, engine, server, conflict) -> None:
        keep_mine(device_db, conflict.id)

        assert load_session(device_db, "session-1").notes == "mine"
        [entry] = outbox(device_db)
        assert (entry.state, entry.base_version) == ("pending", 2)
        engine.sync()
        assert server.record("session", "session-1")["notes"] == "mine"
        assert (outbox(device_db), needs_attention(device_db)) == ([], [])

    def test_keep_server_drops_the_local_edit_and_shows_the_servers(self, device_db, engine, server, conflict) -> None:
        keep_server(device_db, conflict.id)

        assert outbox(device_db) == []
        assert load_session(device_db, "session-1").notes == "theirs"
        engine.sync()
        assert server.record("session", "session-1")["notes"] == "theirs"

    def test_retry_sends_a_refused_change_again_under_a_new_op_id(self, device_db, engine, server, rejection) -> None:
        server.refusals.clear()  # e.g. the administrator reopened the site

        retry(device_db, rejection.id)
        engine.sync()

        first, second = (push[0]["op_id"] for push in server.pushes)
        assert first != second
        assert server.record("session", "session-1")["notes"] == "mine"
        assert outbox(device_db) == []

    def test_saving_the_record_again_replaces_the_refused_change(self, device_db, save, rejection) -> None:
        save(notes="fixed")

        assert needs_attention(device_db) == []
        assert [entry.payload["notes"] for entry in outbox(device_db)] == ["fixed"]

    def test_discarding_a_refused_new_record_removes_it_from_the_device(self, device_db, rejection) -> None:
        discard(device_db, rejection.id)

        assert outbox(device_db) == []
        with device_db.reads() as tx:
            assert repository.get_session(tx, "session-1") is None

    def test_discarding_a_refused_edit_fetches_the_servers_copy_again(self, device_db, engine, server, save) -> None:
        save(notes="first")
        engine.sync()
        server.refuse(lambda change: True, REFUSAL)
        save(notes="refused edit")
        engine.sync()
        [item] = needs_attention(device_db)

        discard(device_db, item.id)
        with device_db.reads() as tx:
            assert repository.get_state(tx, SyncKey.CURSOR) == ""
        engine.sync()

        assert load_session(device_db, "session-1").notes == "first"

    def test_a_choice_that_does_not_fit_the_problem_is_refused(self, device_db, conflict) -> None:
        with pytest.raises(NotFound):
            retry(device_db, conflict.id)
        with pytest.raises(NotFound):
            discard(device_db, conflict.id)
        assert len(needs_attention(device_db)) == 1
