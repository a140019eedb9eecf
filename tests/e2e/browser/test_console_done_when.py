"""The console's whole promise in one sitting, tried as a new agency would, every step in Chromium.

An administrator signs in on the console at laptop size and adds a worker, who gets a one-time password to hand
over. The worker signs in with it on the app at tablet size (a device nobody has signed in on), registers a client
and records their first session there, and syncs. Another worker registers the same client on their own tablet,
not knowing. A supervisor then finds the new worker's first session on the console by filtering the list by that
worker, merges the two records of the client and downloads this month's funder export.

Each step waits for what the reader would see next (a heading, a status line, the app's sync line), never for a
while: the console is plain HTML, and the app's steps go through the session journey's ``SessionWorker``, which
already copes with Flutter's dropped first taps.
"""

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from e2e.browser.test_session_journey import SessionWorker
from e2e.sync.sync_devices import COLLEAGUE, Device, unique
from playwright.sync_api import Browser, BrowserContext, Page, expect

from seed_data.reference import DEMO_ADMINISTRATOR, DEMO_SUPERVISOR

LAPTOP = {"width": 1280, "height": 800}
BORN = date(1985, 3, 2)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def laptop(chromium: Browser) -> Iterator[Callable[[], Page]]:
    """``laptop()``: a fresh browser window at laptop size, with its own cookies (so its own console sign-in)."""
    contexts: list[BrowserContext] = []

    def open_window() -> Page:
        context = chromium.new_context(viewport=LAPTOP, locale="en-CA")
        contexts.append(context)
        return context.new_page()

    yield open_window
    for context in contexts:
        context.close()


def console_sign_in(page: Page, server_url: str, user_id: str, password: str, path: str) -> None:
    """Open ``path`` on the console, which asks for a sign-in first and then goes there."""
    page.goto(server_url + path)
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_worker_added_on_the_console_records_a_first_session_that_the_supervisor_finds_merges_and_exports(
    laptop, open_app, type_into, screenshot, reveal, small_targets, close_dialog, text_box, demo_server, tmp_path: Path
) -> None:
    # The administrator adds the worker and reads out the one-time password.
    administrator = laptop()
    console_sign_in(
        administrator, demo_server.url, DEMO_ADMINISTRATOR.user_id, DEMO_ADMINISTRATOR.password, "/console/workers"
    )
    expect(administrator.get_by_role("heading", level=1)).to_have_text("Workers")
    administrator.get_by_role("link", name="Add a worker").click()
    user_id, name = unique("tnew"), "Tomás Newhire"
    administrator.get_by_label("Name").fill(name)
    administrator.get_by_label("User ID").fill(user_id)
    administrator.get_by_label("Role").select_option("worker")
    administrator.get_by_role("button", name="Add the worker").click()
    expect(administrator.get_by_role("status")).to_contain_text(f"{name} can now sign in.")
    one_time_password = administrator.locator("code.secret").inner_text()

    # The worker signs in with it on the app, on a tablet, and records their first session there.
    tablet = SessionWorker(open_app("tablet"), type_into, screenshot, reveal, small_targets, close_dialog, text_box)
    tablet.sign_in(user_id, one_time_password)
    first_name, last_name = unique("Maryam"), "Karimi"
    tablet.press("Register a New Client")
    tablet.register(first_name, last_name, BORN.isoformat())
    tablet.press("Begin Session with Client")
    expect(tablet.button("Save Session")).to_be_attached()
    tablet.choose("Session Type", "Direct Service")
    tablet.press("Find...")
    expect(tablet.page.get_by_role("alertdialog")).to_be_visible()
    tablet.type("Filter sites", "montréal")
    tablet.press("Filter")
    tablet.button_starting("MTL-002").click()
    expect(tablet.page.get_by_role("alertdialog")).to_have_count(0)
    tablet.tick("In Person")
    tablet.choose("Type of Service Location", "Agency office")
    tablet.choose("Interpreter Present", "No")
    tablet.type("Minutes", "45")
    tablet.add_to_list("Add Language", "Language", "French")
    tablet.press("Save Session")
    tablet.sees("Saved")
    tablet.button("Sync now").first.click()  # in the sync line, outside any scroll view
    # The sync line can still read "Synced just now" from before the save, so the outbox itself is watched: the
    # Sync screen lists what waits, reloads it after each sync, and says so once the server has taken it all.
    tablet.page.get_by_role("button", name="Sync Tab ").click()  # the rail's destination
    tablet.sees("Every change on this device has reached the server.")

    # A colleague registers the same client again on their own tablet (its duplicate check was skipped).
    outreach = Device(tmp_path / "outreach", demo_server.url, "Outreach tablet")
    outreach.sign_in(COLLEAGUE)
    outreach.sync()
    outreach.register(first_name=first_name, last_name=last_name, date_of_birth=BORN)
    outreach.sync()
    assert outreach.outbox() == []
    outreach.db.close()

    # The supervisor finds the new worker's first session by filtering the list by that worker.
    supervisor = laptop()
    console_sign_in(supervisor, demo_server.url, DEMO_SUPERVISOR.user_id, DEMO_SUPERVISOR.password, "/console/sessions")
    supervisor.get_by_label("Worker", exact=True).select_option(user_id)
    supervisor.get_by_role("button", name="Filter").click()
    expect(supervisor.get_by_role("status")).to_have_text("1 session matches.")
    supervisor.get_by_role("table").get_by_role("link").first.click()
    session = supervisor.get_by_role("main")
    expect(session).to_contain_text(f"{first_name} {last_name}")
    expect(session).to_contain_text(name)  # created by, and on the staff of, the new worker
    expect(session).to_contain_text("MTL-002")

    # Two records of one client: compared, then merged; the kept one has the session.
    supervisor.get_by_role("navigation").get_by_role("link", name="Possible duplicates").click()
    pair = supervisor.get_by_role("row").filter(has_text=first_name)
    expect(pair).to_have_count(1)
    pair.get_by_role("link", name="Compare and merge").click()
    supervisor.get_by_role("button", name="Merge into the kept record").click()
    expect(supervisor.get_by_role("status")).to_have_text("The clients were merged.")
    expect(supervisor.get_by_role("main")).to_contain_text("1 session.")
    supervisor.get_by_role("navigation").get_by_role("link", name="Possible duplicates").click()
    expect(supervisor.get_by_role("row").filter(has_text=first_name)).to_have_count(0)

    # This month's funder export, downloaded.
    supervisor.get_by_role("navigation").get_by_role("link", name="Reports").click()
    with supervisor.expect_download() as download:
        supervisor.get_by_role("button", name=f"Download the export for {date.today():%Y-%m}").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx" and saved.read_bytes()[:2] == b"PK"  # a workbook (a zip), not an error page
