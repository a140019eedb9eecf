"""The agency console in Chromium, as its three kinds of reader use it, against a real server.

An administrator adds a worker and hands over a one-time password; the worker signs in with it on a tablet (the
device's own sign-in, over HTTP) and records a session, but is refused the console's administration pages; a
supervisor finds that session, merges two records of one client and downloads the month's funder export. The
console is plain HTML, so these tests are quick next to the app's. Every page is photographed at laptop size in
English and French (docs/screenshots/console-*.png), the page of an address with nothing at it and of a refused
form included. The issue's whole "done when", with the worker on the app itself, is test_console_done_when.py.
"""

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from e2e.sync.sync_devices import Device, unique
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.usecases.clients import load_client
from app.usecases.context import NotFound
from app.usecases.sessions import sessions_of_client
from seed_data.reference import DEMO_ADMINISTRATOR, DEMO_PASSWORD, DEMO_SUPERVISOR
from server.console.i18n import translations

LAPTOP = {"width": 1280, "height": 800}


class Laptop:
    """``laptop(language="en")`` opens a fresh browser window at laptop size, reading pages in ``language``;
    ``laptop.photograph(page, name, language)`` saves the page where every browser test's pictures go."""

    def __init__(self, chromium: Browser, pictures: Path) -> None:
        self._chromium = chromium
        self._pictures = pictures
        self._contexts: list[BrowserContext] = []

    def __call__(self, language: str = "en") -> Page:
        context = self._chromium.new_context(viewport=LAPTOP, locale="fr-CA" if language == "fr" else "en-CA")
        self._contexts.append(context)
        return context.new_page()

    def photograph(self, page: Page, name: str, language: str = "en") -> None:
        self._pictures.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=self._pictures / f"console-{name}-{language}.png")

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@pytest.fixture
def laptop(chromium: Browser, screenshots_dir: Path) -> Iterator[Laptop]:
    windows = Laptop(chromium, screenshots_dir)
    yield windows
    windows.close()


