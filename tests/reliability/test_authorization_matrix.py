"""Who may do what: every endpoint against every kind of caller, as one table, plus the promises around it.

The table says which HTTP status each caller gets from each endpoint, and for a push that gets through, what
happens to an edit of a session (and of a client) the caller did not create. Private service form notes never reach
a device whose worker is not on the session's staff, not even a supervisor's, neither through a pull nor inside a
conflict. Tokens and passwords are only ever stored hashed, and failed sign-ins are counted per user ID in the
database, so guesses spread over several server processes are refused all the same.
"""

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute
from integration.server.console_browser import ConsoleBrowser
from integration.server.server_harness import (
    API,
    NORTH,
    PASSWORD,
    SOUTH,
    ServerHarness,
    change,
    client_data,
    group_session_data,
    new_id,
    now,
    records,
)
from pg import fresh_postgres_database
from starlette.routing import Mount

from server import crud
from server.console.app import PAGES as console_pages
from server.core.config import CONSOLE_PREFIX
from server.main import create_app
from server.models import AuditEvent, ClientRecord, SessionRecord

IDENTITIES = (
    "no_token",
    "malformed",
    "expired",
    "revoked",
    "deactivated",
    "other_agency",
    "not_on_session",
    "staff",
    "supervisor",
)

# One column per identity, in the order above.
EXPECTED_STATUS = {
    "health": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "login": (200, 200, 200, 200, 401, 200, 200, 200, 200),
    "logout": (401, 401, 204, 204, 204, 204, 204, 204, 204),
    "push": (401, 401, 401, 401, 200, 200, 200, 200, 200),
    "pull": (401, 401, 401, 401, 401, 200, 200, 200, 200),
}
# What a push that gets through does to an edit of the session (created by wlee, staff wlee and ajones) and to an
# edit of a client wlee registered.
# A deactivated worker's device still delivers what it holds (with a sign-in from before the deactivation), under
# the same rules as anyone's.
SESSION_EDIT = {"deactivated": "rejected", "other_agency": "rejected", "not_on_session": "rejected", "staff": "applied",
                "supervisor": "applied"}  # fmt: skip
CLIENT_EDIT = {"deactivated": "applied", "other_agency": "rejected", "not_on_session": "applied", "staff": "applied",
               "supervisor": "applied"}  # fmt: skip
SEES_SESSION = {"other_agency": False, "not_on_session": False, "staff": True, "supervisor": True}
SEES_PRIVATE_NOTES = {"staff": True, "supervisor": False}

# Whose user ID each identity signs in with; the token kinds belong to wlee, the session's creator.
USER_OF = {
    "no_token": "wlee",
    "malformed": "wlee",
    "expired": "wlee",
    "revoked": "wlee",
    "deactivated": "gone",
    "other_agency": "zsouth",
    "not_on_session": "bnot",
    "staff": "ajones",
    "supervisor": "sboss",
}
# Authorization headers that are not "Bearer <token>" at all.
MALFORMED_HEADERS = ("Basic d2xlZTpjb3JyZWN0IGhvcnNl", "Bearer", "Token abc123", "bearer-abc123")
SECRET = "Private: the client disclosed a safety concern at home."
PUBLIC = "Shared: brought the lease to read together."
CELLS = [(endpoint, identity) for endpoint in EXPECTED_STATUS for identity in IDENTITIES]


