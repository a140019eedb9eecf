"""The funder export: each reportable record once, the rest on "Not reported", and later edits listed, not lost.

Records reach the server as devices push them; workbooks are read back with openpyxl and compared row by row with
rows the test builds from its own records through a small mapping file of its own.
"""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from server_harness import NORTH, ServerHarness, change, client_data, new_id, session_data
from sqlalchemy import delete

from server import merge
from server.audit import Actor
from server.cli import main as server_cli
from server.models import SessionRecord
from server.reports.export import ExportError, ExportOrder, ExportOutcome, run_export
from server.reports.template import TemplateError, load_template

MAPPING = """
[template]
name = "Test template"
yes = "Y"
no = "N"

[[sheets]]
name = "Clients"
records = "clients"
columns = [
  { header = "Identifier", value = "client.client_identifier" },
  { header = "Born", value = "client.date_of_birth" },
  { header = "Language", value = "client.official_language", codes = { en = "English", fr = "French" } },
]

[[sheets]]
name = "I&O"
records = "services"
service_types = ["information_orientation"]
columns = [
  { header = "Identifier", value = "client.client_identifier" },
  { header = "Date", value = "session.service_date" },
  { header = "Hours", value = "session.hours" },
  { header = "Minutes", value = "session.minutes" },
  { header = "Housing", value = "form.service:io_housing" },
  { header = "Languages", value = "session.language_names", join = "|" },
  { header = "Funder", fixed = "IRCC" },
]

[[sheets]]
name = "NAR"
records = "services"
service_types = ["needs_assessment"]
columns = [
  { header = "Identifier", value = "client.client_identifier" },
  { header = "Referrals", value = "form.referral_count" },
  { header = "Status", value = "form.status", codes = { complete = "Done" } },
]
"""
NOW = datetime(2025, 4, 5, 14, 0, tzinfo=UTC)


def form(client_id: str, **changes: Any) -> dict[str, Any]:
    values = {"id": new_id(), "client_id": client_id, "service_type": "information_orientation",
              "services": ["io_housing"], "referrals": [], "client_attended": True, "status": "complete",
              "private": False, "notes": ""}  # fmt: skip
    return values | changes


def identified(number: str, **changes: Any) -> dict[str, Any]:
    return client_data(client_identifier=number, client_identifier_kind="ircc_client_id", official_language="en",
                       **changes)  # fmt: skip