def sign_in(page: Page, server_url: str, user_id: str, password: str = DEMO_PASSWORD, path: str = "/console/") -> None:
    page.goto(server_url + path)
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_administrator_hands_over_a_new_account_that_a_worker_uses_on_a_tablet_but_not_for_administration(
    laptop, demo_server, tmp_path: Path
) -> None:
    page = laptop()
    page.goto(demo_server.url + "/console/workers")
    expect(page).to_have_url(f"{demo_server.url}/console/sign-in?next=/console/workers")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter your user ID.")
    expect(summary).to_be_focused()  # heard first, each problem a link to its field
    summary.get_by_role("link", name="Enter your user ID.").click()
    expect(page.get_by_label("User ID")).to_be_focused()

    page.get_by_label("User ID").fill(DEMO_ADMINISTRATOR.user_id)
    page.get_by_label("Password").fill(DEMO_ADMINISTRATOR.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workers")
    page.get_by_role("link", name="Add a worker").click()
    user_id = unique("nnew")
    page.get_by_label("Name").fill("Nadia Newhire")
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("Role").select_option("worker")
    page.get_by_role("button", name="Add the worker").click()
    expect(page.get_by_role("status")).to_contain_text("Nadia Newhire can now sign in.")
    password = page.locator("code.secret").inner_text()
    laptop.photograph(page, "password-handover")

    tablet = Device(tmp_path / "tablet", demo_server.url, "Nadia's tablet")
    assert tablet.sign_in(user_id, password).user_id == user_id  # the first sign-in on a device needs the server
    tablet.sync()  # the agency's lists
    client = tablet.register(first_name=unique("Yara"))
    tablet.record_session([client.id])
    tablet.sync()
    assert tablet.outbox() == []

    worker = laptop()
    sign_in(worker, demo_server.url, user_id, password)
    expect(worker.get_by_role("heading", level=1)).to_have_text("Welcome, Nadia Newhire")
    expect(worker.get_by_role("navigation").get_by_role("link", name="Workers")).to_have_count(0)
    worker.goto(demo_server.url + "/console/workers")
    expect(worker.get_by_role("heading", level=1)).to_have_text("Not allowed")
    laptop.photograph(worker, "not-allowed")
    worker.goto(demo_server.url + "/console/sessions")
    expect(worker.get_by_role("heading", level=1)).to_have_text("Not allowed")

    supervisor = laptop()
    sign_in(supervisor, demo_server.url, DEMO_SUPERVISOR.user_id, path="/console/sessions")
    supervisor.get_by_label("Worker", exact=True).select_option(user_id)
    supervisor.get_by_role("button", name="Filter").click()
    expect(supervisor.get_by_role("status")).to_have_text("1 session matches.")
    supervisor.get_by_label("Reportable", exact=True).select_option("no")  # the client has no identifier yet
    supervisor.get_by_role("button", name="Filter").click()
    expect(supervisor.get_by_role("status")).to_have_text("1 session matches.")
    expect(supervisor.get_by_role("table")).to_contain_text("Not reportable")
    supervisor.get_by_role("table").get_by_role("link").first.click()
    expect(supervisor.get_by_role("main")).to_contain_text(client.first_name)

    # The tablet is lost: the administrator finds it by its worker and revokes it, once the box confirms it.
    page.get_by_role("navigation").get_by_role("link", name="Devices", exact=True).click()
    page.get_by_role("row").filter(has_text="Nadia Newhire").get_by_role("link", name="Nadia's tablet").click()
    laptop.photograph(page, "device")
    page.get_by_role("button", name="Revoke Nadia's tablet").click()
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("Tick the box to confirm")
    page.get_by_label("I confirm this device is to be revoked").check()
    page.get_by_role("button", name="Revoke Nadia's tablet").click()
    expect(page.get_by_role("status")).to_contain_text("The device was revoked.")
    expect(page.get_by_role("button", name="Revoke Nadia's tablet")).to_have_count(0)
    tablet.db.close()


def test_a_supervisor_merges_a_client_registered_twice_and_downloads_the_months_export(
    laptop, demo_server, tmp_path: Path
) -> None:
    first_name = unique("Olena")
    tablets = [Device(tmp_path / name, demo_server.url, name) for name in ("front-desk", "outreach")]
    registered, recorded = [], []
    for tablet, user_id in zip(tablets, ("mhernandez", "lnguyen"), strict=True):
        tablet.sign_in(user_id)
        tablet.sync()
        registered.append(
            tablet.register(first_name=first_name, last_name="Shevchenko", date_of_birth=date(1985, 3, 2))
        )
        recorded.append(tablet.record_session([registered[-1].id]))
        tablet.sync()

    page = laptop()
    sign_in(page, demo_server.url, DEMO_SUPERVISOR.user_id, path="/console/duplicates")
    pair = page.get_by_role("row").filter(has_text=first_name)
    pair.get_by_role("link", name="Compare and merge").click()
    expect(page.get_by_role("main")).to_contain_text("1 session moves to the kept record.")
    laptop.photograph(page, "merge")
    page.get_by_role("button", name="Merge into the kept record").click()
    expect(page.get_by_role("status")).to_have_text("The clients were merged.")
    expect(page.get_by_role("main")).to_contain_text("2 sessions.")

    # The console keeps the earlier registered record; both were registered within the same second here (the
    # device's timestamps have whole seconds), so read which one it kept from the page it went to.
    kept = page.url.split("/console/clients/", 1)[1].split("?", 1)[0]
    assert kept in {client.id for client in registered}
    merged = next(client.id for client in registered if client.id != kept)
    for tablet, session in zip(tablets, recorded, strict=True):
        tablet.sync()
        assert load_client(tablet.db, kept).first_name == first_name
        with pytest.raises(NotFound):
            load_client(tablet.db, merged)  # the tombstone took the merged record off the tablet
        assert session.id in {summary.id for summary in sessions_of_client(tablet.db, kept)}  # its session followed

    page.get_by_role("link", name="Reports").click()
    with page.expect_download() as download:
        page.get_by_role("button", name=f"Download the export for {date.today():%Y-%m}").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx" and saved.read_bytes()[:2] == b"PK"
    for tablet in tablets:
        tablet.db.close()


PAGES = {
    "home": "/console/",
    "sessions": "/console/sessions",
    "duplicates": "/console/duplicates",
    "reports": "/console/reports",
    "workers": "/console/workers",
    "worker-new": "/console/workers/new",
    "worker": f"/console/workers/{DEMO_SUPERVISOR.user_id}",
    "sites": "/console/sites",
    "site": "/console/sites/TOR-001",
    "reference": "/console/reference",
    "devices": "/console/devices",
    "device-settings": "/console/settings",
    "audit": "/console/audit",
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_console_page_in_english_and_french(laptop, demo_server, tmp_path: Path, language: str) -> None:
    """Photographs each page at laptop size (the first session and client of the list open their own pages), and
    the two a reader meets when something is wrong: an address with nothing at it and a refused form. The pages only
    a journey reaches (the merge, a device, a one-time password, a refusal by role) are photographed in English by
    the two journeys above and in French here. A tablet first records a session and registers its client twice, so
    every list has something in it whichever tests ran before on this server."""
    tr = translations(language).gettext
    shown = _something_to_show(demo_server.url, tmp_path, DEVICE_NAMES[language])
    page = laptop(language)
    page.goto(demo_server.url + "/console/sign-in")
    laptop.photograph(page, "sign-in", language)
    page.get_by_label(tr("User ID")).fill(DEMO_ADMINISTRATOR.user_id)
    page.get_by_label(tr("Password")).fill(DEMO_ADMINISTRATOR.password)
    page.get_by_role("button", name=tr("Sign in")).click()
    for name, path in PAGES.items():
        response = page.goto(demo_server.url + path)
        assert response is not None and response.status == 200, path  # an administrator may open every page
        expect(page.locator("html")).to_have_attribute("lang", "fr-CA" if language == "fr" else "en-CA")
        laptop.photograph(page, name, language)
    page.goto(demo_server.url + PAGES["sessions"])
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("main").locator("h3 a").first).to_be_visible()
    laptop.photograph(page, "session", language)
    page.get_by_role("main").locator("h3 a").first.click()
    laptop.photograph(page, "client", language)

    response = page.goto(f"{demo_server.url}/console/sessions/{uuid.uuid4()}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Page not found"))
    laptop.photograph(page, "not-found", language)
    # A form whose token is not this browser's (as after a sign-in elsewhere) is refused before it is read.
    page.goto(demo_server.url + "/console/")
    language_form = page.locator('form[action="/console/language"]')
    language_form.locator('input[name="csrf_token"]').evaluate("field => { field.value = 'stale'; }")
    language_form.get_by_role("button").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("The form was not accepted"))
    laptop.photograph(page, "form-refused", language)
    if language == "fr":
        _journey_pages_in_french(laptop, page, demo_server.url, shown)


