"""Reports and the funder export over an agency seeded the way real ones are: tablets record sessions through the
app's use cases and sync them to a real server process, one tablet offline for weeks.

Every figure is checked against a count the test makes from the records its tablets saved, and the workbook that
``outpost-server export`` writes is read back with openpyxl and compared row by row (runs on SQLite and PostgreSQL).
"""

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import requests
from server_process import start_server, stop_process
from sync_devices import Device

from app.domain.clients import Client
from app.domain.sessions import Referral, Session
from app.usecases.clients import new_client_draft, register_client
from app.usecases.sessions import add_client_to_session, begin_session, save_session
from credentials.passwords import hash_secret
from server import crud
from server.cli import main as server_cli
from server.db import Database

AGENCY = "reports-agency"
PASSWORD = "reports-password"
WORKERS = {"rworker1": "worker", "rworker2": "worker", "rsuper": "supervisor"}
SITES = ("R-001", "R-002")
LANGUAGES = {"en": "English", "fr": "French", "ar": "Arabic"}
LOCATIONS = ("agency_office", "library")
SERVICES = {
    "information_orientation": ["io_housing", "io_health", "io_education"],
    "needs_assessment": ["na_language", "na_employment"],
    "support_services": ["ss_child_care"],
    "language_assessment": ["la_speaking"],  # the test's mapping has no sheet for it
}
MAPPING = """
[template]
name = "Seeded agency test"

[[sheets]]
name = "Clients"
records = "clients"
columns = [
  { header = "Client", value = "client.id" },
  { header = "Identifier", value = "client.client_identifier" },
]

[[sheets]]
name = "Services"
records = "services"
service_types = ["information_orientation", "needs_assessment", "support_services"]
columns = [
  { header = "Form", value = "form.id" },
  { header = "Identifier", value = "client.client_identifier" },
  { header = "Date", value = "session.service_date" },
  { header = "Minutes", value = "session.service_minutes" },
  { header = "Services", value = "form.services", join = " " },
  { header = "Referrals", value = "form.referral_count" },
]
"""


def last_month(today: date) -> tuple[str, date]:
    first_of_this = today.replace(day=1)
    start = (first_of_this - timedelta(days=1)).replace(day=1)
    return f"{start.year:04d}-{start.month:02d}", start


@dataclass(frozen=True)
class AgencyServer:
    url: str
    database_url: str


@dataclass
class Seeded:
    server: AgencyServer
    tablets: dict[str, Device]
    clients: dict[str, Client]
    sessions: dict[str, list[Session]]  # by tablet, as saved there (edits replace the earlier version)
    month: str
    month_start: date
    folder: Path

    def in_month(self, *tablets: str) -> list[Session]:
        start = self.month_start
        return [
            s
            for name in tablets
            for s in self.sessions[name]
            if s.service_date and s.service_date.replace(day=1) == start
        ]


@pytest.fixture(scope="module")
def agency_server(server_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgencyServer]:
    database = Database(server_database_url)
    with database.writing() as session:
        crud.lock_sequence(session)
        for code, name in LANGUAGES.items():
            crud.upsert_language(session, code=code, name=name)
        for code in LOCATIONS:
            crud.upsert_location_type(session, code=code, label=code.replace("_", " ").title())
        crud.create_agency(session, agency_id=AGENCY, name="Reports Centre")
        for code in SITES:
            crud.upsert_site(session, agency_id=AGENCY, code=code, name=f"Site {code}", address="")
        password_hash = hash_secret(PASSWORD)
        for user_id, role in WORKERS.items():
            crud.add_worker(session, agency_id=AGENCY, user_id=user_id, name=user_id.title(), role=role,
                            password_hash=password_hash)  # fmt: skip
    database.close()
    process, port = start_server(server_database_url, tmp_path_factory.mktemp("reports-log") / "server.log")
    try:
        yield AgencyServer(f"http://127.0.0.1:{port}", server_database_url)
    finally:
        stop_process(process)


def tablet(server: AgencyServer, folder: Path, name: str, user_id: str) -> Device:
    device = Device(folder / name, server.url, name)
    device.sign_in(user_id, PASSWORD)
    device.sync()
    return device


def register(device: Device, rng: random.Random, n: int) -> Client:
    draft = replace(
        new_client_draft(device.worker),
        first_name=f"Client{n}",
        last_name=rng.choice(["Haddad", "Nguyen", "Osei", "Kowalski"]),
        date_of_birth=date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
        consent=True,
        client_identifier=f"{10_000_000 + n}" if n % 5 else "",  # every fifth client cannot be identified
        client_identifier_kind="ircc_client_id" if n % 5 else None,
        official_language=rng.choice(["en", "fr", "unknown"]) if n % 7 else None,
    )
    registration = register_client(device.db, device.worker, draft, ignore_duplicates=True)
    assert registration.client is not None
    return registration.client


