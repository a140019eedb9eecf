"""Report endpoints: who may read them, which period they cover, and what they count (pushed as devices push)."""

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from server_harness import (
    API,
    NORTH,
    SOUTH,
    ServerHarness,
    change,
    client_data,
    group_session_data,
    new_id,
    session_data,
)


def form(client_id: str, **changes: Any) -> dict[str, Any]:
    values = {
        "id": new_id(),
        "client_id": client_id,
        "service_type": "information_orientation",
        "services": ["io_housing", "io_health"],
        "referrals": [],
        "client_attended": True,
        "status": "complete",
        "private": False,
        "notes": "",
    }
    return values | changes


@pytest.fixture
def reporting(two_agencies: ServerHarness) -> ServerHarness:
    """North (workers wlee and ajones, supervisor sboss) and south (worker zsouth)."""
    return two_agencies


def get(server: ServerHarness, user_id: str, path: str, **params: Any):  # type: ignore[no-untyped-def]
    return server.client.get(f"{API}/reports/{path}", headers=server.login(user_id), params=params)


def test_only_supervisors_and_administrators_read_reports(reporting: ServerHarness) -> None:
    reporting.add_worker(NORTH, "nadmin", role="administrator")
    assert get(reporting, "wlee", "statistics", month="2025-03").status_code == 403
    assert get(reporting, "wlee", "unreportable", month="2025-03").status_code == 403
    assert reporting.client.get(f"{API}/reports/statistics", params={"month": "2025-03"}).status_code == 401
    for reader in ("sboss", "nadmin"):
        assert get(reporting, reader, "statistics", month="2025-03").status_code == 200
        assert get(reporting, reader, "unreportable", month="2025-03").status_code == 200


def test_a_period_that_cannot_be_used_is_refused_naming_the_parameter(reporting: ServerHarness) -> None:
    headers = reporting.login("sboss")
    unusable = [
        {"month": "2025-13"},
        {"month": "March"},
        {},
        {"from": "2025-03-31", "to": "2025-03-01"},
        {"month": "2025-03", "from": "2025-03-01", "to": "2025-03-31"},
        {"from": "2024-01-01", "to": "2025-12-31"},
    ]
    for params in unusable:
        response = reporting.client.get(f"{API}/reports/statistics", headers=headers, params=params)
        assert response.status_code == 422, params
        assert response.json()["detail"][0]["loc"][0] == "query"


def test_figures_count_the_period_and_the_agency_only(reporting: ServerHarness) -> None:
    wlee, ajones = reporting.login("wlee"), reporting.login("ajones")
    amal, omar, lina = client_data(), client_data(first_name="Omar"), client_data(first_name="Lina")
    reporting.push(wlee, *(change("client", c) for c in (amal, omar, lina)))
    referral = {"to": "Food bank", "reason": "", "follow_up_date": None}
    sessions = [
        session_data(
            service_forms=[form(amal["id"], referrals=[referral])], service_minutes=90, languages=["en", "ar"]
        ),
        session_data(service_forms=[form(omar["id"], service_type="support_services", services=["ss_child_care"])],
                     service_date="2025-03-31", site_code="N-002", delivery_methods=["in_person", "phone_text_email"]),
        group_session_data(["wlee", "ajones"], service_forms=[form(amal["id"]), form(lina["id"])], service_minutes=60,
                           unnamed_participants=5),
        session_data(service_forms=[form(amal["id"])], service_date="2025-04-01"),  # next month
    ]  # fmt: skip
    assert {r["status"] for r in reporting.push(wlee, *(change("session", s) for s in sessions))} == {"applied"}
    south = reporting.login("zsouth")
    reporting.push(south, change("session", session_data(agency_id=SOUTH, created_by="zsouth", staff=["zsouth"],
                                                         site_code="S-001")))  # fmt: skip
    assert ajones  # a second worker of the agency, on the group activity's staff

    body = get(reporting, "sboss", "statistics", month="2025-03").json()
    march = sessions[:3]
    forms = [f for s in march for f in s["service_forms"]]
    assert body["totals"] == {
        "sessions": len(march),
        "unique_clients": len({f["client_id"] for f in forms}),
        "service_forms": len(forms),
        "services_received": sum(len(f["services"]) for f in forms),
        "hours": round(sum(s["service_minutes"] for s in march) / 60, 2),
        "group_activities": 1,
        "named_participants": 2,
        "unnamed_participants": 5,
        "referrals": 1,
    }
    by_worker = {row["key"]: row for row in body["by_worker"]}
    assert by_worker["wlee"]["sessions"] == 3 and by_worker["ajones"]["sessions"] == 1
    assert by_worker["ajones"]["label"] == "Ajones"
    by_type = {row["key"]: row for row in body["by_service_type"]}
    assert by_type["support_services"]["service_forms"] == 1
    assert by_type["support_services"]["label"] == "Support Services"
    assert by_type["information_orientation"]["sessions"] == 2
    by_method = {row["key"]: row["sessions"] for row in body["by_delivery_method"]}
    assert by_method == {"in_person": 3, "phone_text_email": 1}
    assert {row["key"]: row["sessions"] for row in body["by_site"]} == {"N-001": 2, "N-002": 1}
    assert {row["key"]: row["sessions"] for row in body["languages"]} == {"en": 3, "ar": 1}

    ranged = get(reporting, "sboss", "statistics", **{"from": "2025-03-31", "to": "2025-04-01"}).json()
    assert ranged["totals"]["sessions"] == 2


