"""Recording a session in a real browser against a real server, the way the agency's help article walks through it.

A worker registers a client and a family member, begins a Group Activity session, presses "Save Session" too early
and sees each problem beside its field, fixes every field (the Site through "Find..." and its filter, two
languages, an interpreter, a second worker), saves, adds the relative with a service form of their own, completes
both forms (each field the funder's report needs is marked while empty) and sees the session turn Complete, with
what the report still needs of each client under their name. After "Sync now" the second worker, on another device
with its own database, signs in and finds the session on their dashboard. The session form, Site finder and service form
are photographed at phone and tablet size (``screenshot``).

A third worker reads French: on a phone and a device no one has signed in on, they switch to Français on the
sign-in screen, register and find a client, record a session, see it sync and switch back to English in My
Profile. Controls are found by their French names from the French catalog, so a label that skips the catalog is not
found; on each screen nothing read may be an English message of the catalog whose French differs
(``english_left``); the Service Date reads the fr_CA way ("mer. 2 déc. 2026"). Pictures: ``fr-*-phone.png``. It
shares the module's server, so it costs one more app start and one walk through the screens.

Flutter moves its own scroll views; the DOM cannot scroll them. So controls are scrolled into sight with the mouse
wheel before they are clicked, and a text box's value is read from the editing element once the box has focus.
"""

import functools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Locator, Page, expect

from app.i18n import CATALOG_LOCALES, ENGLISH, FRENCH, LANGUAGES, Translator, catalog_path, translator
from app.ui.forms import describe_service_date
from app.ui.screens.find import result_summary
from seed_data.reference import DEMO_PASSWORD, DEMO_SIGN_IN, load_languages, load_location_types

