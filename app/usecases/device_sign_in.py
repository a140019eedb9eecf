"""Signing in on this device: proving who the worker is, then opening the encrypted store with the data key.

The store is closed until a sign-in (see ``app.store.device``). Online, the server judges the password and hands
back the device key, whose wrap opens the store; offline, the worker's own wrap does, and only their password
opens it. Either way the worker then signs in on the open store as ``accounts.sign_in`` does (offline period,
colleagues' unsynced work kept for its authors). After an online sign-in the worker's wrap is made afresh under the
password the server just accepted (so a password changed on the server opens the store offline too) and the
device key's wrap is kept current.

A device with no store yet gets a new data key; one with a plain store from an earlier version has it encrypted in
place under a new key at this first sign-in, online or offline (offline, the plain store's copy of the password is
checked first), keeping every row and every queued change.
"""

import base64
import contextlib
import logging
from typing import Any

from app.domain.words import N_
from app.store.db import DeviceDatabase
from app.store.device import DeviceStore
from app.store.encryption import WrongKey
from app.store.keyring import NoWrap, WrongPassword, new_data_key
from app.store.settings import SERVER_URL
from app.usecases import accounts
from app.usecases.accounts import (
    FIRST_SIGN_IN_OFFLINE,
    INVALID_CREDENTIALS,
    DeviceWasRevoked,
    PasswordRefused,
    SignedIn,
    SignInFailed,
    TransportFactory,
)
from app.usecases.app_lock import FORGOTTEN

log = logging.getLogger(__name__)


STORE_UNOPENABLE = N_(
    "Outpost cannot open what this device holds with this sign-in. Nothing was deleted: ask your administrator "
    "for help."
)


class StoreUnopenable(SignInFailed):
    """The server accepted the worker, yet no wrap on this device opens its store: nothing is deleted, for support
    to look at (the device key may have been replaced on the server); the log says which wrap failed."""

    def __init__(self) -> None:
        super().__init__(STORE_UNOPENABLE)


def sign_in_on_device(
    store: DeviceStore,
    transport_factory: TransportFactory,
    server_url: str,
    user_id: str,
    password: str,
    device_name: str,
) -> SignedIn:
    """Sign in (on the server if it can be reached, else against this device) and open the store for the worker."""
    user_id, server_url = accounts.cleaned_credentials(user_id, password, server_url)
    device_id = store.settings.device_id()
    try:
        answer = accounts.ask_server(transport_factory, server_url, user_id, password, device_id, device_name)
    except PasswordRefused:
        _forget(store, user_id)
        raise
    except DeviceWasRevoked:
        _wipe(store)
        raise
    db, opened_own_wrap = _open_store(store, answer, user_id, password)
    accounts.ensure_device_id(db, device_id)
    accounts.refuse_if_others_work_waits(db, user_id, answer, transport_factory, server_url)
    # Before the sign-in replaces the device's copy of the password: a wrap made with the same one needs no remaking.
    wrap_is_current = opened_own_wrap or (
        store.keyring.has_wrap(user_id) and accounts.matches_device_copy(db, user_id, password)
    )
    signed = accounts.finish_sign_in(
        db, answer, server_url, user_id, password, device_name, password_proven=opened_own_wrap
    )
    _keep_wraps_current(store, answer, user_id, password, remake_own=not wrap_is_current)
    if signed.online:
        store.settings.set(SERVER_URL, server_url)
    return signed


def _open_store(
    store: DeviceStore, answer: dict[str, Any] | None, user_id: str, password: str
) -> tuple[DeviceDatabase, bool]:
    """The store, opened with the key a wrap gives (or a new one when there is nothing to open), and whether the
    worker's wrap was made or opened with this very password just now."""
    with store.opening:
        if (db := store.database) is not None:  # opened by an earlier sign-in in this process
            return db, False
        key, opened_own_wrap = _key_from_wraps(store, answer, user_id, password)
        if key is None:
            key, opened_own_wrap = _new_key(store, answer, user_id, password), True
        try:
            return store.open_with(key), opened_own_wrap
        except WrongKey as wrong:
            log.error("The data key from the wraps does not open the device store: %s", wrong)
            raise StoreUnopenable() from wrong


