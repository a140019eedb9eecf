"""A worker's first minutes in the app, in a real browser against a real server: sign in, find their way around,
register a client (and be warned before registering them twice), find them again by a partial accent-free name,
and reach "Begin Session with Client". Every screen is photographed at phone and tablet size (``screenshot``).
"""

import base64
import json
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from files_on_disk import files_holding
from playwright.sync_api import Locator, Page, expect
from server_process import run_admin, start_server, stop_process

from app.ui.fonts import FALLBACK_FONTS
from seed_data.reference import DEMO_PASSWORD, DEMO_SIGN_IN, DEMO_SUPERVISOR, SignIn

# Which columns of a picture hold dark pixels (letters; the box's light border and background do not count).
_DARK_COLUMNS = """async (png) => {
  const picture = await createImageBitmap(await (await fetch('data:image/png;base64,' + png)).blob());
  const canvas = new OffscreenCanvas(picture.width, picture.height);
  const context = canvas.getContext('2d');
  context.drawImage(picture, 0, 0);
  const pixels = context.getImageData(0, 0, picture.width, picture.height).data;
  const dark = [];
  for (let x = 0; x < picture.width; x++) {
    for (let y = 0; y < picture.height; y++) {
      const at = 4 * (y * picture.width + x);
      if (pixels[at] + pixels[at + 1] + pixels[at + 2] < 300) {
        dark.push(x);
        break;
      }
    }
  }
  return {dark, width: picture.width};
}"""
# The line a text box draws its text on: Flutter's outlined box is 56 px tall, its label on the top edge and its
# helper below; the middle 24 px, short of the outline at each side, hold only the text (and the caret).
TEXT_LINE = {"top": 16, "height": 24, "side": 16}
# How tall a bottom tab's label is drawn: from the first row with dark pixels beside the icon's columns (the icon is
# 24 px wide in the middle of the tab; a label long enough to wrap reaches past it) to the tab's lowest dark row.
_LABEL_INK_HEIGHT = """async ({png, icon}) => {
  const picture = await createImageBitmap(await (await fetch('data:image/png;base64,' + png)).blob());
  const canvas = new OffscreenCanvas(picture.width, picture.height);
  const context = canvas.getContext('2d');
  context.drawImage(picture, 0, 0);
  const pixels = context.getImageData(0, 0, picture.width, picture.height).data;
  const middle = picture.width / 2;
  let top = -1, bottom = -1;
  for (let y = 0; y < picture.height; y++) {
    for (let x = 0; x < picture.width; x++) {
      const at = 4 * (y * picture.width + x);
      if (pixels[at] + pixels[at + 1] + pixels[at + 2] >= 300) continue;
      bottom = y;
      if (top < 0 && Math.abs(x + 0.5 - middle) > icon / 2) top = y;
    }
  }
  return top < 0 ? 0 : bottom - top + 1;
}"""
TAB_ICON_WIDTH = 24
LABEL_LINE_HEIGHT = 16  # Material 3's labelMedium, the bottom bar's label style: 12 px letters on 16 px lines
PHONE_TABS = {
    "My Dashboard": "Dashboard",
    "Agency sessions": "Agency",
    "Find Client/Activity": "Find",
    "Sync": "Sync",
    "My Profile": "Profile",
}
"""What the phone's bottom bar calls each destination (the tablet's rail and the screen titles use the full name)."""
LETTERS_SETTLE_TRIES = 40
SIGN_IN_MS = 60_000


