"""The stretch of service dates a report or an export covers: a calendar month, or any range of days."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MAX_DAYS = 400
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(ValueError):
    """A month or range that cannot be used; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class Period:
    """Service dates from ``start`` to ``end``, both included (service dates are the worker's local calendar day)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError("The end date is before the start date.")
        if (self.end - self.start).days >= MAX_DAYS:
            raise PeriodError(f"A report covers at most {MAX_DAYS} days.")

    @classmethod
    def month(cls, text: str) -> "Period":
        """``2025-03`` → 1 to 31 March 2025."""
        found = _MONTH.match(text.strip())
        if not found or not 1 <= int(found[2]) <= 12:
            raise PeriodError(f"{text!r} is not a month written as YYYY-MM (for example 2025-03).")
        year, month = int(found[1]), int(found[2])
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self.end + timedelta(days=1) == _next_month(self.start)

    @property
    def label(self) -> str:
        return month_of(self.start) if self.is_month else f"{self.start.isoformat()} to {self.end.isoformat()}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
