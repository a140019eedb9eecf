"""The device database at rest: every file under the data folder is ciphertext, only the data key opens it, and a
store from before encryption is encrypted in place without losing a queued change."""

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from files_on_disk import files_holding
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from unit.account_server import PASSWORDS, AccountServer

from app.domain.clients import Client
from app.store import encryption
from app.store.db import DB_FILENAME, DeviceDatabase, StoreClosed
from app.store.device import DeviceStore
from app.store.keyring import KdfParams, new_data_key
from app.store.models import OutboxRow
from app.store.settings import DEVICE_ID, LANGUAGE, SERVER_URL, SETTINGS_FILENAME
from app.usecases.accounts import SignedIn, SignInFailed, device_info, sign_in, sign_out
from app.usecases.clients import load_client, register_client, search_clients
from app.usecases.context import Actor
from app.usecases.device import Device
from app.usecases.device_sign_in import sign_in_on_device
from sync.transport import DeviceRevoked, Offline

# A name no test data or dictionary holds, so finding it on disk can only mean a leak.
DISTINCTIVE = "Quenbrzetha"


def register(db: DeviceDatabase, worker: Actor, make_client: Callable[..., Client]) -> str:
    draft = make_client(id="", first_name=DISTINCTIVE, last_name="Ostrowa", phone="")
    registration = register_client(db, worker, draft, ignore_duplicates=True)
    assert registration.client is not None
    return registration.client.id


def test_no_file_holds_client_data_and_only_the_key_opens_the_store(tmp_path: Path, worker: Actor, make_client) -> None:
    key = new_data_key()
    db = DeviceDatabase(tmp_path / DB_FILENAME, key=key)
    client_id = register(db, worker, make_client)  # the client row, its search terms and the outbox entry
    assert files_holding(tmp_path, DISTINCTIVE) == []  # WAL and shared memory included, while open
    db.close()

    assert files_holding(tmp_path, DISTINCTIVE) == []
    assert not encryption.is_plain(tmp_path / DB_FILENAME)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(tmp_path / DB_FILENAME).execute("SELECT * FROM client").fetchall()
    with pytest.raises(encryption.WrongKey):
        DeviceDatabase(tmp_path / DB_FILENAME, key=new_data_key())
    reopened = DeviceDatabase(tmp_path / DB_FILENAME, key=key)
    assert [found.id for found in search_clients(reopened, DISTINCTIVE[:4])] == [client_id]
    reopened.close()


def test_a_store_from_before_is_encrypted_in_place_with_its_queued_changes(
    tmp_path: Path, worker: Actor, make_client
) -> None:
    plain = DeviceDatabase(tmp_path / DB_FILENAME)
    client_id = register(plain, worker, make_client)
    plain.close()
    assert encryption.is_plain(tmp_path / DB_FILENAME) and files_holding(tmp_path, DISTINCTIVE)

    key = new_data_key()
    encryption.encrypt_in_place(tmp_path / DB_FILENAME, key)

    assert sorted(path.name for path in tmp_path.iterdir()) == [DB_FILENAME]
    assert files_holding(tmp_path, DISTINCTIVE) == []
    encrypted = DeviceDatabase(tmp_path / DB_FILENAME, key=key)
    assert load_client(encrypted, client_id).first_name == DISTINCTIVE
    assert encrypted_outbox(encrypted) == [client_id]
    encrypted.close()


def encrypted_outbox(db: DeviceDatabase) -> list[str]:
    with db.reads() as tx:
        return [row.record_id for row in tx.query(OutboxRow).all()]


def test_an_encryption_cut_short_is_undone_or_completed_at_the_next_try(tmp_path: Path, worker, make_client) -> None:
    path = tmp_path / DB_FILENAME
    plain = DeviceDatabase(path)
    client_id = register(plain, worker, make_client)
    plain.close()
    key = new_data_key()

    (tmp_path / f"{DB_FILENAME}.encrypting").write_bytes(os.urandom(4096))  # cut while writing the copy
    encryption.finish_interrupted_encryption(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_FILENAME] and encryption.is_plain(path)

    encryption.encrypt_in_place(path, key)  # now cut between the two renames: the plain file set aside
    os.replace(path, tmp_path / f"{DB_FILENAME}.encrypting")
    (tmp_path / f"{DB_FILENAME}.plain").write_bytes(DISTINCTIVE.encode())
    encryption.finish_interrupted_encryption(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_FILENAME]
    assert files_holding(tmp_path, DISTINCTIVE) == []
    reopened = DeviceDatabase(path, key=key)
    assert load_client(reopened, client_id).first_name == DISTINCTIVE
    reopened.close()