@dataclass
class Worker:
    """One browser tab, and the steps a worker takes in it."""

    page: Page
    viewports: dict[str, dict[str, int]]
    reveal: Callable[[Page, Locator], Locator]
    type_into: Callable[..., None]
    screenshot: Callable[[Page, str], Path]
    small_targets: Callable[[Page], list[str]]
    close_dialog: Callable[[Page, str], None]

    @property
    def on_phone(self) -> bool:
        return self.page.viewport_size["width"] < self.viewports["tablet"]["width"]

    def type(self, box: str, text: str, *, key_by_key: bool = False) -> None:
        self.type_into(self.page, box, text, key_by_key=key_by_key)

    def letters_side(self, box: str) -> str:
        """Which half of the text box ``box`` its letters are drawn in, "left" or "right", as the worker sees it
        (only its text line is looked at: not the label on its top edge, the helper under it or its outline)."""
        frame = self.reveal(self.page, self.page.get_by_role("textbox", name=box, exact=True)).bounding_box()
        assert frame is not None, f"No text box {box!r} on the screen"
        clip = {"x": frame["x"] + TEXT_LINE["side"], "y": frame["y"] + TEXT_LINE["top"],
                "width": frame["width"] - 2 * TEXT_LINE["side"], "height": TEXT_LINE["height"]}  # fmt: skip
        picture = base64.b64encode(self.page.screenshot(clip=clip)).decode()
        columns = self.page.evaluate(_DARK_COLUMNS, picture)
        assert columns["dark"], f"No letters drawn in {box!r}"
        middle = (columns["dark"][0] + columns["dark"][-1]) / 2
        return "right" if middle > columns["width"] / 2 else "left"

    def expect_letters_on(self, box: str, side: str) -> None:
        """Wait until the letters in ``box`` are drawn on ``side`` (Flutter paints a moment after the app answers)."""
        for _try in range(LETTERS_SETTLE_TRIES):
            if self.letters_side(box) == side:
                return
            self.page.wait_for_timeout(250)
        raise AssertionError(f"The letters in {box!r} are not on the {side}")

    def photograph(self, name: str) -> None:
        self.screenshot(self.page, name)

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    def tap(self, control: Locator) -> None:
        self.reveal(self.page, control).click()

    def press(self, name: str) -> None:
        self.tap(self.button(name))

    def sign_in(self) -> None:
        """Sign in as the demo worker (putting off the PIN the app offers), or, when this device already has them
        signed in, unlock the app with the password."""
        user_id = self.page.get_by_role("textbox", name="User ID")
        unlock = self.button("Unlock")
        dashboard = self.button("Register a New Client")
        expect(user_id.or_(unlock).or_(dashboard).first).to_be_visible()
        if user_id.is_visible():
            self.type("User ID", DEMO_SIGN_IN.user_id)
            self.type("Password", DEMO_SIGN_IN.password)
            self.press("Sign in")
            # A device's first sign-in derives its key (Argon2id) and creates the encrypted store before the PIN
            # offer: on a loaded machine that can take longer than a step.
            expect(self.page.get_by_role("alertdialog")).to_be_visible(timeout=SIGN_IN_MS)
            self.close_dialog(self.page, "Not now")
        elif unlock.is_visible():
            if self.button("Use your password instead").is_visible():
                self.press("Use your password instead")
            self.type("Password", DEMO_SIGN_IN.password)
            self.press("Unlock")
        expect(dashboard).to_be_visible()

    def destination(self, name: str) -> Locator:
        """A navigation destination by its full name: a bottom tab (its short name) on a phone; on a tablet a rail
        button ("Sync Tab 3 of 4")."""
        if self.on_phone:
            return self.page.get_by_role("tab", name=PHONE_TABS[name], exact=True)
        return self.page.get_by_role("button", name=f"{name} Tab ")

    def tab_label_heights(self) -> dict[str, int]:
        """How tall each bottom tab's label is drawn, in pixels, by the tab's name (0 for a label no wider than
        the icon above it, which has nothing to wrap)."""
        heights = {}
        for tab in self.page.get_by_role("tab").all():
            frame = tab.bounding_box()
            assert frame is not None, "A bottom tab is not on the screen"
            picture = base64.b64encode(self.page.screenshot(clip=frame)).decode()
            heights[tab.get_attribute("aria-label") or tab.inner_text()] = self.page.evaluate(
                _LABEL_INK_HEIGHT, {"png": picture, "icon": TAB_ICON_WIDTH}
            )
        return heights

    def go_to(self, name: str) -> None:
        self.destination(name).click()

    def register(self, first: str, last: str, born: str, phone: str = "", *, names_on: str = "") -> None:
        """Fill in "Register a New Client" (opened from My Dashboard) without saving yet. With ``names_on`` (a side),
        the names are typed key by key, and each is seen drawn on that side of its box while the worker types."""
        self.press("Register a New Client")
        for box, name in (("First name", first), ("Last name", last)):
            self.type(box, name, key_by_key=bool(names_on))
            if names_on:
                self.expect_letters_on(box, names_on)
        self.type("Date of birth", born)
        if phone:
            self.type("Phone", phone)
        consent = self.page.get_by_role("checkbox", name="Privacy statement acknowledged")
        self.tap(consent)
        expect(consent).to_be_checked()

    def save(self) -> None:
        self.press("Save client")


