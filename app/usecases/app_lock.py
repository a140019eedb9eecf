"""The app lock: setting the PIN, unlocking with it or with the password, and the agency's idle time.

The lock keeps the worker signed in and whatever is on the screen; it only hides it until they prove who they are.
The PIN is kept as an Argon2id hash (``credentials.passwords``, like the password) in the device store, which is
itself encrypted: it unlocks a running app, it never opens the store after a restart (the password does). The rules
(how many wrong tries, what a PIN may be) are in ``app.domain.device_access``.
"""

from dataclasses import dataclass

from app.domain.device_access import (
    MAX_PASSWORD_FAILURES,
    MAX_PIN_FAILURES,
    password_failures_exhausted,
    pin_problem,
    pin_still_accepted,
)
from app.domain.words import N_
from app.store import erase
from app.store.db import DeviceDatabase
from app.store.models import LocalAccountRow
from app.store.repositories import SyncKey
from app.store.unit_of_work import UnitOfWork
from app.usecases.accounts import check_password
from app.usecases.context import NotFound, UnitsOfWork
from credentials.passwords import check_secret, hash_secret

WRONG_PIN = N_("Wrong PIN. {left} tries left before the password is needed.")
PIN_LOCKED_OUT = N_("Too many wrong PINs. Unlock with your password.")
WRONG_PASSWORD = N_("Wrong password. {left} tries left before this device forgets you.")
FORGOTTEN = N_("Too many wrong passwords: this device forgot you. Sign in again with a connection.")
NO_PIN = N_("No PIN is set. Unlock with your password.")


class PinRefused(ValueError):
    """The new PIN breaks a rule; ``message`` is the English template for the screen."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Unlock:
    """What an unlock attempt came to. ``message`` (an English template, filled with ``left``) says why not."""

    unlocked: bool
    message: str = ""
    left: int = 0
    pin_accepted: bool = True
    """False once only the password unlocks (too many wrong PINs, or no PIN set)."""
    forgotten: bool = False
    """The device forgot the worker: the app signs them out, and only an online sign-in lets them back."""


@dataclass(frozen=True, slots=True)
class LockSettings:
    has_pin: bool
    pin_accepted: bool
    idle_lock_minutes: int


def set_pin(db: UnitsOfWork, user_id: str, pin: str, repeated: str) -> None:
    """Keep a new PIN for ``user_id`` (replacing any earlier one); raises PinRefused when it breaks a rule."""
    if (problem := pin_problem(pin, repeated)) is not None:
        raise PinRefused(problem)
    hashed = hash_secret(pin)
    with db.writing() as uow:
        account = _account(uow, user_id)
        account.pin_hash, account.pin_failures = hashed, 0
        uow.commit()


def lock_settings(db: UnitsOfWork, user_id: str) -> LockSettings:
    """Whether ``user_id`` has a PIN that still unlocks, and after how many idle minutes their agency locks the app."""
    with db.reading() as uow:
        account = _account(uow, user_id)
        return LockSettings(
            has_pin=bool(account.pin_hash),
            pin_accepted=bool(account.pin_hash) and pin_still_accepted(account.pin_failures),
            idle_lock_minutes=uow.reference.idle_lock_minutes(account.agency_id),
        )


def unlock_with_pin(db: UnitsOfWork, user_id: str, pin: str) -> Unlock:
    """Check ``pin``; a wrong one counts, and the fifth in a row leaves only the password."""
    with db.writing() as uow:
        outcome = _try_pin(_account(uow, user_id), pin)
        uow.commit()  # the count of wrong tries, or its reset
        return outcome


def _try_pin(account: LocalAccountRow, pin: str) -> Unlock:
    if not account.pin_hash:
        return Unlock(False, NO_PIN, pin_accepted=False)
    if not pin_still_accepted(account.pin_failures):
        return Unlock(False, PIN_LOCKED_OUT, pin_accepted=False)
    check = check_secret(pin, account.pin_hash)
    if check.matches:
        account.pin_failures = 0
        if check.needs_rehash:  # kept at an earlier cost: the PIN just typed is hashed at today's
            account.pin_hash = hash_secret(pin)
        return Unlock(True)
    account.pin_failures += 1
    if not pin_still_accepted(account.pin_failures):
        return Unlock(False, PIN_LOCKED_OUT, pin_accepted=False)
    return Unlock(False, WRONG_PIN, left=MAX_PIN_FAILURES - account.pin_failures)


def unlock_with_password(db: UnitsOfWork, user_id: str, password: str) -> Unlock:
    """Check ``password`` against the device's copy; a right one clears both counts. The tenth wrong one in a row
    makes the device forget the worker (their records and queued changes stay; see ``accounts``)."""
    with db.writing() as uow:
        outcome = _try_password(uow, _account(uow, user_id), password)
        uow.commit()  # the count of wrong tries, its reset, or the forgotten worker
    if outcome.forgotten and isinstance(db, DeviceDatabase):  # nor may their wrap open the store after a restart
        erase.remove_wrap(db, user_id)
    return outcome


def _try_password(uow: UnitOfWork, account: LocalAccountRow, password: str) -> Unlock:
    if check_password(account, password):
        account.password_failures = account.pin_failures = 0
        return Unlock(True)
    account.password_failures += 1
    if password_failures_exhausted(account.password_failures):
        uow.accounts.forget(account.user_id)
        uow.sync_state.set(SyncKey.SIGNED_IN, "")
        return Unlock(False, FORGOTTEN, pin_accepted=False, forgotten=True)
    left = MAX_PASSWORD_FAILURES - account.password_failures
    return Unlock(False, WRONG_PASSWORD, left=left, pin_accepted=pin_still_accepted(account.pin_failures))


def _account(uow: UnitOfWork, user_id: str) -> LocalAccountRow:
    account = uow.accounts.get(user_id)
    if account is None:
        raise NotFound(user_id)
    return account
