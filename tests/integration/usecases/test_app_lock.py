"""The app lock on a real device store: a PIN set after sign-in unlocks, wrong tries count, the password always
works until ten wrong ones make the device forget the worker."""

import hashlib

import pytest
from argon2 import PasswordHasher

from app.domain.device_access import MAX_PASSWORD_FAILURES, MAX_PIN_FAILURES, PIN_TOO_SIMPLE
from app.store import repository
from app.store.db import DeviceDatabase
from app.store.keyring import KdfParams, Keyring, new_data_key
from app.store.models import AgencyRow, LocalAccountRow
from app.store.repositories import SyncKey
from app.usecases.accounts import current_actor
from app.usecases.app_lock import (
    FORGOTTEN,
    PIN_LOCKED_OUT,
    PinRefused,
    lock_settings,
    set_pin,
    unlock_with_password,
    unlock_with_pin,
)
from credentials.passwords import Check, check_secret, hash_secret

PASSWORD = "correct horse"
PIN = "402918"
FAST_KDF = KdfParams(time_cost=1, memory_cost=8, parallelism=1)  # the real cost is in `make bench`


@pytest.fixture
def worker(device_db: DeviceDatabase) -> str:
    """Wen Lee, signed in on this device as an online sign-in leaves her."""
    with device_db.sessions.begin() as tx:
        tx.add(AgencyRow(id="agency-north", name="North Centre", idle_lock_minutes=5))
        tx.add(LocalAccountRow(user_id="wlee", name="Wen Lee", role="worker", agency_id="agency-north",
                               password_salt="", password_hash=hash_secret(PASSWORD)))  # fmt: skip
        repository.set_state(tx, SyncKey.USER, "wlee")
        repository.set_state(tx, SyncKey.SIGNED_IN, "1")
    return "wlee"


def test_a_pin_set_after_sign_in_unlocks_and_the_agency_sets_the_idle_time(device_db, worker) -> None:
    assert lock_settings(device_db, worker).has_pin is False

    set_pin(device_db, worker, PIN, PIN)

    settings = lock_settings(device_db, worker)
    assert (settings.has_pin, settings.pin_accepted, settings.idle_lock_minutes) == (True, True, 5)
    assert unlock_with_pin(device_db, worker, PIN).unlocked
    with device_db.reads() as tx:
        assert PIN not in tx.get(LocalAccountRow, worker).pin_hash


def test_a_simple_pin_is_refused_and_the_old_one_kept(device_db, worker) -> None:
    set_pin(device_db, worker, PIN, PIN)

    with pytest.raises(PinRefused) as refused:
        set_pin(device_db, worker, "111111", "111111")

    assert refused.value.message == PIN_TOO_SIMPLE
    assert unlock_with_pin(device_db, worker, PIN).unlocked


def test_five_wrong_pins_leave_only_the_password_which_lets_the_pin_work_again(device_db, worker) -> None:
    set_pin(device_db, worker, PIN, PIN)

    attempts = [unlock_with_pin(device_db, worker, "999999") for _ in range(MAX_PIN_FAILURES)]

    assert [attempt.left for attempt in attempts[:-1]] == [4, 3, 2, 1]
    assert (attempts[-1].message, attempts[-1].pin_accepted) == (PIN_LOCKED_OUT, False)
    assert not unlock_with_pin(device_db, worker, PIN).unlocked  # even the right PIN, now
    assert unlock_with_password(device_db, worker, PASSWORD).unlocked
    assert unlock_with_pin(device_db, worker, PIN).unlocked


def test_ten_wrong_passwords_make_the_device_forget_the_worker(device_db, worker) -> None:
    set_pin(device_db, worker, PIN, PIN)
    keyring = Keyring(device_db.path.parent, kdf=FAST_KDF)
    data_key = new_data_key()
    keyring.wrap(worker, PASSWORD, data_key)
    keyring.wrap("ajones", "a colleague's password", data_key)

    attempts = [unlock_with_password(device_db, worker, "guess") for _ in range(MAX_PASSWORD_FAILURES)]

    assert [attempt.forgotten for attempt in attempts] == [False] * (MAX_PASSWORD_FAILURES - 1) + [True]
    assert attempts[-1].message == FORGOTTEN
    assert current_actor(device_db) is None
    with device_db.reads() as tx:
        assert tx.get(LocalAccountRow, worker) is None
    assert keyring.workers() == ["ajones"]  # their password no longer opens the store after a restart either


def test_a_right_password_clears_the_count_of_wrong_ones(device_db, worker) -> None:
    for _ in range(MAX_PASSWORD_FAILURES - 1):
        unlock_with_password(device_db, worker, "guess")
    assert unlock_with_password(device_db, worker, PASSWORD).unlocked

    assert not unlock_with_password(device_db, worker, "guess").forgotten
    assert current_actor(device_db) is not None


def test_a_password_kept_by_the_earlier_scheme_still_unlocks_and_is_then_kept_as_argon2id(device_db, worker) -> None:
    salt = bytes(range(16))
    key = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    with device_db.sessions.begin() as tx:
        account = tx.get(LocalAccountRow, worker)
        account.password_salt, account.password_hash = salt.hex(), key.hex()
    assert not unlock_with_password(device_db, worker, "guess").unlocked
    with device_db.sessions.begin() as tx:
        assert tx.get(LocalAccountRow, worker).password_salt == salt.hex()  # a wrong password changes nothing

    assert unlock_with_password(device_db, worker, PASSWORD).unlocked
    with device_db.sessions.begin() as tx:
        account = tx.get(LocalAccountRow, worker)
        assert (account.password_salt, account.password_hash[:10]) == ("", "$argon2id$")
    assert unlock_with_password(device_db, worker, PASSWORD).unlocked
    assert not unlock_with_password(device_db, worker, "guess").unlocked


def test_a_pin_kept_at_an_earlier_cost_still_unlocks_and_is_then_kept_at_todays(device_db, worker) -> None:
    cheaper = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    with device_db.sessions.begin() as tx:
        tx.get(LocalAccountRow, worker).pin_hash = cheaper.hash(PIN)
    assert not unlock_with_pin(device_db, worker, "918402").unlocked

    assert unlock_with_pin(device_db, worker, PIN).unlocked
    with device_db.sessions.begin() as tx:
        kept = tx.get(LocalAccountRow, worker).pin_hash
    assert check_secret(PIN, kept) == Check(matches=True, needs_rehash=False)
    assert unlock_with_pin(device_db, worker, PIN).unlocked