COLLEAGUE = SignIn(user_id="lnguyen", password=DEMO_PASSWORD)  # a field worker of the demo agency, like DEMO_SIGN_IN
SUPERVISED_WORKER = "Mateo Hernández"  # DEMO_SIGN_IN, in seed_data/data/demo/workers.csv
FIRST_PAGE = re.compile(r"^1–\d+ of (\d+) · page 1 of \d+$")


@pytest.fixture
def worker(open_app, viewports, reveal, type_into, screenshot, small_targets, close_dialog) -> Callable[[str], Worker]:
    return lambda size: Worker(open_app(size), viewports, reveal, type_into, screenshot, small_targets, close_dialog)


@pytest.fixture
def unique() -> str:
    """A word no other test's client has, so searches find exactly this test's records."""
    return "Qa" + uuid.uuid4().hex[:6]


def test_worker_registers_a_client_and_reaches_begin_session(worker, outpost_app, unique: str) -> None:
    me = worker("phone")
    me.sign_in()
    expect(me.destination("My Dashboard")).to_be_visible()
    expect(me.page.get_by_text("My sessions")).to_be_visible()

    me.go_to("Find Client/Activity")
    expect(me.page.get_by_role("textbox", name="Search clients")).to_be_visible()
    me.go_to("My Dashboard")
    me.register("Zoë", f"Nguyễn-{unique}", "1990-05-12", phone="416-555-0188")
    me.save()
    expect(me.button("Begin Session with Client")).to_be_attached()
    expect(me.page.get_by_text(f"Zoë Nguyễn-{unique}").first).to_be_visible()

    me.go_to("My Dashboard")
    me.register("Zoe", f"Nguyen-{unique}", "1990-05-12")
    me.save()
    expect(me.page.get_by_text("This client may already be registered")).to_be_visible()
    expect(me.button("Save as new client")).to_be_visible()
    me.photograph("duplicate-warning")
    me.press("Use this client")
    expect(me.page.get_by_text(f"Zoë Nguyễn-{unique}").first).to_be_visible()

    me.go_to("Find Client/Activity")
    me.type("Search clients", f"zoe {unique[:5].lower()}")
    expect(me.page.get_by_text(f"Results for “zoe {unique[:5].lower()}”: 1 client.")).to_be_visible()
    me.photograph("find-results")
    me.press("Profile")
    begin = me.button("Begin Session with Client")
    me.reveal(me.page, begin)
    expect(begin).to_be_visible()
    # Saved, indexed for search and queued for the server, yet no file on the tablet holds the name in clear.
    assert files_holding(outpost_app.data_dir, unique) == files_holding(outpost_app.data_dir, unique.lower()) == []


def test_registration_errors_show_beside_their_fields(worker) -> None:
    me = worker("phone")
    me.sign_in()
    me.press("Register a New Client")
    me.type("Date of birth", "12/05/1990")
    me.save()
    expect(me.page.get_by_text("Check these fields: First name, Last name, Date of birth")).to_be_visible()
    expect(me.page.get_by_text("Enter the date as YYYY-MM-DD", exact=False)).to_be_visible()
    me.reveal(me.page, me.page.get_by_text("First name is required."))
    me.photograph("register-errors")

    # Leaving what was typed asks first; staying keeps it, leaving drops it.
    me.go_to("My Dashboard")
    expect(me.page.get_by_text("Leave without saving?")).to_be_visible()
    me.close_dialog(me.page, "Keep editing")
    me.page.get_by_role("textbox", name="Date of birth", exact=False).first.focus()
    expect(me.page.locator(":focus")).to_have_value("12/05/1990")
    me.go_to("My Dashboard")
    me.close_dialog(me.page, "Leave without saving")
    expect(me.button("Register a New Client")).to_be_visible()


