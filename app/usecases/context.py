"""Who is acting, the clock, and the units of work: what every use case needs."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol

from app.domain.roles import sees_every_agency_session
from app.store.repository import SearchResultRow
from app.store.unit_of_work import UnitOfWork


class UnitsOfWork(Protocol):
    """Where use cases get their units of work: a new one per call (use cases run in worker threads).

    ``DeviceDatabase`` is one; tests pass in-memory fakes.
    """

    def reading(self) -> UnitOfWork: ...

    def writing(self) -> UnitOfWork: ...

    def search_clients(self, query: str, *, limit: int) -> list[SearchResultRow]: ...


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in worker."""

    user_id: str
    name: str
    role: str
    agency_id: str
    agency_name: str = ""

    @property
    def is_supervisor(self) -> bool:
        """Sees every session of the agency: a supervisor, or an administrator (who holds a supervisor's powers)."""
        return sees_every_agency_session(self.role)


class NotFound(LookupError):
    """A record the screen asked for is not on this device."""


class NotAllowed(PermissionError):
    """The signed-in worker's role does not give them what the screen asked for (a field worker and the agency's
    sessions)."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def local_today() -> date:
    """The worker's calendar day (device local time), which is what "Service Date" means."""
    return date.today()