def record(device: Device, rng: random.Random, clients: list[Client], day: date) -> Session:
    """A session as a worker fills it in: one to three clients, each form with its own service type and answers."""
    session = begin_session(device.db, device.worker, today=day)
    group = rng.random() < 0.25
    for client in rng.sample(clients, rng.randint(2, 3) if group else 1):
        form = add_client_to_session(session, client.id)
        form.service_type = rng.choice(list(SERVICES))
        form.services = rng.sample(SERVICES[form.service_type], rng.randint(1, len(SERVICES[form.service_type])))
        form.status = rng.choice(["complete", "ongoing", None])
        form.client_attended = rng.choice([True, True, True, False, None])
        form.referrals = [Referral(to=f"Org {k}") for k in range(rng.randint(0, 2))]
    staff = [device.worker.user_id] + (["rworker2"] if group and device.worker.user_id != "rworker2" else [])
    values: dict[str, Any] = {
        "session_type": "group_activity" if group else "direct_service",
        "activity_name": "Newcomer circle" if group else "",
        "service_date": day,
        "site_code": rng.choice(SITES),
        "delivery_methods": rng.sample(["in_person", "phone_text_email", "staff_led_online"], rng.randint(1, 2)),
        "service_location_type": rng.choice(LOCATIONS),
        "interpreter_present": False,
        "service_minutes": rng.choice([30, 45, 60, 90, 125]),
        "languages": rng.sample(list(LANGUAGES), rng.randint(1, 2)),
        "staff": staff,
        "unnamed_participants": rng.randint(0, 6) if group else 0,
    }
    return save_session(device.db, device.worker, replace(session, **values), today=day)