DEVICE_NAMES = {"en": "Front desk tablet", "fr": "Tablette de l'accueil"}


def _something_to_show(server_url: str, tmp_path: Path, device_name: str) -> str:
    """A tablet of mhernandez's records a session with a new client and registers that client a second time, then
    syncs: a session, a client, a device and a pair of possible duplicates to photograph. Returns the first name."""
    first_name = unique("Élise")
    tablet = Device(tmp_path / "tablet", server_url, device_name)
    tablet.sign_in("mhernandez")
    tablet.sync()
    twice = [
        tablet.register(first_name=first_name, last_name="Bouchard", date_of_birth=date(1990, 6, 14)) for _ in range(2)
    ]
    tablet.record_session([twice[0].id])
    tablet.sync()
    assert tablet.outbox() == []
    tablet.db.close()
    return first_name


def _journey_pages_in_french(laptop: Laptop, page: Page, server_url: str, first_name: str) -> None:
    """The merge, a device and a one-time password as the French administrator sees them, and the refusal a
    French-reading worker gets."""
    fr = translations("fr").gettext
    page.goto(server_url + "/console/duplicates")
    page.get_by_role("row").filter(has_text=first_name).get_by_role("link", name=fr("Compare and merge")).click()
    expect(page.get_by_role("button", name=fr("Merge into the kept record"))).to_be_visible()
    laptop.photograph(page, "merge", "fr")
    page.goto(server_url + "/console/devices")
    page.get_by_role("link", name=DEVICE_NAMES["fr"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DEVICE_NAMES["fr"])
    laptop.photograph(page, "device", "fr")
    page.goto(server_url + "/console/workers/new")
    page.get_by_label(fr("Name"), exact=True).fill("Noémie Nouvelle")
    page.get_by_label(fr("User ID"), exact=True).fill(unique("nnouv"))
    page.get_by_role("button", name=fr("Add the worker")).click()
    expect(page.locator("code.secret")).to_be_visible()
    laptop.photograph(page, "password-handover", "fr")

    worker = laptop("fr")
    worker.goto(server_url + "/console/workers")
    worker.get_by_label(fr("User ID")).fill("mhernandez")
    worker.get_by_label(fr("Password")).fill(DEMO_PASSWORD)
    worker.get_by_role("button", name=fr("Sign in")).click()
    expect(worker.get_by_role("heading", level=1)).to_have_text(fr("Not allowed"))
    laptop.photograph(worker, "not-allowed", "fr")
