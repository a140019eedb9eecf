"""What the session and service forms do with typed text and with the problems a save reports."""

from dataclasses import replace
from datetime import date

import pytest

from app.domain.errors import FieldError
from app.domain.reporting import client_report_gaps, service_form_report_gaps
from app.domain.sessions import Referral, validate_session
from app.i18n import translator
from app.ui.forms import (
    ReferralDraft,
    SessionDraft,
    describe_service_date,
    draft_from_session,
    error_summary,
    errors_of_service_form,
    family_shortcuts,
    interpreter_count,
    keep_offered_services,
    merge_errors,
    number_shown,
    parse_count,
    parse_follow_up_date,
    referral_drafts,
    referral_row_errors,
    referrals_from_drafts,
    remaining_options,
    report_marks,
    report_needs,
    service_form_problem_lines,
    service_minutes_from_text,
    session_from_draft,
    toggled,
    yes_no_key,
    yes_no_value,
)
from app.ui.messages import first_messages
from app.usecases.clients import ClientSummary
from app.usecases.reference import Option

TODAY = date(2025, 3, 10)
EN, FR = translator("en"), translator("fr")


@pytest.mark.parametrize(
    ("value", "shown"),
    [("0", ""), ("00", ""), ("", ""), ("5", "5"), ("50", "50"), (" 7 ", "7"), ("007", "007")],
)
def test_a_zero_is_left_to_the_hint_so_the_first_key_replaces_it(value: str, shown: str) -> None:
    assert number_shown(value) == shown


def test_blank_counts_as_zero_and_letters_as_unknown() -> None:
    assert parse_count("") == 0
    assert parse_count(" 12 ") == 12
    assert parse_count("1.5") is None
    assert parse_count("-3") is None


def test_hours_and_minutes_add_up_to_the_total_minutes() -> None:
    assert service_minutes_from_text("1", "30") == (90, [])
    assert service_minutes_from_text("", "45") == (45, [])


def test_minutes_over_59_are_refused_even_though_the_total_would_be_valid() -> None:
    minutes, errors = service_minutes_from_text("1", "75")
    assert minutes == 0
    assert [e.field for e in errors] == ["service_minutes"]
    assert "between 0 and 59" in errors[0].message


def test_zero_time_is_refused_at_the_minutes_field() -> None:
    minutes, errors = service_minutes_from_text("0", "0")
    assert minutes == 0
    assert [(e.field, e.code) for e in errors] == [("service_minutes", "session.service_minutes.missing")]


def test_unreadable_hours_are_named_at_the_hours_field() -> None:
    _, errors = service_minutes_from_text("1,5", "0")
    assert [e.field for e in errors] == ["service_hours"]


def test_no_interpreter_means_zero_whatever_the_field_still_shows() -> None:
    assert interpreter_count(False, "3") == 0
    assert interpreter_count(True, "2") == 2
    assert interpreter_count(True, "") == 0
    assert interpreter_count(None, "1") == 1


def test_a_draft_round_trips_a_saved_session(make_session) -> None:
    saved = make_session(service_minutes=135, interpreter_present=True, interpreters=2)
    draft = draft_from_session(saved)
    assert (draft.hours_text, draft.minutes_text, draft.interpreters_text) == ("2", "15", "2")
    rebuilt, problems = session_from_draft(draft)
    assert problems == []
    assert rebuilt == saved


def test_a_draft_with_a_bad_time_can_never_pass_the_session_rules(make_session) -> None:
    draft = SessionDraft(session=make_session(), hours_text="2", minutes_text="90", interpreters_text="0")
    rebuilt, problems = session_from_draft(draft)
    assert [p.field for p in problems] == ["service_minutes"]
    assert "service_minutes" in {e.field for e in validate_session(rebuilt, today=TODAY)}
    assert draft.minutes_text == "90", "the typed text stays for the worker to correct"


def test_the_typed_text_explains_time_problems_better_than_the_save() -> None:
    typed = [FieldError("service_hours", "Hours must be a whole number, 0 or more.")]
    from_save = [
        FieldError("site_code", "Press Find... to choose the Site."),
        FieldError("service_minutes", "Enter how long the service took (more than 0 minutes)."),
    ]
    merged = merge_errors(typed, from_save)
    assert [e.field for e in merged] == ["service_hours", "site_code"]


