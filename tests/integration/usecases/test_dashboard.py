"""My Dashboard, Find Activity and a client's history: the right sessions, newest first, a page at a time."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from app.domain.clients import Client
from app.domain.sessions import ServiceForm, Session
from app.store.db import DeviceDatabase
from app.usecases.context import Actor, NotAllowed
from app.usecases.sessions import (
    SessionFilter,
    list_agency_sessions,
    list_client_sessions,
    list_my_sessions,
    open_service_forms,
    search_group_activities,
    sessions_of_client,
)

Register = Callable[..., Client]
Record = Callable[..., Session]
FIRST_DAY = date(2025, 1, 1)


def complete_form(client_id: str, form_id: str) -> list[ServiceForm]:
    return [
        ServiceForm(
            id=form_id, client_id=client_id, service_type="employment", services=["em_resume"], status="complete"
        )
    ]


@pytest.fixture
def client(register: Register) -> Client:
    return register(first_name="Amal", last_name="Haddad")


@pytest.fixture
def twenty_five_days(record: Record, client: Client) -> list[Session]:
    """One session a day from 1 January; the 1st, 4th, 7th... are complete (9 green, 16 pink)."""
    sessions = []
    for day in range(25):
        forms = {"service_forms": complete_form(client.id, f"done-{day}")} if day % 3 == 0 else {}
        sessions.append(record(client.id, service_date=FIRST_DAY + timedelta(days=day), **forms))
    return sessions


class TestMyDashboard:
    def test_twenty_five_sessions_come_as_a_page_of_twenty_then_five(
        self, db: DeviceDatabase, worker: Actor, twenty_five_days: list[Session]
    ) -> None:
        first, second = list_my_sessions(db, worker, page=0), list_my_sessions(db, worker, page=1)

        assert (len(first.items), first.total, first.has_next) == (20, 25, True)
        assert (len(second.items), second.total, second.has_next) == (5, 25, False)
        assert {row.id for row in first.items + second.items} == {session.id for session in twenty_five_days}

    def test_newest_sessions_come_first_across_pages(
        self, db: DeviceDatabase, worker: Actor, twenty_five_days: list[Session]
    ) -> None:
        rows = list_my_sessions(db, worker, page=0).items + list_my_sessions(db, worker, page=1).items
        days = [row.service_date for row in rows if row.service_date]

        assert days[0] == FIRST_DAY + timedelta(days=24)
        assert days == sorted(days, reverse=True)

    def test_incomplete_only_hides_the_green_sessions(
        self, db: DeviceDatabase, worker: Actor, twenty_five_days: list[Session]
    ) -> None:
        page = list_my_sessions(db, worker, SessionFilter(incomplete_only=True), page_size=100)

        assert page.total == 16
        assert {row.id for row in page.items} == {s.id for s in twenty_five_days if not s.complete}

    def test_a_date_range_includes_both_ends(
        self, db: DeviceDatabase, worker: Actor, twenty_five_days: list[Session]
    ) -> None:
        page = list_my_sessions(db, worker, SessionFilter(date_from=date(2025, 1, 10), date_to=date(2025, 1, 12)))

        assert [row.service_date for row in page.items] == [date(2025, 1, 12), date(2025, 1, 11), date(2025, 1, 10)]
        assert not page.has_next

    def test_only_sessions_where_the_worker_is_staff_are_listed(
        self, db: DeviceDatabase, worker: Actor, colleague: Actor, record: Record, client: Client
    ) -> None:
        mine = record(client.id)
        theirs = record(client.id, actor=colleague)
        shared = record(None, actor=colleague, session_type="group_activity", activity_name="Job fair",
                        staff=["jdoe", "wlee"])  # fmt: skip

        assert {row.id for row in list_my_sessions(db, worker).items} == {mine.id, shared.id}
        assert {row.id for row in list_my_sessions(db, colleague).items} == {theirs.id, shared.id}

    def test_a_row_shows_clients_type_site_colour_and_sync_state(
        self, db: DeviceDatabase, worker: Actor, record: Record, client: Client
    ) -> None:
        record(client.id, site_code="N-002")

        (row,) = list_my_sessions(db, worker).items

        assert (row.client_names, row.session_type, row.site_code) == (["Amal Haddad"], "direct_service", "N-002")
        assert not row.complete
        assert row.waiting_to_sync

    def test_a_worker_with_no_sessions_sees_an_empty_first_page(self, db: DeviceDatabase, worker: Actor) -> None:
        page = list_my_sessions(db, worker)

        assert (page.items, page.total, page.has_next) == ([], 0, False)


class TestAgencySessions:
    @pytest.fixture
    def supervisor(self, worker: Actor) -> Actor:
        return Actor(user_id="ayusuf", name="Amina Yusuf", role="supervisor", agency_id=worker.agency_id)

    @pytest.fixture
    def agency(self, record: Record, client: Client, colleague: Actor) -> dict[str, Session]:
        """Sessions of two workers at two sites; the supervisor is on the staff of none of them."""
        return {
            "mine_north": record(client.id, service_date=date(2025, 2, 1)),
            "mine_shelter": record(
                client.id,
                service_date=date(2025, 2, 3),
                site_code="N-002",
                service_forms=complete_form(client.id, "done"),
            ),
            "theirs_shelter": record(client.id, actor=colleague, service_date=date(2025, 2, 2), site_code="N-002"),
            "theirs_north": record(client.id, actor=colleague, service_date=date(2025, 2, 4)),
        }

    def test_a_supervisor_sees_every_session_on_the_device_newest_first(
        self, db: DeviceDatabase, supervisor: Actor, agency: dict[str, Session]
    ) -> None:
        page = list_agency_sessions(db, supervisor)

        newest_first = ("theirs_north", "mine_shelter", "theirs_shelter", "mine_north")
        assert [row.id for row in page.items] == [agency[name].id for name in newest_first]
        assert page.total == 4

    @pytest.mark.parametrize(
        ("chosen", "listed"),
        [
            (SessionFilter(staff="jdoe"), {"theirs_shelter", "theirs_north"}),
            (SessionFilter(site_code="N-002"), {"mine_shelter", "theirs_shelter"}),
            (SessionFilter(site_code="N-002", incomplete_only=True), {"theirs_shelter"}),
            (SessionFilter(staff="wlee", date_from=date(2025, 2, 2)), {"mine_shelter"}),
            (SessionFilter(staff="jdoe", site_code="N-001", incomplete_only=True, date_to=date(2025, 2, 3)), set()),
        ],
    )
    def test_the_filters_narrow_the_list_together(
        self, db: DeviceDatabase, supervisor: Actor, agency: dict[str, Session], chosen: SessionFilter,
        listed: set[str],
    ) -> None:  # fmt: skip
        page = list_agency_sessions(db, supervisor, chosen)

        assert {row.id for row in page.items} == {agency[name].id for name in listed}
        assert page.total == len(listed)

    def test_a_field_worker_is_not_shown_the_agency_list(
        self, db: DeviceDatabase, worker: Actor, agency: dict[str, Session]
    ) -> None:
        with pytest.raises(NotAllowed):
            list_agency_sessions(db, worker)

    def test_the_agency_list_pages_through_every_session(
        self, db: DeviceDatabase, supervisor: Actor, twenty_five_days: list[Session]
    ) -> None:
        pages = [list_agency_sessions(db, supervisor, page=number, page_size=10) for number in range(3)]

        assert [len(page.items) for page in pages] == [10, 10, 5]
        assert [page.has_next for page in pages] == [True, True, False]
        assert len({row.id for page in pages for row in page.items}) == 25


class TestFindActivity:
    @pytest.fixture
    def activities(self, record: Record, client: Client) -> dict[str, Session]:
        group = {"session_type": "group_activity"}
        return {
            "jobs": record(None, activity_name="Job Search Club", service_date=date(2025, 2, 1), **group),
            "cv": record(None, activity_name="CV clinic: jobs in health", service_date=date(2025, 2, 8), **group),
            "tax": record(None, activity_name="Tax clinic", service_date=date(2025, 2, 3), **group),
            "direct": record(client.id, activity_name="jobs", service_date=date(2025, 2, 9)),
        }

    def test_group_activities_are_found_by_part_of_their_name_newest_first(
        self, db: DeviceDatabase, activities: dict[str, Session]
    ) -> None:
        found = search_group_activities(db, "JOB")

        assert [row.id for row in found] == [activities["cv"].id, activities["jobs"].id]
        assert found[0].activity_name == "CV clinic: jobs in health"

    def test_one_letter_or_an_unknown_name_finds_nothing(
        self, db: DeviceDatabase, activities: dict[str, Session]
    ) -> None:
        assert search_group_activities(db, "j") == []
        assert search_group_activities(db, "yoga") == []

    def test_percent_and_underscore_are_matched_literally(
        self, db: DeviceDatabase, activities: dict[str, Session]
    ) -> None:
        assert search_group_activities(db, "%%") == []
        assert search_group_activities(db, "b_s") == []


def test_a_clients_history_lists_only_their_sessions_newest_first(
    db: DeviceDatabase, register: Register, record: Record, client: Client
) -> None:
    other = register(first_name="Omar", last_name="Saleh")
    older = record(client.id, service_date=date(2025, 2, 1))
    newer = record(client.id, service_date=date(2025, 2, 20))
    record(other.id, service_date=date(2025, 2, 10))

    assert [row.id for row in sessions_of_client(db, client.id)] == [newer.id, older.id]
    assert [row.client_names for row in sessions_of_client(db, other.id)] == [["Omar Saleh"]]
    assert sessions_of_client(db, "nobody") == []


def test_a_clients_past_sessions_come_a_page_at_a_time(
    db: DeviceDatabase, client: Client, twenty_five_days: list[Session]
) -> None:
    first, second = list_client_sessions(db, client.id), list_client_sessions(db, client.id, page=1)

    assert (len(first.items), len(second.items), first.total, first.has_next, second.has_next) == (
        20,
        5,
        25,
        True,
        False,
    )
    assert first.items[0].service_date == FIRST_DAY + timedelta(days=24)
    assert {row.id for row in first.items + second.items} == {session.id for session in twenty_five_days}


class TestOpenServiceForms:
    def test_an_open_form_behind_ten_newer_complete_sessions_is_still_listed(
        self, db: DeviceDatabase, record: Record, client: Client
    ) -> None:
        forgotten = record(client.id, service_date=FIRST_DAY)
        for day in range(1, 11):
            record(client.id, service_date=FIRST_DAY + timedelta(days=day),
                   service_forms=complete_form(client.id, f"done-{day}"))  # fmt: skip

        (open_form,) = open_service_forms(db, client.id)

        assert (open_form.session.id, open_form.form_id) == (forgotten.id, forgotten.service_forms[0].id)
        assert {gap.field for gap in open_form.missing} == {"service_type", "status"}

    def test_only_this_clients_unfinished_forms_are_listed_newest_first(
        self, db: DeviceDatabase, register: Register, record: Record, client: Client
    ) -> None:
        brother = register(first_name="Karim", last_name="Haddad")
        older = record(client.id, service_date=date(2025, 2, 1))
        hers_done_his_open = [*complete_form(client.id, "hers"), ServiceForm(id="his", client_id=brother.id)]
        newer = record(brother.id, service_date=date(2025, 2, 20), service_forms=hers_done_his_open)
        newest = record(client.id, service_date=date(2025, 3, 1))

        assert [item.session.id for item in open_service_forms(db, client.id)] == [newest.id, older.id]
        assert [item.form_id for item in open_service_forms(db, brother.id)] == ["his"]
        assert newer.id not in {item.session.id for item in open_service_forms(db, client.id)}