@pytest.fixture(scope="module")
def seeded(agency_server: AgencyServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    folder = tmp_path_factory.mktemp("reports-tablets")
    rng = random.Random(15)
    month, start = last_month(date.today())
    tablets = {
        "front-desk": tablet(agency_server, folder, "front-desk", "rworker1"),
        "outreach": tablet(agency_server, folder, "outreach", "rworker2"),
        "rural": tablet(agency_server, folder, "rural", "rworker2"),  # goes offline for weeks
    }
    clients = [register(tablets["front-desk"], rng, n) for n in range(12)]
    clients += [register(tablets["outreach"], rng, n) for n in range(12, 20)]
    for device in tablets.values():
        device.sync()
        device.sync()  # the second sync brings the other tablet's clients to the first
    sessions: dict[str, list[Session]] = {name: [] for name in tablets}
    for offset in range(0, 26, 2):  # the month's first four weeks, and a session dated the month before
        for name, device in tablets.items():
            sessions[name].append(record(device, rng, clients, start + timedelta(days=offset)))
    sessions["front-desk"].append(record(tablets["front-desk"], rng, clients, start - timedelta(days=1)))
    tablets["front-desk"].sync()
    tablets["outreach"].sync()
    yield Seeded(agency_server, tablets, {c.id: c for c in clients}, sessions, month, start, folder)
    for device in tablets.values():
        device.db.close()


# --- independent counts ---------------------------------------------------------------------------------------------


def expected_figures(sessions: list[Session], forms: list[tuple[Session, Any]] | None = None) -> dict[str, Any]:
    """The figures of these sessions, and of these service forms (by default every form of the sessions)."""
    forms = [(session, form) for session in sessions for form in session.service_forms] if forms is None else forms
    return {
        "sessions": len(sessions),
        "unique_clients": len({form.client_id for _, form in forms}),
        "service_forms": len(forms),
        "services_received": sum(len(form.services) for _, form in forms),
        "hours": round(sum(session.service_minutes for session in sessions) / 60, 2),
        "group_activities": sum(session.session_type == "group_activity" for session in sessions),
        "named_participants": sum(session.session_type == "group_activity" for session, _ in forms),
        "unnamed_participants": sum(session.unnamed_participants for session in sessions),
        "referrals": sum(len(form.referrals) for _, form in forms),
    }


BREAKDOWNS: dict[str, tuple[Callable[[Session], set[str]], Callable[[Session, Any], set[str]]]] = {
    # which groups a session counts under, and which a service form counts under
    "by_site": (lambda s: {s.site_code or ""}, lambda s, f: {s.site_code or ""}),
    "by_worker": (lambda s: set(s.staff), lambda s, f: set(s.staff)),
    "by_service_type": (lambda s: {f.service_type for f in s.service_forms}, lambda s, f: {f.service_type}),
    "by_delivery_method": (lambda s: set(s.delivery_methods), lambda s, f: set(s.delivery_methods)),
}


def expected_groups(sessions: list[Session], breakdown: str) -> dict[str, dict[str, Any]]:
    session_keys, form_keys = BREAKDOWNS[breakdown]
    keys = {key for session in sessions for key in session_keys(session)}
    return {
        key: expected_figures(
            [s for s in sessions if key in session_keys(s)],
            [(s, f) for s in sessions for f in s.service_forms if key in form_keys(s, f)],
        )
        for key in keys
    }


def assert_every_count(figures: dict[str, Any], sessions: list[Session]) -> None:
    """Totals, every group of every breakdown and the sessions by language, against the test's own counts."""
    assert figures["totals"] == expected_figures(sessions)
    for breakdown in BREAKDOWNS:
        found = {row["key"]: {k: v for k, v in row.items() if k not in ("key", "label")} for row in figures[breakdown]}
        assert found == expected_groups(sessions, breakdown), breakdown
    languages = Counter(code for session in sessions for code in set(session.languages))
    assert {row["key"]: row["sessions"] for row in figures["languages"]} == languages


def reportable(seeded: Seeded, form: Any) -> bool:
    client = seeded.clients[form.client_id]
    return (
        form.client_attended is True
        and form.status is not None
        and form.service_type != "language_assessment"
        and bool(client.client_identifier)
        and client.official_language is not None
    )


def statistics(seeded: Seeded) -> dict[str, Any]:
    login = {"user_id": "rsuper", "password": PASSWORD, "device_id": "0" * 8 + "-0000-4000-8000-" + "0" * 12,
             "device_name": "office"}  # fmt: skip
    token = requests.post(f"{seeded.server.url}/api/v1/auth/login", json=login, timeout=30).json()["token"]
    response = requests.get(f"{seeded.server.url}/api/v1/reports/statistics", params={"month": seeded.month},
                            headers={"Authorization": f"Bearer {token}"}, timeout=60)  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()


def export(seeded: Seeded, name: str) -> Path:
    mapping = seeded.folder / "mapping.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    out = seeded.folder / name
    arguments = ["export", "--database-url", seeded.server.database_url, "--agency", AGENCY, "--month", seeded.month,
                 "--out", str(out), "--mapping", str(mapping)]  # fmt: skip
    assert server_cli(arguments) == 0  # the administrator's command, run in this process to spare a start-up
    return out


def rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    found = [tuple(row) for row in book[sheet].iter_rows(min_row=2, values_only=True)]
    book.close()
    return found


def service_rows(seeded: Seeded, sessions: list[Session]) -> list[tuple[Any, ...]]:
    ordered = sorted(sessions, key=lambda session: (session.service_date, session.id))
    return [
        (form.id, seeded.clients[form.client_id].client_identifier,
         datetime.combine(session.service_date, datetime.min.time()), session.service_minutes, " ".join(form.services),
         len(form.referrals))
        for session in ordered for form in session.service_forms if reportable(seeded, form)
    ]  # fmt: skip


def test_figures_and_export_match_what_the_tablets_recorded_before_and_after_a_late_sync(seeded: Seeded) -> None:
    synced = seeded.in_month("front-desk", "outreach")
    assert_every_count(statistics(seeded), synced)

    first = export(seeded, "first.xlsx")
    expected = service_rows(seeded, synced)
    assert rows(first, "Services") == expected
    exported_clients = [row[1] for row in expected]  # each client once, in the order of their first service
    assert [row[1] for row in rows(first, "Clients")] == list(dict.fromkeys(exported_clients))
    left_out = {form.id for session in synced for form in session.service_forms if not reportable(seeded, form)}
    assert {row[-1] for row in rows(first, "Not reported") if row[0] == "Service"} == left_out

    # The rural tablet comes back after weeks offline; meanwhile one exported session was edited on the front desk.
    edited = next(
        s for s in synced if s.created_by == "rworker1" and any(reportable(seeded, f) for f in s.service_forms)
    )
    moved = replace(edited, service_date=seeded.month_start - timedelta(days=3))
    front_desk = seeded.sessions["front-desk"]
    front_desk[front_desk.index(edited)] = save_session(
        seeded.tablets["front-desk"].db, seeded.tablets["front-desk"].worker, moved, today=date.today()
    )
    seeded.tablets["front-desk"].sync()
    seeded.tablets["rural"].sync()

    everything = seeded.in_month("front-desk", "outreach", "rural")
    assert_every_count(statistics(seeded), everything)
    second = export(seeded, "second.xlsx")
    late = seeded.in_month("rural")
    assert rows(second, "Services") == service_rows(seeded, late)
    changed = {row[-1]: row for row in rows(second, "Changed since exported")}
    moved_forms = {form.id for form in edited.service_forms if reportable(seeded, form)}
    assert set(changed) == moved_forms
    assert all(row[4] != seeded.month and row[0] == "Changed" for row in changed.values())

    third = export(seeded, "third.xlsx")
    assert rows(third, "Services") == [] and rows(third, "Changed since exported") == []