def test_the_unreportable_list_names_each_record_and_why(reporting: ServerHarness) -> None:
    wlee = reporting.login("wlee")
    known = client_data(client_identifier="12345678", client_identifier_kind="ircc_client_id", official_language="en")
    unidentified = client_data(first_name="Omar", official_language="fr", client_identifier_kind="pr_card")
    reporting.push(wlee, change("client", known), change("client", unidentified))
    good = session_data(service_forms=[form(known["id"])])
    not_attended = session_data(service_forms=[form(known["id"], client_attended=None)])
    of_unidentified = session_data(service_forms=[form(unidentified["id"])], service_date="2025-03-12")
    reporting.push(wlee, *(change("session", s) for s in (good, not_attended, of_unidentified)))

    body = get(reporting, "sboss", "unreportable", month="2025-03").json()
    assert body["total"] == 3
    listed = [(r["entity"], r["record_id"], [g["code"] for g in r["gaps"]]) for r in body["records"]]
    assert (
        "service_form", not_attended["service_forms"][0]["id"], ["report.client_attended.missing"]
    ) in listed  # fmt: skip
    assert listed[-2:] == [
        ("client", unidentified["id"], ["report.client_identifier.missing"]),
        ("service_form", of_unidentified["service_forms"][0]["id"], ["report.client.not_reportable"]),
    ]
    assert body["records"][-2]["client_name"] == "Omar Haddad"
    paged = get(reporting, "sboss", "unreportable", month="2025-03", limit=2, offset=2).json()
    assert paged["total"] == 3 and [r["record_id"] for r in paged["records"]] == [listed[2][1]]


def test_a_supervisor_downloads_the_months_export_and_sees_it_logged(reporting: ServerHarness) -> None:
    wlee, sboss = reporting.login("wlee"), reporting.login("sboss")
    amal = client_data(client_identifier="12345678", client_identifier_kind="ircc_client_id", official_language="en")
    reporting.push(wlee, change("client", amal), change("session", session_data(service_forms=[form(amal["id"])])))
    assert reporting.client.post(f"{API}/reports/exports", headers=wlee, json={"month": "2025-03"}).status_code == 403
    assert reporting.client.post(f"{API}/reports/exports", headers=sboss, json={"month": "03/2025"}).status_code == 422

    first = reporting.client.post(f"{API}/reports/exports", headers=sboss, json={"month": "2025-03"})
    assert first.status_code == 200 and "attachment" in first.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(first.content), read_only=True)
    services = list(book["Information and Orientation"].iter_rows(min_row=2, values_only=True))
    assert [row[1:3] for row in services] == [("FOSS/GCMS Client ID", "12345678")]
    second = reporting.client.post(f"{API}/reports/exports", headers=sboss, json={"month": "2025-03"})
    book = openpyxl.load_workbook(io.BytesIO(second.content), read_only=True)
    assert list(book["Information and Orientation"].iter_rows(min_row=2, values_only=True)) == []

    runs = reporting.client.get(f"{API}/reports/exports", headers=sboss).json()
    assert [(run["id"], run["exported_by"], run["services"]) for run in runs] == [
        (int(second.headers["x-export-id"]), "sboss", 0),
        (int(first.headers["x-export-id"]), "sboss", 1),
    ]


def test_the_download_uses_the_agencys_own_mapping_when_the_server_is_given_one(
    reporting: ServerHarness, tmp_path: Path
) -> None:
    """An agency that replaced the mapping file (OUTPOST_EXPORT_MAPPING) gets its layout from the API and the
    console too, not only from the command line; a mapping with a mistake refuses the export and says why."""
    mapping = tmp_path / "our-funder.toml"
    mapping.write_text(
        '[[sheets]]\nname = "Clients"\nrecords = "clients"\ncolumns = [{ header = "ID", value = "client.id" }]\n\n'
        '[[sheets]]\nname = "Orientation"\nrecords = "services"\nservice_types = ["information_orientation"]\n'
        'columns = [{ header = "Form", value = "form.id" }]\n',
        encoding="utf-8",
    )
    settings = reporting.app.state.settings
    reporting.app.state.settings = replace(settings, export_mapping=str(mapping))
    wlee, sboss = reporting.login("wlee"), reporting.login("sboss")
    amal = client_data(client_identifier="12345678", client_identifier_kind="ircc_client_id", official_language="en")
    visit = session_data(service_forms=[form(amal["id"])])
    reporting.push(wlee, change("client", amal), change("session", visit))

    downloaded = reporting.client.post(f"{API}/reports/exports", headers=sboss, json={"month": "2025-03"})
    book = openpyxl.load_workbook(io.BytesIO(downloaded.content), read_only=True)
    assert book.sheetnames[:2] == ["Clients", "Orientation"]
    assert list(book["Orientation"].iter_rows(values_only=True)) == [("Form",), (visit["service_forms"][0]["id"],)]

    mapping.write_text("[[sheets]]\nname = 'Clients'\n", encoding="utf-8")
    refused = reporting.client.post(f"{API}/reports/exports", headers=sboss, json={"month": "2025-04"})
    assert refused.status_code == 409 and "Clients" in refused.json()["detail"]