# --- the app's store: opened encrypted by a sign-in ------------------------------------------------------------------

FAST_KDF = KdfParams(time_cost=1, memory_cost=8, parallelism=1)  # the real cost is in `make bench`, not here
SERVER = "https://outpost.example.org"


@pytest.fixture
def accounts() -> AccountServer:
    return AccountServer()


def restarted(folder: Path) -> DeviceStore:
    """The device's data folder as the app finds it when it starts: the store closed."""
    return DeviceStore(folder, kdf=FAST_KDF)


def sign_in_here(store: DeviceStore, accounts: AccountServer, password: str = PASSWORDS["wlee"]) -> SignedIn:
    return sign_in_on_device(store, accounts.transport, SERVER, "wlee", password, "Tablet 3")


def register_as_signed_in(store: DeviceStore, accounts: AccountServer, make_client: Callable[..., Client]) -> str:
    actor = sign_in_here(store, accounts).actor
    return register(open_store(store), actor, make_client)


def open_store(store: DeviceStore) -> DeviceDatabase:
    assert store.database is not None, "the sign-in did not open the store"
    return store.database


def test_a_sign_in_opens_the_store_encrypted_and_no_file_holds_what_is_saved(tmp_path: Path, accounts, make_client):
    store = restarted(tmp_path)
    assert store.database is None  # the sign-in screen needs no client data

    signed = sign_in_here(store, accounts)
    register(open_store(store), signed.actor, make_client)
    assert files_holding(tmp_path, DISTINCTIVE) == []  # the write-ahead log included, while open
    store.close()

    assert files_holding(tmp_path, DISTINCTIVE) == []
    assert not encryption.is_plain(tmp_path / DB_FILENAME)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(tmp_path / DB_FILENAME).execute("SELECT * FROM client").fetchall()


def test_a_restarted_app_opens_the_store_only_with_the_workers_password(tmp_path: Path, accounts, make_client):
    store = restarted(tmp_path)
    client_id = register_as_signed_in(store, accounts, make_client)
    store.close()
    accounts.failure = Offline("no network")

    after_restart = restarted(tmp_path)
    assert after_restart.database is None
    assert after_restart.settings.get(SERVER_URL) == SERVER  # offered on the sign-in screen
    for wrong in ("not the password", PASSWORDS["jdoe"]):
        with pytest.raises(SignInFailed, match="Invalid user ID or password"):
            sign_in_here(after_restart, accounts, wrong)
        assert after_restart.database is None
    signed = sign_in_here(after_restart, accounts)

    assert not signed.online
    assert load_client(open_store(after_restart), client_id).first_name == DISTINCTIVE
    after_restart.close()
    accounts.failure = None  # online, the server's device key opens it as well
    online = restarted(tmp_path)
    assert sign_in_here(online, accounts).online
    assert load_client(open_store(online), client_id).first_name == DISTINCTIVE
    online.close()


def test_a_password_the_server_refuses_no_longer_opens_the_store_offline(tmp_path: Path, accounts, make_client):
    store = restarted(tmp_path)
    client_id = register_as_signed_in(store, accounts, make_client)
    store.close()
    accounts.passwords["wlee"] = "changed by the administrator"

    after_restart = restarted(tmp_path)
    with pytest.raises(SignInFailed, match="Invalid user ID or password"):
        sign_in_here(after_restart, accounts)  # the old password, refused by the server
    accounts.failure = Offline("no network")
    with pytest.raises(SignInFailed, match="needs a connection"):
        sign_in_here(after_restart, accounts)
    assert after_restart.database is None

    accounts.failure = None
    sign_in_here(after_restart, accounts, "changed by the administrator")
    after_restart.close()
    accounts.failure = Offline("no network")
    offline = restarted(tmp_path)
    sign_in_here(offline, accounts, "changed by the administrator")  # its wrap was made afresh online
    assert load_client(open_store(offline), client_id).first_name == DISTINCTIVE
    offline.close()


