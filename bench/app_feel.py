"""The app as a worker feels it: the real app (``outpost --web``) in Chromium, driven through its accessibility
tree, timing what a worker waits for.

Each round opens a fresh tab on the app and times five steps, from the tap (or the typing) that starts the step
until the screen shows its outcome: "Sign in" until My Dashboard, the Find tab until its search box, three letters
of a last name until the result count for them, a session on My Dashboard until its form, and "Save Session" after
an edit until the form says "Saved". The "Set a PIN" offer after sign-in is put off, untimed. The round then signs
out (untimed), so the next one signs in again. The same
rounds run on a device holding a few clients and on one holding the agency's 100,000; both devices got their data
through a real first sync with a real server, and hold one saved session of their worker. One round on each device
runs untimed first: the app's first sign-in there encrypts the store the benchmark filled in plain.

Times are taken in this process around Playwright calls whose waits resolve on the browser's animation frames, so
each includes one message from here to the browser and back (a few milliseconds). The app's first paint in a tab
(Flutter compiling its bundle) is not a step: it happens before every round and is not timed.
"""

import os
import random
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app.store.db import DeviceDatabase
from app.usecases.accounts import sign_in, sign_out, sync_engine_factory
from app.usecases.sessions import save_session
from bench.agency import Agency, actor_for, location_codes, make_agency
from bench.device_figures import SessionShape, build_session
from bench.measure import Figure, Latency, ms
from bench.server import free_port, running_server, sqlite_url, stop_process
from bench.server_seed import seed_server
from bench.sizes import Sizes
from seed_data.reference import DemoWorker
from sync.transport import HttpTransport

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]  # fmt: skip
PHONE = {"width": 390, "height": 844}
APP_START_S = 60
FIRST_PAINT_MS = 120_000  # Flutter compiles its bundle in every new tab; on a busy machine that takes a while
STEP_MS = 30_000
TOP_BARS, BOTTOM_TABS = 110, 90  # px of the phone's screen above and below the scrolling part
WHEEL_STEP = 400
REVEAL_STEPS = 40
FOCUS_LOST_MS = 2_000  # a key waits this long for a focused box before the box is tapped again
SETTLE_MS = 300  # after typing into a box, before pressing a button (the text reaches the app a moment later)
SIGN_IN_TARGET_S = 3.0
STEP_TARGET_MS = 300
FEW_CLIENTS = 20
STEPS = ("Sign in → My Dashboard", "Open Find", "3-letter search → results", "Open a session form", "Save Session")


@dataclass(slots=True)
class StepTimes:
    seconds: dict[str, list[float]] = field(default_factory=lambda: {step: [] for step in STEPS})

    def add(self, step: str, seconds: float) -> None:
        self.seconds[step].append(seconds)


def app_feel_figures(folder: Path, sizes: Sizes, seed: int) -> list[Figure]:
    """Each step's median and p95 over ``sizes.feel_rounds`` rounds, on a new device and on a full one."""
    if not sizes.feel_rounds:
        return [Figure("The app in a browser (sign in, Find, search, session form, save)",
                       "not part of the quick run (make bench FULL=1)", "—", "—", "—", None)]  # fmt: skip
    if not CHROMIUM.exists():
        return [Figure("The app in a browser", f"skipped: {CHROMIUM} is missing", "—", "—", "—", None, "row skipped")]
    times: dict[int, StepTimes] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            for clients in (FEW_CLIENTS, sizes.feel_clients):
                agency = make_agency(sites=20, workers=12, clients=clients, seed=seed)
                times[clients] = _rounds_on_device(folder / f"feel-{clients}", agency, browser, sizes.feel_rounds,
                                                   random.Random(seed))  # fmt: skip
        finally:
            browser.close()
    return [_step_figure(step, times, sizes) for step in STEPS]


def _rounds_on_device(folder: Path, agency: Agency, browser: Browser, rounds: int, rng: random.Random) -> StepTimes:
    folder.mkdir(parents=True, exist_ok=True)
    me = agency.field_workers[0]
    url = sqlite_url(folder, "server")
    seed_server(url, agency.seed())
    times = StepTimes()
    with running_server(url, folder / "server.log") as server:
        _prepare_device(folder / "device", agency, me, server.base_url, rng)
        with _running_app(folder / "device", server.base_url, folder / "app.log") as app_url:
            prefixes = [client.last_name[:3] for client in rng.sample(agency.clients, min(rounds, len(agency.clients)))]
            _round_in_new_tab(browser, app_url, me, prefixes[0], StepTimes())  # untimed: encrypts the store
            for number in range(rounds):
                _round_in_new_tab(browser, app_url, me, prefixes[number % len(prefixes)], times)
    return times


