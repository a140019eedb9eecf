"""Clients who may be the same person, across every device of an agency.

A tablet warns before it registers a client who may already exist, but only about clients it holds: two tablets
offline in two places can each register the same newcomer, as "Olena Shevchenko" on one and "Олена Шевченко" on
the other. Once both records reach the server, this module finds such pairs with the device's own rule
(``app.domain.clients.is_possible_duplicate``), so someone can look at each pair and merge it (``server.merge``);
a client merged already is no longer a candidate.

Only clients sharing a date of birth or a phone number can be duplicates by that rule, so both are kept in
indexed columns beside the record and each group is compared within itself, never the agency with itself.
"""

from dataclasses import dataclass
from datetime import date
from itertools import combinations
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.clients import Client, is_possible_duplicate
from app.domain.text import phone_digits
from protocol.records import client_from_wire
from server.models import ClientRecord

MIN_PHONE_DIGITS = 7


@dataclass(frozen=True, slots=True)
class RegisteredClient:
    """Enough of a client to tell two records apart: who they are, and who registered them when."""

    id: str
    display_name: str
    date_of_birth: date | None
    phone: str
    created_by: str
    created_at: str


@dataclass(frozen=True, slots=True)
class PossibleDuplicate:
    """Two records that may be one person; ``first`` was registered before ``second``."""

    first: RegisteredClient
    second: RegisteredClient


def client_columns(client: Client) -> dict[str, Any]:
    """The values a client row keeps beside its record, for finding possible duplicates."""
    return {"date_of_birth": client.date_of_birth, "phone_digits": phone_digits(client.phone)}


def possible_duplicates(session: Session, *, agency_id: str) -> list[PossibleDuplicate]:
    """Every pair of the agency's clients that may be the same person, earliest registered pair first."""
    groups = _shared(session, agency_id, ClientRecord.date_of_birth, ClientRecord.date_of_birth.is_not(None))
    groups += _shared(
        session, agency_id, ClientRecord.phone_digits, func.length(ClientRecord.phone_digits) >= MIN_PHONE_DIGITS
    )
    pairs = {
        (first.id, second.id): (first, second)
        for group in groups
        for first, second in map(_in_registration_order, combinations(group, 2))
    }
    found = [_as_duplicate(*pair) for pair in pairs.values() if is_possible_duplicate(*pair)]
    return sorted(found, key=lambda duplicate: (duplicate.second.created_at, duplicate.second.id))


def duplicates_of(session: Session, *, agency_id: str, client_id: str) -> list[RegisteredClient]:
    """The agency's clients who may be the same person as ``client_id`` (none if it is not the agency's)."""
    row = session.get(ClientRecord, client_id)
    if row is None or row.agency_id != agency_id:
        return []
    client = client_from_wire(row.record, record_id=row.id, trusted=True)
    sharing = select(ClientRecord.id, ClientRecord.record).where(
        ClientRecord.agency_id == agency_id,
        ClientRecord.id != client_id,
        ClientRecord.merged_into.is_(None),
        (ClientRecord.date_of_birth == client.date_of_birth) | (ClientRecord.phone_digits == _phone_key(client)),
    )
    others = [client_from_wire(record, record_id=key, trusted=True) for key, record in session.execute(sharing)]
    return [_registered(other) for other in others if is_possible_duplicate(client, other)]


def _phone_key(client: Client) -> str | None:
    """The phone digits to look for, or None (matching nothing) when too short to identify anyone."""
    digits = phone_digits(client.phone)
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


def _shared(session: Session, agency_id: str, column: Any, usable: Any) -> list[list[Client]]:
    """The agency's clients in groups sharing a value of ``column``, for the values two or more clients share."""
    of_agency = (ClientRecord.agency_id == agency_id, ClientRecord.merged_into.is_(None), usable)
    shared = select(column).where(*of_agency).group_by(column).having(func.count() > 1)
    rows = session.execute(
        select(column, ClientRecord.id, ClientRecord.record).where(*of_agency, column.in_(shared)).order_by(column)
    )
    groups: dict[Any, list[Client]] = {}
    for value, client_id, record in rows:
        groups.setdefault(value, []).append(client_from_wire(record, record_id=client_id, trusted=True))
    return list(groups.values())


def _in_registration_order(pair: tuple[Client, Client]) -> tuple[Client, Client]:
    """The two clients earlier registered first, so a pair found twice (same birth date and phone) is one pair."""
    one, other = pair
    return (one, other) if (one.created_at, one.id) <= (other.created_at, other.id) else (other, one)


def _as_duplicate(first: Client, second: Client) -> PossibleDuplicate:
    return PossibleDuplicate(first=_registered(first), second=_registered(second))


def _registered(client: Client) -> RegisteredClient:
    return RegisteredClient(
        id=client.id,
        display_name=client.display_name,
        date_of_birth=client.date_of_birth,
        phone=client.phone,
        created_by=client.created_by,
        created_at=client.created_at,
    )