@dataclass
class MatrixWorld:
    """The north agency with a session and a client per identity (so each cell edits its own), and the south one."""

    server: ServerHarness
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)

    def headers_variants(self, identity: str) -> list[dict[str, str]]:
        """The Authorization headers this identity sends (several for "malformed"), made fresh for each cell."""
        if identity == "no_token":
            return [{}]
        if identity == "malformed":
            return [{"Authorization": value} for value in MALFORMED_HEADERS]
        if identity == "expired":
            return [_bearer(self.expired_token())]
        if identity == "revoked":
            headers = self.server.login("wlee")
            assert self.server.client.post(f"{API}/auth/logout", headers=headers).status_code == 204
            return [headers]
        if identity == "deactivated":
            return [_bearer(self.issued_token("gone", now()))]
        return [self.server.login(USER_OF[identity])]

    def expired_token(self) -> str:
        """A token of wlee's issued 31 days ago with the standard 30-day lifetime."""
        return self.issued_token("wlee", now() - timedelta(days=31))

    def issued_token(self, user_id: str, issued_at: datetime) -> str:
        """A token of ``user_id``'s issued at ``issued_at`` with the standard 30-day lifetime (a fresh one for each
        cell: a sign-out or a refused pull ends the token it is given)."""
        with self.server.db.writing() as session:
            worker = crud.get_worker(session, user_id=user_id)
            assert worker is not None
            token, _ = crud.issue_token(
                session,
                worker=worker,
                device_id=self.server.device_id,
                device_name="Old tablet",
                now=issued_at,
                lifetime=timedelta(days=30),
            )
        return token

    def stored_session(self, session_id: str) -> tuple[int, dict[str, Any]]:
        """The session's version and record as the server holds them (private notes included)."""
        with self.server.db.reading() as session:
            row = session.get(SessionRecord, session_id)
            assert row is not None
            return row.version, row.record

    def stored_client_version(self, client_id: str) -> int:
        with self.server.db.reading() as session:
            row = session.get(ClientRecord, client_id)
            assert row is not None
            return row.version


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _session_with_private_notes(staff: list[str]) -> dict[str, Any]:
    """A group session by wlee with one private service form (SECRET) and one shared one (PUBLIC)."""
    data = group_session_data(staff)
    private_form = data["service_forms"][0] | {"private": True, "notes": SECRET}
    shared_form = private_form | {"id": new_id(), "client_id": new_id(), "private": False, "notes": PUBLIC}
    return data | {"service_forms": [private_form, shared_form]}


@pytest.fixture(scope="module")
def matrix_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MatrixWorld]:
    database_url = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'server.sqlite3'}"
    server = ServerHarness(create_app(database_url))
    server.add_two_agencies()
    server.add_worker(NORTH, "bnot")
    server.add_worker(NORTH, "gone")
    world = MatrixWorld(server=server)
    creator = server.login("wlee")
    for identity in IDENTITIES:
        world.sessions[identity] = _session_with_private_notes(["wlee", "ajones"])
        world.clients[identity] = client_data()
        results = server.push(
            creator, change("session", world.sessions[identity]), change("client", world.clients[identity])
        )
        assert [result["status"] for result in results] == ["applied", "applied"], results
    server.deactivate_worker("gone")
    yield world
    server.db.close()


def _call(world: MatrixWorld, endpoint: str, identity: str, headers: dict[str, str]) -> httpx.Response:
    client = world.server.client
    if endpoint == "health":
        return client.get(f"{API}/health", headers=headers)
    if endpoint == "login":
        body = {"user_id": USER_OF[identity], "password": PASSWORD, "device_id": world.server.device_id}
        return client.post(f"{API}/auth/login", headers=headers, json=body)
    if endpoint == "logout":
        return client.post(f"{API}/auth/logout", headers=headers)
    if endpoint == "push":
        return client.post(f"{API}/sync/push", headers=headers, json=_push_body(world, identity))
    return client.get(f"{API}/sync/pull", headers=headers, params={"limit": 5000})


def _push_body(world: MatrixWorld, identity: str) -> dict[str, Any]:
    """This identity's edit of its own cell's session and client, both based on version 1."""
    session = world.sessions[identity] | {"notes": f"Edited by {identity}"}
    client = world.clients[identity] | {"preferred_name": f"Edited by {identity}"}
    if identity == "other_agency":  # claiming the north records for the south agency
        session = session | {"agency_id": SOUTH}
        client = client | {"agency_id": SOUTH}
    if identity == "supervisor":  # a supervisor's device holds the private notes blanked, as it pulled them
        session["service_forms"] = [
            form | {"notes": ""} if form["private"] else form for form in session["service_forms"]
        ]
    return {
        "device_id": world.server.device_id,
        "changes": [change("session", session, base_version=1), change("client", client, base_version=1)],
    }


