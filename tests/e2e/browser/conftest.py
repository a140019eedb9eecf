"""Browser tests: the real app (``outpost --web``) in its own process, driven through Chromium's accessibility tree.

Flutter draws on a canvas, so tests find controls the way a screen reader does: by role and accessible name, once
the semantics tree is switched on (``open_app`` does that). The app talks to the real central server of
tests/e2e/conftest.py (``demo_server``), here on SQLite only: these tests are about the screens, not the server's
storage. Without /usr/bin/chromium the tests are skipped, except under CI, where that is a failure.

Helpers are fixtures (``open_app``, ``reveal``, ``text_box``, ``type_into``, ``close_dialog``, ``small_targets``,
``screenshot``, ``viewports``), so test modules need no imports from here. Flutter scrolls its own views and the
DOM cannot, so a control below the fold is brought into sight with the mouse wheel (``reveal``) before it is
tapped. A failed test leaves pictures of its tabs in build/screenshots/failures. Pictures are otherwise taken
only with ``screenshot(page, name)``: it writes to build/screenshots, so a test run leaves the tree clean, and
`make screenshots` sends them to docs/screenshots.
"""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from server_process import free_port, stop_process

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "tablet": {"width": 1024, "height": 768}}
ROOT = Path(__file__).resolve().parents[3]
# Where pictures go: build/screenshots (git-ignored), so a test run leaves the tree clean; `make screenshots` points
# this at docs/screenshots to refresh the pictures the documentation shows.
SCREENSHOTS = ROOT / os.environ.get("OUTPOST_SCREENSHOTS_DIR", "build/screenshots")
APP_STARTUP_SECONDS = 60
FIRST_PAINT_MS = 60_000  # the first load compiles Flutter's wasm bundle; later steps are much quicker
STEP_MS = 20_000
TYPING_ATTEMPTS = 3
KEYBOARD_SETTLE_MS = 150
DIALOG_PRESSES = 3
DIALOG_CLOSES_MS = 3_000
TOP_BARS_HEIGHT = 110  # app bar and sync bar, above every screen's scroll view
BOTTOM_BAR_HEIGHT = 90  # the phone's navigation bar
NARROW_BELOW = 640  # the app's breakpoint: bottom navigation bar below it, rail from it on
WHEEL_STEP = 400
REVEAL_STEPS = 60
MIN_TOUCH_TARGET = 47.5  # 48 px, allowing for sub-pixel rounding of the semantics boxes
TOUCHABLE_ROLES = ("button", "tab", "checkbox", "radio")
PAINT_SECONDS = 15
STILL_SECONDS = 1.5
PAINTED_PNG_BYTES_PER_PIXEL = 0.015  # Flet's loading page compresses to ~0.005; real screens to 0.03 and more
_EDITING_SOMETHING = "['INPUT', 'TEXTAREA'].includes(document.activeElement?.tagName)"
# The text of the box being edited, read at once (null when nothing is): Flutter may swap its editing element, and a
# locator on ":focus" would then wait for one to come back.
_EDITED_TEXT = "document.activeElement?.value ?? null"
# A focused empty box shows its hint, which Flutter adds to the box's name: "0" in a number box, "YYYY-MM-DD" (or
# "AAAA-MM-JJ") in a date box. Hints are digits, capitals and dashes, so no other label is mistaken for one.
_HINT_AFTER_NAME = r"(\s+[0-9A-Z-]+)?"
# Pictures of the tabs a failed test left open, to see what the app showed when a step gave up.
FAILURES = ROOT / "build" / "screenshots" / "failures"

