"""Reportable, not only saved: what keeps a client profile or a service form out of the funder's upload."""

from collections.abc import Callable

from app.domain.clients import Client, validate_client
from app.domain.reporting import (
    CLIENT_MISSING,
    CLIENT_NOT_REPORTABLE_CODE,
    REPORT_FIELDS,
    ReportGap,
    client_report_gaps,
    service_form_report_gaps,
    session_report_gaps,
)
from app.domain.sessions import ServiceForm, Session, validate_session
from app.i18n import translator

MakeClient = Callable[..., Client]
MakeSession = Callable[..., Session]


def reportable_form(**changes: object) -> ServiceForm:
    values: dict[str, object] = {
        "id": "form-1",
        "client_id": "client-1",
        "service_type": "information_orientation",
        "services": ["io_housing"],
        "status": "complete",
        "client_attended": True,
    }
    return ServiceForm(**(values | changes))  # type: ignore[arg-type]


def codes(gaps: list[ReportGap]) -> list[str]:
    return [gap.code for gap in gaps]


class TestClientProfiles:
    def test_a_profile_with_identifier_and_official_language_is_reportable(self, make_client: MakeClient) -> None:
        assert (
            client_report_gaps(
                make_client(
                    client_identifier="12345678", client_identifier_kind="ircc_client_id", official_language="fr"
                )
            )
            == []
        )

    def test_a_saved_profile_without_an_identifier_is_not_reportable(self, make_client: MakeClient) -> None:
        client = make_client(client_identifier="  ", client_identifier_kind="pr_card", official_language="en")
        assert validate_client(client, today=client.date_of_birth.replace(year=2025)) == []  # type: ignore[union-attr]
        gaps = client_report_gaps(client)
        assert [(gap.field, gap.code) for gap in gaps] == [("client_identifier", "report.client_identifier.missing")]
        assert "client identifier" in gaps[0].message

    def test_unknown_is_an_answer_for_the_official_language(self, make_client: MakeClient) -> None:
        assert client_report_gaps(make_client(client_identifier="A1", client_identifier_kind="pr_card",
                                              official_language="unknown")) == []  # fmt: skip
        assert codes(client_report_gaps(make_client(client_identifier="A1", client_identifier_kind="pr_card"))) == [
            "report.official_language.missing"
        ]

    def test_the_funder_needs_to_know_what_the_identifier_is(self, make_client: MakeClient) -> None:
        client = make_client(client_identifier="12345678", official_language="en")
        assert codes(client_report_gaps(client)) == ["report.client_identifier_kind.missing"]
        assert [gap.field for gap in client_report_gaps(client)] == ["client_identifier_kind"]

    def test_an_ircc_client_id_has_eight_or_ten_digits(self, make_client: MakeClient) -> None:
        def gaps(number: str) -> list[str]:
            uci = make_client(client_identifier=number, client_identifier_kind="ircc_client_id", official_language="en")
            return codes(client_report_gaps(uci))

        assert gaps("1234-5678") == [] and gaps("12-3456-7890") == [] and gaps("12 3456 7890") == []
        assert gaps("1234567") == ["report.client_identifier.not_a_uci"]
        assert gaps("A1234567") == ["report.client_identifier.not_a_uci"]
        pr_card = make_client(client_identifier="PA0123456", client_identifier_kind="pr_card", official_language="en")
        assert client_report_gaps(pr_card) == []


class TestServiceForms:
    def test_a_complete_attended_form_is_reportable(self) -> None:
        assert service_form_report_gaps(reportable_form()) == []

    def test_an_incomplete_form_lists_each_missing_part_with_its_own_code(self) -> None:
        gaps = service_form_report_gaps(reportable_form(service_type=None, services=[], status=None))
        assert codes(gaps) == ["report.service_type.missing", "report.status.missing"]
        gaps = service_form_report_gaps(reportable_form(services=[]))
        assert [(gap.field, gap.code) for gap in gaps] == [("services", "report.services.missing")]

    def test_attendance_must_be_known_and_yes(self) -> None:
        assert codes(service_form_report_gaps(reportable_form(client_attended=None))) == [
            "report.client_attended.missing"
        ]
        assert codes(service_form_report_gaps(reportable_form(client_attended=False))) == ["report.client_attended.no"]

    def test_a_form_that_is_not_reportable_still_saves(self, make_session: MakeSession) -> None:
        session = make_session(service_forms=[reportable_form(client_attended=None, status=None)])
        assert validate_session(session, today=session.service_date) == []  # type: ignore[arg-type]
        assert session_report_gaps(session, {})["form-1"] != []


class TestSessions:
    def test_each_form_carries_its_client_profile_gap_once(self, make_session: MakeSession, make_client: MakeClient):
        unidentified = make_client(id="client-2", official_language="en")
        identified = make_client(id="client-1", client_identifier="12345678", client_identifier_kind="ircc_client_id",
                                 official_language="en")  # fmt: skip
        session = make_session(
            service_forms=[reportable_form(), reportable_form(id="form-2", client_id="client-2", client_attended=None)]
        )
        gaps = session_report_gaps(session, {"client-1": identified, "client-2": unidentified})
        assert gaps["form-1"] == []
        assert codes(gaps["form-2"]) == ["report.client_attended.missing", CLIENT_NOT_REPORTABLE_CODE]
        assert gaps["form-2"][1].message == (
            "The client's profile is not reportable: Choose the kind of client identifier (IRCC client ID, permanent "
            "resident card...).; Enter the client identifier (the funder identifies each client by it)."
        )
        assert gaps["form-2"][1].said(translator("fr")) == (
            "Le profil du client ne peut pas être déclaré\u00a0: Choisissez le type d'identifiant du client (numéro de "
            "client d'IRCC, carte de résident permanent…).; Entrez l'identifiant du client (le bailleur de fonds "
            "identifie chaque client par celui-ci)."
        )

    def test_a_client_not_on_the_server_keeps_the_form_out(self, make_session: MakeSession) -> None:
        assert session_report_gaps(make_session(service_forms=[reportable_form()]), {}) == {"form-1": [CLIENT_MISSING]}


def test_the_fields_to_mark_are_listed_for_each_kind_of_record() -> None:
    assert REPORT_FIELDS["client"] == {"client_identifier_kind", "client_identifier", "official_language"}
    assert REPORT_FIELDS["service_form"] == {"client_attended", "service_type", "services", "status"}