def _round_in_new_tab(browser: Browser, app_url: str, me: DemoWorker, prefix: str, times: StepTimes) -> None:
    """One round in a fresh phone-size tab. The first sign-in on a device encrypts the store the benchmark filled
    in plain (the whole file, once); a real tablet's store is encrypted from its first sign-in, so the benchmark
    runs one round untimed before it times any."""
    context = browser.new_context(viewport=PHONE)
    try:
        _one_round(context.new_page(), app_url, me, prefix, times)
    finally:
        context.close()


def _prepare_device(folder: Path, agency: Agency, me: DemoWorker, server_url: str, rng: random.Random) -> None:
    """Sign in, first sync, one saved and pushed session, sign out: the app then opens on "Sign in"."""
    db = DeviceDatabase.open(folder)
    try:
        sign_in(db, HttpTransport, server_url, me.user_id, me.password, "bench tablet")
        engine = sync_engine_factory(db, HttpTransport)()
        engine.sync()
        actor = actor_for(me)
        colleague = agency.field_workers[1]
        shape = SessionShape(agency.sites[0].code, location_codes()[0], ("en", "ar"), colleague.user_id,
                             [client.id for client in agency.clients])  # fmt: skip
        save_session(db, actor, build_session(db, actor, shape, rng))
        engine.sync()
        sign_out(db, HttpTransport)
    finally:
        db.close()


@contextmanager
def _running_app(data_dir: Path, server_url: str, log: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "app.main", "--web", "--port", str(port), "--data-dir", str(data_dir),
               "--server", server_url]  # fmt: skip
    with log.open("ab") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                   env={**os.environ, "FLET_FORCE_WEB_SERVER": "1"})  # fmt: skip
    try:
        _wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + APP_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"outpost exited with {process.returncode} while starting; see {log}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"outpost did not listen on {port} within {APP_START_S} s; see {log}")


def _one_round(page: Page, app_url: str, me: DemoWorker, prefix: str, times: StepTimes) -> None:
    page.set_default_timeout(STEP_MS)
    page.goto(app_url)
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=FIRST_PAINT_MS)
    page.locator("flt-semantics-placeholder").dispatch_event("click")  # Flutter's accessibility tree on
    textbox = lambda name: page.get_by_role("textbox", name=name, exact=True)  # noqa: E731
    button = lambda name: page.get_by_role("button", name=name, exact=True)  # noqa: E731
    textbox("User ID").wait_for(timeout=FIRST_PAINT_MS)
    _type(page, textbox("User ID"), me.user_id)
    _type(page, textbox("Password"), me.password)
    tab = lambda name: page.get_by_role("tab", name=name, exact=True)  # noqa: E731  (the phone's short labels)
    pin_offer = page.get_by_role("alertdialog")  # comes after My Dashboard, and may hide it before a look finds it
    times.add(STEPS[0], _timed(lambda: button("Sign in").click(), button("Register a New Client").or_(pin_offer).first))
    _put_off_pin_offer(page)
    times.add(STEPS[1], _timed(lambda: tab("Find").click(), textbox("Search clients")))
    results = page.get_by_text(re.compile(f"Results for “{re.escape(prefix)}”"))
    times.add(STEPS[2], _timed_search(page, textbox("Search clients"), prefix, results))
    tab("Dashboard").click()
    session = page.get_by_role("button", name=re.compile("Conversation circle")).first
    session.wait_for()
    times.add(STEPS[3], _timed(session.click, button("Save Session")))
    _type(page, textbox("Session Notes"), f"Edited at {time.time():.3f}")
    page.get_by_text("Not saved yet", exact=True).wait_for()
    save = _reveal(page, button("Save Session"))
    times.add(STEPS[4], _timed(save.click, page.get_by_text("Saved", exact=True).first))
    tab("Profile").click()
    button("Sign out").click()
    textbox("User ID").wait_for()