@pytest.mark.parametrize("size", ["phone", "tablet"])
def test_tour_of_every_screen(worker, size: str, unique: str) -> None:
    """Each screen of this part of the app, photographed; phones get bottom tabs, tablets the rail."""
    me = worker(size)
    me.sign_in()
    expect(me.page.get_by_role("tab", name=PHONE_TABS["My Dashboard"])).to_have_count(1 if me.on_phone else 0)
    expect(me.destination("My Dashboard")).to_be_visible()
    assert me.small_targets(me.page) == []
    me.photograph("dashboard")

    me.register("Amélie", f"Ødegård-{unique}", "1984-11-02")
    assert me.small_targets(me.page) == []
    me.photograph("register")
    me.save()
    expect(me.button("Begin Session with Client")).to_be_attached()
    assert me.small_targets(me.page) == []
    me.photograph("client-profile")
    me.press("Dashboard")
    expect(me.button("Start Session")).to_be_visible()
    me.photograph("client-dashboard")

    me.button("Back").click()  # in the app bar, always in sight
    me.press("Add Family Member")
    expect(me.page.get_by_text(f"Joins the family of Amélie Ødegård-{unique}")).to_be_visible()

    me.go_to("Find Client/Activity")
    me.type("Search clients", f"odegard {unique}")
    expect(me.page.get_by_text(f"Results for “odegard {unique}”: 1 client.")).to_be_visible()
    me.photograph("find")

    me.go_to("Sync")
    expect(me.page.get_by_text("Needs attention")).to_be_visible()
    me.photograph("sync")

    me.go_to("My Profile")
    expect(me.page.get_by_text(DEMO_SIGN_IN.user_id, exact=True)).to_be_visible()
    me.photograph("my-profile")
    me.press("Sign out")
    expect(me.page.get_by_role("textbox", name="User ID")).to_be_visible()
    me.photograph("sign-in")


def test_navigation_switches_between_tabs_and_rail_on_resize(worker, viewports) -> None:
    me = worker("tablet")
    me.sign_in()
    expect(me.destination("Sync")).to_be_visible()
    me.page.set_viewport_size(viewports["phone"])
    expect(me.page.get_by_role("tab", name=PHONE_TABS["Sync"])).to_be_visible()
    me.page.set_viewport_size(viewports["tablet"])
    expect(me.page.get_by_role("tab", name=PHONE_TABS["Sync"])).to_have_count(0)
    expect(me.destination("Sync")).to_be_visible()


def test_dashboard_keeps_its_filters_while_the_worker_looks_elsewhere(worker) -> None:
    me = worker("phone")
    me.sign_in()
    incomplete_only = me.page.get_by_role("checkbox", name="Incomplete only")
    me.tap(incomplete_only)
    expect(incomplete_only).to_be_checked()
    me.go_to("Find Client/Activity")
    expect(me.page.get_by_role("textbox", name="Search clients")).to_be_visible()
    me.go_to("My Dashboard")
    expect(incomplete_only).to_be_checked()


def test_worker_signs_in_without_the_server_after_a_first_online_sign_in(worker, unreachable_url: str) -> None:
    me = worker("phone")
    me.sign_in()  # online: the device keeps a salted hash of the password
    me.go_to("My Profile")
    me.press("Sign out")
    me.type("Server", unreachable_url)
    me.type("User ID", DEMO_SIGN_IN.user_id)
    me.type("Password", "not the password")
    me.press("Sign in")
    expect(me.page.get_by_text("Invalid user ID or password")).to_be_visible()
    me.type("Password", DEMO_SIGN_IN.password)
    me.press("Sign in")
    me.close_dialog(me.page, "Not now")  # the PIN the app offers until one is set
    expect(me.button("Register a New Client")).to_be_visible()
    # Without a token from the server this device cannot sync until the worker signs in with it again.
    again = me.button("Sign in again")
    expect(again).to_be_visible()
    again.click()  # in the sync bar, always in sight
    expect(me.page.get_by_role("textbox", name="User ID")).to_be_visible()


