"""Signing in on a device: online first, offline after that, and never at the cost of someone's unsynced work."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from unit.account_server import PASSWORDS, AccountServer

from app.store import repository
from app.store.db import DeviceDatabase
from app.store.models import AgencyRow, ClientRow, LocalAccountRow, OutboxRow, SiteRow
from app.store.repositories import SyncKey
from app.usecases.accounts import (
    FIRST_SIGN_IN_OFFLINE,
    INVALID_CREDENTIALS,
    SignInFailed,
    current_actor,
    device_info,
    sign_in,
    sign_out,
    sync_engine_factory,
)
from app.usecases.app_lock import lock_settings
from protocol.records import DEFAULT_IDLE_LOCK_MINUTES
from sync.transport import Offline, ServerError, Throttled, Unauthorized

SERVER = "https://outpost.example.org/"


@pytest.fixture
def accounts() -> AccountServer:
    return AccountServer()


@pytest.fixture
def sign_in_as(device_db: DeviceDatabase, accounts: AccountServer) -> Callable[..., Any]:
    def run(user_id: str = "wlee", password: str | None = None) -> Any:
        password = PASSWORDS[user_id] if password is None else password
        return sign_in(device_db, accounts.transport, SERVER, user_id, password, "Tablet 3")

    return run


def stored_account(db: DeviceDatabase, user_id: str = "wlee") -> LocalAccountRow | None:
    with db.reads() as tx:
        return tx.get(LocalAccountRow, user_id)


def test_the_first_sign_in_goes_to_the_server_and_remembers_the_worker(device_db, accounts, sign_in_as) -> None:
    signed_in = sign_in_as()

    assert signed_in.online
    assert (signed_in.actor.name, signed_in.actor.agency_name) == ("Wen Lee", "North Centre")
    account = stored_account(device_db)
    assert account.token == "token-1"
    assert PASSWORDS["wlee"] not in (account.password_hash, account.password_salt)
    info = device_info(device_db)
    assert (info.server_url, info.user_id, info.device_name) == ("https://outpost.example.org", "wlee", "Tablet 3")
    assert accounts.logins[0]["device_id"] == info.device_id
    assert current_actor(device_db) == signed_in.actor


def test_the_device_id_is_made_once(device_db, accounts, sign_in_as) -> None:
    sign_in_as()
    sign_in_as()

    assert accounts.logins[0]["device_id"] == accounts.logins[1]["device_id"] == device_info(device_db).device_id


def test_each_sign_in_salts_the_password_afresh(device_db, sign_in_as) -> None:
    sign_in_as()
    first = stored_account(device_db).password_hash
    sign_in_as()

    assert stored_account(device_db).password_hash != first


@pytest.mark.parametrize("failure", [Offline("no network"), ServerError("The server had a problem (502).")])
def test_after_one_online_sign_in_the_worker_can_sign_in_without_the_server(device_db, accounts, sign_in_as,
                                                                            failure) -> None:  # fmt: skip
    sign_in_as()
    sign_out(device_db, accounts.transport)
    accounts.failure = failure

    signed_in = sign_in_as()

    assert not signed_in.online
    assert signed_in.actor.user_id == "wlee"
    assert current_actor(device_db) == signed_in.actor


def test_a_wrong_password_offline_is_refused(sign_in_as, accounts) -> None:
    sign_in_as()
    accounts.failure = Offline("no network")

    with pytest.raises(SignInFailed, match=INVALID_CREDENTIALS):
        sign_in_as(password="wrong")


def age_last_contact(db: DeviceDatabase, days: int) -> None:
    """Move the worker's online sign-in and the device's last sync ``days`` into the past."""
    then = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    with db.sessions.begin() as tx:
        tx.get(LocalAccountRow, "wlee").last_contact = then
        repository.set_state(tx, SyncKey.LAST_SYNC, then)


@pytest.mark.parametrize(("agency_days", "days_away", "allowed"), [(14, 13, True), (14, 15, False), (30, 20, True)])
def test_offline_sign_in_works_only_within_the_agencys_offline_period(device_db, accounts, sign_in_as, agency_days,
                                                                     days_away, allowed) -> None:  # fmt: skip
    sign_in_as()
    with device_db.sessions.begin() as tx:
        tx.get(AgencyRow, "agency-north").offline_sign_in_days = agency_days
    sign_out(device_db, accounts.transport)
    age_last_contact(device_db, days_away)
    accounts.failure = Offline("no network")

    if allowed:
        assert sign_in_as().actor.user_id == "wlee"
    else:
        with pytest.raises(SignInFailed, match="has not reached the server for you in 14 days"):
            sign_in_as()


def test_the_agencys_idle_lock_and_offline_period_hold_from_the_sign_in_not_from_the_first_pull(
    device_db, accounts, sign_in_as
) -> None:
    accounts.agency_settings = {"idle_lock_minutes": 1, "offline_sign_in_days": 30}
    sign_in_as()
    assert lock_settings(device_db, "wlee").idle_lock_minutes == 1
    with device_db.reads() as tx:
        assert tx.get(AgencyRow, "agency-north").offline_sign_in_days == 30

    accounts.agency_settings = {}  # a server from before the settings: the defaults
    sign_in_as()
    assert lock_settings(device_db, "wlee").idle_lock_minutes == DEFAULT_IDLE_LOCK_MINUTES


def test_a_sync_counts_as_contact_and_an_online_sign_in_starts_the_period_again(device_db, accounts,
                                                                                sign_in_as) -> None:  # fmt: skip
    sign_in_as()
    sign_out(device_db, accounts.transport)
    age_last_contact(device_db, 30)
    with device_db.sessions.begin() as tx:
        repository.set_state(tx, SyncKey.LAST_SYNC, datetime.now(UTC).isoformat(timespec="seconds"))
    accounts.failure = Offline("no network")
    assert sign_in_as().actor.user_id == "wlee"

    age_last_contact(device_db, 30)
    accounts.failure = None
    sign_in_as()
    sign_out(device_db, accounts.transport)
    accounts.failure = Offline("no network")
    assert sign_in_as().actor.user_id == "wlee"


def test_the_first_sign_in_needs_a_connection(sign_in_as, accounts) -> None:
    accounts.failure = Offline("no network")

    with pytest.raises(SignInFailed, match=FIRST_SIGN_IN_OFFLINE):
        sign_in_as()


def test_a_wrong_password_online_is_refused_and_stops_working_offline(device_db, sign_in_as, accounts) -> None:
    sign_in_as()
    accounts.passwords["wlee"] = "changed by the administrator"
    with pytest.raises(SignInFailed, match=INVALID_CREDENTIALS):
        sign_in_as()
    accounts.failure = Offline("no network")

    with pytest.raises(SignInFailed, match=FIRST_SIGN_IN_OFFLINE):
        sign_in_as()


def test_too_many_attempts_says_so(sign_in_as, accounts) -> None:
    accounts.failure = Throttled("slow down", 60)

    with pytest.raises(SignInFailed, match="Too many sign-in attempts"):
        sign_in_as()


def test_an_empty_password_is_not_sent(sign_in_as, accounts) -> None:
    with pytest.raises(SignInFailed, match="Enter your user ID and password"):
        sign_in_as(password="")
    assert accounts.logins == []


def test_signing_out_revokes_the_token_and_keeps_every_record(device_db, accounts, sign_in_as, register) -> None:
    sign_in_as()
    register(id="client-9")

    sign_out(device_db, accounts.transport)

    assert accounts.logouts == ["token-1"]
    assert stored_account(device_db).token == ""
    assert current_actor(device_db) is None
    with device_db.reads() as tx:
        assert tx.get(ClientRow, "client-9") is not None
        assert len(list(tx.scalars(select(OutboxRow)))) == 1


def test_signing_out_offline_still_signs_out(device_db, accounts, sign_in_as) -> None:
    sign_in_as()
    accounts.failure = Offline("no network")

    sign_out(device_db, accounts.transport)

    assert current_actor(device_db) is None


def test_a_colleague_signs_in_while_the_previous_workers_changes_wait(device_db, sign_in_as, register) -> None:
    sign_in_as("wlee")
    register(id="client-9")

    sign_in_as("jdoe")

    assert device_info(device_db).user_id == "jdoe"
    with device_db.reads() as tx:
        assert tx.get(ClientRow, "client-9") is not None  # the agency's client, its change still Wen's to send
        assert [entry.author for entry in tx.scalars(select(OutboxRow))] == ["wlee"]


def test_a_worker_of_another_agency_waits_until_the_changes_here_reached_the_server(
    device_db, accounts, sign_in_as, register
) -> None:
    sign_in_as("wlee")
    register(id="client-9")

    with pytest.raises(SignInFailed, match=r"Changes made by Wen Lee \(wlee\) have not reached the server yet"):
        sign_in_as("tkaur")

    assert device_info(device_db).user_id == "wlee"
    assert accounts.logouts == ["token-2"]  # the token issued for the refused sign-in is not kept


def test_another_worker_starts_from_a_fresh_copy_of_the_servers_data(device_db, sign_in_as) -> None:
    sign_in_as("wlee")
    with device_db.sessions.begin() as tx:
        tx.add(SiteRow(code="N-001", name="North Library"))
        repository.set_state(tx, SyncKey.CURSOR, "abc-42")

    sign_in_as("jdoe")

    with device_db.reads() as tx:
        assert tx.get(SiteRow, "N-001") is None
        assert repository.get_state(tx, SyncKey.CURSOR) == ""
    assert current_actor(device_db).user_id == "jdoe"


def test_the_sync_engine_uses_the_current_token_and_needs_a_sign_in(device_db, accounts, sign_in_as) -> None:
    build = sync_engine_factory(device_db, accounts.transport)
    with pytest.raises(Unauthorized):
        build()

    sign_in_as()
    engine = build()

    assert engine.transport.token == "token-1"
    assert engine.transport.base_url == "https://outpost.example.org"
    assert engine.device_id == device_info(device_db).device_id
    sign_out(device_db, accounts.transport)
    with pytest.raises(Unauthorized):
        build()


def test_an_expired_token_asks_for_a_sign_in_without_calling_the_server(device_db, accounts, sign_in_as) -> None:
    sign_in_as()
    with device_db.sessions.begin() as tx:
        tx.get(LocalAccountRow, "wlee").token_expires_at = "2020-01-01T00:00:00+00:00"

    with pytest.raises(Unauthorized, match="expired"):
        sync_engine_factory(device_db, accounts.transport)()
