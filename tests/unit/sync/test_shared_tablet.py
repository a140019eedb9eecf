"""Two workers on one tablet, one at a time: each one's queued changes reach the server under their own sign-in,
and neither sees the other's sessions they are not on."""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select
from unit.account_server import PASSWORDS, AccountServer
from unit.sync.conftest import FakeServer, FakeTransport

from app.domain.sessions import ServiceForm, Session
from app.store import repository
from app.store.db import DeviceDatabase
from app.store.models import LocalAccountRow, OutboxRow
from app.usecases.accounts import sign_in, switch_worker, sync_engine_factory
from app.usecases.attention import pending_items
from app.usecases.context import Actor
from app.usecases.sessions import save_session
from sync.transport import Unauthorized

SERVER = "https://outpost.example.org"


class TokenServer(FakeServer):
    """The fake server, noting which token pushed each change, and refusing the tokens in ``refused``."""

    def __init__(self) -> None:
        super().__init__()
        self.pushed_by: dict[str, str] = {}  # record id -> token
        self.refused: set[str] = set()


class TokenTransport(FakeTransport):
    def push(self, device_id: str, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        assert isinstance(self.server, TokenServer)
        if self.token in self.server.refused:
            raise Unauthorized("Your sign-in has expired. Sign in again.")
        results = super().push(device_id, changes)
        self.server.pushed_by.update({change["id"]: str(self.token) for change in changes})
        return results


@pytest.fixture
def server() -> TokenServer:
    return TokenServer()


@pytest.fixture
def accounts() -> AccountServer:
    return AccountServer()


@pytest.fixture
def sign_in_as(device_db: DeviceDatabase, accounts: AccountServer) -> Callable[[str], Actor]:
    def run(user_id: str) -> Actor:
        return sign_in(device_db, accounts.transport, SERVER, user_id, PASSWORDS[user_id], "Tablet 3").actor

    return run


@pytest.fixture
def sync(device_db: DeviceDatabase, server: TokenServer) -> Callable[[], object]:
    """A sync as the app's runner runs it, for whoever holds the tablet."""

    def transports(server_url: str, token: str | None = None) -> TokenTransport:
        return TokenTransport(server, token)

    return lambda: sync_engine_factory(device_db, transports)().sync()


def record(db: DeviceDatabase, actor: Actor, make_session: Callable[..., Session], session_id: str) -> Session:
    """A session of the worker's own, with a private service form only its staff (the worker) may read."""
    form = ServiceForm(id=f"{session_id}-form", client_id="client-1", service_type="information_orientation",
                       services=["io_housing"], status="complete", private=True, notes="Fled in March")  # fmt: skip
    session = make_session(id=session_id, created_by=actor.user_id, staff=[actor.user_id], service_forms=[form])
    return save_session(db, actor, session)


def local_session(db: DeviceDatabase, session_id: str) -> Session | None:
    with db.reads() as tx:
        return repository.get_session(tx, session_id)


def token_of(db: DeviceDatabase, user_id: str) -> str:
    with db.reads() as tx:
        return tx.get_one(LocalAccountRow, user_id).token


def test_each_workers_queued_changes_reach_the_server_under_their_own_sign_in(
    device_db, sign_in_as, sync, server, make_session
) -> None:
    wen = sign_in_as("wlee")
    record(device_db, wen, make_session, "session-wen")
    switch_worker(device_db)
    jane = sign_in_as("jdoe")
    record(device_db, jane, make_session, "session-jane")

    sync()

    assert server.pushed_by == {"session-wen": token_of(device_db, "wlee"), "session-jane": token_of(device_db, "jdoe")}
    with device_db.reads() as tx:
        assert list(tx.scalars(select(OutboxRow))) == []


def test_a_colleague_never_sees_a_session_they_are_not_on_and_its_author_finds_it_again(
    device_db, sign_in_as, sync, make_session
) -> None:
    wen = sign_in_as("wlee")
    record(device_db, wen, make_session, "session-wen")
    switch_worker(device_db)

    sign_in_as("jdoe")

    assert local_session(device_db, "session-wen") is None
    assert pending_items(device_db) == []  # nor its change among hers
    sign_in_as("wlee")
    assert local_session(device_db, "session-wen").service_forms[0].notes == "Fled in March"


def test_a_supervisor_taking_over_sees_the_session_without_its_private_notes(
    device_db, accounts, sign_in_as, make_session
) -> None:
    wen = sign_in_as("wlee")
    record(device_db, wen, make_session, "session-wen")
    accounts.roles = {"jdoe": "supervisor"}

    sign_in_as("jdoe")

    shown = local_session(device_db, "session-wen")
    assert shown is not None and shown.service_forms[0].notes == ""
    with device_db.reads() as tx:
        [queued] = tx.scalars(select(OutboxRow))
    assert queued.payload["service_forms"][0]["notes"] == "Fled in March"  # what reaches the server is Wen's


def test_a_refused_sign_in_holds_back_only_its_authors_changes(
    device_db, sign_in_as, sync, server, make_session
) -> None:
    wen = sign_in_as("wlee")
    record(device_db, wen, make_session, "session-wen")
    server.refused.add(token_of(device_db, "wlee"))
    jane = sign_in_as("jdoe")
    record(device_db, jane, make_session, "session-jane")

    sync()  # no error for Jane: her change went

    assert list(server.pushed_by) == ["session-jane"]
    with device_db.reads() as tx:
        [waiting] = tx.scalars(select(OutboxRow))
    assert (waiting.record_id, waiting.author, waiting.attempts) == ("session-wen", "wlee", 1)
    assert token_of(device_db, "wlee") == ""  # not asked again until Wen signs in

    sign_in_as("wlee")
    sync()

    assert server.pushed_by["session-wen"] == token_of(device_db, "wlee")


def test_the_signed_in_workers_refused_sign_in_still_lets_a_colleagues_changes_go(
    device_db, sign_in_as, sync, server, make_session
) -> None:
    wen = sign_in_as("wlee")
    record(device_db, wen, make_session, "session-wen")
    jane = sign_in_as("jdoe")
    record(device_db, jane, make_session, "session-jane")
    server.refused.add(token_of(device_db, "jdoe"))

    with pytest.raises(Unauthorized):
        sync()

    assert list(server.pushed_by) == ["session-wen"]


def test_a_records_changes_go_in_the_order_they_were_made_whoever_made_them(
    device_db, accounts, sign_in_as, sync, server, make_session
) -> None:
    accounts.roles = {"jdoe": "supervisor"}
    jane = sign_in_as("jdoe")
    record(device_db, jane, make_session, "session-jane")
    wen = sign_in_as("wlee")
    record(device_db, wen, make_session, "session-wen")
    sign_in_as("jdoe")
    seen_by_jane = local_session(device_db, "session-wen")
    save_session(device_db, jane, replace(seen_by_jane, service_minutes=60))  # she corrects Wen's session

    sync()

    pushed = [[(change["id"], change["base_version"]) for change in push] for push in server.pushes]
    assert pushed == [[("session-jane", None)], [("session-wen", None)], [("session-wen", 1)]]
    assert server.record("session", "session-wen")["service_minutes"] == 60