@pytest.mark.parametrize(("endpoint", "identity"), CELLS, ids=[f"{e}-{i}" for e, i in CELLS])
def test_authorization_matrix(matrix_world: MatrixWorld, endpoint: str, identity: str) -> None:
    expected = EXPECTED_STATUS[endpoint][IDENTITIES.index(identity)]
    for headers in matrix_world.headers_variants(identity):
        response = _call(matrix_world, endpoint, identity, headers)
        assert response.status_code == expected, (headers, response.text)
        if expected == 401 and endpoint != "login":
            assert response.headers["WWW-Authenticate"] == "Bearer"
        _check_cell_outcome(matrix_world, endpoint, identity, headers, response)
    if endpoint == "push" and expected == 401:
        assert matrix_world.stored_session(matrix_world.sessions[identity]["id"])[0] == 1
        assert matrix_world.stored_client_version(matrix_world.clients[identity]["id"]) == 1


def _check_cell_outcome(
    world: MatrixWorld, endpoint: str, identity: str, headers: dict[str, str], response: httpx.Response
) -> None:
    if response.status_code not in (200, 204):
        return
    if endpoint == "login":
        body = response.json()
        assert body["worker"]["user_id"] == USER_OF[identity]
        assert body["agency"]["id"] == (SOUTH if identity == "other_agency" else NORTH)
        assert world.server.client.get(f"{API}/sync/pull", headers=_bearer(body["token"])).status_code == 200
    elif endpoint == "logout" and identity in SEES_SESSION:
        assert world.server.client.get(f"{API}/sync/pull", headers=headers).status_code == 401
    elif endpoint == "push":
        _check_push_outcome(world, identity, response.json()["results"])
    elif endpoint == "pull":
        _check_pull_outcome(world, identity, response)


def _check_push_outcome(world: MatrixWorld, identity: str, results: list[dict[str, Any]]) -> None:
    session_result, client_result = results
    assert (session_result["status"], client_result["status"]) == (SESSION_EDIT[identity], CLIENT_EDIT[identity])
    version, record = world.stored_session(world.sessions[identity]["id"])
    if SESSION_EDIT[identity] == "applied":
        assert (version, record["notes"]) == (2, f"Edited by {identity}")
    else:
        assert (version, record["notes"]) == (1, "")
        assert session_result["current"] is None
    assert [form["notes"] for form in record["service_forms"]] == [SECRET, PUBLIC]  # never wiped by an edit
    assert world.stored_client_version(world.clients[identity]["id"]) == (
        2 if CLIENT_EDIT[identity] == "applied" else 1
    )


def _check_pull_outcome(world: MatrixWorld, identity: str, response: httpx.Response) -> None:
    body = response.json()
    assert body["has_more"] is False
    sessions = records(body["changes"], "session")
    assert set(sessions) == ({data["id"] for data in world.sessions.values()} if SEES_SESSION[identity] else set())
    assert bool(records(body["changes"], "client")) is (identity != "other_agency")
    if SEES_SESSION[identity]:
        shown_notes = [form["notes"] for form in sessions[world.sessions[identity]["id"]]["service_forms"]]
        assert shown_notes == ([SECRET, PUBLIC] if SEES_PRIVATE_NOTES[identity] else ["", PUBLIC])
    assert (SECRET in response.text) is SEES_PRIVATE_NOTES.get(identity, False)


# --- private notes ---------------------------------------------------------------------------------------------------