@pytest.mark.parametrize("online", [True, False], ids=["online", "offline"])
def test_a_plain_store_from_before_is_encrypted_at_the_first_sign_in_with_every_record_and_change(
    tmp_path: Path, accounts, make_client, online: bool
) -> None:
    plain = DeviceDatabase(tmp_path / DB_FILENAME)  # as the earlier version left it: signed in, work queued
    actor = sign_in(plain, accounts.transport, SERVER, "wlee", PASSWORDS["wlee"], "Tablet 3").actor
    remember_french = "INSERT INTO sync_state (key, value) VALUES ('language', 'fr_CA')"
    with plain.sessions.begin() as tx:
        tx.execute(text(remember_french))
    clients = [register(plain, actor, make_client) for _ in range(3)]
    queued = encrypted_outbox(plain)
    device_id = device_info(plain).device_id
    plain.close()

    store = restarted(tmp_path)
    assert (store.settings.get(DEVICE_ID), store.settings.get(LANGUAGE)) == (device_id, "fr_CA")
    assert store.settings.get(SERVER_URL) == SERVER
    if not online:
        accounts.failure = Offline("no network")
    assert sign_in_here(store, accounts).online is online
    store.close()

    assert not encryption.is_plain(tmp_path / DB_FILENAME)
    assert files_holding(tmp_path, DISTINCTIVE) == []
    accounts.failure = Offline("no network")
    again = restarted(tmp_path)
    sign_in_here(again, accounts)
    db = open_store(again)
    assert [load_client(db, client_id).id for client_id in clients] == clients
    assert encrypted_outbox(db) == queued and len(queued) == len(clients)
    assert device_info(db).device_id == device_id
    again.close()


def test_a_device_revoked_at_sign_in_shreds_its_store_and_keeps_only_its_id(tmp_path: Path, accounts, make_client):
    store = restarted(tmp_path)
    register_as_signed_in(store, accounts, make_client)
    device_id = store.settings.get(DEVICE_ID)
    accounts.failure = DeviceRevoked("device_revoked")

    with pytest.raises(SignInFailed, match="reported lost"):
        sign_in_here(store, accounts)

    assert store.database is None
    assert sorted(path.name for path in tmp_path.iterdir()) == [SETTINGS_FILENAME]
    assert restarted(tmp_path).settings.get(DEVICE_ID) == device_id


def test_upgrading_never_costs_another_workers_queued_work(tmp_path: Path, accounts, make_client) -> None:
    plain = DeviceDatabase(tmp_path / DB_FILENAME)  # a shared tablet before the upgrade: Jane signed in once
    sign_in(plain, accounts.transport, SERVER, "jdoe", PASSWORDS["jdoe"], "Tablet 3")
    sign_out(plain, accounts.transport)
    wen = sign_in(plain, accounts.transport, SERVER, "wlee", PASSWORDS["wlee"], "Tablet 3").actor
    client_id = register(plain, wen, make_client)  # then Wen, whose change has not reached the server
    plain.close()
    accounts.failure = Offline("no network")

    store = restarted(tmp_path)
    sign_in_on_device(store, accounts.transport, SERVER, "jdoe", PASSWORDS["jdoe"], "Tablet 3")  # a colleague

    assert load_client(open_store(store), client_id).first_name == DISTINCTIVE
    assert encrypted_outbox(open_store(store)) == [client_id]
    store.close()


