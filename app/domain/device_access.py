"""Who may use the app on a device, and when it locks: the rules, free of storage and screens.

A worker who signed in online sets a 6-digit PIN to unlock the app quickly; the password always unlocks it too. The
app locks itself after the agency's idle time (and whenever the worker asks), keeping whatever was on the screen.
Five wrong PINs in a row and only the password unlocks; ten wrong passwords in a row and the device forgets the
worker, who then needs the server to sign in again. Offline sign-in works only within the agency's offline period
since the worker's last contact with the server, so a worker who left cannot keep using a tablet for ever.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from app.domain.words import N_

PIN_LENGTH = 6
MAX_PIN_FAILURES = 5
MAX_PASSWORD_FAILURES = 10

PIN_NOT_SIX_DIGITS = N_("The PIN is 6 digits.")
PIN_TOO_SIMPLE = N_("Choose a PIN that is not a run or a repeat of one digit.")
PINS_DIFFER = N_("The two PINs are not the same.")


def pin_problem(pin: str, repeated: str | None = None) -> str | None:
    """What is wrong with a new PIN (an English template for the catalog), or None when it may be used.

    ``repeated`` is the second entry, when the screen asks for the PIN twice. A run (123456, 987654) or one digit
    six times is the first thing a finder of the tablet tries, so those are refused.
    """
    if len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        return PIN_NOT_SIX_DIGITS
    steps = {int(b) - int(a) for a, b in pairwise(pin)}
    if steps in ({0}, {1}, {-1}):
        return PIN_TOO_SIMPLE
    if repeated is not None and repeated != pin:
        return PINS_DIFFER
    return None


def pin_still_accepted(pin_failures: int) -> bool:
    """After ``MAX_PIN_FAILURES`` wrong PINs in a row, only the password unlocks."""
    return pin_failures < MAX_PIN_FAILURES


def password_failures_exhausted(password_failures: int) -> bool:
    """After ``MAX_PASSWORD_FAILURES`` wrong passwords in a row, the device forgets the worker."""
    return password_failures >= MAX_PASSWORD_FAILURES


def offline_sign_in_allowed(last_contact: datetime | None, now: datetime, offline_days: int) -> bool:
    """Whether a worker whose device last reached the server for them at ``last_contact`` may sign in offline now.

    Never without a contact on record: the first sign-in on a device always needs the server.
    """
    return last_contact is not None and now - last_contact <= timedelta(days=offline_days)


@dataclass(slots=True)
class IdleClock:
    """When the app is due to lock: ``idle_limit`` after the worker last did something.

    Times are monotonic seconds (``time.monotonic()``), so a change of the device's clock neither locks the app
    early nor keeps it open. ``idle_limit`` of zero or less never locks on its own.
    """

    idle_limit: float
    last_activity: float

    def touch(self, now: float) -> None:
        self.last_activity = max(self.last_activity, now)

    def due(self, now: float) -> bool:
        return self.idle_limit > 0 and now - self.last_activity >= self.idle_limit

    def seconds_left(self, now: float) -> float:
        return max(0.0, self.last_activity + self.idle_limit - now)