def test_private_notes_reach_only_devices_of_the_sessions_staff(two_agency_world: ServerHarness) -> None:
    """The creator is not on this session's staff, so only ajones may read the private notes."""
    server = two_agency_world
    tokens = {user: server.login(user) for user in ("wlee", "ajones", "bnot", "sboss", "zsouth")}
    data = _session_with_private_notes(["ajones"])
    assert server.push_one(tokens["wlee"], change("session", data))["status"] == "applied"
    assert server.push_one(tokens["ajones"], change("session", data | {"notes": "v2"}, base_version=1))["version"] == 2

    for user, headers in tokens.items():
        pulled = server.client.get(f"{API}/sync/pull", headers=headers, params={"limit": 5000})
        assert (SECRET in pulled.text) is (user == "ajones"), user
        stale_edit = server.client.post(
            f"{API}/sync/push",
            headers=headers,
            json={"device_id": server.device_id, "changes": [change("session", data, base_version=1)]},
        )
        assert (SECRET in stale_edit.text) is (user == "ajones"), user
        result = stale_edit.json()["results"][0]
        if user in ("wlee", "ajones", "sboss"):
            assert result["status"] == "conflict"
            shown = [form["notes"] for form in result["current"]["service_forms"]]
            assert shown == ([SECRET, PUBLIC] if user == "ajones" else ["", PUBLIC])
        else:
            assert (result["status"], result["current"]) == ("rejected", None)


@pytest.fixture
def two_agency_world(tmp_path: Path) -> Iterator[ServerHarness]:
    """A fresh SQLite server with the north (wlee, ajones, bnot, supervisor sboss) and south (zsouth) agencies."""
    server = ServerHarness(create_app(f"sqlite:///{tmp_path / 'server.sqlite3'}"))
    server.add_two_agencies()
    server.add_worker(NORTH, "bnot")
    yield server
    server.db.close()


# --- secrets at rest -------------------------------------------------------------------------------------------------


def test_tokens_and_passwords_are_stored_only_hashed(two_agency_world: ServerHarness, tmp_path: Path) -> None:
    server = two_agency_world
    response = server.login_response("wlee")
    token = response.json()["token"]
    assert server.login_response("ajones", "a wrong guess 4321").status_code == 401
    headers = _bearer(token)
    assert server.push_one(headers, change("client", client_data()))["status"] == "applied"
    assert server.client.get(f"{API}/sync/pull", headers=headers).status_code == 200

    stored = _every_stored_value(tmp_path / "server.sqlite3")
    secrets = (token, PASSWORD, "a wrong guess 4321")
    assert not [value for value in stored for secret in secrets if secret in value]
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert all(
        value.startswith("$argon2id$") for value in _column(tmp_path / "server.sqlite3", "worker", "password_hash")
    )
    raw_files = b"".join(path.read_bytes() for path in tmp_path.glob("server.sqlite3*"))
    for secret in secrets:
        assert secret.encode() not in raw_files  # nor in the WAL, nor in freed pages


def _every_stored_value(database: Path) -> set[str]:
    """Every value of every column of every table, as text."""
    with sqlite3.connect(database) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = [row for table in tables for row in connection.execute(f'SELECT * FROM "{table}"')]
    return {str(value) for row in rows for value in row}


def _column(database: Path, table: str, column: str) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [value for (value,) in connection.execute(f'SELECT "{column}" FROM "{table}"')]


# --- throttling across processes -------------------------------------------------------------------------------------


def _failures_split_over_two_processes_lock_the_user_id(database_url: str) -> None:
    """Five wrong passwords for wlee, alternating between two server apps on one database, lock wlee on both."""
    first = ServerHarness(create_app(database_url))
    second = ServerHarness(create_app(database_url))
    try:
        first.add_two_agencies()
        for attempt in range(5):
            process = (first, second)[attempt % 2]
            assert process.login_response("wlee", f"guess {attempt}").status_code == 401
        for process in (first, second):
            refused = process.login_response("wlee", PASSWORD)
            assert refused.status_code == 429
            assert 0 < int(refused.headers["Retry-After"]) <= 300
        assert second.login_response("ajones").status_code == 200  # another user ID is not affected
    finally:
        first.db.close()
        second.db.close()