def test_switching_worker_closes_the_store_and_the_next_sign_in_opens_it_with_the_queue(
    tmp_path: Path, accounts, make_client
) -> None:
    device = Device(restarted(tmp_path), accounts.transport, sync_starter=lambda *_: None)
    wen = device.sign_in(SERVER, "wlee", PASSWORDS["wlee"], "Tablet 3").actor
    client_id = register(device.units, wen, make_client)

    device.switch_worker()

    assert device.store.database is None and device.store.key is None  # the data key left memory
    assert not device.holds("wlee")  # every window of Wen's leaves for the sign-in screen
    device.sign_in(SERVER, "jdoe", PASSWORDS["jdoe"], "Tablet 3")
    assert device.holds("jdoe")
    assert encrypted_outbox(open_store(device.store)) == [client_id]  # still Wen's to send
    device.store.close()


class WindowSync:
    """A window's background sync, as the Device hands it out: it only records whether it was stopped."""

    def __init__(self, *_parts: object) -> None:
        self.stopped = False

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self.stopped = True

    def trigger(self) -> None:
        pass

    def sync_now(self) -> None:
        pass

    def connectivity_changed(self, online: bool) -> None:
        pass


@pytest.mark.parametrize("leaving", ["sign_out", "switch_worker"])
def test_signing_out_in_one_tab_stops_every_tabs_sync_tells_them_and_leaves_no_way_into_the_store(
    tmp_path: Path, accounts, make_client, leaving: str
) -> None:
    """Two browser tabs of one app: the tab that signs out closes the store for both. The other tab's sync, which
    holds the database it was given, stops and can open no connection again; the other tab is told at once; what
    was queued stays for the next sign-in."""
    device = Device(restarted(tmp_path), accounts.transport, sync_starter=WindowSync)
    wen = device.sign_in(SERVER, "wlee", PASSWORDS["wlee"], "Tablet 3").actor
    client_id = register(device.units, wen, make_client)
    syncs = [device.background_sync(lambda _status: None) for _tab in range(2)]
    held_by_a_sync = device.units
    told: list[str] = []
    device.watch_hand_overs(lambda: told.append("other tab"))
    stop_watching = device.watch_hand_overs(lambda: told.append("closed tab"))
    stop_watching()

    getattr(device, leaving)()

    assert [sync.stopped for sync in syncs] == [True, True]
    assert told == ["other tab"]
    assert not device.holds("wlee") and device.store.key is None
    with pytest.raises(StoreClosed):
        load_client(held_by_a_sync, client_id)
    device.sign_in(SERVER, "wlee", PASSWORDS["wlee"], "Tablet 3")
    assert encrypted_outbox(open_store(device.store)) == [client_id]
    device.store.close()


def test_a_failed_statement_never_carries_a_clients_details_into_the_log(tmp_path: Path, worker, make_client) -> None:
    """A packaged app's console (where a failure's traceback goes) is a file on the tablet: an error about a client's
    row names the statement, never the values in it."""
    db = DeviceDatabase(tmp_path / DB_FILENAME, key=new_data_key())
    client_id = register(db, worker, make_client)

    with pytest.raises(IntegrityError) as failure, db.sessions.begin() as tx:
        tx.execute(text("INSERT INTO client (id, first_name) VALUES (:id, :first_name)"),
                   {"id": client_id, "first_name": DISTINCTIVE})  # fmt: skip
    db.close()

    assert "INSERT INTO client" in str(failure.value)
    assert DISTINCTIVE not in str(failure.value)


def test_a_device_refused_as_lost_while_signed_in_deletes_its_store_and_keys_and_tells_every_tab(
    tmp_path: Path, accounts, make_client
) -> None:
    device = Device(restarted(tmp_path), accounts.transport, sync_starter=WindowSync)
    wen = device.sign_in(SERVER, "wlee", PASSWORDS["wlee"], "Tablet 3").actor
    register(device.units, wen, make_client)
    sync = device.background_sync(lambda _status: None)
    told: list[str] = []
    device.watch_hand_overs(lambda: told.append("tab"))
    device_id = device.store.settings.get(DEVICE_ID)

    device.wipe()

    assert sync.stopped and told == ["tab"] and not device.is_open
    assert not (tmp_path / DB_FILENAME).exists() and not device.store.keyring.exists()
    assert files_holding(tmp_path, DISTINCTIVE) == []
    assert device.store.settings.get(DEVICE_ID) == device_id  # so the server goes on refusing it