def test_without_typing_problems_the_save_errors_stand() -> None:
    from_save = [FieldError("service_minutes", "Service Time cannot be more than 24 hours.")]
    assert merge_errors([], from_save) == from_save


def test_each_field_shows_its_first_message() -> None:
    errors = [FieldError("staff", "first"), FieldError("staff", "second"), FieldError("languages", "other")]
    assert first_messages(errors, EN) == {"staff": "first", "languages": "other"}


def test_service_form_problems_are_renamed_for_that_form_only() -> None:
    errors = [
        FieldError("service_forms[0].services", "Some services received do not belong to the chosen Service Type."),
        FieldError("service_forms[1].referrals[0].to", "Say which organisation the client was referred to."),
        FieldError("status", "Choose a Status of Service."),
        FieldError("referrals[2].follow_up_date", "Enter the follow-up date as YYYY-MM-DD."),
        FieldError("site_code", "Press Find... to choose the Site."),
    ]
    second, others = errors_of_service_form(errors, 1)
    assert [e.field for e in second] == ["referrals[0].to", "status", "referrals[2].follow_up_date"]
    assert [e.field for e in others] == ["service_forms[0].services", "site_code"]
    first, _ = errors_of_service_form(errors, 0)
    assert [e.field for e in first] == ["services", "status", "referrals[2].follow_up_date"]


def test_service_form_problems_read_with_their_labels() -> None:
    lines = service_form_problem_lines(
        [
            FieldError("referrals[1].follow_up_date", "Enter the follow-up date as YYYY-MM-DD."),
            FieldError("services", "Tick at least one service received."),
        ],
        EN,
    )
    assert lines == [
        "Referral 2 – Follow-up date: Enter the follow-up date as YYYY-MM-DD.",
        "Services Received: Tick at least one service received.",
    ]


def test_referral_problems_are_found_by_row_and_field() -> None:
    errors = [
        FieldError("referrals[1].to", "Say which organisation the client was referred to."),
        FieldError("referrals[1].follow_up_date", "Enter the follow-up date as YYYY-MM-DD."),
        FieldError("status", "Choose a Status of Service."),
    ]
    assert set(referral_row_errors(errors, EN)) == {(1, "to"), (1, "follow_up_date")}


def test_the_summary_names_fields_as_the_worker_sees_them() -> None:
    errors = [
        FieldError("site_code", "Press Find... to choose the Site."),
        FieldError("service_forms[1].services", "A service is ticked more than once."),
        FieldError("service_forms[1].services", "A service is ticked more than once."),
    ]
    lines = error_summary(errors, ["Ana Silva", "Rui Silva"], EN)
    assert lines == [
        "Site: Press Find... to choose the Site.",
        "Service form of Rui Silva – Services Received: A service is ticked more than once.",
    ]


def test_the_summary_reads_in_french_with_the_french_labels() -> None:
    errors = [FieldError("service_forms[0].status", "Choose a Status of Service.")]
    [line] = error_summary(errors, ["Ana Silva"], FR)
    assert line.startswith("Formulaire de service de Ana Silva – État du service\u00a0: ")


def test_the_summary_follows_the_order_of_the_form_not_of_the_checks() -> None:
    errors = [
        FieldError("service_minutes", "Enter how long the service took (more than 0 minutes)."),
        FieldError("service_forms[0].services", "A service is ticked more than once."),
        FieldError("session_type", "Choose a Session Type."),
    ]
    lines = error_summary(errors, ["Ana Silva"], EN)
    assert [line.split(":")[0] for line in lines] == [
        "Session Type",
        "Service Time",
        "Service form of Ana Silva – Services Received",
    ]


def test_yes_no_dropdown_keys_round_trip() -> None:
    for value in (True, False, None):
        assert yes_no_value(yes_no_key(value)) is value


def test_changing_the_service_type_drops_services_it_does_not_offer() -> None:
    ticked = ["io_housing", "io_health"]
    assert keep_offered_services("information_orientation", ticked) == ticked
    assert keep_offered_services("support_services", ticked) == []
    assert keep_offered_services(None, ticked) == []


