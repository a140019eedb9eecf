"""The sync engine against an in-memory server: what the worker's device holds after each kind of answer."""

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from app.domain.sessions import Referral, ServiceForm, Session
from app.i18n import translator
from app.store import repository
from app.store.db import DeviceDatabase
from app.store.models import LanguageRow, OutboxRow, SessionRow, SiteRow, WorkerRow
from app.store.repositories import SyncKey, SyncStateRepository
from app.ui.messages import error_text
from app.usecases.attention import pending_items
from protocol.records import client_to_wire, session_to_wire
from sync.engine import SyncEngine, SyncReport
from sync.lock import DeviceSyncLock, SyncBusy
from sync.transport import SERVER_FAILED, Offline, ProtocolError, ServerError

Save = Callable[..., Session]


def outbox(db: DeviceDatabase) -> list[OutboxRow]:
    with db.reads() as tx:
        return list(tx.scalars(select(OutboxRow).order_by(OutboxRow.seq)))


def local_session(db: DeviceDatabase, session_id: str = "session-1") -> Session | None:
    with db.reads() as tx:
        return repository.get_session(tx, session_id)


def cursor(db: DeviceDatabase) -> str:
    with db.reads() as tx:
        return repository.get_state(tx, SyncKey.CURSOR)


class TestPush:
    def test_an_applied_change_leaves_the_outbox_and_the_record_takes_the_servers_version(self, device_db, engine,
                                                                                         server, save):  # fmt: skip
        save(notes="Met at the library")

        report = engine.sync()

        assert report.applied == 1
        assert outbox(device_db) == []
        assert server.record("session", "session-1")["notes"] == "Met at the library"
        assert local_session(device_db).version == 1

    def test_changes_go_oldest_first_and_one_edit_per_record_per_batch(self, device_db, engine, server, save,
                                                                       register):  # fmt: skip
        save(notes="first")
        register(id="client-9", first_name="Nadia")
        save(notes="second")

        engine.sync()

        sent = [[(change["id"], change["data"].get("notes")) for change in push] for push in server.pushes]
        assert sent == [[("session-1", "first"), ("client-9", None)], [("session-1", "second")]]

    def test_a_later_edit_is_rebased_on_the_version_its_earlier_edit_got(self, device_db, engine, server, save):
        save(notes="first")
        save(notes="second")

        report = engine.sync()

        assert report.conflicts == 0
        assert [change["base_version"] for push in server.pushes for change in push] == [None, 1]
        assert server.record("session", "session-1")["notes"] == "second"
        assert local_session(device_db).version == 2

    def test_an_edit_of_a_synced_record_is_sent_against_the_version_it_started_from(self, device_db, engine, server,
                                                                                    save):  # fmt: skip
        save(notes="first")
        engine.sync()
        save(notes="edited")

        engine.sync()

        assert server.pushes[-1][0]["base_version"] == 1
        assert server.record("session", "session-1")["version"] == 2

    def test_a_push_that_fails_records_the_attempt_and_stops_the_sync(self, device_db, engine, server, transport, save):
        save()
        transport.failures["push"].append(ServerError(SERVER_FAILED, http_status=503))

        with pytest.raises(ServerError):
            engine.sync()

        [entry] = outbox(device_db)
        assert (entry.attempts, entry.state) == (1, "pending")
        [waiting] = pending_items(device_db)
        assert error_text(waiting.last_problem, translator("fr")) == "Le serveur a eu un problème (erreur 503)."
        assert server.pulls == []  # nothing pulled after a failed push

    def test_a_reply_lost_after_the_server_committed_creates_no_duplicate_on_retry(self, device_db, engine, server,
                                                                                   transport, save):  # fmt: skip
        save()
        transport.replies_to_lose = 1

        with pytest.raises(Offline):
            engine.sync()
        engine.sync()

        statuses = [server.applied_ops[change["op_id"]]["version"] for push in server.pushes for change in push]
        assert statuses == [1, 1]  # the same op_id twice, one version: the second was answered "duplicate"
        assert server.record("session", "session-1")["version"] == 1
        assert outbox(device_db) == []
        assert local_session(device_db).version == 1

    def test_a_rejected_change_needs_attention_with_the_servers_reasons_and_does_not_block_others(
        self, device_db, engine, server, save, register
    ):
        save()
        register(id="client-9")
        server.refuse(
            lambda change: change["id"] == "session-1", [{"field": "site_code", "message": "Site N-001 is closed."}]
        )

        report = engine.sync()

        [entry] = outbox(device_db)
        assert (entry.record_id, entry.state, entry.problem) == ("session-1", "needs_attention", "rejected")
        assert entry.errors == [{"field": "site_code", "message": "Site N-001 is closed."}]
        assert server.record("client", "client-9") is not None
        assert (report.applied, report.rejected) == (1, 1)

    def test_a_rejected_change_is_not_sent_again_as_it_is(self, engine, server, save):
        save()
        server.refuse(lambda change: True, [{"field": "staff", "message": "Not allowed."}])
        engine.sync()

        engine.sync()

        assert len(server.pushes) == 1

    def test_a_rejected_change_replaced_by_a_later_save_makes_way_for_it(self, device_db, engine, server, save):
        save(notes="bad")
        save(notes="fixed")
        server.refuse(lambda change: change["data"]["notes"] == "bad", [{"field": "notes", "message": "No."}])

        engine.sync()

        assert outbox(device_db) == []
        assert server.record("session", "session-1")["notes"] == "fixed"

    def test_a_conflict_shows_the_servers_version_and_keeps_the_local_edit(self, device_db, engine, server, save,
                                                                           make_session):  # fmt: skip
        save(notes="mine")
        engine.sync()
        theirs = session_to_wire(replace(make_session(), notes="theirs"))
        server.put("session", "session-1", theirs)  # another device's edit: version 2
        save(notes="mine, edited offline")

        report = engine.sync()

        assert report.conflicts == 1
        [entry] = outbox(device_db)
        assert (entry.state, entry.problem) == ("needs_attention", "conflict")
        assert entry.payload["notes"] == "mine, edited offline"
        assert entry.server_record["notes"] == "theirs"
        shown = local_session(device_db)
        assert (shown.notes, shown.version) == ("theirs", 2)

    def test_later_edits_of_a_conflicting_record_are_kept_as_one_local_version(self, device_db, engine, server, save,
                                                                               make_session):  # fmt: skip
        save(notes="v1")
        engine.sync()
        server.put("session", "session-1", session_to_wire(replace(make_session(), notes="theirs")))
        save(notes="mine 1")
        save(notes="mine 2")

        engine.sync()

        [entry] = outbox(device_db)
        assert (entry.problem, entry.payload["notes"]) == ("conflict", "mine 2")
        assert len(server.pushes) == 2  # the second local edit was never sent against the stale version

    def test_results_without_a_usable_status_change_nothing(self, device_db, engine, server, save):
        save()
        server.push = lambda changes: [{"op_id": changes[0]["op_id"], "status": "maybe"}]  # type: ignore[method-assign]

        with pytest.raises(ProtocolError):
            engine.sync()

        [entry] = outbox(device_db)
        assert entry.state == "pending"

    def test_a_big_outbox_goes_in_batches_of_the_configured_size(self, device_db, transport, server, register):
        for number in range(7):
            register(id=f"client-{number}", first_name=f"Name{number}")
        engine = SyncEngine(device_db, transport, device_id="device-a", batch_size=3)

        engine.sync()

        assert [len(push) for push in server.pushes] == [3, 3, 1]
        assert outbox(device_db) == []

    def test_a_push_too_large_for_the_server_goes_again_in_halves(self, device_db, transport, server, register):
        for number in range(6):
            register(id=f"client-{number}", first_name=f"Name{number}")
        server.max_push_bytes = len(json.dumps(outbox(device_db)[0].payload)) * 4  # about three clients fit

        SyncEngine(device_db, transport, device_id="device-a").sync()

        assert server.too_large == [6]
        assert [len(push) for push in server.pushes] == [3, 3]
        assert outbox(device_db) == []

    def test_one_change_too_large_for_any_push_waits_for_the_worker_and_the_rest_go(self, device_db, transport,
                                                                                   server, save, register):  # fmt: skip
        register(id="client-before")
        save(notes="x" * 9_000)
        register(id="client-after")
        server.max_push_bytes = 5_000

        report = SyncEngine(device_db, transport, device_id="device-a").sync()

        [entry] = outbox(device_db)
        assert (entry.record_id, entry.state, entry.problem) == ("session-1", "needs_attention", "rejected")
        assert [(error["code"], error["params"]) for error in entry.errors] == [
            ("push.change.too_large", {"limit": 16})
        ]
        assert {change["id"] for push in server.pushes for change in push} == {"client-before", "client-after"}
        assert report.rejected == 1


