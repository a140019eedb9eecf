"""The app lock's rules as a worker meets them: which PINs are refused, when the lock comes, how long offline."""

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.device_access import (
    PIN_NOT_SIX_DIGITS,
    PIN_TOO_SIMPLE,
    PINS_DIFFER,
    IdleClock,
    offline_sign_in_allowed,
    password_failures_exhausted,
    pin_problem,
    pin_still_accepted,
)


@pytest.mark.parametrize(
    ("pin", "repeated", "problem"),
    [
        ("12345", None, PIN_NOT_SIX_DIGITS),
        ("1234567", None, PIN_NOT_SIX_DIGITS),
        ("12a456", None, PIN_NOT_SIX_DIGITS),
        ("١٢٣٤٥٧", None, PIN_NOT_SIX_DIGITS),  # Arabic-Indic digits: not what the PIN pad types
        ("123456", None, PIN_TOO_SIMPLE),
        ("987654", None, PIN_TOO_SIMPLE),
        ("000000", None, PIN_TOO_SIMPLE),
        ("402918", "402919", PINS_DIFFER),
        ("402918", "402918", None),
        ("112233", None, None),
    ],
)
def test_a_new_pin_is_six_digits_not_a_run_and_typed_the_same_twice(pin, repeated, problem) -> None:
    assert pin_problem(pin, repeated) == problem


def test_the_fifth_wrong_pin_leaves_only_the_password_and_the_tenth_wrong_password_forgets() -> None:
    assert [pin_still_accepted(failures) for failures in (0, 4, 5)] == [True, True, False]
    assert [password_failures_exhausted(failures) for failures in (0, 9, 10)] == [False, False, True]


def test_offline_sign_in_is_allowed_up_to_the_last_day_of_the_period() -> None:
    contact = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    assert offline_sign_in_allowed(contact, contact + timedelta(days=14), 14)
    assert not offline_sign_in_allowed(contact, contact + timedelta(days=14, seconds=1), 14)
    assert not offline_sign_in_allowed(None, contact, 14)


def test_the_idle_clock_is_due_after_the_limit_without_activity_and_activity_puts_it_off() -> None:
    clock = IdleClock(idle_limit=600, last_activity=1000)

    assert not clock.due(1599)
    clock.touch(1500)
    assert not clock.due(2099)
    assert clock.seconds_left(2000) == 100
    assert clock.due(2100)
    clock.touch(900)  # a late report of older activity does not move the clock back
    assert clock.due(2100)
    assert not IdleClock(idle_limit=0, last_activity=0).due(10**9)
