"""The agency console, page by page, as administrators, supervisors and workers use it (through the server's HTTP
interface, on SQLite and PostgreSQL). The browser tests (tests/e2e/browser/test_console_in_chromium.py) drive the
same pages in Chromium; the authorization matrix (tests/reliability) checks every route against every kind of reader."""

import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from console_browser import ConsoleBrowser, visible_text
from server_harness import API, NORTH, PASSWORD, ServerHarness, change, client_data, deleted, now, records, session_data

from protocol.api import APP_VERSION_HEADER
from server.main import create_app
from server.models import AuditEvent, Worker

ONE_TIME = re.compile(r'<code class="secret">([^<]+)</code>')


@pytest.fixture
def agency(two_agencies: ServerHarness) -> ServerHarness:
    """The two agencies plus north's administrator ``admin1``, on SQLite and on PostgreSQL: for the tests whose
    queries differ between the two (paging, merging, reports, throttling)."""
    two_agencies.add_worker(NORTH, "admin1", role="administrator")
    return two_agencies


@pytest.fixture
def pages(migrated_sqlite_file: Path, tmp_path: Path) -> Iterator[ServerHarness]:
    """The same agencies on SQLite only: for the tests about pages, cookies and forms, which no database changes."""
    path = tmp_path / "server.sqlite3"
    shutil.copyfile(migrated_sqlite_file, path)
    server = ServerHarness(create_app(f"sqlite:///{path}"))
    server.add_two_agencies()
    server.add_worker(NORTH, "admin1", role="administrator")
    yield server
    server.app.dependency_overrides.clear()
    server.db.close()


def console(server: ServerHarness, user_id: str, **options: str) -> ConsoleBrowser:
    return ConsoleBrowser(server.app, **options).signed_in_as(user_id, PASSWORD)


def audit_actions(server: ServerHarness) -> list[tuple[str, str, str]]:
    with server.db.reading() as session:
        rows = session.query(AuditEvent).order_by(AuditEvent.id).all()
        return [(row.actor, row.action, row.target) for row in rows]


# --- signing in and out -----------------------------------------------------------------------------------------------


def test_signing_in_sets_a_guarded_cookie_and_goes_to_the_page_asked_for(pages: ServerHarness) -> None:
    browser = ConsoleBrowser(pages.app, base_url="https://console.example.org")
    asked = browser.get("/sessions")
    assert (asked.status_code, asked.headers["location"]) == (303, "/console/sign-in?next=/console/sessions")
    signed_in = browser.sign_in("sboss", PASSWORD, next_path="/console/sessions")
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/console/sessions")
    cookie = next(value for value in signed_in.headers.get_list("set-cookie") if value.startswith("outpost_console="))
    assert {"HttpOnly", "Secure", "SameSite=lax", "Path=/console"} <= {part.strip() for part in cookie.split(";")}
    assert browser.get("/sessions").status_code == 200
    assert ("sboss", "sign_in", "") in audit_actions(pages)


def test_without_tls_the_cookie_is_not_marked_secure(pages: ServerHarness) -> None:
    response = ConsoleBrowser(pages.app).sign_in("sboss", PASSWORD)
    assert "Secure" not in response.headers["set-cookie"]