def test_a_locked_tablet_hides_the_form_and_the_pin_brings_it_back_as_it_was(
    open_app, second_outpost_app, viewports, reveal, type_into, screenshot, small_targets, close_dialog, unique: str
) -> None:
    """On its own device (the PIN set here stays there): set a PIN, leave a client half registered, lock; nothing of
    the form shows until the right PIN. Then a colleague's "Switch worker" at the lock asks about the form first."""
    me = Worker(
        open_app("tablet", second_outpost_app), viewports, reveal, type_into, screenshot, small_targets, close_dialog
    )
    me.sign_in()
    me.go_to("My Profile")
    me.press("Set a PIN")
    me.type("New PIN", "123456")
    me.type("New PIN again", "123456")
    me.press("Save PIN")
    expect(me.page.get_by_text("Choose a PIN that is not a run or a repeat of one digit.")).to_be_visible()
    me.type("New PIN", "402918")
    me.type("New PIN again", "402918")
    me.press("Save PIN")
    expect(me.page.get_by_role("alertdialog")).to_have_count(0)
    me.go_to("My Dashboard")
    me.press("Register a New Client")
    me.type("First name", f"Zephyrine{unique}")

    me.button("Lock").click()  # in the app bar, always in sight
    expect(me.page.get_by_text("Outpost is locked")).to_be_visible()
    expect(me.page.get_by_role("textbox", name="First name")).to_have_count(0)
    me.photograph("locked")
    me.type("PIN", "999999")
    me.page.keyboard.press("Enter")  # submitted from the box itself, so the app has the digits before it checks
    expect(me.page.get_by_text("Wrong PIN. 4 tries left before the password is needed.")).to_be_visible()
    me.type("PIN", "402918")
    me.page.keyboard.press("Enter")

    first_name = me.page.get_by_role("textbox", name="First name")
    expect(first_name).to_be_visible()
    me.photograph("unlocked")
    first_name.focus()
    expect(first_name).to_have_value(f"Zephyrine{unique}")

    # A colleague takes the locked tablet: "Switch worker" asks first whether the unsaved form may go.
    me.button("Lock").click()
    me.press("Switch worker")
    me.close_dialog(me.page, "Keep editing")
    expect(me.page.get_by_text("Outpost is locked")).to_be_visible()
    expect(me.page.get_by_role("textbox", name="First name")).to_have_count(0)
    me.press("Switch worker")
    me.close_dialog(me.page, "Leave without saving")
    expect(me.page.get_by_role("textbox", name="User ID")).to_be_visible()
    # The demo worker again, as the later tests on this device expect; their PIN is set, so none is offered.
    me.type("User ID", DEMO_SIGN_IN.user_id)
    me.type("Password", DEMO_SIGN_IN.password)
    me.press("Sign in")
    expect(me.button("Register a New Client")).to_be_visible(timeout=SIGN_IN_MS)


def test_clients_named_in_cyrillic_arabic_and_han_are_registered_found_and_drawn(worker) -> None:
    """Typed in their own script (an Arabic name with its Latin form from the client's documents), found in it and in
    Latin letters, and drawn with the fonts the app serves itself (the screenshots show the letters, not boxes); a
    Latin spelling of a registered Cyrillic name is a duplicate. The Arabic name sits on the right of its box from
    the first key, every key landing in that box, and stays there once the worker moves on."""
    me = worker("tablet")
    fonts_served: dict[str, int] = {}
    me.page.on("response", lambda r: fonts_served.update({r.url.rsplit("/", 1)[-1]: r.status}))
    me.sign_in()
    born = "1985-03-02"
    registered = (("Олена", "Шевченко", "left", "", ""),
                  ("فاطمة", "الزهراء", "right", "Fatima Al-Zahraa", "register-arabic"),
                  ("芳", "王", "left", "", ""))  # fmt: skip
    for first, last, side, latin, photo in registered:
        me.go_to("My Dashboard")
        if photo:  # the Arabic form on a phone, where a box flipped the wrong way shows most
            me.page.set_viewport_size(me.viewports["phone"])
        me.register(first, last, born, names_on=side)
        me.expect_letters_on("First name", side)  # and still once the worker has moved on to the next box
        if latin:  # Arabic script leaves vowels unwritten, so it has no romanised terms: documents give the Latin form
            me.type("Name in Latin letters", latin)
            me.expect_letters_on("Name in Latin letters", "left")
        if photo:
            me.reveal(me.page, me.page.get_by_role("textbox", name="First name", exact=True))
            me.photograph(photo)
            me.page.set_viewport_size(me.viewports["tablet"])
        me.save()
        expect(me.button("Begin Session with Client")).to_be_attached()
    me.photograph("client-profile-han")

    me.go_to("Find Client/Activity")
    for typed, shown in (("олен", "Олена Шевченко"), ("shevch", "Олена Шевченко"), ("فاط", "فاطمة الزهراء"),
                         ("fatima", "فاطمة الزهراء"), ("王", "王芳"), ("wang", "王芳")):  # fmt: skip
        me.type("Search clients", typed)
        expect(me.page.get_by_text(shown).first).to_be_visible()
        expect(me.button("Profile")).to_have_count(1)
    me.type("Search clients", born)
    expect(me.button("Profile")).to_have_count(3)
    me.photograph("find-every-script")
    assert {Path(path).name: 200 for path in FALLBACK_FONTS.values()}.items() <= fonts_served.items()

    me.go_to("My Dashboard")
    me.register("Olena", "Shevchenko", born)
    me.save()
    expect(me.page.get_by_text("This client may already be registered")).to_be_visible()
    expect(me.page.get_by_text("Олена Шевченко").first).to_be_visible()
    me.photograph("duplicate-warning-across-scripts")