OTHER_WORKER = ("lnguyen", "Lan Nguyễn")
FRENCH_WORKER = "okovalenko"
SEMANTICS_MS = 60_000
SYNC_LINE_Y = 80
SYNCED = re.compile(r"^Synced (just now|\d+ min ago)$")  # the sync line with nothing left waiting
TYPED_TEXT_SETTLES_MS = 500
"""Right after a box is filled, a click can reach the app before the box's new text does (seen at sign-in)."""
KEY_ATTEMPTS = 3
MENU_PRESSES = 3
MENU_OPENS_MS = 5_000
TAB = "bottom tab"  # the catalog context of the phone's short bottom-tab labels (app/ui/routes.py)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class SessionWorker:
    """One worker in one browser tab, with the steps the session screens need."""

    page: Page
    type_into: Callable[[Page, str, str], None]
    screenshot: Callable[[Page, str], Path]
    reveal_in: Callable[[Page, Locator], Locator]
    small_targets_in: Callable[[Page], list[str]]
    close_dialog_in: Callable[[Page, str], None]
    text_box_in: Callable[[Page, str], Locator]

    # --- finding and touching controls ---------------------------------------------------------------------------

    def reveal(self, control: Locator) -> Locator:
        return self.reveal_in(self.page, control)

    def text_box(self, name: str) -> Locator:
        """The text box called ``name``, also once it has focus and reads its hint after its name."""
        return self.text_box_in(self.page, name)

    def small_targets(self) -> list[str]:
        return self.small_targets_in(self.page)

    def tap(self, control: Locator) -> None:
        self.reveal(control).click()

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    def press(self, name: str) -> None:
        self.tap(self.button(name))

    def tick(self, name: str, role: str = "checkbox") -> None:
        box = self.page.get_by_role(role, name=name, exact=True)
        self.tap(box)
        expect(box).to_be_checked()

    def choose(self, dropdown: str, option: str) -> None:
        """Open the drop-down called ``dropdown`` and pick ``option`` from its menu. A press that comes while Flutter
        is still laying out the screen can be dropped, as a hurried tap is; like a person, the test presses again
        until the menu is open."""
        for _attempt in range(MENU_PRESSES):
            self.press(dropdown)
            try:
                expect(self.button(option)).to_be_visible(timeout=MENU_OPENS_MS)
                break
            except AssertionError:
                continue
        self.button(option).click()
        expect(self.button(option)).to_have_count(0)  # the menu closed

    def type(self, box: str, text: str) -> None:
        self.type_into(self.page, box, text)

    def keys(self, box: str, text: str) -> None:
        """Type key by key into an empty box, as a person does (the number boxes react to each key). Flutter moves
        its keyboard to a tapped box a moment after the tap, so the keys wait until the box has it; and when Flutter
        then sets up its editing of the box it writes the box's text, wiping keys that came just before. So the text
        is read again after it has settled, and an emptied box is typed into again, as a person would."""
        focused = self.page.locator(":focus")
        for _attempt in range(KEY_ATTEMPTS):
            self.tap(self.text_box(box))
            # An empty number box reads its hint, the 0 the first key replaces, after its name.
            expect(focused).to_have_attribute("aria-label", re.compile(f"^{re.escape(box)}(\n0)?$"))
            self.page.keyboard.type(text)
            self.page.wait_for_timeout(TYPED_TEXT_SETTLES_MS)  # the app has no sign to wait on that it got the last key
            if self.page.evaluate("document.activeElement?.value ?? ''") != "":
                expect(focused).to_have_value(text)
                return
        raise AssertionError(f"What was typed into {box!r} was wiped {KEY_ATTEMPTS} times")

    def holds(self, box: str, text: str) -> None:
        """The text box called ``box`` holds ``text``. Flutter mirrors a box's text into the DOM only while it has
        focus (and a moment after it gets it), so the box is focused, not tapped: tapping "Service Date" opens its
        calendar."""
        self.reveal(self.text_box(box)).focus()
        expect(self.page.locator(":focus")).to_have_value(text)

    def in_part(self, identifier: str) -> Locator:
        """The button inside the part of the screen tagged with ``identifier`` (a row's "Remove", say)."""
        return self.page.locator(f'[flt-semantics-identifier="{identifier}"]').get_by_role("button")

    def sees(self, text: str) -> None:
        expect(self.page.get_by_text(text, exact=True).first).to_be_visible()

    def says(self, message: str) -> None:
        """A message is shown in full on its own (beside its field), not only inside the summary."""
        found = self.page.get_by_text(message, exact=True).first
        self.reveal(found)
        expect(found).to_be_visible()

    def photograph(self, name: str, inert: Locator | None = None) -> None:
        """A picture without the keyboard focus ring typing leaves behind: a tap on something inert first (the
        sync line; in a dialog, its title, since a tap beside a dialog closes it)."""
        box = inert.bounding_box() if inert else None
        if box:
            self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        else:
            self.page.mouse.click(self.page.viewport_size["width"] / 3, SYNC_LINE_Y)
        self.screenshot(self.page, name)

    # --- whole steps -----------------------------------------------------------------------------------------------

    def sign_in(self, user_id: str = DEMO_SIGN_IN.user_id, password: str = DEMO_SIGN_IN.password) -> None:
        """Sign in (putting off the PIN the app offers), or unlock with the password when still signed in."""
        user_box = self.page.get_by_role("textbox", name="User ID")
        unlock = self.button("Unlock")
        dashboard = self.button("Register a New Client")
        expect(user_box.or_(unlock).or_(dashboard).first).to_be_visible(timeout=SEMANTICS_MS)
        if user_box.is_visible():
            self.type("User ID", user_id)
            self.type("Password", password)
            self.page.wait_for_timeout(TYPED_TEXT_SETTLES_MS)
            self.press("Sign in")
            # A device's first sign-in derives its key and creates the encrypted store before the PIN offer.
            expect(self.page.get_by_role("alertdialog")).to_be_visible(timeout=SEMANTICS_MS)
            self.close_dialog_in(self.page, "Not now")
        elif unlock.is_visible():
            self.type("Password", password)
            self.press("Unlock")
        expect(dashboard).to_be_visible()

    def register(self, first: str, last: str, born: str) -> None:
        self.type("First name", first)
        self.type("Last name", last)
        self.type("Date of birth", born)
        self.tick("Privacy statement acknowledged")
        self.press("Save client")
        expect(self.button("Begin Session with Client")).to_be_attached()

    def pick_site(self, filter_text: str, code: str) -> None:
        self.press("Find...")
        expect(self.page.get_by_role("alertdialog")).to_be_visible()
        self.type("Filter sites", filter_text)
        self.press("Filter")
        expect(self.page.get_by_text(re.compile(r"^\d+ sites?$"))).to_be_visible()
        self.photograph("site-finder", inert=self.page.get_by_text("Find a Site", exact=True))
        self.button_starting(code).click()
        expect(self.page.get_by_role("alertdialog")).to_have_count(0)

    def button_starting(self, text: str) -> Locator:
        return self.page.get_by_role("button", name=re.compile(f"^{re.escape(text)}"))

    def add_to_list(self, add: str, picker: str, option: str) -> None:
        """ "Add Language" / "Add Worker" → pick from the drop-down → "Update"."""
        self.press(add)
        self.choose(picker, option)
        self.press("Update")
        expect(self.page.get_by_text(option, exact=True).first).to_be_attached()

    def synced(self) -> Locator:
        """The sync line once nothing waits (not its copy in the screen reader's live announcements)."""
        return self.page.locator("flt-semantics").get_by_text(SYNCED).first

    def open_dashboard(self) -> None:
        self.page.get_by_role("tab", name="Find", exact=True).click()
        expect(self.page.get_by_role("textbox", name="Search clients")).to_be_visible()
        self.page.get_by_role("tab", name="Dashboard", exact=True).click()

    def session_status(self) -> Locator:
        return self.page.locator('[flt-semantics-identifier="session-status"]')

    def english_left(self) -> list[str]:
        """The English catalog messages and reference-list names this screen shows (in its accessibility tree)
        whose French differs."""
        shown = {line.strip() for text in self.page.evaluate(_SHOWN_TEXTS) for line in text.splitlines()}
        return sorted(shown & _english_only_messages())

    def service_date(self) -> str:
        """What the Service Date box reads. Flutter mirrors a box's text into the DOM a moment after the box takes
        focus, so the text is read once it is there (the box always holds a date)."""
        box = self.page.get_by_role("textbox", name=self.tr("Service Date"), exact=True)
        self.reveal(box).focus()
        focused = self.page.locator(":focus")
        expect(focused).not_to_have_value("")
        return focused.input_value()

    @property
    def tr(self) -> Translator:
        return translator(FRENCH)


