"""Two (or three) real devices and the real server: records made offline reach everyone who should see them, once,
and nobody else; a client merged on the console reaches every tablet. Each test runs against a server on SQLite and
on PostgreSQL."""

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from integration.server.console_browser import ConsoleBrowser
from sqlalchemy import select
from sync_devices import COLLEAGUE, SUPERVISOR, WORKER, Device, unique

from app.i18n import translator
from app.store import repository
from app.store.models import ClientRow, OutboxRow, ServiceFormRow
from app.store.outbox import QueuedChange
from app.store.repositories import SyncKey
from app.ui.sync_words import headline
from app.usecases.accounts import (
    SignInFailed,
    current_actor,
    device_info,
    forget_worker,
    sign_in,
    sign_out,
    switch_worker,
    sync_engine_factory,
    wipe_device,
)
from app.usecases.attention import keep_mine, needs_attention
from app.usecases.clients import load_client, search_clients, update_client
from app.usecases.reference import load_reference_lists
from app.usecases.sessions import list_my_sessions, load_session, save_session
from protocol.enums import RefusalCode
from protocol.records import client_to_wire
from seed_data.reference import DEMO_PASSWORD
from sync.engine import SyncReport
from sync.runner import SyncRunner
from sync.status import SyncStatus
from sync.transport import HttpTransport, Offline

ENGLISH = translator("en")