def test_a_supervisor_on_the_shared_tablet_narrows_the_agency_sessions_to_one_worker(
    worker, viewports, server_database_url: str
) -> None:
    """The field worker hands the tablet over; the supervisor who signs in gets "Agency sessions" (the worker did
    not): every session the device pulled for the agency (the demo's weeks of sessions by several workers),
    narrowed here to one worker's. Last in this file, since the device then holds the supervisor's data."""
    me = worker("tablet")
    me.sign_in()
    expect(me.destination("Sync")).to_be_visible()
    expect(me.destination("Agency sessions")).to_have_count(0)
    me.go_to("My Profile")
    me.press("Sign out")
    run_admin(server_database_url, "demo", "--caseload")
    me.type("User ID", DEMO_SUPERVISOR.user_id)
    me.type("Password", DEMO_SUPERVISOR.password)
    me.press("Sign in")
    me.close_dialog(me.page, "Not now")

    me.go_to("Agency sessions")
    where = me.page.get_by_text(FIRST_PAGE)
    expect(where).to_be_visible()  # the first sync has brought the agency's sessions
    everyone = int(FIRST_PAGE.match(where.inner_text()).group(1))
    sessions = me.page.get_by_role("button", name=re.compile("Staff: "))  # a session's row reads as one button
    expect(sessions.first).to_be_visible()
    me.press("Worker")
    me.button(SUPERVISED_WORKER).click()
    expect(me.button(SUPERVISED_WORKER)).to_have_count(0)  # the menu closed
    expect(where).not_to_have_text(re.compile(rf" of {everyone} · "))
    assert 0 < int(FIRST_PAGE.match(where.inner_text()).group(1)) < everyone
    for session in sessions.all():
        expect(session).to_have_accessible_name(re.compile(f"Staff: .*{SUPERVISED_WORKER}"))
    assert me.small_targets(me.page) == []
    me.photograph("agency-sessions")
    me.page.set_viewport_size(viewports["phone"])
    expect(me.destination("Agency sessions")).to_be_visible()
    assert me.small_targets(me.page) == []
    me.photograph("agency-sessions")
    # Five short tab labels, each on one line (the full names wrapped onto two ragged ones).
    expect(me.page.get_by_role("tab")).to_have_count(len(PHONE_TABS))
    heights = me.tab_label_heights()
    assert all(height <= LABEL_LINE_HEIGHT for height in heights.values()), heights


