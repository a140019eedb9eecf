"""The funder export tried as a new user would (issue 15's "done when"), on SQLite and PostgreSQL.

Two tablets of the demo agency record this month's sessions through the app's use cases and sync them to a real
``outpost-server``; the administrator runs ``outpost-server export`` for this month as a separate command with the
shipped mapping file; the workbook is opened with openpyxl. Every reportable client profile and service is on its
module's sheet exactly once; every record that cannot be reported is on "Not reported" once, with the reasons this
test expects from what the tablets saved; a second export of the month writes nothing new.
"""

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import openpyxl
import pytest
from sync_devices import COLLEAGUE, WORKER, Device, unique

from app.domain.clients import Client
from app.domain.sessions import Session
from app.usecases.clients import new_client_draft, register_client
from app.usecases.reference import load_reference_lists
from app.usecases.sessions import add_client_to_session, begin_session, save_session

AGENCY = "maplebridge"  # the demo agency
SHEETS = {  # the shipped mapping's service sheets
    "needs_assessment": "Needs Assessment and Referral",
    "information_orientation": "Information and Orientation",
    "employment": "Employment-related Services",
    "community_connections": "Community Connections",
    "support_services": "Support Services",
}
SERVICE = {
    "needs_assessment": "na_housing",
    "information_orientation": "io_health",
    "employment": "em_resume",
    "community_connections": "cc_volunteering",
    "support_services": "ss_transportation",
    "language_assessment": "la_speaking",
}


class RunningServer(Protocol):
    """The demo agency's server process (tests/e2e/conftest.py's ``demo_server``)."""

    url: str

    def admin(self, *args: str, stdin: str = "") -> str: ...


STATUS_WORDS = {"complete": "Completed", "ongoing": "Ongoing", "ended_early": "Ended early"}
NOT_REPORTABLE_CLIENT = "report.client.not_reportable"


@dataclass(frozen=True)
class Form:
    """What the worker fills in on one client's service form."""

    client: str
    service_type: str
    attended: bool | None = True
    status: str | None = "complete"


@dataclass(frozen=True)
class Recorded:
    """What the tablets saved: clients by the test's name, sessions with the test's form for each service form."""

    clients: dict[str, Client]
    sessions: list[tuple[Session, list[Form]]]


# The profiles the two tablets register, and the codes the report rules give those that cannot be reported.
PROFILES: dict[str, dict[str, Any]] = {
    "uci": {"client_identifier": "1234-5678", "client_identifier_kind": "ircc_client_id", "official_language": "en"},
    "pr": {"client_identifier": "PR0012345", "client_identifier_kind": "pr_card", "official_language": "fr"},
    "unidentified": {"official_language": "en"},
    "uci10": {"client_identifier": "12-3456-7890", "client_identifier_kind": "ircc_client_id",
              "official_language": "unknown"},
    "short_uci": {"client_identifier": "123", "client_identifier_kind": "ircc_client_id", "official_language": "en"},
    "no_language": {"client_identifier": "87654321", "client_identifier_kind": "ircc_client_id"},
}  # fmt: skip
CLIENT_GAPS = {
    "unidentified": {"report.client_identifier_kind.missing", "report.client_identifier.missing"},
    "short_uci": {"report.client_identifier.not_a_uci"},
    "no_language": {"report.official_language.missing"},
}
FRONT_DESK_CLIENTS = ("uci", "pr", "unidentified")
OUTREACH_CLIENTS = ("uci10", "short_uci", "no_language")
FRONT_DESK_SESSIONS = [
    [Form("uci", "information_orientation")],
    [Form("uci", "needs_assessment", status="ongoing"), Form("pr", "support_services")],
    [Form("unidentified", "information_orientation")],
    [Form("pr", "information_orientation", attended=None)],
    [Form("uci", "community_connections"), Form("uci10", "community_connections", status="ended_early")],
]
OUTREACH_SESSIONS = [
    [Form("uci10", "employment")],
    [Form("short_uci", "community_connections")],
    [Form("no_language", "information_orientation")],
    [Form("uci10", "language_assessment")],  # the shipped mapping has no sheet for it
    [Form("uci", "information_orientation", attended=False)],
    [Form("uci10", "information_orientation", status=None)],
    [Form("pr", "needs_assessment")],
]


def expected_gaps(form: Form) -> set[str]:
    """The codes "Not reported" should give this service form, worked out from what the worker entered."""
    codes = set()
    if form.status is None:
        codes.add("report.status.missing")
    if form.attended is None:
        codes.add("report.client_attended.missing")
    if form.attended is False:
        codes.add("report.client_attended.no")
    if form.client in CLIENT_GAPS:
        codes.add(NOT_REPORTABLE_CLIENT)
    if not codes and form.service_type not in SHEETS:
        codes.add("report.template.no_sheet")
    return codes


def this_month() -> tuple[str, list[date]]:
    """This month as YYYY-MM, and days of it no later than today to date the sessions on."""
    today = date.today()
    first = today.replace(day=1)
    return f"{today:%Y-%m}", [first + timedelta(days=k) for k in range(today.day)]


def register(device: Device, name: str) -> Client:
    draft = replace(new_client_draft(device.worker), first_name=unique(name.title().replace("_", "")),
                    last_name="Tesfaye", date_of_birth=date(1985, 6, 14), consent=True, **PROFILES[name])  # fmt: skip
    client = register_client(device.db, device.worker, draft, ignore_duplicates=True).client
    assert client is not None
    return client


