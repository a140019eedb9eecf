"""The data key's wraps on disk: only the right password (or the server's device key) opens them, guessing is
counted, and the derivation's parameters travel with each wrap."""

import base64
from pathlib import Path

import pytest

from app.domain.device_access import MAX_PASSWORD_FAILURES
from app.store.keyring import KdfParams, Keyring, NoWrap, WrongPassword, new_data_key

# Cheap parameters keep the tests fast; the production cost is measured in make bench.
FAST = KdfParams(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery"


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    return Keyring(tmp_path, kdf=FAST)


def test_only_the_workers_own_password_opens_their_wrap(keyring: Keyring) -> None:
    data_key = new_data_key()
    keyring.wrap("wlee", PASSWORD, data_key)
    keyring.wrap("ajones", "another long secret", data_key)

    assert keyring.unwrap("wlee", PASSWORD) == data_key
    assert keyring.unwrap("ajones", "another long secret") == data_key
    with pytest.raises(WrongPassword):
        keyring.unwrap("wlee", "another long secret")
    with pytest.raises(NoWrap):
        keyring.unwrap("zsouth", PASSWORD)
    stored = keyring.path.read_bytes()
    assert data_key not in stored and base64.b64encode(data_key) not in stored and data_key.hex().encode() not in stored


def test_a_wrap_copied_under_another_name_does_not_open(keyring: Keyring) -> None:
    keyring.wrap("wlee", PASSWORD, new_data_key())
    state = keyring._read()
    state["workers"]["mallory"] = state["workers"]["wlee"]
    keyring._write(state)

    with pytest.raises(WrongPassword):
        keyring.unwrap("mallory", PASSWORD)


def test_ten_wrong_passwords_in_a_row_remove_that_workers_wrap_only(keyring: Keyring) -> None:
    data_key = new_data_key()
    keyring.wrap("wlee", PASSWORD, data_key)
    keyring.wrap("ajones", "another long secret", data_key)
    for failure in range(1, MAX_PASSWORD_FAILURES - 1):
        with pytest.raises(WrongPassword) as wrong:
            keyring.unwrap("wlee", f"guess {failure}")
        assert (wrong.value.failures, wrong.value.removed) == (failure, False)
    assert keyring.unwrap("wlee", PASSWORD) == data_key  # a success starts the count again

    for failure in range(1, MAX_PASSWORD_FAILURES + 1):
        with pytest.raises(WrongPassword) as wrong:
            keyring.unwrap("wlee", f"guess {failure}")
    assert wrong.value.removed
    assert keyring.workers() == ["ajones"]
    with pytest.raises(NoWrap):
        keyring.unwrap("wlee", PASSWORD)


def test_each_wrap_keeps_its_own_parameters_so_the_cost_can_be_raised(tmp_path: Path) -> None:
    data_key = new_data_key()
    Keyring(tmp_path, kdf=FAST).wrap("wlee", PASSWORD, data_key)
    stronger = Keyring(tmp_path, kdf=KdfParams(time_cost=2, memory_cost=16, parallelism=1))

    assert stronger.needs_stronger_wrap("wlee")
    assert stronger.unwrap("wlee", PASSWORD) == data_key
    stronger.wrap("wlee", PASSWORD, data_key)
    assert not stronger.needs_stronger_wrap("wlee")
    assert stronger._read()["workers"]["wlee"]["kdf"] == {"time_cost": 2, "memory_cost": 16, "parallelism": 1}


def test_the_device_key_from_the_server_opens_its_own_wrap(keyring: Keyring) -> None:
    data_key, device_key = new_data_key(), new_data_key()
    with pytest.raises(NoWrap):
        keyring.unwrap_with_device_key(device_key)
    keyring.wrap_with_device_key(device_key, data_key)

    assert keyring.unwrap_with_device_key(device_key) == data_key
    with pytest.raises(NoWrap):
        keyring.unwrap_with_device_key(new_data_key())


def test_destroying_the_keyring_leaves_nothing_to_open(keyring: Keyring) -> None:
    keyring.wrap("wlee", PASSWORD, new_data_key())
    keyring.destroy()

    assert not keyring.exists() and keyring.workers() == []