def test_a_second_tab_opens_locked_and_leaves_by_itself_when_the_worker_switches_in_the_first(
    open_app, second_outpost_app, viewports, reveal, type_into, screenshot, small_targets, close_dialog
) -> None:
    """Every browser tab is a window of the same app and device store: a tab opened while a worker is signed in
    shows the lock, not their screens. Unlocked, it shows their dashboard; once they switch worker in the first tab,
    the other tab leaves for the sign-in screen by itself (nobody touches it), and a colleague signs in with their
    own password. On the second device, so the first device's tests are not disturbed (the lock test may have left
    a PIN there, or run on another pytest worker)."""

    def tab() -> Worker:
        page = open_app("tablet", second_outpost_app)
        return Worker(page, viewports, reveal, type_into, screenshot, small_targets, close_dialog)

    me = tab()
    me.sign_in()
    other = tab()
    expect(other.page.get_by_text("Outpost is locked")).to_be_visible()
    expect(other.button("Register a New Client")).to_have_count(0)
    other.sign_in()  # unlocks with the password: the tab shows the worker's dashboard

    me.go_to("My Profile")
    me.press("Switch worker")
    expect(me.page.get_by_role("textbox", name="User ID")).to_be_visible()
    expect(other.page.get_by_role("textbox", name="User ID")).to_be_visible()  # without a touch
    expect(other.button("Register a New Client")).to_have_count(0)

    me.type("User ID", COLLEAGUE.user_id)
    me.type("Password", COLLEAGUE.password)
    me.press("Sign in")
    expect(me.page.get_by_role("alertdialog")).to_be_visible(timeout=SIGN_IN_MS)
    me.close_dialog(me.page, "Not now")
    me.go_to("My Profile")
    expect(me.page.get_by_text(re.compile(COLLEAGUE.user_id)).first).to_be_visible()


SYNCED = re.compile(r"^Synced (just now|\d+ min ago)$")  # the sync line with nothing left waiting


@contextmanager
def central_server(database_url: str, log_path: Path) -> Iterator[str]:
    """A server of the test's own, which the test can take away: the URL it answers at, while the block runs."""
    process, port = start_server(database_url, log_path)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process)


def test_a_restarted_app_asks_for_the_password_and_keeps_what_was_queued_offline(
    open_app, start_app, unreachable_url: str, tmp_path: Path, viewports, reveal, type_into, screenshot,
    small_targets, close_dialog, unique: str,
) -> None:  # fmt: skip
    """The app process ends (closed, killed, the tablet switched off) three times over one data folder: after each
    start it shows the sign-in screen, never a worker's screens or the lock (the PIN cannot open a closed store).
    A client registered while the server is down waits in the queue through a restart, no file holding the name,
    and reaches the server at the next online sign-in."""

    def tab(app) -> Worker:
        return Worker(open_app("phone", app), viewports, reveal, type_into, screenshot, small_targets, close_dialog)

    def starts_signed_out(me: Worker) -> None:
        expect(me.page.get_by_role("textbox", name="User ID")).to_be_visible()
        expect(me.page.get_by_text("Outpost is locked")).to_have_count(0)
        expect(me.button("Register a New Client")).to_have_count(0)

    server_database = tmp_path / "server.sqlite3"
    database_url, server_log = f"sqlite:///{server_database}", tmp_path / "server.log"
    run_admin(database_url, "demo")
    with central_server(database_url, server_log) as server_url, start_app(server_url, tmp_path) as app:
        me = tab(app)
        me.sign_in()  # the device's first sign-in needs the server
    with start_app(unreachable_url, tmp_path) as app:  # the server is down now
        me = tab(app)
        starts_signed_out(me)
        me.sign_in()  # offline, with the password
        me.register("Ilsabet", f"Verhoeven-{unique}", "1979-08-30")
        me.save()
        expect(me.button("Begin Session with Client")).to_be_attached()
        expect(me.page.get_by_text(re.compile(r" · 1 waiting$")).first).to_be_visible()
    assert files_holding(app.data_dir, unique) == []
    with pytest.raises(sqlite3.DatabaseError), closing(sqlite3.connect(app.data_dir / "outpost.sqlite3")) as keyless:
        keyless.execute("SELECT * FROM client").fetchall()  # without the key the file is not a database
    with central_server(database_url, server_log) as server_url, start_app(server_url, tmp_path) as app:
        me = tab(app)
        starts_signed_out(me)
        me.sign_in()
        expect(me.page.get_by_text(SYNCED).first).to_be_visible(timeout=SIGN_IN_MS)
    with closing(sqlite3.connect(server_database)) as server:
        arrived = server.execute("SELECT created_by FROM client WHERE record LIKE ?", (f"%{unique}%",)).fetchall()
    assert arrived == [(DEMO_SIGN_IN.user_id,)]