def test_a_refused_sign_in_says_the_same_for_a_wrong_password_and_an_unknown_user(pages: ServerHarness) -> None:
    browser = ConsoleBrowser(pages.app)
    wrong = browser.sign_in("sboss", "not the password")
    unknown = browser.sign_in("nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "The user ID or password is not right." in visible_text(wrong.text)
    assert visible_text(wrong.text) == visible_text(unknown.text).replace("nobody", "sboss")
    assert 'href="#user_id"' in wrong.text  # the error summary leads to the field


def test_failed_sign_ins_on_the_console_and_on_devices_count_together(agency: ServerHarness) -> None:
    browser = ConsoleBrowser(agency.app)
    for attempt in range(3):
        assert browser.sign_in("wlee", f"guess {attempt}").status_code == 401
    for attempt in range(2):
        assert agency.login_response("wlee", f"device guess {attempt}").status_code == 401
    assert agency.login_response("wlee").status_code == 429  # the right password, refused all the same
    refused = browser.sign_in("wlee", PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in visible_text(refused.text)


def test_an_idle_sign_in_ends_and_the_reader_is_sent_to_sign_in_again(pages: ServerHarness) -> None:
    browser = console(pages, "sboss")
    pages.move_clock(now() + timedelta(minutes=20))
    assert browser.get("/sessions").status_code == 200  # in use: still signed in
    pages.move_clock(now() + timedelta(minutes=20 + 31))
    expired = browser.get("/sessions", site="N-001")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/console/sign-in?next=/console/sessions%3Fsite%3DN-001&expired=1"
    page = browser.client.get(expired.headers["location"])
    assert "signed out after a while without activity" in visible_text(page.text)
    assert browser.get("/sessions").status_code == 303  # the sign-in is gone, not merely refused once


def test_a_sign_in_ends_after_twelve_hours_even_in_use(pages: ServerHarness) -> None:
    browser = console(pages, "sboss")
    for minutes in range(25, 12 * 60, 25):
        pages.move_clock(now() + timedelta(minutes=minutes))
        assert browser.get("/").status_code == 200
    pages.move_clock(now() + timedelta(hours=12, minutes=1))
    assert browser.get("/").status_code == 303


def test_signing_out_ends_the_sign_in_for_good(pages: ServerHarness) -> None:
    browser = console(pages, "sboss")
    cookie = browser.client.cookies["outpost_console"]
    out = browser.post("/sign-out", form_on="/")
    assert (out.status_code, out.headers["location"]) == (303, "/console/sign-in?signed_out=1")
    replay = ConsoleBrowser(pages.app)
    replay.client.cookies.set("outpost_console", cookie, path="/console")
    assert replay.get("/").status_code == 303


# --- forms are the console's own -------------------------------------------------------------------------------------


def test_a_form_without_its_token_or_from_another_site_changes_nothing(pages: ServerHarness) -> None:
    browser = console(pages, "admin1")
    good = browser.token("/workers/new")
    attempts = [
        {"data": {"user_id": "mallory", "name": "Mallory", "role": "administrator"}},
        {"data": {"csrf_token": "0" * 64, "user_id": "mallory", "name": "Mallory", "role": "administrator"}},
        {"data": {"csrf_token": good, "user_id": "mallory", "name": "Mallory", "role": "administrator"},
         "headers": {"Origin": "https://evil.example"}},
    ]  # fmt: skip
    before = audit_actions(pages)
    for attempt in attempts:
        refused = browser.client.post("/console/workers", **attempt)
        assert refused.status_code == 403
        assert "Nothing was changed" in visible_text(refused.text)
    assert audit_actions(pages) == before
    with pages.db.reading() as session:
        assert session.get(Worker, "mallory") is None
    other_browser = ConsoleBrowser(pages.app).signed_in_as("sboss", PASSWORD)
    stolen = browser.client.post(
        "/console/sign-out", data={"csrf_token": other_browser.token("/")}
    )  # another reader's token is not this reader's
    assert stolen.status_code == 403


# --- administrators ---------------------------------------------------------------------------------------------------


def test_an_administrator_adds_a_worker_who_signs_in_on_a_tablet_with_the_handed_over_password(
    pages: ServerHarness,
) -> None:
    browser = console(pages, "admin1")
    added = browser.post(
        "/workers", {"user_id": "nnew", "name": "  Nadia   New ", "role": "worker"}, form_on="/workers/new"
    )
    assert added.status_code == 200
    password = ONE_TIME.search(added.text).group(1)
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    assert added.headers["cache-control"] == "no-store"
    signed_in = pages.login_response("nnew", password)
    assert signed_in.json()["worker"] == {"user_id": "nnew", "name": "Nadia New", "role": "worker", "agency_id": NORTH}
    again = browser.post("/workers", {"user_id": "nnew", "name": "Twin", "role": "worker"}, form_on="/workers/new")
    assert again.status_code == 400
    assert "A worker with user ID nnew already exists." in visible_text(again.text)
    assert 'aria-invalid="true"' in again.text and 'href="#user_id"' in again.text
    assert ("admin1", "worker_added", "nnew") in audit_actions(pages)


def test_role_password_and_deactivation_reach_the_workers_devices(pages: ServerHarness) -> None:
    browser = console(pages, "admin1")
    device = pages.login("wlee")
    made_supervisor = browser.post("/workers/wlee/role", {"role": "supervisor"}, form_on="/workers/wlee")
    assert made_supervisor.headers["location"] == "/console/workers/wlee?done=role"
    assert records(pages.pull_all(pages.login("ajones"))[0], "worker")["wlee"]["role"] == "supervisor"
    reset = browser.post("/workers/wlee/password", form_on="/workers/wlee")
    password = ONE_TIME.search(reset.text).group(1)
    assert pages.client.get(f"{API}/sync/pull", headers=device).status_code == 401  # signed out everywhere
    assert pages.login_response("wlee").status_code == 401
    assert pages.login_response("wlee", password).status_code == 200
    assert browser.post("/workers/wlee/deactivate", form_on="/workers/wlee").status_code == 303
    assert pages.login_response("wlee", password).status_code == 401
    own = browser.post("/workers/admin1/deactivate", form_on="/workers/admin1")
    assert own.status_code == 400 and "cannot deactivate your own account" in visible_text(own.text)
    actions = [action for actor, action, target in audit_actions(pages) if target == "wlee"]
    assert actions == ["role_changed", "password_reset", "worker_deactivated"]


def test_sites_are_added_renamed_closed_and_uploaded_with_every_bad_line_named(pages: ServerHarness) -> None:
    browser = console(pages, "admin1")
    assert (
        browser.post("/sites", {"code": "N-010", "name": "Library desk", "address": ""}, form_on="/sites").status_code
        == 303
    )
    assert browser.post("/sites/N-010", {"name": "Library outreach desk", "address": "5 Elm St"},
                        form_on="/sites/N-010").status_code == 303  # fmt: skip
    assert browser.post("/sites/N-002/close", form_on="/sites/N-002").status_code == 303
    bad = b"code,name,address\nN-020,Fine,\n,No code,\nN-020,Twice,\n"
    refused = browser.post("/sites/import", files={"file": ("sites.csv", bad, "text/csv")}, form_on="/sites")
    assert refused.status_code == 400
    shown = visible_text(refused.text)
    assert "line 3: the code is empty" in shown and "line 4: the code 'N-020' was already used on line 2" in shown
    good = b"code,name,address\nN-020,Fine,\nN-002,Reopened,\n"
    imported = browser.post("/sites/import", files={"file": ("sites.csv", good, "text/csv")}, form_on="/sites")
    assert imported.headers["location"] == "/console/sites?done=imported&count=2"
    sites = records(pages.pull_all(pages.login("wlee"))[0], "site")
    assert sites["N-010"] == {"code": "N-010", "name": "Library outreach desk", "address": "5 Elm St", "active": True}
    assert sites["N-002"]["name"] == "Reopened" and "N-020" in sites


def test_a_list_entry_gets_a_french_name_that_an_english_rename_keeps(pages: ServerHarness) -> None:
    browser = console(pages, "admin1")
    for form in (
        {"kind": "language", "code": "ar", "name": "Arabic", "name_fr": "Arabe"},
        {"kind": "language", "code": "ar", "name": "Arabic (Modern Standard)", "name_fr": ""},
    ):
        assert browser.post("/reference", form, form_on="/reference").status_code == 303
    languages = records(pages.pull_all(pages.login("wlee"))[0], "language")
    assert languages["ar"] == {"code": "ar", "name": "Arabic (Modern Standard)", "name_fr": "Arabe"}


def test_another_agencys_worker_or_site_is_not_found(pages: ServerHarness) -> None:
    browser = console(pages, "admin1")
    assert browser.get("/workers/zsouth").status_code == 404
    assert browser.get("/sites/S-001").status_code == 404
    attempt = browser.post("/workers/zsouth/deactivate", form_on="/workers")
    assert attempt.status_code == 404
    assert pages.login_response("zsouth").status_code == 200


def test_an_administrator_revokes_a_lost_device_only_once_confirmed(pages: ServerHarness) -> None:
    browser = console(pages, "admin1")
    lost = pages.device_id
    device = pages.login("wlee")
    listed = visible_text(browser.get("/devices").text)
    assert "Test tablet" in listed and "In use" in listed
    assert f'href="/console/devices/{lost}"' in browser.get("/devices").text

    unconfirmed = browser.post(f"/devices/{lost}/revoke", form_on=f"/devices/{lost}")
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm" in visible_text(unconfirmed.text) and 'href="#confirm"' in unconfirmed.text
    assert pages.client.get(f"{API}/sync/pull", headers=device).status_code == 200  # nothing happened

    revoked = browser.post(f"/devices/{lost}/revoke", {"confirm": "yes"}, form_on=f"/devices/{lost}")
    assert revoked.headers["location"] == f"/console/devices/{lost}?done=revoked"
    refused = pages.client.get(f"{API}/sync/pull", headers=device | {APP_VERSION_HEADER: "1.0"})
    assert (refused.status_code, refused.json()["code"]) == (403, "device_revoked")
    shown = visible_text(browser.get(f"/devices/{lost}").text)
    assert "Revoked" in shown and "it was told and deleted its data" in shown and "Revoke this device" not in shown
    assert browser.post(f"/devices/{lost}/revoke", {"confirm": "yes"}, form_on="/devices").status_code == 303
    assert [target for _, action, target in audit_actions(pages) if action == "device_revoked"] == [lost]


def test_device_settings_are_checked_then_reach_devices_at_their_next_sync(pages: ServerHarness) -> None:
    browser = console(pages, "admin1")
    device = pages.login("wlee")
    _, cursor = pages.pull_all(device)
    refused = browser.post("/settings", {"offline_sign_in_days": "0", "idle_lock_minutes": "ten"}, form_on="/settings")
    assert refused.status_code == 400
    shown = visible_text(refused.text)
    assert "whole number of days from 1 to 90" in shown and "whole number of minutes from 1 to 60" in shown
    assert 'value="ten"' in refused.text  # what was typed stays, to be corrected
    saved = browser.post("/settings", {"offline_sign_in_days": "3", "idle_lock_minutes": "5"}, form_on="/settings")
    assert saved.headers["location"] == "/console/settings?done=saved"
    changes, _ = pages.pull_all(device, cursor)
    agency = records(changes, "agency")[NORTH]
    assert (agency["offline_sign_in_days"], agency["idle_lock_minutes"]) == (3, 5)
    assert ("admin1", "settings_changed", NORTH) in audit_actions(pages)
    assert "after 5 minutes" in visible_text(browser.get("/devices").text)


# --- supervisors ------------------------------------------------------------------------------------------------------


IDENTIFIED = {"client_identifier_kind": "ircc_client_id", "client_identifier": "1234-5678", "official_language": "en"}


def _record_sessions(server: ServerHarness, count: int) -> list[dict]:
    """``count`` sessions by wlee over a few weeks, at two sites, some incomplete, a few with ajones (group); every
    third is for a client the funder can identify (the others' clients never reached the server), so it can be
    reported when complete."""
    headers = server.login("wlee")
    identified = client_data(**IDENTIFIED)
    assert server.push_one(headers, change("client", identified))["status"] == "applied"
    made = []
    for number in range(count):
        data = session_data(service_date=f"2025-03-{1 + number % 28:02d}", site_code=("N-001", "N-002")[number % 2])
        if number % 3 == 0:
            data["service_forms"][0]["client_id"] = identified["id"]
        if number % 5 == 0:
            data["service_forms"][0]["status"] = None
        if number % 7 == 0:
            data.update(session_type="group_activity", activity_name="Tax clinic", staff=["wlee", "ajones"])
        if number % 4 == 0:
            data["service_forms"][0].update(service_type="employment", services=["em_job_search"])
        made.append(data)
    for start in range(0, count, 100):
        results = server.push(headers, *[change("session", data) for data in made[start : start + 100]])
        assert {result["status"] for result in results} == {"applied"}
    return made


SESSION_LINK = re.compile(r'href="/console/sessions/([0-9a-f-]{36})"')


def _walk(browser: ConsoleBrowser, **filters: str) -> list[str]:
    """Every session id the list shows for these filters, following "Older sessions" to the end."""
    seen: list[str] = []
    page = browser.get("/sessions", **filters)
    while True:
        assert page.status_code == 200
        seen += SESSION_LINK.findall(page.text)
        older = re.search(r'href="\?([^"]*after=[^"]+)">', page.text)
        if older is None:
            return seen
        page = browser.client.get("/console/sessions?" + older.group(1).replace("&amp;", "&"))


def test_the_session_list_shows_every_matching_session_once_newest_first(agency: ServerHarness) -> None:
    made = _record_sessions(agency, 130)
    browser = console(agency, "sboss")
    newest_first = sorted(made, key=lambda data: (data["service_date"], data["id"]), reverse=True)
    assert _walk(browser) == [data["id"] for data in newest_first]
    wanted = [data["id"] for data in newest_first if data["site_code"] == "N-002" and "ajones" in data["staff"]
              and data["service_date"] >= "2025-03-10"]  # fmt: skip
    assert _walk(browser, site="N-002", worker="ajones", **{"from": "2025-03-10"}) == wanted
    incomplete = [data["id"] for data in newest_first if data["service_forms"][0]["status"] is None]
    assert _walk(browser, complete="no") == incomplete
    theirs = [data["id"] for data in newest_first if "ajones" in data["staff"]]
    assert _walk(browser, worker="ajones", complete="no") == [id_ for id_ in theirs if id_ in incomplete]
    employment = [data["id"] for data in newest_first if data["service_forms"][0]["service_type"] == "employment"]
    assert _walk(browser, service="employment", complete="no") == [id_ for id_ in employment if id_ in incomplete]
    assert _walk(browser, worker="ajones", service="employment") == [id_ for id_ in theirs if id_ in employment]
    shown = visible_text(browser.get("/sessions", complete="no").text)
    assert f"{len(incomplete)} sessions match." in shown
    reportable = {data["id"] for number, data in enumerate(made) if number % 3 == 0 and number % 5 != 0}
    not_reportable = [data["id"] for data in newest_first if data["id"] not in reportable]
    assert len(not_reportable) > 50  # more than a page: the filter is kept from page to page
    assert _walk(browser, reportable="no") == not_reportable
    assert _walk(browser, reportable="yes") == [data["id"] for data in newest_first if data["id"] in reportable]
    report = visible_text(browser.get("/reports", month="2025-03").text)
    assert f"{len(not_reportable)} sessions of the month are not reportable" in report
    march = {"from": "2025-03-01", "to": "2025-03-31"}
    listed = visible_text(browser.get("/sessions", reportable="no", **march).text)
    assert f"{len(not_reportable)} sessions match." in listed
    first_page = browser.get("/sessions")
    older = re.search(r'href="\?([^"]*after=[^"]+)">', first_page.text).group(1).replace("&amp;", "&")
    second = browser.client.get("/console/sessions?" + older)
    newer = re.search(r'href="\?([^"]*before=[^"]+)">', second.text).group(1).replace("&amp;", "&")
    assert SESSION_LINK.findall(browser.client.get("/console/sessions?" + newer).text) == SESSION_LINK.findall(
        first_page.text
    )


def test_a_session_is_read_only_and_hides_private_notes_from_a_supervisor_off_its_staff(pages: ServerHarness) -> None:
    data = session_data(notes="Met at the library")
    data["service_forms"][0].update(private=True, notes="Disclosed a safety concern")
    assert pages.push_one(pages.login("wlee"), change("session", data))["status"] == "applied"
    page = console(pages, "sboss").get(f"/sessions/{data['id']}")
    shown = visible_text(page.text)
    assert "Met at the library" in shown and "Disclosed a safety concern" not in shown
    assert "only the session's staff see these notes" in shown
    assert "Agency office" in shown and "English" in shown  # reference codes by their names
    in_french = console(pages, "sboss")
    in_french.client.headers["Accept-Language"] = "fr-CA"
    shown_in_french = visible_text(in_french.get(f"/sessions/{data['id']}").text)
    assert "Bureau de l'organisme" in shown_in_french and "Anglais" in shown_in_french
    assert "<form" not in page.text.split("<main", 1)[1]  # nothing to change here
    assert console(pages, "admin1").get("/sessions/" + data["id"]).status_code == 200


def test_a_client_profile_lists_their_sessions(pages: ServerHarness) -> None:
    headers = pages.login("wlee")
    client = client_data(first_name="Olena", last_name="Shevchenko")
    assert pages.push_one(headers, change("client", client))["status"] == "applied"
    visits = [session_data(service_date=f"2025-02-{day:02d}") for day in (3, 17)]
    for visit in visits:
        visit["service_forms"][0]["client_id"] = client["id"]
        assert pages.push_one(headers, change("session", visit))["status"] == "applied"
    page = console(pages, "sboss").get(f"/clients/{client['id']}")
    assert SESSION_LINK.findall(page.text) == [visits[1]["id"], visits[0]["id"]]
    assert "2 sessions." in visible_text(page.text)


def test_a_name_in_a_right_to_left_script_is_shown_in_its_own_direction(pages: ServerHarness) -> None:
    headers = pages.login("wlee")
    client = client_data(first_name="فاطمة", last_name="الزهراء", latin_name="Fatima Al-Zahraa",
                         own_script_name="فاطمة الزهراء")  # fmt: skip
    assert pages.push_one(headers, change("client", client))["status"] == "applied"
    page = console(pages, "sboss").get(f"/clients/{client['id']}").text
    assert "<h1><bdi>فاطمة الزهراء</bdi></h1>" in page
    assert '<dd dir="auto">فاطمة الزهراء</dd>' in page and '<dd dir="auto">Fatima Al-Zahraa</dd>' in page


# --- merging duplicates -----------------------------------------------------------------------------------------------


def _duplicates(server: ServerHarness) -> tuple[dict, dict, dict, dict]:
    """One person registered on two tablets (wlee's with a phone, ajones's with an email), a session for each."""
    first = client_data(first_name="Amal", last_name="Haddad", phone="416-555-0101", email="")
    second = client_data(first_name="AMAL", last_name="Haddad", phone="", email="amal@example.org",
                         created_by="ajones")  # fmt: skip
    sessions = []
    for user, client in (("wlee", first), ("ajones", second)):
        headers = server.login(user)
        visit = session_data(created_by=user, staff=[user])
        visit["service_forms"][0]["client_id"] = client["id"]
        results = server.push(headers, change("client", client), change("session", visit))
        assert [result["status"] for result in results] == ["applied", "applied"]
        sessions.append(visit)
    return first, second, sessions[0], sessions[1]


def test_a_merge_keeps_every_session_and_reaches_devices_as_a_tombstone_naming_the_survivor(
    agency: ServerHarness,
) -> None:
    kept, merged, kept_visit, merged_visit = _duplicates(agency)
    device = agency.login("wlee")
    _, cursor = agency.pull_all(device)
    browser = console(agency, "sboss")
    listed = browser.get("/duplicates")
    assert f"keep={kept['id']}&amp;merge={merged['id']}" in listed.text
    preview = browser.get("/clients/merge", keep=kept["id"], merge=merged["id"])
    assert "1 session moves to the kept record." in visible_text(preview.text)
    done = browser.post("/clients/merge", {"keep": kept["id"], "merge": merged["id"]},
                        form_on=f"/clients/merge?keep={kept['id']}&merge={merged['id']}")  # fmt: skip
    assert done.headers["location"] == f"/console/clients/{kept['id']}?done=merged"

    changes, _ = agency.pull_all(device, cursor)
    tombstone = next(item for item in changes if item["id"] == merged["id"])
    assert (tombstone["op"], tombstone["data"]) == ("delete", {"merged_into": kept["id"]})
    survivor = records(changes, "client")[kept["id"]]
    assert (survivor["email"], survivor["phone"]) == ("amal@example.org", "416-555-0101")  # blanks filled
    supervisor_view, _ = agency.pull_all(agency.login("sboss"))
    sessions = records(supervisor_view, "session")
    for visit in (kept_visit, merged_visit):
        assert [form["client_id"] for form in sessions[visit["id"]]["service_forms"]] == [kept["id"]]
    assert sessions[merged_visit["id"]]["version"] == 2
    assert SESSION_LINK.findall(browser.get(f"/clients/{kept['id']}").text).count(merged_visit["id"]) == 1
    assert merged["id"] not in browser.get("/duplicates").text
    assert ("sboss", "clients_merged", kept["id"]) in audit_actions(agency)


def test_work_queued_offline_for_a_merged_client_goes_to_the_survivor(agency: ServerHarness) -> None:
    kept, merged, _, _ = _duplicates(agency)
    browser = console(agency, "sboss")
    browser.post("/clients/merge", {"keep": kept["id"], "merge": merged["id"]},
                 form_on=f"/clients/merge?keep={kept['id']}&merge={merged['id']}")  # fmt: skip
    headers = agency.login("ajones")  # their tablet was offline during the merge
    new_visit = session_data(created_by="ajones", staff=["ajones"])
    new_visit["service_forms"][0]["client_id"] = merged["id"]
    edit = merged | {"address": "12 Birch Ave", "version": 1}
    stale = merged | {"country_of_origin": "Syria"}
    results = agency.push(
        headers,
        change("session", new_visit),
        change("client", edit, base_version=1),
        change("client", stale, base_version=0),
    )
    assert [result["status"] for result in results] == ["applied", "applied", "conflict"]
    assert results[1]["merged_into"] == results[2]["merged_into"] == kept["id"]
    assert results[2]["current"]["id"] == kept["id"]
    pulled, _ = agency.pull_all(headers)
    assert records(pulled, "session")[new_visit["id"]]["service_forms"][0]["client_id"] == kept["id"]
    survivor = records(pulled, "client")[kept["id"]]
    assert (survivor["address"], survivor["first_name"]) == ("12 Birch Ave", "Amal")  # their change, on the survivor
    assert merged["id"] in deleted(pulled, "client")


def test_a_merge_is_refused_across_agencies_and_for_a_client_merged_already(agency: ServerHarness) -> None:
    kept, merged, _, _ = _duplicates(agency)
    south = client_data(agency_id="south", created_by="zsouth")
    assert agency.push_one(agency.login("zsouth"), change("client", south))["status"] == "applied"
    browser = console(agency, "sboss")
    across = browser.get("/clients/merge", keep=kept["id"], merge=south["id"])
    assert across.status_code == 400 and "There is no client" in visible_text(across.text)
    browser.post("/clients/merge", {"keep": kept["id"], "merge": merged["id"]}, form_on="/duplicates")
    twice = browser.post("/clients/merge", {"keep": kept["id"], "merge": merged["id"]}, form_on="/duplicates")
    assert twice.status_code == 400 and "already merged" in visible_text(twice.text)


# --- everyone ---------------------------------------------------------------------------------------------------------


def _events(html: str) -> str:
    """The audit page's table of events, as read aloud."""
    return visible_text(html.split("<table", 1)[1])


def test_the_audit_trail_is_filtered_and_a_worker_sees_only_their_own(pages: ServerHarness) -> None:
    admin = console(pages, "admin1")
    admin.post("/sites", {"code": "N-030", "name": "Pop-up", "address": ""}, form_on="/sites")
    assert ConsoleBrowser(pages.app).sign_in("ajones", "wrong").status_code == 401
    worker = console(pages, "wlee")
    supervisor = console(pages, "sboss")
    everything = _events(supervisor.get("/audit").text)
    assert "Site added" in everything and "Sign-in refused" in everything
    only_sites = _events(supervisor.get("/audit", action="site_added").text)
    assert "N-030" in only_sites and "Sign-in refused" not in only_sites
    assert "Name: Pop-up" in only_sites  # each detail named in words, not by its key
    assert "Through: the console" in everything and "channel" not in everything
    own = _events(worker.get("/audit", actor="admin1").text)
    assert "Site added" not in own and "Signed in" in own
    assert worker.get("/workers").status_code == 403


def test_pages_speak_canadian_french_when_chosen(pages: ServerHarness) -> None:
    browser = console(pages, "sboss")
    switched = browser.post("/language", {"language": "fr", "next": "/console/sessions"}, form_on="/")
    assert switched.headers["location"] == "/console/sessions"
    page = browser.get("/sessions")
    assert '<html lang="fr-CA">' in page.text
    shown = visible_text(page.text)
    assert "Séances" in shown and "Type de séance" in shown and "Filtrer" in shown
    assert "English" in shown  # the button back to English, named in its own language
    greeted = ConsoleBrowser(pages.app)
    greeted.client.headers["Accept-Language"] = "fr-CA,fr;q=0.9,en;q=0.5"
    assert "Identifiant" in visible_text(greeted.get("/sign-in").text)


def test_the_app_keeps_json_errors_outside_the_console(pages: ServerHarness) -> None:
    assert pages.client.get(f"{API}/nowhere").json() == {"detail": "Not Found"}
    assert pages.client.get("/console/nowhere").headers["content-type"].startswith("text/html")


def test_a_supervisor_reads_the_months_reports_and_downloads_its_funder_export(agency: ServerHarness) -> None:
    _record_sessions(agency, 3)
    browser = console(agency, "sboss")
    report = visible_text(browser.get("/reports", month="2025-03").text)
    assert "Sessions 3" in report
    download = browser.post("/reports/export", {"month": "2025-03"}, form_on="/reports?month=2025-03")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert download.content[:2] == b"PK"  # a workbook is a zip file
    assert ("sboss", "funder_exported", "2025-03") in audit_actions(agency)
    assert "2025-03" in visible_text(browser.get("/reports", month="2025-03").text.split("Exports so far")[1])
    assert console(agency, "wlee").get("/reports").status_code == 403
