"""The Session form's rules as a worker meets them: what must be filled, and what the form refuses."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from app.domain.codes import DELIVERY_METHODS
from app.domain.fields import SESSION_FIELDS, labels
from app.domain.sessions import (
    MAX_INTERPRETERS,
    MAX_SERVICE_MINUTES,
    KnownCodes,
    Referral,
    ServiceForm,
    Session,
    service_time_errors,
    validate_session,
)

TODAY = date(2025, 3, 10)
MakeSession = Callable[..., Session]


def fields_of(session: Session, *, today: date = TODAY, known: KnownCodes | None = None) -> set[str]:
    return {error.field for error in validate_session(session, today=today, known=known)}


def group_activity(make_session: MakeSession, **changes: object) -> Session:
    values: dict[str, object] = {"session_type": "group_activity", "activity_name": "Renting in Canada"}
    return make_session(**(values | changes))


def test_a_fully_filled_session_has_no_errors(make_session: MakeSession) -> None:
    assert validate_session(make_session(), today=TODAY) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"session_type": None}, "session_type"),
        ({"session_type": "home_visit"}, "session_type"),
        ({"service_date": None}, "service_date"),
        ({"site_code": None}, "site_code"),
        ({"site_code": ""}, "site_code"),
        ({"delivery_methods": []}, "delivery_methods"),
        ({"service_location_type": None}, "service_location_type"),
        ({"interpreter_present": None}, "interpreter_present"),
        ({"service_minutes": 0}, "service_minutes"),
        ({"languages": []}, "languages"),
        ({"staff": []}, "staff"),
        ({"service_forms": []}, "service_forms"),
    ],
)
def test_a_missing_required_field_is_reported_on_that_field(
    make_session: MakeSession, change: dict[str, object], field: str
) -> None:
    assert fields_of(make_session(**change)) == {field}


def test_every_problem_is_reported_at_once_with_its_field_name() -> None:
    blank = Session(id="s", agency_id="a", created_by="wlee")

    assert fields_of(blank) == {
        "session_type",
        "service_date",
        "site_code",
        "delivery_methods",
        "service_location_type",
        "interpreter_present",
        "service_minutes",
        "languages",
        "staff",
        "service_forms",
    }


def test_problems_in_the_session_and_its_service_forms_come_back_together(make_session: MakeSession) -> None:
    form = ServiceForm(id="f", client_id="c", service_type="employment", services=["io_housing"], status="done")
    session = make_session(site_code=None, languages=[], service_forms=[form])

    assert fields_of(session) == {"site_code", "languages", "service_forms[0].services", "service_forms[0].status"}


def test_each_error_says_what_is_wrong_in_words(make_session: MakeSession) -> None:
    errors = validate_session(make_session(service_date=None, staff=[]), today=TODAY)

    assert all(len(error.message.split()) >= 3 for error in errors)


class TestServiceDate:
    def test_today_is_accepted(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(service_date=TODAY)) == set()

    def test_a_past_date_is_accepted(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(service_date=TODAY - timedelta(days=400))) == set()

    def test_tomorrow_is_refused(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(service_date=TODAY + timedelta(days=1))) == {"service_date"}

    def test_future_is_judged_against_the_given_today(self, make_session: MakeSession) -> None:
        session = make_session(service_date=date(2025, 6, 1))

        assert fields_of(session, today=date(2025, 5, 31)) == {"service_date"}
        assert fields_of(session, today=date(2025, 6, 1)) == set()


class TestInterpreters:
    @pytest.mark.parametrize("count", [1, 2, MAX_INTERPRETERS])
    def test_yes_with_a_count_of_at_least_one_is_accepted(self, make_session: MakeSession, count: int) -> None:
        assert fields_of(make_session(interpreter_present=True, interpreters=count)) == set()

    @pytest.mark.parametrize("count", [0, -1, MAX_INTERPRETERS + 1])
    def test_yes_needs_a_sensible_number_of_interpreters(self, make_session: MakeSession, count: int) -> None:
        assert fields_of(make_session(interpreter_present=True, interpreters=count)) == {"interpreters"}

    def test_no_with_zero_is_accepted(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(interpreter_present=False, interpreters=0)) == set()

    def test_no_with_interpreters_counted_is_refused(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(interpreter_present=False, interpreters=1)) == {"interpreters"}


class TestServiceTime:
    @pytest.mark.parametrize(("hours", "minutes"), [(0, 1), (0, 59), (1, 0), (2, 30)])
    def test_hours_and_minutes_adding_up_to_more_than_zero_are_accepted(self, hours: int, minutes: int) -> None:
        assert service_time_errors(hours, minutes) == []

    @pytest.mark.parametrize("minutes", [60, 90, -1, None])
    def test_minutes_must_be_between_0_and_59(self, minutes: int | None) -> None:
        assert {e.field for e in service_time_errors(1, minutes)} == {"service_minutes"}

    @pytest.mark.parametrize("hours", [-1, None])
    def test_hours_must_be_zero_or_more(self, hours: int | None) -> None:
        assert {e.field for e in service_time_errors(hours, 15)} == {"service_hours"}

    def test_zero_hours_and_zero_minutes_is_refused(self) -> None:
        assert {e.field for e in service_time_errors(0, 0)} == {"service_minutes"}

    def test_bad_hours_and_bad_minutes_are_both_reported(self) -> None:
        assert {e.field for e in service_time_errors(-2, 75)} == {"service_hours", "service_minutes"}

    def test_a_whole_day_is_the_longest_session(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(service_minutes=MAX_SERVICE_MINUTES)) == set()
        assert fields_of(make_session(service_minutes=MAX_SERVICE_MINUTES + 1)) == {"service_minutes"}

    def test_negative_total_is_refused(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(service_minutes=-30)) == {"service_minutes"}


class TestDeliveryMethodsAndLanguages:
    def test_every_listed_delivery_method_may_be_ticked_together(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(delivery_methods=list(DELIVERY_METHODS))) == set()

    def test_an_unlisted_delivery_method_is_refused(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(delivery_methods=["in_person", "carrier_pigeon"])) == {"delivery_methods"}

    def test_a_delivery_method_ticked_twice_is_refused(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(delivery_methods=["in_person", "in_person"])) == {"delivery_methods"}

    def test_several_languages_are_accepted(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(languages=["en", "ar", "fr"])) == set()

    def test_a_language_listed_twice_is_refused(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(languages=["ar", "ar"])) == {"languages"}


class TestStaffInvolved:
    @pytest.mark.parametrize("session_type", ["direct_service", "language_training"])
    def test_more_than_one_worker_is_refused_outside_group_activities(
        self, make_session: MakeSession, session_type: str
    ) -> None:
        assert fields_of(make_session(session_type=session_type, staff=["wlee", "jdoe"])) == {"staff"}

    def test_a_group_activity_may_list_several_workers(self, make_session: MakeSession) -> None:
        assert fields_of(group_activity(make_session, staff=["wlee", "jdoe", "mroy"])) == set()

    def test_the_same_worker_twice_is_refused(self, make_session: MakeSession) -> None:
        assert fields_of(group_activity(make_session, staff=["wlee", "wlee"])) == {"staff"}


class TestGroupActivity:
    @pytest.mark.parametrize("name", ["", "   "])
    def test_a_group_activity_needs_a_name(self, make_session: MakeSession, name: str) -> None:
        assert fields_of(group_activity(make_session, activity_name=name)) == {"activity_name"}

    def test_other_session_types_need_no_activity_name(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(session_type="language_training", activity_name="")) == set()

    def test_a_group_activity_may_be_saved_before_participants_are_added(self, make_session: MakeSession) -> None:
        assert fields_of(group_activity(make_session, service_forms=[])) == set()


class TestClientsInTheSession:
    def test_the_same_client_twice_is_refused(self, make_session: MakeSession) -> None:
        forms = [ServiceForm(id="f1", client_id="c1"), ServiceForm(id="f2", client_id="c1")]

        assert fields_of(make_session(service_forms=forms)) == {"service_forms"}

    def test_family_members_each_with_a_form_are_accepted(self, make_session: MakeSession) -> None:
        forms = [ServiceForm(id="f1", client_id="mother"), ServiceForm(id="f2", client_id="son")]

        assert fields_of(make_session(service_forms=forms)) == set()

    def test_services_must_belong_to_the_chosen_service_type(self, make_session: MakeSession) -> None:
        form = ServiceForm(id="f", client_id="c", service_type="support_services", services=["io_housing"])

        assert fields_of(make_session(service_forms=[form])) == {"service_forms[0].services"}

    def test_a_referral_must_say_who_the_client_was_referred_to(self, make_session: MakeSession) -> None:
        referrals = [Referral(to="Food bank", reason="groceries"), Referral(to=" ", reason="housing")]
        forms = [
            ServiceForm(id="f1", client_id="c1"),
            ServiceForm(id="f2", client_id="c2", referrals=referrals),
        ]

        assert fields_of(make_session(service_forms=forms)) == {"service_forms[1].referrals[1].to"}


def test_session_notes_have_a_length_limit(make_session: MakeSession) -> None:
    assert fields_of(make_session(notes="x" * 10_000)) == set()
    assert fields_of(make_session(notes="x" * 10_001)) == {"notes"}


class TestKnownCodes:
    KNOWN = KnownCodes(
        sites=["N-001"], service_location_types=["agency_office"], languages=["en", "ar"], workers=["wlee", "jdoe"]
    )

    def test_codes_on_the_reference_lists_are_accepted(self, make_session: MakeSession) -> None:
        session = group_activity(make_session, languages=["ar", "en"], staff=["jdoe", "wlee"])

        assert fields_of(session, known=self.KNOWN) == set()

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"site_code": "S-999"}, "site_code"),
            ({"service_location_type": "moon_base"}, "service_location_type"),
            ({"languages": ["en", "xx"]}, "languages"),
            ({"staff": ["ghost"]}, "staff"),
        ],
    )
    def test_a_code_missing_from_its_reference_list_is_refused(
        self, make_session: MakeSession, change: dict[str, object], field: str
    ) -> None:
        session = make_session(**change)

        assert fields_of(session, known=self.KNOWN) == {field}
        assert fields_of(session, known=KnownCodes()) == set(), "lists not yet synced must not block offline work"

    def test_all_unknown_codes_are_reported_together(self, make_session: MakeSession) -> None:
        session = make_session(site_code="S-9", service_location_type="moon", languages=["xx"], staff=["ghost"])

        assert fields_of(session, known=self.KNOWN) == {"site_code", "service_location_type", "languages", "staff"}


def test_codes_the_edited_version_already_uses_stay_valid_after_they_are_deactivated(
    make_session: MakeSession,
) -> None:
    recorded = make_session(site_code="TOR-001", languages=["fa"])
    closed_site_only_known = KnownCodes(sites={"MTL-001"}, languages={"en"})

    edit = make_session(site_code="TOR-001", languages=["fa"], notes="Follow-up added later")
    assert validate_session(edit, today=TODAY, known=closed_site_only_known, previous=recorded) == []

    moved = make_session(site_code="OTT-009", languages=["fa"])
    fields = {e.field for e in validate_session(moved, today=TODAY, known=closed_site_only_known, previous=recorded)}
    assert fields == {"site_code"}


class TestUnnamedParticipants:
    """A Group Activity counts the people who came without being registered as clients."""

    def test_a_group_activity_with_only_unnamed_participants_is_complete(self, make_session: MakeSession) -> None:
        counted = group_activity(make_session, service_forms=[], unnamed_participants=12)
        assert validate_session(counted, today=TODAY) == []
        assert counted.complete
        assert not group_activity(make_session, service_forms=[], unnamed_participants=0).complete

    def test_the_count_stays_within_what_a_room_holds(self, make_session: MakeSession) -> None:
        [error] = validate_session(group_activity(make_session, unnamed_participants=1000), today=TODAY)
        assert (error.field, error.code, dict(error.params)) == (
            "unnamed_participants",
            "session.unnamed_participants.out_of_range",
            {"limit": 999},
        )
        assert fields_of(group_activity(make_session, unnamed_participants=-1)) == {"unnamed_participants"}

    def test_only_a_group_activity_counts_unnamed_participants(self, make_session: MakeSession) -> None:
        assert fields_of(make_session(unnamed_participants=3)) == {"unnamed_participants"}


def test_every_field_the_session_rules_name_is_in_the_field_table(make_session: MakeSession) -> None:
    """A problem always points at a field the form can name: the table holds every field a rule reports on."""
    named = labels(SESSION_FIELDS)
    wrong = make_session(
        session_type=None, service_date=None, site_code=None, delivery_methods=[], service_location_type=None,
        interpreter_present=True, interpreters=0, service_minutes=0, languages=[], staff=[], service_forms=[],
        notes="x" * 20_000, unnamed_participants=5,
    )  # fmt: skip
    reported = {error.field for error in validate_session(wrong, today=TODAY)}
    reported |= {error.field for error in service_time_errors(None, 99)}
    assert reported <= named.keys()