def test_failed_sign_ins_are_throttled_across_processes_on_sqlite(tmp_path: Path) -> None:
    _failures_split_over_two_processes_lock_the_user_id(f"sqlite:///{tmp_path / 'server.sqlite3'}")


@pytest.mark.postgres
def test_failed_sign_ins_are_throttled_across_processes_on_postgresql() -> None:
    with fresh_postgres_database("outpost_reliability_throttle") as database_url:
        _failures_split_over_two_processes_lock_the_user_id(database_url)


# --- the console: every route against every kind of reader ----------------------------------------------------------

CONSOLE_READERS = ("anonymous", "worker", "supervisor", "administrator", "other_agency_admin")
CONSOLE_USER = {"worker": "wlee", "supervisor": "sboss", "administrator": "nadmin", "other_agency_admin": "sadmin"}
_TO_SIGN_IN = 303  # the reader is sent to the sign-in page, then back
# One row per console route (method, path pattern) and what each reader gets, in CONSOLE_READERS order. Forms are
# sent with the reader's own valid CSRF token; the values sent are refused ones (400) where the action would
# otherwise change what other cells rely on, so each cell is about who may act, not about what the action does.
CONSOLE_EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    ("GET", "/console/sign-in"): (200, 200, 200, 200, 200),
    ("POST", "/console/sign-in"): (401, 401, 401, 401, 401),
    ("POST", "/console/sign-out"): (_TO_SIGN_IN, 303, 303, 303, 303),
    ("POST", "/console/language"): (303, 303, 303, 303, 303),
    ("GET", "/console/"): (_TO_SIGN_IN, 200, 200, 200, 200),
    ("GET", "/console/audit"): (_TO_SIGN_IN, 200, 200, 200, 200),
    ("GET", "/console/sessions"): (_TO_SIGN_IN, 403, 200, 200, 200),
    ("GET", "/console/sessions/{session_id}"): (_TO_SIGN_IN, 403, 200, 200, 404),
    ("GET", "/console/clients/{client_id}"): (_TO_SIGN_IN, 403, 200, 200, 404),
    ("GET", "/console/duplicates"): (_TO_SIGN_IN, 403, 200, 200, 200),
    ("GET", "/console/clients/merge"): (_TO_SIGN_IN, 403, 200, 200, 400),
    ("POST", "/console/clients/merge"): (_TO_SIGN_IN, 403, 400, 400, 400),
    ("GET", "/console/reports"): (_TO_SIGN_IN, 403, 200, 200, 200),
    ("POST", "/console/reports/export"): (_TO_SIGN_IN, 403, 400, 400, 400),
    ("GET", "/console/workers"): (_TO_SIGN_IN, 403, 403, 200, 200),
    ("GET", "/console/workers/new"): (_TO_SIGN_IN, 403, 403, 200, 200),
    ("POST", "/console/workers"): (_TO_SIGN_IN, 403, 403, 400, 400),
    ("GET", "/console/workers/{user_id}"): (_TO_SIGN_IN, 403, 403, 200, 404),
    ("POST", "/console/workers/{user_id}/role"): (_TO_SIGN_IN, 403, 403, 400, 404),
    ("POST", "/console/workers/{user_id}/password"): (_TO_SIGN_IN, 403, 403, 200, 404),
    ("POST", "/console/workers/{user_id}/deactivate"): (_TO_SIGN_IN, 403, 403, 303, 404),
    ("GET", "/console/sites"): (_TO_SIGN_IN, 403, 403, 200, 200),
    ("POST", "/console/sites"): (_TO_SIGN_IN, 403, 403, 400, 400),
    ("POST", "/console/sites/import"): (_TO_SIGN_IN, 403, 403, 400, 400),
    ("GET", "/console/sites/{code}"): (_TO_SIGN_IN, 403, 403, 200, 404),
    ("POST", "/console/sites/{code}"): (_TO_SIGN_IN, 403, 403, 400, 404),
    ("POST", "/console/sites/{code}/close"): (_TO_SIGN_IN, 403, 403, 303, 404),
    ("GET", "/console/devices"): (_TO_SIGN_IN, 403, 403, 200, 200),
    ("GET", "/console/devices/{device_id}"): (_TO_SIGN_IN, 403, 403, 200, 404),
    ("POST", "/console/devices/{device_id}/revoke"): (_TO_SIGN_IN, 403, 403, 400, 404),
    ("GET", "/console/settings"): (_TO_SIGN_IN, 403, 403, 200, 200),
    ("POST", "/console/settings"): (_TO_SIGN_IN, 403, 403, 400, 400),
    ("GET", "/console/reference"): (_TO_SIGN_IN, 403, 403, 200, 200),
    ("POST", "/console/reference"): (_TO_SIGN_IN, 403, 403, 400, 400),
}
CONSOLE_CELLS = [(route, reader) for route in CONSOLE_EXPECTED for reader in CONSOLE_READERS]


