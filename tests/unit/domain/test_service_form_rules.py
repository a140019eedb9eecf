"""Service forms: what stops one from being saved, and what it still needs before it turns green."""

from collections.abc import Callable
from dataclasses import replace

import pytest

from app.domain.codes import SERVICE_TYPES, SERVICES_BY_TYPE
from app.domain.sessions import (
    MAX_NOTES,
    Referral,
    ServiceForm,
    Session,
    completion_gaps,
    is_session_complete,
    service_form_errors,
    split_service_time,
)

MakeSession = Callable[..., Session]


def complete_form(form_id: str = "f", client_id: str = "c") -> ServiceForm:
    return ServiceForm(
        id=form_id, client_id=client_id, service_type="support_services", services=["ss_child_care"], status="ongoing"
    )


def gap_fields(form: ServiceForm) -> set[str]:
    return {gap.field for gap in completion_gaps(form)}


def error_fields(form: ServiceForm, prefix: str = "") -> set[str]:
    return {error.field for error in service_form_errors(form, prefix=prefix)}


class TestSavingAServiceForm:
    def test_an_empty_form_can_be_saved_to_finish_later(self) -> None:
        assert service_form_errors(ServiceForm(id="f", client_id="c")) == []

    def test_an_unlisted_service_type_is_refused(self) -> None:
        assert error_fields(ServiceForm(id="f", client_id="c", service_type="astrology")) == {"service_type"}

    def test_an_unlisted_status_is_refused(self) -> None:
        assert error_fields(ServiceForm(id="f", client_id="c", status="finished")) == {"status"}

    def test_services_of_another_type_are_refused(self) -> None:
        form = ServiceForm(id="f", client_id="c", service_type="employment", services=["em_resume", "na_housing"])

        assert error_fields(form) == {"services"}

    def test_services_without_a_service_type_are_refused(self) -> None:
        assert error_fields(ServiceForm(id="f", client_id="c", services=["io_health"])) == {"services"}

    def test_a_service_ticked_twice_is_refused(self) -> None:
        form = ServiceForm(id="f", client_id="c", service_type="employment", services=["em_resume", "em_resume"])

        assert error_fields(form) == {"services"}

    def test_a_referral_row_without_an_organisation_is_refused(self) -> None:
        form = ServiceForm(id="f", client_id="c", referrals=[Referral(to="", reason="legal aid")])

        assert error_fields(form) == {"referrals[0].to"}

    def test_notes_have_a_length_limit(self) -> None:
        assert error_fields(ServiceForm(id="f", client_id="c", notes="n" * MAX_NOTES)) == set()
        assert error_fields(ServiceForm(id="f", client_id="c", notes="n" * (MAX_NOTES + 1))) == {"notes"}

    def test_field_names_carry_the_forms_position_in_the_session(self) -> None:
        form = ServiceForm(id="f", client_id="c", service_type="astrology", status="finished")

        assert error_fields(form, prefix="service_forms[2].") == {
            "service_forms[2].service_type",
            "service_forms[2].status",
        }

    @pytest.mark.parametrize("service_type", list(SERVICE_TYPES))
    def test_every_service_on_a_types_checklist_is_accepted(self, service_type: str) -> None:
        form = ServiceForm(
            id="f", client_id="c", service_type=service_type, services=list(SERVICES_BY_TYPE[service_type])
        )

        assert service_form_errors(form) == []


class TestServiceFormCompleteness:
    def test_type_service_and_status_make_a_form_complete(self) -> None:
        form = complete_form()

        assert completion_gaps(form) == []
        assert form.complete

    def test_an_empty_form_lacks_type_and_status(self) -> None:
        form = ServiceForm(id="f", client_id="c")

        assert gap_fields(form) == {"service_type", "status"}
        assert not form.complete

    def test_a_type_without_any_service_is_incomplete(self) -> None:
        form = ServiceForm(id="f", client_id="c", service_type="employment", status="complete")

        assert gap_fields(form) == {"services"}

    def test_only_services_of_the_chosen_type_count(self) -> None:
        form = ServiceForm(id="f", client_id="c", service_type="employment", services=["io_housing"], status="complete")

        assert gap_fields(form) == {"services"}

    def test_a_missing_status_keeps_the_form_incomplete(self) -> None:
        form = ServiceForm(id="f", client_id="c", service_type="employment", services=["em_mentoring"])

        assert gap_fields(form) == {"status"}

    @pytest.mark.parametrize("status", ["complete", "ongoing", "ended_early"])
    def test_any_status_of_service_counts_as_filled(self, status: str) -> None:
        form = ServiceForm(id="f", client_id="c", service_type="employment", services=["em_mentoring"], status=status)

        assert form.complete

    def test_optional_fields_do_not_hold_completion_back(self) -> None:
        form = complete_form()
        form.client_attended = None
        form.referrals = []
        form.notes = ""

        assert form.complete


class TestSessionCompleteness:
    def test_a_session_whose_forms_are_all_complete_is_complete(self, make_session: MakeSession) -> None:
        session = make_session(service_forms=[complete_form("f1", "c1"), complete_form("f2", "c2")])

        assert is_session_complete(session)
        assert session.complete

    def test_one_incomplete_form_makes_the_session_incomplete(self, make_session: MakeSession) -> None:
        session = make_session(service_forms=[complete_form("f1", "c1"), ServiceForm(id="f2", client_id="c2")])

        assert not is_session_complete(session)

    def test_a_session_without_forms_is_incomplete(self, make_session: MakeSession) -> None:
        session = make_session(session_type="group_activity", activity_name="Job fair", service_forms=[])

        assert not is_session_complete(session)


@pytest.mark.parametrize(
    ("total", "expected"), [(0, (0, 0)), (59, (0, 59)), (60, (1, 0)), (135, (2, 15)), (-5, (0, 0))]
)
def test_stored_minutes_split_back_into_hours_and_minutes(total: int, expected: tuple[int, int]) -> None:
    assert split_service_time(total) == expected


class TestPrivateNotes:
    """Private notes reach only the session's staff; anyone else is told so rather than shown an empty box."""

    def test_a_private_forms_notes_are_withheld_from_a_worker_outside_the_staff(self, make_session) -> None:
        form = replace(complete_form(), private=True, notes="")
        session = make_session(staff=["mhernandez"], service_forms=[form])

        assert session.notes_withheld_from(form, "ayusuf")
        assert not session.notes_withheld_from(form, "mhernandez")

    def test_notes_that_are_not_private_are_withheld_from_no_one(self, make_session) -> None:
        form = replace(complete_form(), notes="Asked about tenant rights.")
        session = make_session(staff=["mhernandez"], service_forms=[form])

        assert not session.notes_withheld_from(form, "ayusuf")