def _put_off_pin_offer(page: Page) -> None:
    """Tap "Not now" on the "Set a PIN" dialog the app puts over My Dashboard after each sign-in of a worker without
    a PIN (untimed: it comes after the dashboard the step waits for, and the bench's worker never sets one). A tap
    in the frame that pushes the dialog is dropped, so it taps again until the dialog has gone."""
    offer = page.get_by_role("alertdialog")
    offer.wait_for()
    for _attempt in range(3):
        page.get_by_role("button", name="Not now", exact=True).click()
        try:
            offer.wait_for(state="hidden", timeout=2_000)
            return
        except PlaywrightTimeout:
            continue
    raise RuntimeError('the "Set a PIN" dialog stayed up after three taps on "Not now"')


def _timed(action: Callable[[], object], outcome: Locator) -> float:
    """Seconds from starting ``action`` until ``outcome`` (a locator) is visible."""
    started = time.perf_counter()
    action()
    outcome.wait_for(state="visible")
    return time.perf_counter() - started


def _reveal(page: Page, control: Locator) -> Locator:
    """Wheel the screen until ``control`` lies inside the phone's screen, below the app bar and above the tabs
    (Flutter scrolls its own views; the page cannot)."""
    for _step in range(REVEAL_STEPS):
        box = control.bounding_box()
        if box is not None and box["y"] >= TOP_BARS and box["y"] + box["height"] <= PHONE["height"] - BOTTOM_TABS:
            return control
        distance = box["y"] + box["height"] / 2 - PHONE["height"] / 2 if box else WHEEL_STEP
        page.mouse.move(PHONE["width"] / 2, PHONE["height"] / 2)
        page.mouse.wheel(0, max(-WHEEL_STEP, min(WHEEL_STEP, distance)))
        page.wait_for_timeout(100)
    raise RuntimeError(f"could not scroll {control} into sight")


def _focus(page: Page, box: Locator) -> Locator:
    """Tap a text box and wait until Flutter moved its editing element there (it does so a moment after the tap)."""
    for _attempt in range(3):
        _reveal(page, box).click()
        try:
            page.wait_for_function("['INPUT', 'TEXTAREA'].includes(document.activeElement?.tagName)", timeout=2_000)
            return page.locator(":focus")
        except PlaywrightTimeout:  # tapped before the screen took taps: tap again
            continue
    raise RuntimeError("could not focus a text box")


def _timed_search(page: Page, box: Locator, prefix: str, results: Locator) -> float:
    """Seconds from the first key of ``prefix`` typed into ``box`` until ``results`` show. Now and then the browser's
    focus leaves the box a moment after the tap, before or between the keys: the box is then emptied, tapped again
    and the typing timed anew, so a lost tap does not count as a slow search (nor stop the run)."""
    for attempt in range(3):
        focused = _focus(page, box)
        if attempt:
            focused.fill("")  # whatever reached the box before the focus left
        started = time.perf_counter()
        try:
            focused.press_sequentially(prefix, timeout=FOCUS_LOST_MS)
        except PlaywrightTimeout:
            continue
        try:
            results.wait_for(state="visible")
        except PlaywrightTimeout:
            if _edited_text(page) != prefix:  # the focus left during the keys: some went nowhere, not a slow search
                continue
            raise
        return time.perf_counter() - started
    raise RuntimeError(f"could not type {prefix!r}: the search box kept losing the focus")


def _edited_text(page: Page) -> str | None:
    """The text of the box being edited now, or None when no text box has the focus."""
    text = page.evaluate(
        "['INPUT', 'TEXTAREA'].includes(document.activeElement?.tagName) ? document.activeElement.value : null"
    )
    return text if isinstance(text, str) else None


def _type(page: Page, box: Locator, text: str) -> None:
    _focus(page, box).fill(text)
    page.wait_for_timeout(SETTLE_MS)


def _step_figure(step: str, times: dict[int, StepTimes], sizes: Sizes) -> Figure:
    few, full = (Latency.of(times[clients].seconds[step]) for clients in (FEW_CLIENTS, sizes.feel_clients))
    target_ms = SIGN_IN_TARGET_S * 1000 if step == STEPS[0] else STEP_TARGET_MS
    return Figure(
        name=f"In the browser: {step}, {sizes.feel_clients:,} clients on the device",
        measured=f"median {ms(full.p50)}, p95 {ms(full.p95)}",
        baseline=f"{FEW_CLIENTS} clients on the device: median {ms(few.p50)}, p95 {ms(few.p95)}",
        ratio=f"{full.p50 / few.p50:,.1f}× (median)",
        target=f"p95 ≤ {ms(target_ms)} on both devices",
        met=full.p95 <= target_ms and few.p95 <= target_ms,
        note=f"{full.count} rounds on each device, a fresh tab each (phone size)",
    )