_SHOWN_TEXTS = """() => Array.from(document.querySelectorAll('flt-semantics')).flatMap(node => [
    node.getAttribute('aria-label') || '',
    ...Array.from(node.childNodes).filter(child => child.nodeType === Node.TEXT_NODE).map(child => child.textContent),
])"""
"""Every label and text of the accessibility tree: what a screen reader, and so the worker, reads."""


@functools.cache
def _english_only_messages() -> frozenset[str]:
    """The catalog's English messages (without placeholders) whose French is different, and the English names of
    the server's lists (languages, types of service location) whose French name is: one on a French screen is a
    word that skipped the catalog or the list's French name. The languages' own names are left out: the switch to
    English reads "English"."""
    with catalog_path(FRENCH).open("rb") as source:
        catalog = read_po(source, locale=CATALOG_LOCALES[FRENCH])
    messages = {
        message.id
        for message in catalog
        if isinstance(message.id, str) and "{" not in message.id and message.string not in ("", message.id)
    }
    names = {language.name for language in load_languages() if language.name_fr not in ("", language.name)}
    labels = {kind.label for kind in load_location_types() if kind.label_fr not in ("", kind.label)}
    return frozenset((messages | names | labels) - set(LANGUAGES.values()))


@pytest.fixture
def session_worker(
    open_app, type_into, screenshot, reveal, small_targets, close_dialog, text_box
) -> Callable[[str], SessionWorker]:
    return lambda size: SessionWorker(
        open_app(size), type_into, screenshot, reveal, small_targets, close_dialog, text_box
    )


@pytest.fixture
def unique() -> str:
    return "Qs" + uuid.uuid4().hex[:6]