def sheet_rows(path: Path, name: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [tuple(row) for row in book[name].iter_rows(min_row=2, values_only=True)]
    book.close()
    return rows


def day(text: str) -> datetime:
    """A date as openpyxl reads a date cell back."""
    return datetime.combine(date.fromisoformat(text), datetime.min.time())


class Agency:
    """The north agency of the harness, with a worker's sign-in and exports written to a folder of the test."""

    def __init__(self, server: ServerHarness, folder: Path):
        self.server = server
        self.folder = folder
        self.wlee = server.login("wlee")
        self.template_file = folder / "mapping.toml"
        self.template_file.write_text(MAPPING, encoding="utf-8")
        self.clock = NOW

    def push(self, entity: str, *records: dict[str, Any], base_version: int | None = None) -> None:
        results = self.server.push(self.wlee, *(change(entity, r, base_version=base_version) for r in records))
        assert {result["status"] for result in results} == {"applied"}, results

    def export(self, month: str, name: str, **options: Any) -> ExportOutcome:
        self.clock += timedelta(hours=1)
        order = ExportOrder("north", month, self.folder / name, template=load_template(self.template_file), **options)
        return run_export(self.server.db, order, now=self.clock)


@pytest.fixture
def agency(two_agencies: ServerHarness, tmp_path: Path) -> Agency:
    return Agency(two_agencies, tmp_path)


def test_each_reportable_record_is_exported_once_and_the_others_say_why(agency: Agency) -> None:
    amal, omar = identified("11111111"), identified("22222222", first_name="Omar", date_of_birth="1990-01-31")
    unnamed = client_data(first_name="Lina")  # no identifier: not reportable
    agency.push("client", amal, omar, unnamed)
    io = session_data(service_forms=[form(amal["id"]), form(omar["id"], services=["io_health"])],
                      service_minutes=135, languages=["en", "ar"])  # fmt: skip
    nar = session_data(
        service_date="2025-03-31",
        service_forms=[form(omar["id"], service_type="needs_assessment", services=["na_housing"],
                            referrals=[{"to": "Food bank", "reason": "", "follow_up_date": None}] * 2)],
    )  # fmt: skip
    not_attended = session_data(service_date="2025-03-02", service_forms=[form(amal["id"], client_attended=None)])
    of_unnamed = session_data(service_date="2025-03-15", service_forms=[form(unnamed["id"])])
    assessment = session_data(service_date="2025-03-20",
                              service_forms=[form(amal["id"], service_type="language_assessment",
                                                  services=["la_speaking"])])  # fmt: skip
    april = session_data(service_date="2025-04-01", service_forms=[form(amal["id"])])
    agency.push("session", io, nar, not_attended, of_unnamed, assessment, april)

    outcome = agency.export("2025-03", "march.xlsx")
    path = agency.folder / "march.xlsx"
    assert (outcome.clients, outcome.services, outcome.not_reported) == (2, 3, 4)
    # Client profiles come in the order of their first exported service (sessions by date).
    assert sheet_rows(path, "Clients") == [
        ("11111111", day("1988-04-02"), "English"),
        ("22222222", day("1990-01-31"), "English"),
    ]
    assert sheet_rows(path, "I&O") == [
        ("11111111", day("2025-03-10"), 2, 15, "Y", "English|Arabic", "IRCC"),
        ("22222222", day("2025-03-10"), 2, 15, "N", "English|Arabic", "IRCC"),
    ]
    assert sheet_rows(path, "NAR") == [("22222222", 2, "Done")]
    not_reported = {(row[0], row[-1]): row for row in sheet_rows(path, "Not reported")}
    assert set(not_reported) == {
        ("Service", not_attended["service_forms"][0]["id"]),
        ("Client profile", unnamed["id"]),
        ("Service", of_unnamed["service_forms"][0]["id"]),
        ("Service", assessment["service_forms"][0]["id"]),
    }
    assert "Say whether the client attended." in not_reported[("Service", not_attended["service_forms"][0]["id"])]
    assert "report.template.no_sheet" in not_reported[("Service", assessment["service_forms"][0]["id"])]
    about = dict(sheet_rows(path, "About this export"))
    assert about["Month"] == "2025-03" and about["Client profiles never exported before"] == 2

    again = agency.export("2025-03", "march-2.xlsx")
    assert (again.clients, again.services, again.already_exported, again.changed) == (0, 0, 3, 0)
    assert sheet_rows(agency.folder / "march-2.xlsx", "I&O") == []
    assert [run.id for run in again.earlier] == [outcome.export_id]

    on_purpose = agency.export("2025-03", "march-3.xlsx", again=True)
    assert (on_purpose.clients, on_purpose.services, on_purpose.re_exported) == (2, 3, 3)
    assert sheet_rows(agency.folder / "march-3.xlsx", "I&O") == sheet_rows(path, "I&O")
    assert any("Exported again on purpose" in line for line in on_purpose.lines())


def test_edits_synced_after_an_export_are_listed_once_in_the_next_one(agency: Agency) -> None:
    amal, omar = identified("11111111"), identified("22222222", first_name="Omar")
    agency.push("client", amal, omar)
    moved = session_data(service_forms=[form(amal["id"])])
    shrunk = session_data(service_date="2025-03-12", service_forms=[form(amal["id"]), form(omar["id"])])
    deleted = session_data(service_date="2025-03-14", service_forms=[form(omar["id"])])
    agency.push("session", moved, shrunk, deleted)
    assert agency.export("2025-03", "march.xlsx").services == 4

    # A tablet offline for weeks syncs: the date moved to February and the status changed, a client was taken out of
    # a session, a new session for March arrived late; the server lost a session (as a deletion or merge would).
    agency.push("session", moved | {"service_date": "2025-02-27",
                                    "service_forms": [moved["service_forms"][0] | {"status": "ongoing"}]},
                base_version=1)  # fmt: skip
    agency.push("session", shrunk | {"service_forms": shrunk["service_forms"][:1]}, base_version=1)
    late = session_data(service_date="2025-03-30", service_forms=[form(omar["id"])])
    agency.push("session", late)
    agency.push("client", omar | {"client_identifier": "22222229"}, base_version=1)
    with agency.server.db.writing() as session:
        session.execute(delete(SessionRecord).where(SessionRecord.id == deleted["id"]))

    april = agency.export("2025-04", "april.xlsx")
    assert april.services == 0
    changes = {(row[0], row[-1]): row for row in sheet_rows(agency.folder / "april.xlsx", "Changed since exported")}
    moved_row = changes[("Changed", moved["service_forms"][0]["id"])]
    assert moved_row[3:6] == ("2025-03", "2025-02", "Service Date: 2025-03-10 → 2025-02-27; "
                              "Status of Service: Complete → Ongoing")  # fmt: skip
    assert changes[("Removed", shrunk["service_forms"][1]["id"])][5] == "No longer in its session."
    assert changes[("Removed", deleted["service_forms"][0]["id"])][5] == "Its session is no longer on the server."
    assert changes[("New in an exported month", late["service_forms"][0]["id"])][7] == "Export 2025-03 again to add it."
    assert changes[("Changed", omar["id"])][5] == "Client identifier: 22222222 → 22222229"
    assert len(changes) == 5 and april.changed == 5

    assert agency.export("2025-04", "april-2.xlsx").changed == 0  # each change is listed once
    march_again = agency.export("2025-03", "march-2.xlsx")
    assert march_again.services == 1  # the late session, never exported before; the moved one is not re-sent
    assert sheet_rows(agency.folder / "march-2.xlsx", "I&O") == [("22222229", day("2025-03-30"), 0, 45, "Y",
                                                                  "English", "IRCC")]  # fmt: skip


def test_an_export_refuses_to_overwrite_and_two_exports_never_both_commit(agency: Agency, tmp_path: Path) -> None:
    agency.push("client", amal := identified("11111111"))
    agency.push("session", session_data(service_forms=[form(amal["id"])]))
    (tmp_path / "taken.xlsx").write_bytes(b"an earlier export")
    with pytest.raises(ExportError, match="already exists"):
        agency.export("2025-03", "taken.xlsx")
    with pytest.raises(ExportError, match="YYYY-MM"):
        agency.export("March", "march.xlsx")

    from server.reports import export as export_module

    real_log = export_module._log

    def another_export_commits_first(*args: Any, **kwargs: Any) -> ExportOutcome:
        export_module._log = real_log
        agency.export("2025-03", "first.xlsx")
        return real_log(*args, **kwargs)

    export_module._log = another_export_commits_first
    try:
        with pytest.raises(ExportError, match="Another export"):
            agency.export("2025-03", "second.xlsx")
    finally:
        export_module._log = real_log
    assert not (tmp_path / "second.xlsx").exists() and not (tmp_path / "second.xlsx.partial").exists()
    assert sheet_rows(tmp_path / "first.xlsx", "I&O") == [("11111111", day("2025-03-10"), 0, 45, "Y", "English",
                                                           "IRCC")]  # fmt: skip


def test_the_command_writes_csv_files_in_upload_order(agency: Agency, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    agency.push("client", amal := identified("00123456"))
    agency.push("session", session_data(service_forms=[form(amal["id"])]))
    url = agency.server.db.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "march"
    code = server_cli(["export", "--database-url", url, "--agency", "north", "--month", "2025-03",
                       "--format", "csv", "--out", str(out)])  # fmt: skip
    assert code == 0
    assert "1 client profiles and 1 services never exported before" in capsys.readouterr().out
    files = sorted(path.name for path in out.iterdir())
    assert files[:3] == ["01-client-profile.csv", "02-needs-assessment-and-referral.csv",
                         "03-information-and-orientation.csv"]  # fmt: skip
    client_rows = (out / "01-client-profile.csv").read_text(encoding="utf-8-sig").splitlines()
    assert client_rows[1].startswith(",FOSS/GCMS Client ID,00123456,1988-04-02,Haddad,Amal")  # zeros kept
    again = server_cli(["export", "--database-url", url, "--agency", "north", "--month", "2025-03", "--out",
                        str(tmp_path / "m.xlsx"), "--mapping", str(tmp_path / "missing.toml")])  # fmt: skip
    assert again == 1 and "Cannot read the mapping file" in capsys.readouterr().err


def test_a_mapping_file_with_a_mistake_is_refused_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(MAPPING.replace("form.referral_count", "form.referals"), encoding="utf-8")
    with pytest.raises(TemplateError, match=r"'Referrals' has value 'form\.referals'"):
        load_template(broken)
    broken.write_text(MAPPING.replace('service_types = ["needs_assessment"]', 'service_types = ["support"]'))
    with pytest.raises(TemplateError, match="unknown: support"):
        load_template(broken)
    assert load_template().sheets[0].name == "Client Profile"  # the shipped file loads


def test_a_merge_after_an_export_lists_the_merged_profile_as_removed_and_its_services_as_moved(agency: Agency) -> None:
    """Two profiles of one client were both exported; a supervisor merges them: the funder holds a profile too many
    and services under it, so the next export says to delete that profile and which services now name the other."""
    amal, twin = identified("11111111"), identified("11111112", first_name="Amal B")
    agency.push("client", amal, twin)
    visit, twin_visit = session_data(service_forms=[form(amal["id"])]), session_data(service_forms=[form(twin["id"])])
    agency.push("session", visit, twin_visit)
    assert (agency.export("2025-03", "march.xlsx").clients, agency.export("2025-03", "m2.xlsx").clients) == (2, 0)

    merge.merge_clients(agency.server.db, actor=Actor("sboss", NORTH), now=NOW, keep_id=amal["id"],
                        merge_id=twin["id"])  # fmt: skip
    april = agency.export("2025-04", "april.xlsx")
    changes = {(row[0], row[-1]): row for row in sheet_rows(agency.folder / "april.xlsx", "Changed since exported")}
    assert set(changes) == {("Removed", twin["id"]), ("Changed", twin_visit["service_forms"][0]["id"])}
    assert changes[("Removed", twin["id"])][5] == "Merged into Amal Haddad's profile, which holds its services now."
    assert changes[("Removed", twin["id"])][7] == "Delete the uploaded record in the funder's system."
    moved = changes[("Changed", twin_visit["service_forms"][0]["id"])]
    assert moved[2] == "Amal B Haddad"
    assert moved[5] == "Client: Amal B Haddad (11111112) → Amal Haddad (11111111)"
    assert april.changed == 2 and agency.export("2025-04", "april-2.xlsx").changed == 0  # listed once