expect.set_options(timeout=STEP_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder ``browser`` (``-m "not browser"`` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def server_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Overrides the e2e default (SQLite and PostgreSQL): one SQLite server is enough to drive the screens."""
    return f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite3'}"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@dataclass(frozen=True, slots=True)
class RunningApp:
    url: str
    data_dir: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def app_command() -> list[str]:
    script = Path(sys.executable).with_name("outpost")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.main"]


@contextmanager
def running_app(server_url: str, folder: Path) -> Iterator[RunningApp]:
    """``outpost --web`` on a free port with a fresh device database in ``folder``, pointed at ``server_url``."""
    port = free_port()
    log_path = folder / "app.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*app_command(), "--web", "--port", str(port), "--data-dir", str(folder / "device"),
             "--server", server_url],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "FLET_FORCE_WEB_SERVER": "1"},
        )  # fmt: skip
    app = RunningApp(url=f"http://127.0.0.1:{port}", data_dir=folder / "device", log_path=log_path)
    try:
        deadline = time.monotonic() + APP_STARTUP_SECONDS
        while not _port_open(port):
            if process.poll() is not None:
                pytest.fail(f"outpost exited with {process.returncode} while starting:\n{app.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"outpost did not listen on {port} within {APP_STARTUP_SECONDS} s:\n{app.log()}")
            time.sleep(0.2)
        yield app
    finally:
        stop_process(process)


@pytest.fixture
def start_app() -> Callable[[str, Path], AbstractContextManager[RunningApp]]:
    """``with start_app(server_url, folder) as app``: the app in a process of its own on the device data in
    ``folder``; a later start on the same folder finds it as the last one left it, as a restarted tablet does."""
    return running_app


@pytest.fixture(scope="module")
def outpost_app(demo_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app the tests drive, pointed at the module's demo server."""
    with running_app(demo_server.url, tmp_path_factory.mktemp("app")) as app:
        yield app


@pytest.fixture(scope="module")
def second_outpost_app(demo_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """Another tablet: its own app process and device database, syncing with the same server."""
    with running_app(demo_server.url, tmp_path_factory.mktemp("second-device")) as app:
        yield app


@pytest.fixture(scope="module")
def fresh_outpost_app(demo_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """A device no worker has signed in on yet, so it opens on the sign-in screen, with the same server."""
    with running_app(demo_server.url, tmp_path_factory.mktemp("fresh-device")) as app:
        yield app


def enable_semantics(page: Page) -> None:
    """Switch Flutter's accessibility tree on, so roles and names exist in the DOM."""
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=FIRST_PAINT_MS)
    page.locator("flt-semantics-placeholder").dispatch_event("click")


def _text_box(page: Page, name: str) -> Locator:
    """The text box called ``name``, whether or not it has focus: once tapped, an empty box also reads its hint."""
    return page.get_by_role("textbox", name=re.compile(f"^{re.escape(name)}{_HINT_AFTER_NAME}$"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test, so ``open_app`` knows at teardown whether the test failed."""
    report = yield
    setattr(item, f"outcome_{report.when}", report)
    return report


def _keep_failure_pictures(node: pytest.Item, pages: list[Page]) -> None:
    """After a failed test, a picture of each tab it opened in ``build/screenshots/failures``."""
    FAILURES.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(pages):
        try:
            page.screenshot(path=FAILURES / f"{node.name}-{number}.png", timeout=STEP_MS)
        except Exception as error:  # the failure itself matters more than its picture
            print(f"No picture of tab {number} after the failure: {error}")


@pytest.fixture
def viewports() -> dict[str, dict[str, int]]:
    """Named screen sizes: "phone" (390×844) and "tablet" (1024×768)."""
    return VIEWPORTS


@pytest.fixture
def open_app(
    chromium: Browser, outpost_app: RunningApp, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """``open_app("phone" | "tablet"[, app])``: a new browser tab with its semantics tree on, on ``app`` (by default
    the module's ``outpost_app``). When the test fails, its tabs are photographed before they close."""
    contexts = []

    def open_tab(size: str, app: RunningApp = outpost_app) -> Page:
        context = chromium.new_context(viewport=VIEWPORTS[size])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(STEP_MS)
        page.goto(app.url)
        enable_semantics(page)
        return page

    yield open_tab
    outcome = getattr(request.node, "outcome_call", None)
    if outcome is not None and outcome.failed:
        _keep_failure_pictures(request.node, [page for context in contexts for page in context.pages])
    for context in contexts:
        context.close()


def _in_sight(page: Page, box: dict[str, float] | None, *, margin: float = 0) -> bool:
    """Whether a semantics box lies between the top bars and the bottom navigation, ``margin`` px clear of them."""
    viewport = page.viewport_size
    lowest = viewport["height"] - (BOTTOM_BAR_HEIGHT if viewport["width"] < NARROW_BELOW else 0)
    return box is not None and box["y"] >= TOP_BARS_HEIGHT + margin and box["y"] + box["height"] <= lowest - margin


def _reveal(page: Page, control: Locator) -> Locator:
    """Wheel the screen until ``control`` is in sight."""
    viewport = page.viewport_size
    middle = viewport["height"] / 2
    for _step in range(REVEAL_STEPS):
        box = control.bounding_box()
        if _in_sight(page, box):
            return control
        distance = box["y"] + box["height"] / 2 - middle if box else WHEEL_STEP
        page.mouse.move(viewport["width"] / 2, middle)
        page.mouse.wheel(0, max(-WHEEL_STEP, min(WHEEL_STEP, distance)))
        page.wait_for_timeout(120)
    raise AssertionError(f"Could not scroll {control} into sight")


_BOXES = """all => all.map(control => {
    const box = control.getBoundingClientRect();
    return {x: box.x, y: box.y, width: box.width, height: box.height,
            name: control.getAttribute("aria-label") || control.innerText};
})"""
"""Every matched control's box and name, read in one step in the page."""


def _small_targets(page: Page) -> list[str]:
    """Controls in sight that a finger could miss: anything tappable less than 48 px tall.

    The boxes are read in one step: read one at a time, a control that leaves meanwhile (a note that closes by
    itself) would leave the test waiting for it."""
    found = []
    for role in TOUCHABLE_ROLES:
        for control in page.get_by_role(role).evaluate_all(_BOXES):
            box = {side: control[side] for side in ("x", "y", "width", "height")}
            # A box cut by the scroll view's edge ends exactly on that edge: only boxes clear of it are judged.
            if _in_sight(page, box, margin=1) and box["height"] < MIN_TOUCH_TARGET:
                found.append(f"{role} {control['name']!r}: {box}")
    return found


def _type_into(page: Page, name: str, text: str, *, key_by_key: bool = False) -> None:
    """Type into the text box called ``name``, the way a person does: tap it, wait for it to take the keyboard,
    type. Flutter listens to one DOM input at a time and moves to the tapped one a moment after the tap; text put in
    before that is overwritten when it arrives, so the box is checked afterwards and typed into again if needed.
    Right after a navigation tab was pressed, the first tap on a box may not focus it: then it is tapped again.
    The focused element is used after the tap because a focused box that shows a hint carries a longer name (and
    the box is found again by its name with or without that hint: an attempt may end with the box focused but not
    yet editing).

    ``key_by_key`` presses one key per letter instead of filling the box at once, so the app sees every change as
    the worker makes it; then every key must land in the box, which must keep the keyboard (a box left empty, its
    keys wiped as Flutter took it over, is typed into again; nothing else is)."""
    for _attempt in range(TYPING_ATTEMPTS):
        _reveal(page, _text_box(page, name)).click()
        page.wait_for_timeout(KEYBOARD_SETTLE_MS)
        if not page.evaluate(_EDITING_SOMETHING):
            continue
        focused = page.locator(":focus")
        if key_by_key:
            page.keyboard.type(text)
            page.wait_for_timeout(KEYBOARD_SETTLE_MS)
            if not page.evaluate(_EDITED_TEXT):  # Flutter took the box over just after the keys and wiped them
                continue
            expect(focused).to_have_value(text)
            expect(focused).to_have_attribute("aria-label", name)
            return
        focused.fill(text)
        page.wait_for_timeout(KEYBOARD_SETTLE_MS)
        if page.evaluate(_EDITED_TEXT) == text:
            return
    raise AssertionError(f"Could not type into {name!r}")


def _close_dialog(page: Page, button: str) -> None:
    """Press ``button`` in the dialog on screen until the dialog has gone.

    While Flutter pushes a dialog's route it drops the pointer events of that frame, so a press that comes the
    moment the button appears can be lost, as a person's hurried tap is; like them, the test presses again.
    """
    dialog = page.get_by_role("alertdialog")
    for _attempt in range(DIALOG_PRESSES):
        _reveal(page, page.get_by_role("button", name=button, exact=True)).click()
        try:
            expect(dialog).to_have_count(0, timeout=DIALOG_CLOSES_MS)
            return
        except AssertionError:
            continue
    expect(dialog).to_have_count(0)


def _painted(page: Page) -> bytes:
    """A picture of the screen once Flutter has painted it and it holds still.

    The accessibility tree changes before the frame showing the change is painted: on a busy machine without a
    GPU the picture can lag a second behind, and before the first frame Flet shows its "Working..." page (one flat
    colour, so its PNG is tiny). Pictures are taken until one is bigger than that and has not changed for
    ``STILL_SECONDS``, or the time is up; a blinking text cursor can keep pictures from ever matching, so then the
    last painted one is kept.
    """
    viewport = page.viewport_size
    smallest_painted = viewport["width"] * viewport["height"] * PAINTED_PNG_BYTES_PER_PIXEL
    page.mouse.move(viewport["width"] / 2, TOP_BARS_HEIGHT / 2 + 30)  # over the sync headline: no hover effects
    previous, still_since = b"", time.monotonic()
    deadline = time.monotonic() + PAINT_SECONDS
    while True:
        picture = page.screenshot()
        now = time.monotonic()
        painted = len(picture) >= smallest_painted
        if painted and (now > deadline or (picture == previous and now - still_since >= STILL_SECONDS)):
            return picture
        if now > deadline + PAINT_SECONDS:
            raise AssertionError("The app did not paint a screen in time (still showing Flet's loading page)")
        if not painted or picture != previous:
            previous, still_since = (picture if painted else b""), now
        page.wait_for_timeout(250)


def _screenshot(page: Page, name: str) -> Path:
    """Save ``<name>-phone.png`` or ``<name>-tablet.png`` (by the tab's width) in ``SCREENSHOTS``, once painted."""
    size = "phone" if page.viewport_size["width"] < VIEWPORTS["tablet"]["width"] else "tablet"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{size}.png"
    path.write_bytes(_painted(page))
    return path


@pytest.fixture
def reveal() -> Callable[[Page, Locator], Locator]:
    return _reveal


@pytest.fixture
def small_targets() -> Callable[[Page], list[str]]:
    return _small_targets


@pytest.fixture
def text_box() -> Callable[[Page, str], Locator]:
    return _text_box


@pytest.fixture
def type_into() -> Callable[..., None]:
    return _type_into


@pytest.fixture
def close_dialog() -> Callable[[Page, str], None]:
    return _close_dialog


@pytest.fixture
def screenshots_dir() -> Path:
    """Where pictures of pages that need no waiting for Flutter (the console's) go: the same place."""
    return SCREENSHOTS


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """``screenshot(page, name)``: the one way a browser test takes a picture. It waits until Flutter has painted
    the screen, names the file after the tab's size, and writes it to build/screenshots, or to docs/screenshots
    under `make screenshots`."""
    return _screenshot