@dataclass
class ConsoleWorld:
    server: ServerHarness
    paths: dict[str, str]  # the path parameters: a north session, client, worker, site and device
    query: dict[str, str]  # the merge page's two clients
    browsers: dict[str, ConsoleBrowser] = field(default_factory=dict)

    def browser(self, reader: str, *, fresh: bool = False) -> ConsoleBrowser:
        """The reader's browser (signed in unless anonymous); ``fresh`` for a cell that signs it out."""
        if fresh or reader not in self.browsers:
            browser = ConsoleBrowser(self.server.app)
            if reader != "anonymous":
                browser.signed_in_as(CONSOLE_USER[reader], PASSWORD)
            if fresh:
                return browser
            self.browsers[reader] = browser
        return self.browsers[reader]


@pytest.fixture(scope="module")
def console_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleWorld]:
    database_url = f"sqlite:///{tmp_path_factory.mktemp('console-matrix') / 'server.sqlite3'}"
    server = ServerHarness(create_app(database_url))
    server.add_two_agencies()
    server.add_worker(NORTH, "nadmin", role="administrator")
    server.add_worker(NORTH, "target")  # whose password is reset and who is deactivated
    server.add_worker(SOUTH, "sadmin", role="administrator")
    headers = server.login("wlee")
    first, second = client_data(), client_data(first_name="AMAL")
    visit = group_session_data(["wlee"])
    visit["service_forms"][0]["client_id"] = first["id"]
    results = server.push(headers, change("client", first), change("client", second), change("session", visit))
    assert {result["status"] for result in results} == {"applied"}
    paths = {"session_id": visit["id"], "client_id": first["id"], "user_id": "target", "code": "N-002",
             "device_id": server.device_id}  # fmt: skip
    yield ConsoleWorld(server=server, paths=paths, query={"keep": first["id"], "merge": second["id"]})
    server.db.close()


def _console_form(route: tuple[str, str], world: ConsoleWorld) -> dict[str, Any]:
    """What the cell's form sends besides its token: refused values where the action would change shared state."""
    path = route[1]
    if path == "/console/sign-in":
        return {"data": {"user_id": "nobody-at-all", "password": "not a password"}}
    if path == "/console/language":
        return {"data": {"language": "en", "next": "/console/"}}
    if path == "/console/clients/merge":
        return {"data": {"keep": world.query["keep"], "merge": world.query["keep"]}}  # the same client twice
    if path == "/console/reports/export":
        return {"data": {"month": "not a month"}}
    if path == "/console/sites/import":
        return {"files": {"file": ("sites.csv", b"not,a,site,file\n", "text/csv")}}
    return {"data": {}}  # every other form refuses empty fields (or, for the three actions, acts on "target")