def _key_from_wraps(
    store: DeviceStore, answer: dict[str, Any] | None, user_id: str, password: str
) -> tuple[bytes | None, bool]:
    """The data key from the device key's wrap (online) or the worker's own wrap (None when neither exists), and
    whether it was the worker's own wrap that opened."""
    device_key = _device_key(answer)
    if device_key is not None:
        with contextlib.suppress(NoWrap):
            return store.keyring.unwrap_with_device_key(device_key), False
    if not store.keyring.has_wrap(user_id):
        return None, False
    try:
        return store.keyring.unwrap(user_id, password), True
    except WrongPassword as wrong:
        if answer is not None:
            log.error("The server accepted %s's password, which their wrap refuses, and no device wrap opens", user_id)
            raise StoreUnopenable() from None
        raise SignInFailed(FORGOTTEN if wrong.removed else INVALID_CREDENTIALS) from None
    except NoWrap:  # removed by another thread's wrong tries a moment ago
        return None, False


def _new_key(store: DeviceStore, answer: dict[str, Any] | None, user_id: str, password: str) -> bytes:
    """A new data key for a device with no store, or a plain one from before, wrapped for the worker before the
    store is made or encrypted with it (a power cut in between leaves a key that opens what is there)."""
    if store.holds_encrypted_store():
        if store.keyring.exists():  # others' work, under wraps this worker has none of
            if answer is None:
                raise SignInFailed(FIRST_SIGN_IN_OFFLINE)
            log.error("The device store has wraps, but none for %s and none the device key opens", user_id)
            raise StoreUnopenable()
        store.delete()  # every wrap of its key is gone (a wiped device): nothing can ever read it again
    if answer is None:
        _check_offline_on_plain_store(store, user_id, password)
    store.keyring.destroy()  # any wrap left is of a key that opens nothing here
    key = new_data_key()
    store.keyring.wrap(user_id, password, key)
    return key


def _check_offline_on_plain_store(store: DeviceStore, user_id: str, password: str) -> None:
    """Offline, only the device's copy of the password can admit the worker before the store is encrypted."""
    if not store.holds_plain_store():
        raise SignInFailed(FIRST_SIGN_IN_OFFLINE)
    plain = store.open_plain()
    try:
        accounts.refuse_if_others_work_waits(plain, user_id, None)  # before the sign-in hands the device over
        accounts.finish_sign_in(plain, None, "", user_id, password, "")
    finally:
        plain.close()


def _keep_wraps_current(
    store: DeviceStore, answer: dict[str, Any] | None, user_id: str, password: str, *, remake_own: bool
) -> None:
    """After a sign-in: the worker's wrap made when they have none (a colleague who signed in before the upgrade
    that encrypted the store), remade online under a password changed on the server, and remade when weaker than
    today's cost; online, the device key's wrap kept current too."""
    key = store.key
    if key is None:
        return
    missing = not store.keyring.has_wrap(user_id)
    if (remake_own and (answer is not None or missing)) or store.keyring.needs_stronger_wrap(user_id):
        store.keyring.wrap(user_id, password, key)
    if (device_key := _device_key(answer)) is not None:
        store.keyring.wrap_with_device_key(device_key, key)


def _device_key(answer: dict[str, Any] | None) -> bytes | None:
    """The device key in a sign-in answer (URL-safe base64 without padding), or None (offline, an older server)."""
    encoded = str((answer or {}).get("device_key") or "")
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)) if encoded else None


def _forget(store: DeviceStore, user_id: str) -> None:
    """The server refused the password: neither the store's copy nor the wrap may let it in offline."""
    store.keyring.remove(user_id)
    if (db := store.database) is not None:
        accounts.forget_account(db, user_id)


def _wipe(store: DeviceStore) -> None:
    """A revoked device: the store is shredded with every wrap of its key; the settings keep the device id, so the
    server goes on refusing it whoever signs in."""
    store.delete()