def record(device: Device, clients: dict[str, Client], forms: list[Form], day: date) -> Session:
    """A session as a worker fills it in on the tablet: one service form per client, each with its own answers."""
    lists = load_reference_lists(device.db)
    session = begin_session(device.db, device.worker, today=day)
    for wanted in forms:
        form = add_client_to_session(session, clients[wanted.client].id)
        form.service_type, form.services = wanted.service_type, [SERVICE[wanted.service_type]]
        form.client_attended, form.status = wanted.attended, wanted.status
    values: dict[str, Any] = {
        "session_type": "direct_service", "service_date": day, "site_code": lists.sites[0].code,
        "delivery_methods": ["in_person"], "service_location_type": lists.location_types[0].code,
        "interpreter_present": False, "service_minutes": 75, "languages": [lists.languages[0].code],
        "staff": [device.worker.user_id],
    }  # fmt: skip
    return save_session(device.db, device.worker, replace(session, **values), today=day)


@pytest.fixture(scope="module")
def recorded(demo_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    folder = tmp_path_factory.mktemp("tablets")
    front_desk, outreach = (
        Device(folder / "front-desk", demo_server.url, "front-desk"),
        Device(folder / "outreach", demo_server.url, "outreach"),
    )
    front_desk.sign_in(WORKER)
    outreach.sign_in(COLLEAGUE)
    for device in (front_desk, outreach):
        device.sync()
    clients = {name: register(front_desk, name) for name in FRONT_DESK_CLIENTS}
    front_desk.sync()
    clients |= {name: register(outreach, name) for name in OUTREACH_CLIENTS}
    outreach.sync()  # pushes its clients and pulls the front desk's
    front_desk.sync()
    _, days = this_month()
    sessions = [(record(front_desk, clients, forms, days[k % len(days)]), forms)
                for k, forms in enumerate(FRONT_DESK_SESSIONS)]  # fmt: skip
    sessions += [(record(outreach, clients, forms, days[-1 - k % len(days)]), forms)
                 for k, forms in enumerate(OUTREACH_SESSIONS)]  # fmt: skip
    for device in (front_desk, outreach):
        report = device.sync()
        assert not device.outbox(), report
        device.db.close()
    return Recorded(clients, sessions)


def export(server: RunningServer, folder: Path, name: str) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    """Run ``outpost-server export`` for this month; its output and every sheet's rows as header → value."""
    out = folder / name
    printed = server.admin("export", "--agency", AGENCY, "--month", this_month()[0], "--out", str(out))
    book = openpyxl.load_workbook(out, read_only=True)
    sheets = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        sheets[sheet.title] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    book.close()
    return printed, sheets


def service_key(client: Client, session: Session, form: Form) -> tuple[Any, ...]:
    assert session.service_date is not None
    day = datetime.combine(session.service_date, datetime.min.time())  # as openpyxl reads a date cell
    return client.client_identifier, day, STATUS_WORDS[form.status or ""]


def test_a_months_export_has_every_reportable_record_once_and_says_why_of_the_rest_then_nothing_new(
    demo_server: RunningServer, recorded: Recorded, tmp_path: Path
) -> None:
    clients = recorded.clients
    forms = [(session, saved, wanted) for session, wanted in recorded.sessions
             for saved, wanted in zip(session.service_forms, wanted, strict=True)]  # fmt: skip
    reportable = [(session, saved, wanted) for session, saved, wanted in forms if not expected_gaps(wanted)]
    assert len(reportable) == 7 and len(forms) - len(reportable) == 7  # the data set holds both kinds

    printed, sheets = export(demo_server, tmp_path, "this-month.xlsx")

    for service_type, sheet in SHEETS.items():  # each reportable service on its module's sheet, once
        wanted = Counter(service_key(clients[w.client], session, w) for session, _, w in reportable
                         if w.service_type == service_type)  # fmt: skip
        found = Counter((row["Unique Identifier Value"], row["Start Date of Service (YYYY-MM-DD)"],
                         row["Status of Service"]) for row in sheets[sheet])  # fmt: skip
        assert found == wanted, sheet
    exported_clients = {w.client for _, _, w in reportable}
    assert Counter(row["Unique Identifier Value"] for row in sheets["Client Profile"]) == Counter(
        clients[name].client_identifier for name in exported_clients
    )

    left_out = Counter((row["Record"], row["Outpost record ID"]) for row in sheets["Not reported"])
    assert left_out == Counter(
        [("Service", saved.id) for _, saved, w in forms if expected_gaps(w)]
        + [("Client profile", clients[name].id) for name in CLIENT_GAPS]
    )  # each left-out record once, client profiles included
    reasons = {row["Outpost record ID"]: row for row in sheets["Not reported"]}
    for _, saved, wanted in forms:
        if expected_gaps(wanted):
            row = reasons[saved.id]
            assert set(row["Codes"].split(", ")) == expected_gaps(wanted) and row["Why"], row
    for name, codes in CLIENT_GAPS.items():
        row = reasons[clients[name].id]
        assert set(row["Codes"].split(", ")) == codes and row["Why"] and row["Client"], row
    assert f"{len(exported_clients)} client profiles and {len(reportable)} services never exported" in printed

    again, second = export(demo_server, tmp_path, "this-month-again.xlsx")
    assert "0 client profiles and 0 services never exported before" in again
    assert all(second[sheet] == [] for sheet in ("Client Profile", *SHEETS.values(), "Changed since exported"))
    assert Counter((row["Record"], row["Outpost record ID"]) for row in second["Not reported"]) == left_out
    about = {row["Item"]: row["Value"] for row in second["About this export"]}
    assert about["Services an earlier export already had (left out)"] == len(reportable)
    assert about["Earlier export of this month"].startswith("export ")