IDLE_LOCK_MINUTES = 1  # the shortest idle time an agency may set
IDLE_LOCK_WAIT_MS = 3 * 60_000  # the lock is due a minute after the last touch; the rest is room for a busy machine


def test_the_idle_lock_comes_by_itself_and_the_pin_brings_the_session_form_back_as_it_was(
    open_app, start_app, tmp_path: Path, viewports, reveal, type_into, screenshot, small_targets, close_dialog,
    unique: str,
) -> None:  # fmt: skip
    """The done-when, tried as a new user would: sign in, set a PIN, start recording a session, leave the tablet
    alone until it locks (the agency's idle time, set on the server, reaches the device at sign-in); nothing of the
    form shows while locked, and the PIN brings it back as it was. On a server of its own, so no other test's
    tablet locks while it works."""
    database_url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    run_admin(database_url, "demo")
    run_admin(database_url, "agency-settings", "--agency", "maplebridge", "--idle-lock-minutes", str(IDLE_LOCK_MINUTES))
    notes = f"Housing search with {unique}; continue Thursday."
    with central_server(database_url, tmp_path / "server.log") as server_url, start_app(server_url, tmp_path) as app:
        me = Worker(open_app("tablet", app), viewports, reveal, type_into, screenshot, small_targets, close_dialog)
        me.sign_in()
        me.go_to("My Profile")
        me.press("Set a PIN")
        me.type("New PIN", "402918")
        me.type("New PIN again", "402918")
        me.press("Save PIN")
        expect(me.page.get_by_role("alertdialog")).to_have_count(0)
        me.go_to("My Dashboard")
        me.register("Ilsabet", f"Verhoeven-{unique}", "1979-08-30")
        me.save()
        me.press("Begin Session with Client")
        me.type("Session Notes", notes)

        expect(me.page.get_by_text("Outpost is locked")).to_be_visible(timeout=IDLE_LOCK_WAIT_MS)  # untouched
        expect(me.page.get_by_role("textbox", name="Session Notes")).to_have_count(0)
        me.type("PIN", "402918")
        me.page.keyboard.press("Enter")  # submitted from the box itself, so the app has the digits before it checks

        session_notes = me.page.get_by_role("textbox", name="Session Notes")
        expect(session_notes).to_be_visible()
        me.reveal(me.page, session_notes).focus()
        expect(me.page.locator(":focus")).to_have_value(notes)


def test_a_tablet_revoked_by_the_administrator_wipes_itself_at_its_next_sync(
    open_app, start_app, demo_server, tmp_path: Path, viewports, reveal, type_into, screenshot, small_targets,
    close_dialog, unique: str,
) -> None:  # fmt: skip
    """The done-when's lost tablet, in the running app: the administrator revokes it while a worker is signed in;
    at its next contact the app deletes its data and its keys, says why on the sign-in screen, and keeps only its
    device id, so signing in again is refused."""
    with start_app(demo_server.url, tmp_path) as app:
        me = Worker(open_app("tablet", app), viewports, reveal, type_into, screenshot, small_targets, close_dialog)
        me.sign_in()
        me.register("Ilsabet", f"Verhoeven-{unique}", "1979-08-30")
        me.save()
        expect(me.page.get_by_text(SYNCED).first).to_be_visible()
        device_id = json.loads((app.data_dir / "settings.json").read_text())["device_id"]
        demo_server.admin("revoke-device", "--device-id", device_id)

        me.button("Sync now").click()  # in the sync bar, always in sight
        expect(me.page.get_by_role("textbox", name="User ID")).to_be_visible()
        expect(me.page.get_by_text(re.compile("This device was reported lost")).first).to_be_visible()
        left = {path.name for path in app.data_dir.iterdir()}
        assert "settings.json" in left and not left & {"outpost.sqlite3", "outpost.sqlite3-wal", "keys.json"}
        assert files_holding(app.data_dir, unique) == []
        me.type("User ID", DEMO_SIGN_IN.user_id)
        me.type("Password", DEMO_SIGN_IN.password)
        me.press("Sign in")
        expect(me.page.get_by_text(re.compile("reported lost")).first).to_be_visible()
        expect(me.button("Register a New Client")).to_have_count(0)