def test_ticked_boxes_keep_the_order_they_are_shown_in() -> None:
    order = ["in_person", "phone_text_email", "staff_led_online"]
    assert toggled(["staff_led_online"], "in_person", True, order) == ["in_person", "staff_led_online"]
    assert toggled(["in_person", "staff_led_online"], "in_person", False, order) == ["staff_led_online"]


def test_a_chosen_option_is_not_offered_again() -> None:
    options = [Option("ar", "Arabic"), Option("en", "English"), Option("fa", "Persian")]
    assert [o.code for o in remaining_options(options, ["en"])] == ["ar", "fa"]


def test_follow_up_dates_parse_or_explain_themselves() -> None:
    assert parse_follow_up_date("2025-04-01") == (date(2025, 4, 1), None)
    assert parse_follow_up_date("  ") == (None, None)
    value, problem = parse_follow_up_date("next week")
    assert value is None
    assert problem is not None and "YYYY-MM-DD" in problem


def test_referral_rows_become_records_and_keep_bad_dates_as_errors() -> None:
    rows = [ReferralDraft(" Food bank ", "groceries", "2025-04-01"), ReferralDraft("Clinic", "", "soon")]
    referrals, errors = referrals_from_drafts(rows)
    assert referrals[0] == Referral(to="Food bank", reason="groceries", follow_up_date=date(2025, 4, 1))
    assert referrals[1].follow_up_date is None
    assert [e.field for e in errors] == ["referrals[1].follow_up_date"]
    assert referral_drafts(referrals[:1]) == [ReferralDraft("Food bank", "groceries", "2025-04-01")]


def test_the_service_date_reads_with_its_weekday() -> None:
    assert describe_service_date(date(2025, 3, 10), EN) == "Mon, Mar 10, 2025"
    assert describe_service_date(date(2025, 3, 10), FR) == "lun. 10 mars 2025"
    assert describe_service_date(None, FR) == ""


def _person(client_id: str) -> ClientSummary:
    return ClientSummary(client_id, client_id.title(), None, "", "F-1", "")


def test_family_shortcuts_list_each_relative_once_and_skip_those_already_in() -> None:
    relatives_of_both = [_person("rui"), _person("ana"), _person("rui"), _person("eva")]
    shortcuts = family_shortcuts(relatives_of_both, in_session=["ana"])
    assert [p.id for p in shortcuts] == ["rui", "eva"]


def test_report_marks_say_under_each_field_what_the_funder_still_needs_in_the_workers_language(make_client) -> None:
    client = replace(make_client(), client_identifier_kind=None, client_identifier="", official_language=None)

    marks = report_marks(client_report_gaps(client), FR)

    assert set(marks) == {"client_identifier_kind", "client_identifier", "official_language"}
    assert marks["official_language"] == "Requis pour les rapports"
    wrong_uci = replace(client, **(_REPORTABLE | {"client_identifier": "12345"}))
    assert report_marks(client_report_gaps(wrong_uci), EN) == {
        "client_identifier": "An IRCC client ID (UCI) has 8 or 10 digits, e.g. 1234-5678 or 12-3456-7890."
    }
    assert report_marks(client_report_gaps(replace(client, **_REPORTABLE)), FR) == {}


def test_a_client_in_the_session_says_what_keeps_their_service_form_out_of_the_report(
    make_session, make_client
) -> None:
    form = make_session().service_forms[0]  # complete, but nobody said whether the client attended
    profile_gaps = client_report_gaps(make_client())  # no identifier, no official language

    assert report_needs(service_form_report_gaps(form), profile_gaps, EN) == (
        "Needed for reports: Client Attended, client profile"
    )
    assert report_needs(service_form_report_gaps(replace(form, status=None)), [], FR) == (
        "Requis pour les rapports : État du service, Client présent"
    )
    attended = replace(form, client_attended=True)
    assert report_needs(service_form_report_gaps(attended), [], EN) is None


_REPORTABLE = {"client_identifier_kind": "ircc_client_id", "client_identifier": "1234-5678", "official_language": "fr"}
