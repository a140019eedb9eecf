"""The administrator's command line, run as ``main([...])`` (and once as a real process) against both databases."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from server_harness import PASSWORD, ServerHarness, records
from sqlalchemy import select

from seed_data.caseload import CLIENTS, IN_TWO_FORMS, REGISTERED_TWICE
from seed_data.reference import DEMO_SIGN_IN, load_demo_reference, load_languages, load_location_types
from server import crud
from server.cli import main
from server.duplicates import possible_duplicates
from server.main import create_app
from server.models import AuditEvent


def run(database_url: str, *args: str, stdin: str = "") -> int:
    """Run one command the way a script would (standard input is not a terminal)."""
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main([*args, "--database-url", database_url])
    finally:
        sys.stdin = saved


@pytest.fixture
def harness(database_url: str):  # type: ignore[no-untyped-def]
    """The API on the same database the commands change."""
    server = ServerHarness(create_app(database_url))
    yield server
    server.db.close()


def trail(harness: ServerHarness, action: str) -> list[tuple[str, str]]:
    """Who did ``action`` to what, by the audit trail."""
    with harness.db.reading() as session:
        found = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [(event.actor, event.target) for event in found]


def pulled(harness: ServerHarness, user_id: str, password: str = PASSWORD) -> list[dict]:
    changes, _ = harness.pull_all(harness.login(user_id, password))
    return changes


def test_init_db_loads_the_shared_lists_once(database_url: str, harness: ServerHarness, capsys) -> None:
    assert run(database_url, "init-db") == 0
    assert "languages" in capsys.readouterr().out
    assert run(database_url, "init-db") == 0
    assert run(database_url, "add-agency", "--id", "north", "--name", "North Centre") == 0
    assert (
        run(database_url, "add-worker", "--agency", "north", "--user-id", "wlee", "--name", "Wen Lee", stdin=PASSWORD)
        == 0
    )
    changes = pulled(harness, "wlee")
    assert set(records(changes, "language")) == {language.code for language in load_languages()}
    assert set(records(changes, "service_location_type")) == {kind.code for kind in load_location_types()}
    assert all(item["version"] == 1 for item in changes)  # the second init-db changed nothing


def test_add_worker_reads_the_password_from_standard_input(database_url: str, harness: ServerHarness) -> None:
    run(database_url, "add-agency", "--id", "north", "--name", "North Centre")
    command = ["add-worker", "--agency", "north", "--user-id", "sboss", "--name", "Sam Boss", "--role", "supervisor"]
    assert run(database_url, *command, stdin="a long secret\n") == 0
    response = harness.login_response("sboss", "a long secret")
    assert response.status_code == 200
    assert response.json()["worker"] == {
        "user_id": "sboss",
        "name": "Sam Boss",
        "role": "supervisor",
        "agency_id": "north",
    }


def test_add_worker_has_no_password_option(database_url: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(database_url, "add-worker", "--agency", "a", "--user-id", "u", "--name", "N", "--password", "pw123456")
    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["add-agency", "--id", "north", "--name", "Again"], "", "already exists"),
        (["add-worker", "--agency", "nowhere", "--user-id", "x", "--name", "X"], PASSWORD, "no agency"),
        (["add-worker", "--agency", "north", "--user-id", "wlee", "--name", "Twin"], PASSWORD, "already exists"),
        (["add-worker", "--agency", "north", "--user-id", "new", "--name", "New"], "short", "at least 8"),
        (["deactivate-worker", "--user-id", "nobody"], "", "no worker"),
        (["deactivate-site", "--agency", "north", "--code", "NOPE"], "", "no site"),
        (["revoke-device", "--device-id", "nope"], "", "no device"),
        (["list-devices", "--agency", "nowhere"], "", "no agency"),
        (["agency-settings", "--agency", "north", "--offline-days", "0"], "", "1 to 90 days"),
    ],
)
def test_bad_input_gets_one_line_and_a_failing_exit(
    database_url: str, capsys, args: list[str], stdin: str, message: str
) -> None:
    run(database_url, "add-agency", "--id", "north", "--name", "North Centre")
    run(database_url, "add-worker", "--agency", "north", "--user-id", "wlee", "--name", "Wen Lee", stdin=PASSWORD)
    capsys.readouterr()
    assert run(database_url, *args, stdin=stdin) == 1
    error = capsys.readouterr().err
    assert message in error
    assert error.count("\n") == 1


def test_import_sites_reports_every_bad_line_and_imports_nothing(
    database_url: str, harness: ServerHarness, tmp_path: Path, capsys
) -> None:
    run(database_url, "add-agency", "--id", "north", "--name", "North Centre")
    run(database_url, "add-worker", "--agency", "north", "--user-id", "wlee", "--name", "Wen Lee", stdin=PASSWORD)
    bad = tmp_path / "sites.csv"
    bad.write_text("code,name,address\nN-001,Main office,1 King St\n,No code,\nN-001,Twice,\nN-003,Fine,\n")
    assert run(database_url, "import-sites", "--agency", "north", str(bad)) == 1
    error = capsys.readouterr().err
    assert "line 3" in error and "line 4" in error and "line 2" in error
    assert "line 5" not in error
    assert records(pulled(harness, "wlee"), "site") == {}


def test_import_sites_adds_new_codes_and_updates_existing_ones(
    database_url: str, harness: ServerHarness, tmp_path: Path
) -> None:
    run(database_url, "add-agency", "--id", "north", "--name", "North Centre")
    run(database_url, "add-worker", "--agency", "north", "--user-id", "wlee", "--name", "Wen Lee", stdin=PASSWORD)
    first = tmp_path / "first.csv"
    first.write_text('code,name,address\nN-001,Main office,"1 King St, Toronto"\nN-002,Library desk,\n')
    second = tmp_path / "second.csv"
    second.write_text("\ufeffcode,name,address\nN-002,Library outreach desk,20 Queen St\n")
    assert run(database_url, "import-sites", "--agency", "north", str(first)) == 0
    assert run(database_url, "import-sites", "--agency", "north", str(second)) == 0
    sites = records(pulled(harness, "wlee"), "site")
    assert sites["N-001"] == {"code": "N-001", "name": "Main office", "address": "1 King St, Toronto", "active": True}
    assert sites["N-002"]["name"] == "Library outreach desk"


def test_deactivate_worker_stops_sign_in(database_url: str, harness: ServerHarness) -> None:
    run(database_url, "add-agency", "--id", "north", "--name", "North Centre")
    run(database_url, "add-worker", "--agency", "north", "--user-id", "wlee", "--name", "Wen Lee", stdin=PASSWORD)
    headers = harness.login("wlee")
    assert run(database_url, "deactivate-worker", "--user-id", "wlee") == 0
    assert harness.login_response("wlee").status_code == 401
    assert harness.client.get("/api/v1/sync/pull", headers=headers).status_code == 401


def test_an_administrator_lists_and_revokes_devices(database_url: str, harness: ServerHarness, capsys) -> None:
    run(database_url, "add-agency", "--id", "north", "--name", "North Centre")
    run(database_url, "add-worker", "--agency", "north", "--user-id", "wlee", "--name", "Wen Lee", stdin=PASSWORD)
    run(database_url, "add-worker", "--agency", "north", "--user-id", "ajones", "--name", "Al Jones", stdin=PASSWORD)
    harness.login("wlee")
    harness.login("ajones")
    capsys.readouterr()
    assert run(database_url, "list-devices", "--agency", "north") == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split("  ")[0] == "Device ID"
    assert row.startswith(harness.device_id) and "ajones (+wlee)" in row and "Test tablet" in row
    assert row.endswith("in use")

    assert run(database_url, "revoke-device", "--device-id", harness.device_id) == 0
    assert "deletes its data" in capsys.readouterr().out
    assert harness.login_response("wlee").status_code == 401  # this harness speaks like an app older than 403
    run(database_url, "list-devices", "--agency", "north")
    assert "revoked" in capsys.readouterr().out.splitlines()[1]
    assert trail(harness, "device_revoked") == [("", harness.device_id)]  # the command line, as the console would


def test_agency_settings_are_shown_and_changed(database_url: str, harness: ServerHarness, capsys) -> None:
    run(database_url, "add-agency", "--id", "north", "--name", "North Centre")
    assert run(database_url, "agency-settings", "--agency", "north") == 0
    assert "offline sign-in for 14 days" in capsys.readouterr().out
    assert run(database_url, "agency-settings", "--agency", "north", "--idle-lock-minutes", "5") == 0
    shown = capsys.readouterr().out
    assert "offline sign-in for 14 days" in shown and "after 5 minutes" in shown
    assert trail(harness, "settings_changed") == [("", "north")]


def test_demo_loads_a_sign_in_that_works_and_can_run_twice(database_url: str, harness: ServerHarness, capsys) -> None:
    assert run(database_url, "demo") == 0
    assert run(database_url, "demo") == 0
    output = capsys.readouterr().out
    assert DEMO_SIGN_IN.user_id in output and DEMO_SIGN_IN.password in output
    changes = pulled(harness, DEMO_SIGN_IN.user_id, DEMO_SIGN_IN.password)
    assert records(changes, "site") and records(changes, "worker") and records(changes, "language")
    assert all(item["version"] == 1 for item in changes)


def test_demo_caseload_is_a_lived_in_agency_loaded_once(database_url: str, harness: ServerHarness) -> None:
    assert run(database_url, "demo", "--caseload") == 0
    with harness.db.reading() as session:
        before = crud.server_state(session).last_seq
    assert run(database_url, "demo", "--caseload") == 0

    changes = pulled(harness, DEMO_SIGN_IN.user_id, DEMO_SIGN_IN.password)
    clients, sessions = records(changes, "client"), records(changes, "session")
    assert len(clients) == CLIENTS + 2 * len(REGISTERED_TWICE) + len(IN_TWO_FORMS)
    assert sessions and all(len(session["staff"]) >= 1 for session in sessions.values())
    assert any(DEMO_SIGN_IN.user_id in session["staff"] for session in sessions.values())
    with harness.db.reading() as session:
        assert crud.server_state(session).last_seq == before, "the second load wrote nothing"
        pairs = possible_duplicates(session, agency_id=load_demo_reference().agency.id)
    names = sorted((pair.first.display_name, pair.second.display_name) for pair in pairs)
    assert names == [("Олена Шевченко", "Olena Shevchenko"), ("فاطمة الحسن", "Fatima Al-Hassan"),
                     ("王芳", "Fang Wang")]  # fmt: skip


def test_the_command_runs_as_a_process_reading_the_password_from_a_pipe(tmp_path: Path) -> None:
    database = tmp_path / "cli.sqlite3"
    environment = os.environ | {"OUTPOST_DATABASE_URL": f"sqlite:///{database}"}

    def command(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "server.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=environment,
            cwd=tmp_path,
            timeout=120,
        )

    assert command("add-agency", "--id", "north", "--name", "North Centre").returncode == 0
    added = command("add-worker", "--agency", "north", "--user-id", "wlee", "--name", "Wen Lee", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "wlee" in added.stdout
    harness = ServerHarness(create_app(f"sqlite:///{database}"))
    try:
        assert harness.login_response("wlee").status_code == 200
    finally:
        harness.db.close()
    unknown = command("add-worker", "--agency", "south", "--user-id", "x", "--name", "X", stdin=PASSWORD)
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "outpost-server: There is no agency with ID 'south'."


def test_serve_logs_each_request_only_when_asked(monkeypatch, database_url: str) -> None:
    started: list[dict] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **options: started.append(options))
    assert run(database_url, "serve") == 0
    assert run(database_url, "serve", "--access-log") == 0
    assert [options["access_log"] for options in started] == [False, True]