def test_group_session_from_first_errors_to_complete_and_seen_by_the_other_worker(
    session_worker, open_app, second_outpost_app, unique: str
) -> None:
    me = session_worker("phone")
    me.sign_in()

    # A client and a family member; the session begins from the relative's profile.
    me.press("Register a New Client")
    me.register("Amal", f"Haddad-{unique}", "1984-03-09")
    me.press("Add Family Member")
    me.register("Yusuf", f"Haddad-{unique}", "2012-07-21")
    me.press("Begin Session with Client")
    expect(me.button("Save Session")).to_be_attached()
    expect(me.session_status()).to_contain_text("Incomplete")
    assert me.small_targets() == []

    # Too early: some choices made, some wrong, most missing. Each problem is said beside its field.
    me.type("Session Notes", "Conversation circle; two newcomers joined late.")
    me.choose("Session Type", "Group Activity")
    me.choose("Interpreter Present", "Yes")
    me.keys("Minutes", "75")
    me.press("Save Session")
    expect(me.page.get_by_text("Not saved. Please fix these first:")).to_be_visible()
    me.photograph("session-form-errors")
    for message in (
        "Give the group activity a name.",
        "Press Find... to choose the Site.",
        "Tick at least one Delivery Method.",
        "Choose the Type of Service Location.",
        "Enter how many interpreters were present (at least 1).",
        "Minutes must be between 0 and 59.",
        "Add at least one Delivery Language.",
    ):
        me.says(message)
    me.holds("Session Notes", "Conversation circle; two newcomers joined late.")  # nothing typed is lost
    me.holds("Minutes", "75")

    # Every field, filled in as the help article describes.
    me.type("Activity", f"English circle {unique}")
    me.type("Topic", "Talking to a landlord")
    me.press("Choose date")
    first_of_month = date.today().replace(day=1)
    me.button_starting(f"{first_of_month.day},").first.click()
    me.button("OK").click()
    expect(me.button("OK")).to_have_count(0)
    me.holds("Service Date", describe_service_date(first_of_month, translator("en")))
    me.pick_site("ottawa", "OTT-002")
    me.holds("Site Name", "Ottawa East Community Space")
    me.tick("In Person")
    me.tick("Telephone call/Text/Email")
    me.choose("Type of Service Location", "Community space")
    me.keys("Interpreters (#)", "1")
    me.holds("Interpreters (#)", "1")  # the 0 gave way to what was typed
    me.keys("Hours", "1")
    me.holds("Hours", "1")
    me.type("Minutes", "30")
    for language in ("Arabic", "English", "Spanish"):
        me.add_to_list("Add Language", "Language", language)
    me.tap(me.in_part("remove-language-es"))
    expect(me.page.get_by_text("Spanish", exact=True)).to_have_count(0)
    me.add_to_list("Add Worker", "Worker", OTHER_WORKER[1])
    me.press("Save Session")
    me.sees("Saved")
    expect(me.page.get_by_text("Not saved. Please fix these first:")).to_have_count(0)
    me.reveal(me.page.get_by_role("textbox", name="Agency"))
    me.photograph("session-form")

    # The relative joins with a service form of their own (the family shortcut in "Add Client").
    me.press("Add Client")
    me.button_starting(f"Amal Haddad-{unique}").first.click()
    me.press("Save Session")
    me.sees("Saved")

    # Both service forms: first "Mark Complete" too early, then filled in.
    for index, (service_type, service) in enumerate(
        (("Information and Orientation", "Housing"), ("Support Services", "Child care"))
    ):
        me.tap(me.page.get_by_role("button", name="Open Service Form").nth(index))
        expect(me.button("Mark Complete")).to_be_attached()
        if index == 0:
            me.says("Needed for reports")  # under each field the funder's report needs, while it is empty
            me.press("Mark Complete")
            me.says("Choose a Service Type.")
            me.says("Choose a Status of Service.")
        me.choose("Service Type", service_type)
        me.tick(service)
        if index == 0:
            me.press("Add Referral")
            me.type("Referred to", "Northside Food Bank")
            me.type("Reason", "Groceries until the first pay cheque")
            me.type("Follow-up date", "2030-01-15")
            me.choose("Client Attended", "Yes")
            me.tick("Private", role="switch")
            me.type("Notes", "Asked about tenant rights.")
            me.reveal(me.button("Service Type"))
            me.photograph("service-form")
        me.choose("Status of Service", "Complete")
        if index == 0:
            expect(me.page.get_by_text("Needed for reports", exact=True)).to_have_count(0)
        else:  # nobody said whether this client attended
            me.says("Needed for reports")
        me.press("Mark Complete")
        expect(me.button("Save Session")).to_be_attached()
    expect(me.session_status()).to_contain_text("Complete")
    expect(me.session_status()).not_to_contain_text("Incomplete")
    # Complete is not yet reportable: each client says what the funder's report still needs.
    me.says("Needed for reports: client profile")  # attended; the profile has no client identifier yet
    me.says("Needed for reports: Client Attended, client profile")

    # Sync, then the other worker on their own device sees the session on their dashboard.
    me.button("Sync now").click()  # in the sync line, outside any scroll view
    expect(me.synced()).to_be_visible()
    other = replace(me, page=open_app("phone", second_outpost_app))
    other.sign_in(OTHER_WORKER[0], DEMO_PASSWORD)
    expect(other.synced()).to_be_visible()
    other.open_dashboard()  # a fresh look: the dashboard shown at sign-in may predate the first sync
    on_their_dashboard = other.page.get_by_role("button", name=re.compile(f"English circle {unique}"))
    expect(on_their_dashboard).to_be_visible()
    expect(on_their_dashboard).to_contain_text("Complete")
    expect(on_their_dashboard).not_to_contain_text("Incomplete")