class LosesReplies(HttpTransport):
    """Sends each push to the server, then fails as if the connection dropped before the answer arrived."""

    def push(self, device_id: str, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        super().push(device_id, changes)
        raise Offline("The connection dropped after the request was sent.")


def wait_for(condition: Callable[[], object], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("Not reached in time.")
        time.sleep(0.05)


def my_session_ids(device: Device) -> set[str]:
    return {item.id for item in list_my_sessions(device.db, device.worker, page_size=500).items}


def test_a_session_saved_offline_reaches_the_server_and_the_colleague_in_staff_involved(new_device, unreachable_url):
    tablet_a, tablet_b = new_device(WORKER), new_device(COLLEAGUE)
    client = tablet_a.register()
    session = tablet_a.record_session([client.id], staff=[WORKER, COLLEAGUE], notes="Saved in the library basement")
    with pytest.raises(Offline):
        tablet_a.sync(lambda url, token=None: HttpTransport(unreachable_url, token=token))
    assert [entry.attempts for entry in tablet_a.outbox()] == [1, 1]

    tablet_a.sync()
    tablet_b.sync()

    assert tablet_a.outbox() == []
    assert session.id in my_session_ids(tablet_b)
    arrived = load_session(tablet_b.db, session.id)
    assert (arrived.notes, arrived.version) == ("Saved in the library basement", 1)
    assert [form.client_id for form in arrived.service_forms] == [client.id]


def test_a_session_is_not_sent_to_a_worker_outside_staff_involved(new_device):
    tablet_a = new_device(WORKER)
    session = tablet_a.record_session([tablet_a.register().id])
    tablet_a.sync()

    tablet_b = new_device(COLLEAGUE)

    with tablet_b.db.reads() as tx:
        assert repository.get_session(tx, session.id) is None


def test_a_client_registered_on_one_device_is_found_by_search_on_another(new_device):
    tablet_a, tablet_b = new_device(WORKER), new_device(COLLEAGUE)
    surname = unique("Nguyễn")
    client = tablet_a.register(first_name="Thị Lan", last_name=surname)

    tablet_a.sync()
    tablet_b.sync()

    found = search_clients(tablet_b.db, f"lan {surname[:-3].replace('ễ', 'e')}")
    assert [summary.id for summary in found] == [client.id]


def test_pushing_the_same_batch_twice_creates_nothing_new(new_device, demo_server):
    tablet_a = new_device(WORKER)
    clients = [tablet_a.register(last_name=unique("Twice")) for _ in range(3)]
    changes = [
        {"op_id": entry.op_id, "entity": entry.entity, "id": entry.record_id, "base_version": None,
         "data": entry.payload}
        for entry in tablet_a.outbox()
    ]  # fmt: skip
    transport = HttpTransport(demo_server.url, token=tablet_a.token)
    device_id = "00000000-0000-4000-8000-00000000000a"

    first = transport.push(device_id, changes)
    second = transport.push(device_id, changes)

    assert [r["status"] for r in first] == ["applied"] * 3
    assert [r["status"] for r in second] == ["duplicate"] * 3
    assert [r["version"] for r in second] == [r["version"] for r in first] == [1, 1, 1]
    tablet_b = new_device(COLLEAGUE)
    for client in clients:
        assert [s.id for s in search_clients(tablet_b.db, client.last_name)] == [client.id]


def test_a_reply_lost_after_the_server_committed_then_a_retry_creates_no_duplicate(new_device):
    tablet_a = new_device(WORKER)
    client = tablet_a.register(last_name=unique("Dropped"))
    session = tablet_a.record_session([client.id])

    with pytest.raises(Offline):
        tablet_a.sync(LosesReplies)
    report = tablet_a.sync()

    assert report.applied == 2  # answered "duplicate": the server kept the first copy
    assert tablet_a.outbox() == []
    assert load_session(tablet_a.db, session.id).version == 1
    tablet_b = new_device(WORKER, name="same-worker-second-tablet")
    assert [s.id for s in search_clients(tablet_b.db, client.last_name)] == [client.id]
    assert load_session(tablet_b.db, session.id).version == 1


def test_two_devices_editing_one_session_lose_neither_edit(new_device):
    tablet_a, tablet_b = new_device(WORKER), new_device(COLLEAGUE)
    session = tablet_a.record_session([tablet_a.register().id], staff=[WORKER, COLLEAGUE])
    tablet_a.sync()
    tablet_b.sync()
    save_session(tablet_a.db, tablet_a.worker, replace(load_session(tablet_a.db, session.id), notes="A's notes"))
    save_session(tablet_b.db, tablet_b.worker, replace(load_session(tablet_b.db, session.id), notes="B's notes"))

    report_a = tablet_a.sync()
    report_b = tablet_b.sync()

    assert (report_a.applied, report_a.conflicts) == (1, 0)
    assert (report_b.applied, report_b.conflicts) == (0, 1)
    assert load_session(tablet_a.db, session.id).notes == "A's notes"
    assert load_session(tablet_b.db, session.id).notes == "A's notes"  # the server's version is shown on both
    [conflict] = needs_attention(tablet_b.db)
    assert (conflict.mine["notes"], conflict.theirs["notes"]) == ("B's notes", "A's notes")

    keep_mine(tablet_b.db, conflict.id)
    tablet_b.sync()
    tablet_a.sync()

    assert load_session(tablet_a.db, session.id).notes == "B's notes"
    assert load_session(tablet_a.db, session.id).version == 3


def test_a_rejected_record_does_not_block_the_next_and_a_closed_site_leaves_the_devices(new_device, demo_server):
    code = unique("TMP-").upper()
    csv = demo_server.log_path.with_name(f"{code}.csv")
    csv.write_text(f"code,name,address\n{code},Pop-up desk {code},1 Test Street\n")
    demo_server.admin("import-sites", "--agency", "maplebridge", str(csv))
    tablet_a = new_device(WORKER)
    client = tablet_a.register()
    doomed = tablet_a.record_session([client.id], site_code=code)
    demo_server.admin("deactivate-site", "--agency", "maplebridge", "--code", code)
    later = tablet_a.register(last_name=unique("After"))

    report = tablet_a.sync()

    assert (report.applied, report.rejected) == (2, 1)
    [refused] = needs_attention(tablet_a.db)
    assert refused.record_id == doomed.id
    assert any(reason.field == "site_code" for reason in refused.reasons)
    assert code not in {site.code for site in load_reference_lists(tablet_a.db).sites}
    assert [s.id for s in search_clients(new_device(COLLEAGUE).db, later.last_name)] == [later.id]


def test_another_agencys_worker_can_neither_read_nor_write(new_device, demo_server):
    agency = unique("other")
    outsider_id = unique("outsider")
    demo_server.admin("add-agency", "--id", agency, "--name", "Other Agency")
    demo_server.admin("add-worker", "--agency", agency, "--user-id", outsider_id, "--name", "Out Sider",
                      stdin="a long enough password\n")  # fmt: skip
    tablet_a = new_device(WORKER)
    client = tablet_a.register(last_name=unique("Private"))
    session = tablet_a.record_session([client.id])
    tablet_a.sync()

    outsider = Device(demo_server.log_path.parent / outsider_id, demo_server.url, "outsider-tablet")
    outsider.sign_in(outsider_id, "a long enough password")
    outsider.sync()
    assert search_clients(outsider.db, client.last_name) == []
    assert load_reference_lists(outsider.db).sites == []
    with outsider.db.writing() as uow:
        stolen = replace(client, first_name="Changed", version=1)
        uow.outbox.add(QueuedChange("client", client.id, 1, client_to_wire(stolen), ""))
        uow.commit()
    report = outsider.sync()
    outsider.db.close()

    assert report.rejected == 1
    tablet_a.sync()
    assert search_clients(tablet_a.db, client.last_name)[0].display_name.startswith(client.first_name)
    assert load_session(tablet_a.db, session.id).version == 1


def test_sign_in_works_offline_after_the_first_time_and_a_wrong_password_never_does(new_device, unreachable_url):
    tablet = new_device(WORKER)
    sign_out(tablet.db, HttpTransport)
    with pytest.raises(SignInFailed, match="Invalid user ID or password"):
        sign_in(tablet.db, HttpTransport, tablet.server_url, WORKER, "not the password", "tablet")

    with pytest.raises(SignInFailed, match="needs a connection for the first sign-in"):
        sign_in(tablet.db, HttpTransport, unreachable_url, WORKER, "outpost-demo", "tablet")
    tablet.sign_in(WORKER)
    signed_in = sign_in(tablet.db, HttpTransport, unreachable_url, WORKER, "outpost-demo", "tablet")

    assert not signed_in.online
    assert signed_in.actor.user_id == WORKER


def test_a_cursor_the_server_does_not_know_starts_a_full_pull(new_device):
    tablet = new_device(SUPERVISOR)
    with tablet.db.sessions.begin() as tx:
        repository.set_state(tx, SyncKey.CURSOR, "0123456789abcdef-1")

    report = tablet.sync()

    assert report.full_pull
    assert load_reference_lists(tablet.db).sites


def test_a_french_worker_reads_the_servers_reference_lists_in_french(new_device):
    tablet = new_device(WORKER)

    tablet.sync()

    english, french = load_reference_lists(tablet.db), load_reference_lists(tablet.db, french=True)
    assert (english.language_name("fr"), french.language_name("fr")) == ("French", "Français")
    assert {kind.code: kind.label for kind in french.location_types}["client_home"] == "Domicile du client"


def test_the_background_runner_syncs_a_save_and_reports_it(new_device):
    tablet_a = new_device(WORKER)
    statuses: list[SyncStatus] = []
    runner = SyncRunner(tablet_a.engine, on_status=statuses.append)
    tablet_a.register(last_name=unique("Runner"))
    runner.start()
    try:
        runner.trigger()
        wait_for(lambda: tablet_a.outbox() == [])
    finally:
        runner.stop()

    assert headline(statuses[-1], datetime.now(UTC), ENGLISH) == "Synced just now"


# --- a client registered twice, merged on the console ----------------------------------------------------------------


def _client_ids_in_forms(device, session_ids) -> set[str]:  # type: ignore[no-untyped-def]
    with device.db.reads() as tx:
        return set(tx.scalars(select(ServiceFormRow.client_id).where(ServiceFormRow.session_id.in_(session_ids))))


def _has_client(device, client_id: str) -> bool:  # type: ignore[no-untyped-def]
    with device.db.reads() as tx:
        return tx.get(ClientRow, client_id) is not None


def test_a_console_merge_reaches_two_tablets_and_queued_work_for_the_merged_client_goes_to_the_kept_one(
    new_device, demo_server
) -> None:
    first_name = unique("Olena")
    front_desk = new_device(WORKER, name="front-desk")
    outreach = new_device(COLLEAGUE, name="outreach")
    kept = front_desk.register(first_name=first_name, phone="")
    kept_visit = front_desk.record_session([kept.id])
    twin = outreach.register(first_name=first_name, phone="")
    twin_visit = outreach.record_session([twin.id])
    front_desk.sync()
    outreach.sync()
    front_desk.sync()  # now holds both records of the client

    # The outreach tablet goes offline and keeps working on the record it registered.
    update_client(outreach.db, outreach.worker, replace(load_client(outreach.db, twin.id), phone="613-555-0199"))
    queued_visit = outreach.record_session([twin.id])

    supervisor = ConsoleBrowser(base_url=demo_server.url).signed_in_as(SUPERVISOR, DEMO_PASSWORD)
    merge_page = f"/clients/merge?keep={kept.id}&merge={twin.id}"
    merged = supervisor.post("/clients/merge", {"keep": kept.id, "merge": twin.id}, form_on=merge_page)
    assert merged.status_code == 303, merged.text

    front_desk.sync()
    assert not _has_client(front_desk, twin.id)
    assert _client_ids_in_forms(front_desk, [kept_visit.id]) == {kept.id}

    report = outreach.sync()  # pushes the queued edit and session, then pulls the merge
    assert (report.rejected, report.conflicts) == (0, 0)
    assert outreach.outbox() == []
    assert not _has_client(outreach, twin.id)
    assert _client_ids_in_forms(outreach, [twin_visit.id, queued_visit.id]) == {kept.id}
    assert load_client(outreach.db, kept.id).phone == "613-555-0199"  # the queued edit, on the kept record

    front_desk.sync()
    assert load_client(front_desk.db, kept.id).phone == "613-555-0199"
    with front_desk.db.reads() as tx:
        assert tx.scalars(select(OutboxRow)).all() == []


def refusal_after_one_sync(device: Device) -> SyncStatus:
    """Run one sync with the app's own runner and return the status it reports."""
    statuses: list[SyncStatus] = []
    runner = SyncRunner(sync_engine_factory(device.db, HttpTransport), on_status=statuses.append)
    runner.sync_now()
    runner.run_due()
    return statuses[-1]


def test_a_revoked_tablet_is_refused_at_its_next_contact_and_wipes_itself(new_device, demo_server):
    tablet = new_device(WORKER, name="lost-tablet")
    client = tablet.register(last_name=unique("Zephyrine"))
    tablet.sync()
    device_id = device_info(tablet.db).device_id
    demo_server.admin("revoke-device", "--device-id", device_id)

    status = refusal_after_one_sync(tablet)
    assert (status.refused, status.needs_sign_in) == (RefusalCode.DEVICE_REVOKED, True)
    wipe_device(tablet.db)  # what the app does on that status

    assert search_clients(tablet.db, client.last_name) == []
    assert current_actor(tablet.db) is None
    assert device_info(tablet.db).device_id == device_id  # so every later sign-in from it is refused too
    folder = tablet.db.path.parent
    assert not any(client.last_name.encode() in path.read_bytes() for path in folder.iterdir() if path.is_file())
    with pytest.raises(SignInFailed, match="reported lost"):
        sign_in(tablet.db, HttpTransport, demo_server.url, WORKER, DEMO_PASSWORD, "lost-tablet")


def test_a_deactivated_workers_queued_work_arrives_before_the_device_forgets_them(new_device, demo_server,
                                                                                unreachable_url):  # fmt: skip
    colleague = new_device(WORKER)
    leaver_id = unique("leaver")
    demo_server.admin("add-worker", "--agency", colleague.worker.agency_id, "--user-id", leaver_id,
                      "--name", "Lea Ver", stdin="a long enough password\n")  # fmt: skip
    tablet = Device(demo_server.log_path.parent / leaver_id, demo_server.url, "leavers-tablet")
    tablet.sign_in(leaver_id, "a long enough password")
    tablet.sync()
    client = tablet.register(last_name=unique("Queued"))  # saved on the tablet only
    demo_server.admin("deactivate-worker", "--user-id", leaver_id)

    status = refusal_after_one_sync(tablet)
    assert status.refused == RefusalCode.WORKER_DEACTIVATED
    forget_worker(tablet.db, leaver_id)  # what the app does on that status

    colleague.sync()
    assert search_clients(colleague.db, client.last_name) != []
    assert current_actor(tablet.db) is None
    with pytest.raises(SignInFailed):
        sign_in(tablet.db, HttpTransport, unreachable_url, leaver_id, "a long enough password", "leavers-tablet")
    tablet.db.close()


def test_two_workers_on_one_tablet_each_reach_the_server_under_their_own_name(new_device):
    tablet = new_device(WORKER)
    client = tablet.register()
    his = tablet.record_session([client.id])  # queued, not yet sent
    switch_worker(tablet.db)
    tablet.sign_in(COLLEAGUE)
    tablet.engine().pull(SyncReport())  # her own copy of the server's data, while his change still waits
    hers = tablet.record_session([client.id])

    with tablet.db.reads() as tx:
        assert repository.get_session(tx, his.id) is None  # she is neither its creator nor on its staff
    assert {(entry.record_id, entry.author) for entry in tablet.outbox() if entry.entity == "session"} == {
        (his.id, WORKER), (hers.id, COLLEAGUE)}  # fmt: skip

    tablet.sync()

    assert tablet.outbox() == []  # the server took each session as its creator's (another's would be refused)
    with tablet.db.reads() as tx:
        assert repository.get_session(tx, his.id) is None
        assert repository.get_session(tx, hers.id) is not None
    his_other_tablet = new_device(WORKER)
    with his_other_tablet.db.reads() as tx:
        assert repository.get_session(tx, his.id).created_by == WORKER
        assert repository.get_session(tx, hers.id) is None
