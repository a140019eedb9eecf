"""The console's session list over a large agency: the first page, a page deep in the list, and filtered pages (one
worker's incomplete sessions, one service type's incomplete sessions, the reportable ones, a page deep in those that
cannot be reported).

The list pages by keyset (service date, id) through an index, so a page far down the list should cost what the
first one does; each figure is a real page view (sign-in cookie, query, count, template) through the server's
HTTP interface in this process, the median of several. The baseline is the same page view of an agency with a
hundredth of the sessions: at 200,000 sessions the list should not be much slower than at 2,000.
"""

import re
import statistics
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import case, func, select

from bench.agency import AGENCY_ID, language_codes, location_codes, make_agency
from bench.measure import Figure, ms, time_each
from bench.server import sqlite_url
from bench.server_seed import seed_server
from bench.sizes import Sizes
from seed_data.synthetic import synthetic_sessions
from server import admin
from server.audit import SERVER_COMMAND_LINE
from server.browse import PagePosition
from server.db import Database
from server.main import create_app
from server.models import SessionRecord, SessionStaff

SUPERVISOR = "bench-supervisor"
PASSWORD = "bench password"
VIEWS = 15
SERVICE_TYPE = "information_orientation"
TARGET_MS = 500
DEEP_TARGET_RATIO = 2.0
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def console_figures(folder: Path, sizes: Sizes, seed: int) -> list[Figure]:
    large = _agency_url(folder, "console-large", sizes.export_clients, sizes.export_sessions, seed)
    small = _agency_url(folder, "console-small", sizes.export_clients // 100 or 1, sizes.export_sessions // 100, seed)
    small_first = _first_page_ms(small)
    app = create_app(large)
    try:
        browser = _signed_in(app)
        first = _median_ms(browser, "/console/sessions")
        deep = _median_ms(browser, _deep_page(app.state.database))
        worker = _a_worker(app.state.database)
        filtered = _median_ms(browser, f"/console/sessions?worker={worker}&complete=no")
        of_service = _median_ms(browser, f"/console/sessions?service={SERVICE_TYPE}&complete=no")
        reportable = _median_ms(browser, "/console/sessions?reportable=yes")
        deep_unreportable = _median_ms(browser, _deep_page(app.state.database, reportable=False))
        share = _reportable_share(app.state.database)
    finally:
        app.state.database.close()
    name = f"Console session list of a {sizes.export_sessions:,}-session agency (SQLite, a page of 50, with the count)"
    return [
        Figure(
            name=f"{name}: first page",
            measured=ms(first),
            baseline=f"the same page at {sizes.export_sessions // 100:,} sessions: {ms(small_first)}",
            ratio=f"{first / small_first:,.1f}×",
            target=f"≤ {TARGET_MS} ms",
            met=first <= TARGET_MS,
            note=f"median of {VIEWS} page views through HTTP",
        ),
        _beside_first(f"{name}: a page half way down the list", deep, first, deep=True,
                      note="keyset paging: the page starts where the one before ended, by index"),
        _beside_first(f"{name}: one worker's incomplete sessions", filtered, first,
                      note="the worker's session ids (staff rows) checked while walking the list's index, which "
                      "carries completeness: the count reads no stored record"),
        _beside_first(f"{name}: one service type's incomplete sessions", of_service, first,
                      note="the largest set of ids a filter makes (the forms' service type index), checked the same "
                      "way"),
        _beside_first(f"{name}: the reportable sessions", reportable, first,
                      note=f"{share:.0%} of the sessions; walks the (agency, reportable, service date, id) index"),
        _beside_first(f"{name}: a page half way down the sessions that cannot be reported", deep_unreportable, first,
                      deep=True, note="keyset paging within the filter, by the same index"),
    ]  # fmt: skip


def _beside_first(name: str, measured: float, first: float, *, note: str, deep: bool = False) -> Figure:
    """A page view compared with the first page of the same run: a deep page may cost at most a small multiple of
    it, a filtered page must meet the list's own target."""
    return Figure(
        name=name,
        measured=ms(measured),
        baseline=f"the first page: {ms(first)}",
        ratio=f"{measured / first:,.1f}×",
        target=f"≤ {DEEP_TARGET_RATIO:.0f}× the first page" if deep else f"≤ {TARGET_MS} ms",
        met=measured <= DEEP_TARGET_RATIO * first if deep else measured <= TARGET_MS,
        note=note,
    )


def _agency_url(folder: Path, name: str, clients: int, sessions: int, seed: int) -> str:
    agency = make_agency(sites=20, workers=40, clients=max(clients, 10), seed=seed)
    recorded = synthetic_sessions(
        max(sessions, 10), clients=agency.clients, agency_id=AGENCY_ID, workers=[w.user_id for w in agency.workers],
        site_codes=[s.code for s in agency.sites], language_codes=language_codes(), location_codes=location_codes(),
        seed=seed,
    )  # fmt: skip
    url = sqlite_url(folder, name)
    seed_server(url, agency.seed(list(recorded)))
    app = create_app(url)
    try:
        admin.add_worker(app.state.database, actor=SERVER_COMMAND_LINE, now=datetime.now(UTC), agency_id=AGENCY_ID,
                         user_id=SUPERVISOR, name="Bench Supervisor", role="supervisor",
                         password=lambda: PASSWORD)  # fmt: skip
    finally:
        app.state.database.close()
    return url


def _signed_in(app: object) -> TestClient:
    browser = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    token = _TOKEN.search(browser.get("/console/sign-in").text)
    assert token is not None
    answer = browser.post("/console/sign-in", data={"csrf_token": token.group(1), "user_id": SUPERVISOR,
                                                    "password": PASSWORD, "next": ""})  # fmt: skip
    if answer.status_code != 303:
        raise RuntimeError(f"the benchmark's supervisor could not sign in ({answer.status_code})")
    return browser


def _median_ms(browser: TestClient, path: str) -> float:
    def view(_: int) -> None:
        if browser.get(path).status_code != 200:
            raise RuntimeError(f"{path} did not answer 200")

    view(0)  # warm the caches once, as a supervisor's second look would
    return statistics.median(time_each(list(range(VIEWS)), view)) * 1000


def _first_page_ms(url: str) -> float:
    app = create_app(url)
    try:
        return _median_ms(_signed_in(app), "/console/sessions")
    finally:
        app.state.database.close()


def _deep_page(database: Database, *, reportable: bool | None = None) -> str:
    """The page that starts half way down the newest-first list, or down the sessions reportable or not (found once
    with an OFFSET, not measured)."""
    only = () if reportable is None else (SessionRecord.reportable == reportable,)
    with database.reading() as session:
        total = session.scalar(select(func.count()).select_from(SessionRecord).where(*only))
        middle = session.execute(
            select(SessionRecord.service_date, SessionRecord.id)
            .where(*only)
            .order_by(SessionRecord.service_date.desc(), SessionRecord.id.desc())
            .offset((total or 0) // 2)
            .limit(1)
        ).one()
    filtered = "" if reportable is None else f"reportable={'yes' if reportable else 'no'}&"
    return f"/console/sessions?{filtered}after={PagePosition(middle.service_date, middle.id).encode()}"


def _reportable_share(database: Database) -> float:
    with database.reading() as session:
        counted = select(func.count(), func.sum(case((SessionRecord.reportable, 1), else_=0)))
        total, reportable = session.execute(counted.select_from(SessionRecord)).one()
    return (reportable or 0) / (total or 1)


def _a_worker(database: Database) -> str:
    """The worker on the most sessions, for the filtered page."""
    with database.reading() as session:
        return session.execute(
            select(SessionStaff.user_id).group_by(SessionStaff.user_id).order_by(func.count().desc()).limit(1)
        ).scalar_one()