def test_session_screens_fit_a_tablet(session_worker, unique: str) -> None:
    me = session_worker("tablet")
    me.sign_in()
    me.press("Register a New Client")
    me.register("Mariam", f"Farah-{unique}", "1979-12-30")
    me.press("Begin Session with Client")
    expect(me.page.get_by_role("tab", name="Dashboard", exact=True)).to_have_count(0)  # the rail, not the bottom tabs
    me.choose("Session Type", "Direct Service")
    me.press("Save Session")
    me.says("Press Find... to choose the Site.")
    me.photograph("session-form-errors")
    me.pick_site("montréal", "MTL-002")
    me.tick("In Person")
    me.choose("Type of Service Location", "Agency office")
    me.choose("Interpreter Present", "No")
    me.type("Minutes", "45")
    me.add_to_list("Add Language", "Language", "French")
    me.press("Save Session")
    me.sees("Saved")
    me.reveal(me.page.get_by_role("textbox", name="Agency"))
    me.photograph("session-form")
    me.press("Open Service Form")
    me.choose("Service Type", "Employment-related Services")
    me.tick("Job search")
    me.press("Add Referral")
    me.photograph("service-form")

    # Leaving by the app bar's back arrow: a form that cannot be saved yet asks first, one that can is saved.
    me.type("Follow-up date", "next week")
    me.button("Back").click()  # in the app bar, outside any scroll view
    expect(me.page.get_by_text("Leave without saving?")).to_be_visible()
    me.press("Stay and fix")
    me.says("Enter the follow-up date as YYYY-MM-DD, for example 2025-03-31.")
    me.type("Referred to", "Job Centre East")
    me.type("Follow-up date", "2030-02-01")
    me.button("Back").click()
    expect(me.button("Save Session")).to_be_attached()
    me.press("Open Service Form")  # of the session saved earlier, though it began as a new one
    me.holds("Referred to", "Job Centre East")
    me.holds("Follow-up date", "2030-02-01")


