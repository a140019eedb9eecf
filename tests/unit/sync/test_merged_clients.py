"""A supervisor merged a client registered twice: the device follows, and no work queued before it is lost.

The device learns of the merge from the merged client's tombstone or from the server's answer to a change it queued
for that client (docs/sync-protocol.md, *Merged clients*); either way its sessions then name the survivor.
"""

from collections.abc import Callable
from dataclasses import replace

import pytest
from unit.sync.conftest import FakeServer, FakeTransport

from app.domain.clients import Client
from app.domain.sessions import ServiceForm, Session
from app.store.db import DeviceDatabase
from app.usecases.attention import keep_mine, needs_attention
from app.usecases.clients import load_client, update_client
from app.usecases.context import Actor, NotFound
from app.usecases.sessions import load_session
from sync.engine import SyncEngine, SyncReport

MERGED, SURVIVOR = "client-1", "client-2"


@pytest.fixture
def merged_on_server(device_db, engine, server: FakeServer, register, save) -> FakeServer:
    """A client registered twice and a session for the one that gets merged, all synced; then the merge."""
    register(id=MERGED, first_name="Amal")
    register(id=SURVIVOR, first_name="Amal", last_name="Hadad")
    save()
    engine.sync()
    server.merge(MERGED, SURVIVOR)
    return server


def save_second_session(save: Callable[..., Session]) -> Session:
    """A session recorded offline for the merged client, after the merge."""
    form = ServiceForm(id="form-2", client_id=MERGED, service_type="information_orientation", services=["io_housing"],
                       status="complete")  # fmt: skip
    return save(id="session-2", service_forms=[form])


def form_clients(session: Session) -> list[str]:
    return [form.client_id for form in session.service_forms]


def test_a_pulled_merge_points_queued_sessions_at_the_survivor(
    device_db: DeviceDatabase, engine: SyncEngine, merged_on_server: FakeServer, save: Callable[..., Session]
) -> None:
    save_second_session(save)  # still queued

    engine.pull(SyncReport())

    assert form_clients(load_session(device_db, "session-1")) == [SURVIVOR]  # the server's new version
    assert form_clients(load_session(device_db, "session-2")) == [SURVIVOR]
    with pytest.raises(NotFound):
        load_client(device_db, MERGED)
    engine.sync()
    [sent] = merged_on_server.pushes[-1]
    assert (sent["id"], [form["client_id"] for form in sent["data"]["service_forms"]]) == ("session-2", [SURVIVOR])


def test_an_edit_of_a_merged_client_reaches_the_survivor_and_the_device_follows(
    device_db: DeviceDatabase, transport: FakeTransport, merged_on_server: FakeServer, worker: Actor,
    save: Callable[..., Session],
) -> None:  # fmt: skip
    update_client(device_db, worker, replace(load_client(device_db, MERGED), phone="416-555-0199"))
    save_second_session(save)
    one_change_a_push = SyncEngine(device_db, transport, device_id="device-a", batch_size=1)

    report = one_change_a_push.sync()

    assert (report.applied, report.conflicts, report.rejected) == (2, 0, 0)
    [_client_edit], [session_sent] = merged_on_server.pushes[-2:]
    assert [form["client_id"] for form in session_sent["data"]["service_forms"]] == [SURVIVOR]
    assert load_client(device_db, SURVIVOR).phone == "416-555-0199"
    with pytest.raises(NotFound):
        load_client(device_db, MERGED)
    assert form_clients(load_session(device_db, "session-2")) == [SURVIVOR]


def test_a_conflicting_edit_of_a_merged_client_is_kept_against_the_survivor(
    device_db: DeviceDatabase, engine: SyncEngine, server: FakeServer, worker: Actor, register, save,
    make_client: Callable[..., Client],
) -> None:  # fmt: skip
    register(id=MERGED, first_name="Amal")
    register(id=SURVIVOR, first_name="Amal", last_name="Hadad")
    engine.sync()
    server.put("client", MERGED, server.record("client", MERGED) | {"gender": "woman"})  # another tablet's edit
    server.merge(MERGED, SURVIVOR)
    update_client(device_db, worker, replace(load_client(device_db, MERGED), phone="416-555-0199"))

    report = engine.sync()

    assert report.conflicts == 1
    [item] = needs_attention(device_db)
    assert item.record_id == SURVIVOR
    assert load_client(device_db, SURVIVOR).last_name == "Hadad"  # the server's version shows until they choose
    with pytest.raises(NotFound):
        load_client(device_db, MERGED)
    keep_mine(device_db, item.id)
    engine.sync()
    assert server.record("client", SURVIVOR)["phone"] == "416-555-0199"
    assert needs_attention(device_db) == []