class TestPull:
    def test_reference_lists_clients_and_sessions_arrive(self, device_db, engine, server, make_client, make_session):
        server.put("site", "N-001", {"code": "N-001", "name": "North Library", "address": "12 King St", "active": True})
        server.put("worker", "wlee", {"user_id": "wlee", "name": "Wen Lee", "role": "worker", "active": True})
        server.put("language", "ar", {"code": "ar", "name": "Arabic"})
        server.put("service_location_type", "shelter", {"code": "shelter", "label": "Shelter"})
        server.put("agency", "agency-north", {"id": "agency-north", "name": "North Centre"})
        server.put("client", "client-1", client_to_wire(make_client(first_name="Nguyễn")))
        server.put("session", "session-1", session_to_wire(make_session(notes="from the server")))

        report = engine.sync()

        assert report.pulled == 7
        with device_db.reads() as tx:
            assert tx.get(SiteRow, "N-001").name == "North Library"
            assert repository.get_client(tx, "client-1").first_name == "Nguyễn"
            assert [row.id for row in repository.search_clients(tx, "ngu", limit=5)] == ["client-1"]
        assert local_session(device_db).notes == "from the server"
        assert local_session(device_db).service_forms[0].status == "complete"

    def test_pulled_records_read_back_exactly_as_the_server_sent_them(self, device_db, engine, server, make_client,
                                                                      make_session):  # fmt: skip
        client = make_client(
            preferred_name="Lulu", gender="female", arrival_date=date(2020, 1, 2), family_code="F-ABCD2345",
            client_identifier="AB-77", created_by="wlee", created_at="2025-01-01T10:00:00Z",
        )  # fmt: skip
        session = make_session(
            session_type="group_activity", activity_name="Tax clinic", staff=["wlee", "jdoe"], languages=["en", "ar"],
            delivery_methods=["in_person", "staff_led_online"], interpreter_present=True, interpreters=2,
            service_forms=[
                ServiceForm(id="form-1", client_id="client-1", service_type="needs_assessment",
                            services=["na_housing", "na_health"], client_attended=True, private=True, notes="private",
                            referrals=[Referral(to="Food bank", reason="food", follow_up_date=date(2025, 4, 1)),
                                       Referral(to="Clinic", reason="checkup")]),
                ServiceForm(id="form-2", client_id="client-2"),
            ],
        )  # fmt: skip
        server.put("client", client.id, client_to_wire(client))
        server.put("session", session.id, session_to_wire(session))

        engine.sync()

        with device_db.reads() as tx:
            assert repository.get_client(tx, client.id) == replace(client, version=1)
            assert tx.get(SessionRow, session.id).complete is False  # the second form is unfinished
        assert local_session(device_db) == replace(session, version=1)

    def test_a_deactivated_site_or_worker_leaves_the_pickers_but_keeps_its_name(self, device_db, engine, server):
        server.put("site", "N-001", {"code": "N-001", "name": "North Library", "active": True})
        server.put("worker", "mroy", {"user_id": "mroy", "name": "Marc Roy", "active": True})
        engine.sync()
        server.put("site", "N-001", op="delete")
        server.put("worker", "mroy", op="delete")

        engine.sync()

        with device_db.reads() as tx:
            assert (tx.get(SiteRow, "N-001").name, tx.get(SiteRow, "N-001").active) == ("North Library", False)
            assert tx.get(WorkerRow, "mroy").active is False

    def test_a_changed_reference_row_is_replaced_and_a_removed_language_goes(self, device_db, engine, server):
        server.put("site", "N-001", {"code": "N-001", "name": "North Library", "address": "12 King St"})
        server.put("worker", "mroy", {"user_id": "mroy", "name": "Marc Roy", "active": False})
        server.put("language", "ar", {"code": "ar", "name": "Arabic"})
        server.put("language", "fr", {"code": "fr", "name": "French"})
        engine.sync()
        server.put("site", "N-001", {"code": "N-001", "name": "North Branch Library"})
        server.put("worker", "mroy", {"user_id": "mroy", "name": "Marc Roy", "role": "supervisor", "active": True})
        server.put("language", "fr", op="delete")

        engine.sync()

        with device_db.reads() as tx:
            site, worker = tx.get_one(SiteRow, "N-001"), tx.get_one(WorkerRow, "mroy")
            assert (site.name, site.address, site.active) == ("North Branch Library", "", True)
            assert (worker.role, worker.active) == ("supervisor", True)
            assert tx.scalars(select(LanguageRow.code)).all() == ["ar"]

    def test_a_session_tombstone_removes_it_from_the_device(self, device_db, engine, server, make_session):
        server.put("session", "session-1", session_to_wire(make_session()))
        engine.sync()
        server.put("session", "session-1", op="delete")

        engine.sync()

        assert local_session(device_db) is None

    def test_pages_are_followed_until_the_server_has_no_more(self, device_db, transport, server, make_client):
        for number in range(5):
            server.put("client", f"c{number}", client_to_wire(make_client(id=f"c{number}")))
        engine = SyncEngine(device_db, transport, device_id="device-a", pull_limit=2)

        report = engine.sync()

        assert (report.pages, report.pulled) == (3, 5)
        assert server.pulls == [None, "2:5", "4:5"]  # a first pull's cursors say where it began, until its end
        assert cursor(device_db) == "5"

    def test_an_interrupted_pull_resumes_after_the_last_page_it_stored(self, device_db, transport, server,
                                                                       make_client):  # fmt: skip
        for number in range(5):
            server.put("client", f"c{number}", client_to_wire(make_client(id=f"c{number}")))
        engine = SyncEngine(device_db, transport, device_id="device-a", pull_limit=2)
        calls = []

        def drop_the_second_page() -> None:
            calls.append(1)
            if len(calls) == 2:
                raise Offline("The network went away.")

        transport.pull_hook = drop_the_second_page
        with pytest.raises(Offline):
            engine.sync()
        assert cursor(device_db) == "2:5"
        transport.pull_hook = None

        engine.sync()

        assert server.pulls == [None, "2:5", "4:5"]  # the failed call never reached the server
        with device_db.reads() as tx:
            assert all(repository.get_client(tx, f"c{n}") for n in range(5))

    def test_a_record_with_an_unsynced_edit_is_not_overwritten(self, device_db, engine, server, transport, save,
                                                               make_session):  # fmt: skip
        server.put("session", "session-1", session_to_wire(make_session(notes="theirs")))
        save(notes="mine, not yet sent")
        transport.failures["push"].append(Offline("no network"))
        with pytest.raises(Offline):
            engine.sync()

        engine.pull(SyncReport())

        assert local_session(device_db).notes == "mine, not yet sent"

    def test_a_refused_edit_is_not_overwritten_either(self, device_db, engine, server, save, make_session):
        save(notes="mine")
        server.refuse(lambda change: True, [{"field": "notes", "message": "No."}])
        engine.sync()
        server.put("session", "session-1", session_to_wire(make_session(notes="theirs")))

        report = engine.sync()

        assert local_session(device_db).notes == "mine"
        assert report.kept_local == 1

    def test_a_record_in_conflict_keeps_following_the_server(self, device_db, engine, server, save, make_session):
        save(notes="v1")
        engine.sync()
        server.put("session", "session-1", session_to_wire(make_session(notes="theirs")))
        save(notes="mine")
        engine.sync()
        server.put("session", "session-1", session_to_wire(make_session(notes="theirs, later")))

        engine.sync()

        [entry] = outbox(device_db)
        assert (entry.server_record["notes"], entry.server_record["version"]) == ("theirs, later", 3)
        assert local_session(device_db).notes == "theirs, later"
        assert entry.payload["notes"] == "mine"

    def test_an_expired_cursor_pulls_everything_again_and_keeps_the_outbox(self, device_db, engine, server, save,
                                                                           make_client):  # fmt: skip
        server.put("client", "c1", client_to_wire(make_client(id="c1")))
        engine.sync()
        server.put("client", "c2", client_to_wire(make_client(id="c2")))
        server.oldest_cursor = 2  # the device's cursor "1" is older than the server keeps
        server.refuse(lambda change: True, [{"field": "notes", "message": "No."}])
        save()

        report = engine.sync()

        assert report.full_pull
        assert server.pulls[-2:] == ["1", None]
        assert [entry.problem for entry in outbox(device_db)] == ["rejected"]
        with device_db.reads() as tx:
            assert repository.get_client(tx, "c1") and repository.get_client(tx, "c2")

    def test_after_a_410_what_the_full_pull_no_longer_names_leaves_the_device_but_queued_work_stays(
        self, device_db, engine, server, save, register, make_client, make_session
    ):
        for key in ("kept", "forgotten"):
            server.put("client", key, client_to_wire(make_client(id=key)))
        server.put("session", "off-staff", session_to_wire(make_session(id="off-staff", service_forms=[])))
        engine.sync()
        register(id="registered-offline")
        save(id="saved-offline")
        server.forget("client", "forgotten")  # e.g. taken off a session, the removal forgotten by the server
        server.forget("session", "off-staff")
        server.put("client", "new-on-server", client_to_wire(make_client(id="new-on-server")))
        server.oldest_cursor = server.seq  # the device's cursor is older than what the server still keeps
        server.refuse(lambda change: True, [{"field": "notes", "message": "No."}])

        report = engine.sync()

        assert report.full_pull and report.removed == 2
        with device_db.reads() as tx:
            assert all(repository.get_client(tx, key) for key in ("kept", "new-on-server", "registered-offline"))
            assert repository.get_client(tx, "forgotten") is None
            assert {row.id for row in tx.scalars(select(SessionRow))} == {"saved-offline"}
        assert {entry.record_id for entry in outbox(device_db)} == {"registered-offline", "saved-offline"}

    def test_a_full_pull_cut_off_part_way_still_drops_what_it_did_not_name_when_it_ends(
        self, device_db, transport, server, make_client
    ):
        for key in ("a", "b", "c", "gone"):
            server.put("client", key, client_to_wire(make_client(id=key)))
        engine = SyncEngine(device_db, transport, device_id="device-a", pull_limit=1)
        engine.sync()
        server.forget("client", "gone")
        server.put("client", "d", client_to_wire(make_client(id="d")))
        server.oldest_cursor = server.seq
        pulls = iter([None, None, Offline("cut")])  # the 410, the first page, then the link is cut

        def cut_after_the_first_page() -> None:
            failure = next(pulls, None)
            if failure is not None:
                raise failure

        transport.pull_hook = cut_after_the_first_page
        with pytest.raises(Offline):
            engine.sync()
        with device_db.reads() as tx:
            assert repository.get_client(tx, "gone") is not None  # not before the full pull has ended

        report = engine.sync()

        assert not report.full_pull and report.removed == 1
        with device_db.reads() as tx:
            assert repository.get_client(tx, "gone") is None
            assert all(repository.get_client(tx, key) for key in "abcd")

    def test_a_server_that_refuses_the_cursors_of_a_pull_from_the_beginning_too_ends_the_sync(
        self, device_db, transport, server, make_client
    ):
        for key in ("a", "b"):
            server.put("client", key, client_to_wire(make_client(id=key)))
        engine = SyncEngine(device_db, transport, device_id="device-a", pull_limit=1)
        engine.sync()
        server.oldest_cursor = server.seq + 1  # not what a real server does: every cursor is too old

        with pytest.raises(ProtocolError):
            engine.sync()

    def test_a_page_and_its_cursor_are_stored_together_or_not_at_all(self, device_db, engine, server, make_client,
                                                                     monkeypatch):  # fmt: skip
        server.put("client", "c1", client_to_wire(make_client(id="c1")))

        def fail_to_store(*args: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(SyncStateRepository, "set", fail_to_store)
        with pytest.raises(OSError):
            engine.sync()

        assert cursor(device_db) == ""
        with device_db.reads() as tx:
            assert repository.get_client(tx, "c1") is None

    def test_an_unreadable_record_is_skipped_and_counted(self, device_db, engine, server, make_client):
        server.put("client", "c1", client_to_wire(make_client(id="c1")))
        server.put("session", "s-bad", {"id": "s-bad", "staff": "wlee"})  # staff must be a list

        report = engine.sync()

        assert (report.pulled, report.unreadable) == (1, 1)
        assert local_session(device_db, "s-bad") is None


class TestOneSyncAtATime:
    def test_a_second_sync_of_the_same_database_does_nothing_while_one_runs(self, device_db, engine, server, save):
        save()
        with DeviceSyncLock(device_db.path), pytest.raises(SyncBusy):
            engine.sync()

        assert server.pushes == []
        engine.sync()
        assert len(server.pushes) == 1