def test_a_worker_records_a_session_in_french_on_a_phone(
    open_app,
    fresh_outpost_app,
    viewports,
    type_into,
    screenshot,
    reveal,
    small_targets,
    close_dialog,
    text_box,
    unique: str,
) -> None:
    me = SessionWorker(
        open_app("phone", fresh_outpost_app), type_into, screenshot, reveal, small_targets, close_dialog, text_box
    )
    fr, en = translator(FRENCH), translator(ENGLISH)
    synced = re.compile("^" + re.escape(fr("Synced {when}", when="")) + "[^·]+$")  # nothing left waiting

    # The switch is named by the language it switches to, and the sign-in screen follows at once.
    expect(me.page.get_by_role("textbox", name=en("User ID"))).to_be_visible(timeout=SEMANTICS_MS)
    me.button(LANGUAGES[FRENCH]).click()  # at the top of the sign-in screen, which has no bars to scroll under
    expect(me.page.get_by_role("textbox", name=fr("User ID"))).to_be_visible()
    expect(me.button(LANGUAGES[ENGLISH])).to_be_visible()
    assert me.english_left() == []
    me.photograph("fr-sign-in")
    me.type(fr("User ID"), FRENCH_WORKER)
    me.type(fr("Password"), DEMO_PASSWORD)
    me.page.wait_for_timeout(TYPED_TEXT_SETTLES_MS)
    me.press(fr("Sign in"))
    expect(me.page.get_by_role("alertdialog")).to_be_visible(timeout=SEMANTICS_MS)  # the store opens first
    me.close_dialog_in(me.page, fr("Not now"))  # the PIN the app offers after sign-in
    expect(me.button(fr("Register a New Client"))).to_be_visible()
    expect(me.page.get_by_text(synced).first).to_be_visible()
    assert me.english_left() == []
    me.photograph("fr-dashboard")

    # A new client (what the funder still needs is marked at its fields), found again by name.
    me.press(fr("Register a New Client"))
    me.type(fr("First name"), "Élise")
    me.type(fr("Last name"), f"Bouchard-{unique}")
    me.type(fr("Date of birth"), "1988-04-02")
    me.tick(fr("Privacy statement acknowledged"))
    me.reveal(me.button(fr("Preferred official language")))
    me.photograph("fr-register")  # "Requis pour les rapports" under the fields the funder needs (not in the a11y tree)
    me.press(fr("Save client"))
    expect(me.button(fr("Begin Session with Client"))).to_be_attached()
    assert me.english_left() == []
    me.page.get_by_role("tab", name=fr.pgettext(TAB, "Find"), exact=True).click()
    query = f"elise {unique.lower()}"
    me.type(fr("Search clients"), query)
    me.sees(result_summary(query, 1, 0, fr))
    assert me.english_left() == []
    me.press(fr("Profile"))
    me.press(fr("Begin Session with Client"))

    # Saved too early: the problems are said in French; the Service Date is written the fr_CA way.
    expect(me.button(fr("Save Session"))).to_be_attached()
    days = {date.today(), date.today() - timedelta(days=1)}  # the session may have begun just before midnight
    assert me.service_date() in {describe_service_date(day, fr) for day in days}
    me.choose(fr("Session Type"), fr("Direct Service"))
    me.press(fr("Save Session"))
    me.sees(fr("Not saved. Please fix these first:"))
    me.says(fr("Press Find... to choose the Site."))
    assert me.english_left() == []
    me.photograph("fr-session-form-errors")

    # Filled in, saved and synced.
    me.press(fr("Find..."))
    me.type(fr("Filter sites"), "ottawa")
    me.press(fr("Filter"))
    expect(me.page.get_by_text(re.compile(r"^\d+ sites?$"))).to_be_visible()
    assert me.english_left() == []
    me.button_starting("OTT-002").click()
    me.tick(fr("In Person"))
    me.choose(fr("Type of Service Location"), "Bureau de l'organisme")  # the server's list, in French
    me.type(fr("Minutes"), "45")
    me.press(fr("Add Language"))
    me.choose(fr("Language"), "Français")  # the server's list too
    me.press(fr("Update"))
    me.press(fr("Save Session"))
    me.sees(fr("Saved"))
    assert me.english_left() == []
    assert me.small_targets() == []
    me.photograph("fr-session-form")
    me.page.set_viewport_size(viewports["tablet"])  # the same form on a tablet: the rail, in French too
    expect(me.page.get_by_role("button", name=re.compile("^" + re.escape(fr("My Profile")) + " "))).to_be_visible()
    assert me.english_left() == []
    # Read in one go: a button that goes while they are read one by one (the "Saved" note's) would stall the test.
    right_edges = me.page.get_by_role("button").evaluate_all("all => all.map(b => b.getBoundingClientRect().right)")
    assert max(right_edges) <= viewports["tablet"]["width"]  # the longer French rail labels push nothing off screen
    me.photograph("fr-session-form")
    me.page.set_viewport_size(viewports["phone"])
    expect(me.page.get_by_role("tab", name=fr.pgettext(TAB, "Profile"), exact=True)).to_be_visible()
    me.button(fr("Sync now")).first.click()  # in the sync line, outside any scroll view
    expect(me.page.get_by_text(synced).first).to_be_visible()

    # My Profile switches back to English, and the frame follows.
    me.page.get_by_role("tab", name=fr.pgettext(TAB, "Profile"), exact=True).click()
    expect(me.button(LANGUAGES[ENGLISH])).to_be_visible()
    assert me.english_left() == []
    me.photograph("fr-my-profile")
    me.press(LANGUAGES[ENGLISH])
    expect(me.page.get_by_role("tab", name=en.pgettext(TAB, "Profile"), exact=True)).to_be_visible()
    expect(me.button(LANGUAGES[FRENCH])).to_be_visible()