def _console_call(world: ConsoleWorld, route: tuple[str, str], reader: str) -> httpx.Response:
    method, pattern = route
    browser = world.browser(reader, fresh=pattern == "/console/sign-out")
    path = pattern.format(**world.paths)
    if method == "GET":
        params = world.query if pattern == "/console/clients/merge" else None
        return browser.client.get(path, params=params)
    token = browser.token("/sign-in" if reader == "anonymous" else "/audit")
    form = _console_form(route, world)
    return browser.client.post(path, data={"csrf_token": token, **form.get("data", {})}, files=form.get("files"))


@pytest.mark.parametrize(("route", "reader"), CONSOLE_CELLS, ids=[f"{m} {p}-{r}" for (m, p), r in CONSOLE_CELLS])
def test_console_authorization_matrix(console_world: ConsoleWorld, route: tuple[str, str], reader: str) -> None:
    expected = CONSOLE_EXPECTED[route][CONSOLE_READERS.index(reader)]
    response = _console_call(console_world, route, reader)
    assert response.status_code == expected, response.text[:500]
    if expected == _TO_SIGN_IN and reader == "anonymous" and route[1] != "/console/language":
        assert response.headers["location"].startswith("/console/sign-in")
    if expected == 403:
        assert "does not give access" in response.text or "Nothing was changed" in response.text


def test_the_console_matrix_covers_every_console_route(console_world: ConsoleWorld) -> None:
    """Read from the whole server application, not from the console's own routers, so a page added under
    ``/console/`` anywhere (on the app itself, or by a router left out of ``PAGES``) fails here until it has a row."""
    routes: set[tuple[str, str]] = set()
    for route in _served_routes(console_world.server.app):
        path = getattr(route, "path", None) or ""
        if path != CONSOLE_PREFIX and not path.startswith(CONSOLE_PREFIX + "/"):
            continue
        if isinstance(getattr(route, "original_route", route), Mount):
            assert path == f"{CONSOLE_PREFIX}/static", path  # the stylesheet, the only thing served without a page
            continue
        routes |= {(method, path) for method in getattr(route, "methods", None) or {"ANY"}}
    assert routes == set(CONSOLE_EXPECTED)
    routed = {(method, CONSOLE_PREFIX + route.path) for pages in console_pages for route in pages.routes
              if isinstance(route, APIRoute) for method in route.methods}  # fmt: skip
    assert routed <= routes  # and every page the console's routers declare is reachable on the app


def _served_routes(app: FastAPI) -> list[Any]:
    """Every route the application serves, with its full path. FastAPI 0.16x keeps an included router as one
    branch of ``app.routes`` and flattens the branches with ``iter_route_contexts``; before that, ``app.routes`` was
    already flat."""
    flatten = getattr(fastapi_routing, "iter_route_contexts", None)
    return list(flatten(app.routes)) if flatten else list(app.routes)


@pytest.mark.parametrize("route", [route for route in CONSOLE_EXPECTED if route[0] == "POST"], ids=str)
def test_every_console_form_refuses_a_post_without_the_readers_token(
    console_world: ConsoleWorld, route: tuple[str, str]
) -> None:
    """Even the administrator's own browser: a form that did not come from a console page changes nothing."""
    browser = console_world.browser("administrator")
    path = route[1].format(**console_world.paths)
    # Another reader's token, taken before counting: the supervisor's first page signs them in, which is audited.
    someone_elses = console_world.browser("supervisor").token("/audit")
    before = _audit_count(console_world.server)
    for token in (None, "f" * 64, someone_elses):
        data = {"csrf_token": token} if token else {}
        assert browser.client.post(path, data=data).status_code == 403
    assert _audit_count(console_world.server) == before


def _audit_count(server: ServerHarness) -> int:
    with server.db.reading() as session:
        return session.query(AuditEvent).count()
