"""Begin Session and Save Session: sensible defaults, one durable local write with its outbox entry, or nothing."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from app.domain.clients import Client
from app.domain.errors import ValidationFailed
from app.domain.sessions import ServiceForm, Session
from app.store.db import DeviceDatabase
from app.store.models import OutboxRow, SessionRow
from app.store.outbox import OutboxRepository
from app.usecases.context import Actor, NotFound
from app.usecases.sessions import (
    begin_session,
    list_my_sessions,
    load_session,
    save_service_form,
    save_session,
)
from protocol.records import session_to_wire

TODAY = date(2025, 3, 10)
Register = Callable[..., Client]
FillIn = Callable[..., Session]


def session_rows(db: DeviceDatabase) -> int:
    with db.reads() as tx:
        return tx.scalar(select(func.count()).select_from(SessionRow)) or 0


def outbox(db: DeviceDatabase) -> list[OutboxRow]:
    with db.reads() as tx:
        return list(tx.scalars(select(OutboxRow).order_by(OutboxRow.seq)))


@pytest.fixture
def client(register: Register) -> Client:
    return register()


class TestBeginSession:
    def test_a_new_session_starts_today_with_the_worker_and_the_clients_form(
        self, db: DeviceDatabase, worker: Actor, client: Client
    ) -> None:
        session = begin_session(db, worker, client.id, today=TODAY)

        assert session.service_date == TODAY
        assert session.staff == [worker.user_id]
        assert (session.agency_id, session.created_by) == (worker.agency_id, worker.user_id)
        assert [form.client_id for form in session.service_forms] == [client.id]
        assert session.interpreter_present is False  # "Interpreter Present" starts at "No"

    def test_a_group_activity_starts_without_a_client(self, db: DeviceDatabase, worker: Actor) -> None:
        session = begin_session(db, worker, session_type="group_activity", today=TODAY)

        assert (session.session_type, session.service_forms) == ("group_activity", [])

    def test_without_a_given_day_the_session_starts_on_the_devices_today(
        self, db: DeviceDatabase, worker: Actor, client: Client
    ) -> None:
        assert begin_session(db, worker, client.id).service_date == date.today()

    def test_beginning_writes_nothing_until_saved(self, db: DeviceDatabase, worker: Actor, client: Client) -> None:
        begin_session(db, worker, client.id, today=TODAY)

        assert (session_rows(db), len(outbox(db))) == (0, 1), "only the client's registration is queued"

    def test_a_client_not_on_the_device_cannot_start_a_session(self, db: DeviceDatabase, worker: Actor) -> None:
        with pytest.raises(NotFound):
            begin_session(db, worker, "no-such-client", today=TODAY)

    def test_each_new_session_gets_its_own_id(self, db: DeviceDatabase, worker: Actor, client: Client) -> None:
        first, second = begin_session(db, worker, client.id), begin_session(db, worker, client.id)

        assert first.id != second.id
        assert first.service_forms[0].id != second.service_forms[0].id


class TestSaveSession:
    def test_saving_stores_the_session_and_queues_exactly_one_change(
        self, db: DeviceDatabase, worker: Actor, client: Client, fill_in: FillIn
    ) -> None:
        before = len(outbox(db))
        session = fill_in(begin_session(db, worker, client.id, today=TODAY), notes="First meeting")

        saved = save_session(db, worker, session, today=TODAY)

        assert load_session(db, session.id) == saved
        assert saved.created_at and saved.updated_at
        (change,) = outbox(db)[before:]
        assert (change.entity, change.record_id, change.base_version, change.state) == (
            "session",
            session.id,
            None,
            "pending",
        )
        assert change.payload == session_to_wire(saved)

    def test_saving_again_updates_the_same_record_and_queues_the_new_values(
        self, db: DeviceDatabase, worker: Actor, client: Client, fill_in: FillIn
    ) -> None:
        session = fill_in(begin_session(db, worker, client.id, today=TODAY), service_minutes=30)
        first = save_session(db, worker, session, today=TODAY)

        second = save_session(db, worker, replace(first, service_minutes=90, notes="Added the call"), today=TODAY)

        assert session_rows(db) == 1
        changes = [change for change in outbox(db) if change.entity == "session"]
        assert len(changes) == 2
        assert (changes[1].payload["service_minutes"], changes[1].payload["notes"]) == (90, "Added the call")
        assert load_session(db, session.id).service_minutes == 90
        assert second.created_at == first.created_at

    def test_a_failure_between_the_session_and_its_outbox_entry_leaves_neither(
        self, db: DeviceDatabase, worker: Actor, client: Client, fill_in: FillIn, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        before = len(outbox(db))

        def disk_full(*_args: object, **_kwargs: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(OutboxRepository, "queue", disk_full)
        with pytest.raises(OSError, match="disk full"):
            save_session(db, worker, fill_in(begin_session(db, worker, client.id, today=TODAY)), today=TODAY)

        assert session_rows(db) == 0
        assert len(outbox(db)) == before

    def test_a_failed_re_save_keeps_the_previously_saved_version(
        self, db: DeviceDatabase, worker: Actor, client: Client, fill_in: FillIn, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        saved = save_session(db, worker, fill_in(begin_session(db, worker, client.id, today=TODAY)), today=TODAY)
        before = len(outbox(db))

        def disk_full(*_args: object, **_kwargs: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(OutboxRepository, "queue", disk_full)
        with pytest.raises(OSError):
            save_session(db, worker, replace(saved, service_minutes=240, languages=["ar"]), today=TODAY)

        assert load_session(db, saved.id) == saved
        assert len(outbox(db)) == before

    def test_an_invalid_session_reports_every_field_and_writes_nothing(
        self, db: DeviceDatabase, worker: Actor, client: Client, fill_in: FillIn
    ) -> None:
        before = len(outbox(db))
        session = fill_in(
            begin_session(db, worker, client.id, today=TODAY),
            session_type=None,
            delivery_methods=[],
            interpreter_present=True,
            interpreters=0,
            service_minutes=0,
            languages=[],
        )

        with pytest.raises(ValidationFailed) as failure:
            save_session(db, worker, session, today=TODAY)

        assert set(failure.value.by_field()) == {
            "session_type",
            "delivery_methods",
            "interpreters",
            "service_minutes",
            "languages",
        }
        assert (session_rows(db), len(outbox(db))) == (0, before)

    def test_a_future_service_date_is_refused(
        self, db: DeviceDatabase, worker: Actor, client: Client, fill_in: FillIn
    ) -> None:
        session = fill_in(begin_session(db, worker, client.id, today=TODAY), service_date=date(2025, 3, 11))

        with pytest.raises(ValidationFailed) as failure:
            save_session(db, worker, session, today=TODAY)

        assert set(failure.value.by_field()) == {"service_date"}

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"site_code": "N-999"}, "site_code"),
            ({"site_code": "N-003"}, "site_code"),
            ({"service_location_type": "moon_base"}, "service_location_type"),
            ({"languages": ["tlh"]}, "languages"),
        ],
    )
    def test_codes_must_be_on_the_synced_reference_lists(
        self,
        db: DeviceDatabase,
        worker: Actor,
        client: Client,
        fill_in: FillIn,
        change: dict[str, object],
        field: str,
    ) -> None:
        session = fill_in(begin_session(db, worker, client.id, today=TODAY), **change)

        with pytest.raises(ValidationFailed) as failure:
            save_session(db, worker, session, today=TODAY)

        assert set(failure.value.by_field()) == {field}

    def test_only_active_workers_may_be_added_to_staff(
        self, db: DeviceDatabase, worker: Actor, fill_in: FillIn
    ) -> None:
        activity = fill_in(begin_session(db, worker, today=TODAY), session_type="group_activity", activity_name="Jobs")

        save_session(db, worker, replace(activity, staff=["wlee", "jdoe"]), today=TODAY)
        with pytest.raises(ValidationFailed) as failure:
            save_session(db, worker, replace(activity, staff=["wlee", "mroy"]), today=TODAY)

        assert set(failure.value.by_field()) == {"staff"}


class TestCompletingServiceForms:
    @pytest.fixture
    def family_session(self, db: DeviceDatabase, worker: Actor, register: Register, fill_in: FillIn) -> Session:
        mother = register(first_name="Amal")
        son = register(first_name="Yusuf", family_of=mother.id)
        session = fill_in(begin_session(db, worker, mother.id, today=TODAY))
        session.service_forms.append(ServiceForm(id="son-form", client_id=son.id))
        return save_session(db, worker, session, today=TODAY)

    @staticmethod
    def dashboard_row_complete(db: DeviceDatabase, worker: Actor, session_id: str) -> bool:
        (row,) = [row for row in list_my_sessions(db, worker).items if row.id == session_id]
        return row.complete

    def test_marking_a_form_complete_with_gaps_names_what_is_missing_and_saves_nothing(
        self, db: DeviceDatabase, worker: Actor, family_session: Session
    ) -> None:
        form = replace(family_session.service_forms[0], service_type="employment")
        before = len(outbox(db))

        with pytest.raises(ValidationFailed) as failure:
            save_service_form(db, worker, family_session.id, form, complete=True, today=TODAY)

        assert set(failure.value.by_field()) == {"services", "status"}
        assert load_session(db, family_session.id).service_forms[0].service_type is None
        assert len(outbox(db)) == before

    def test_an_unfinished_form_can_be_saved_to_finish_later(
        self, db: DeviceDatabase, worker: Actor, family_session: Session
    ) -> None:
        form = replace(family_session.service_forms[0], service_type="employment", notes="Bring a résumé")

        save_service_form(db, worker, family_session.id, form, today=TODAY)

        stored = load_session(db, family_session.id).service_forms[0]
        assert (stored.service_type, stored.notes) == ("employment", "Bring a résumé")
        assert not self.dashboard_row_complete(db, worker, family_session.id)

    def test_the_dashboard_turns_complete_only_when_every_form_is_complete(
        self, db: DeviceDatabase, worker: Actor, family_session: Session
    ) -> None:
        mother_form, son_form = family_session.service_forms
        assert not self.dashboard_row_complete(db, worker, family_session.id)

        done = {"service_type": "information_orientation", "services": ["io_health"], "status": "complete"}
        save_service_form(db, worker, family_session.id, replace(mother_form, **done), complete=True, today=TODAY)
        assert not self.dashboard_row_complete(db, worker, family_session.id)

        save_service_form(db, worker, family_session.id, replace(son_form, **done), complete=True, today=TODAY)
        assert self.dashboard_row_complete(db, worker, family_session.id)
        assert load_session(db, family_session.id).complete

    def test_a_form_that_is_not_in_the_session_is_refused(
        self, db: DeviceDatabase, worker: Actor, family_session: Session
    ) -> None:
        stray = ServiceForm(id="stray", client_id=family_session.service_forms[0].client_id)

        with pytest.raises(NotFound):
            save_service_form(db, worker, family_session.id, stray, today=TODAY)
