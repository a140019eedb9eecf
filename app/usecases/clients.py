"""Finding and registering clients, and keeping families together."""

import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import date

from app.domain.clients import Client, display_name, is_possible_duplicate, validate_client
from app.domain.errors import ValidationFailed
from app.store.unit_of_work import UnitOfWork
from app.usecases.context import Actor, NotFound, UnitsOfWork, local_today, utc_now

SEARCH_LIMIT = 50
_FAMILY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read aloud and copied by hand


@dataclass(frozen=True, slots=True)
class ClientSummary:
    """What a result row shows: enough to tell two people apart."""

    id: str
    display_name: str
    date_of_birth: date | None
    phone: str
    family_code: str
    client_identifier: str


@dataclass(slots=True)
class Registration:
    """The outcome of "Register a New Client": saved, or held back because it may already exist."""

    client: Client | None
    duplicates: list[ClientSummary] = field(default_factory=list)

    @property
    def saved(self) -> bool:
        return self.client is not None


def summarize(client: Client) -> ClientSummary:
    return ClientSummary(
        id=client.id,
        display_name=client.display_name,
        date_of_birth=client.date_of_birth,
        phone=client.phone,
        family_code=client.family_code,
        client_identifier=client.client_identifier,
    )


def new_client_draft(actor: Actor) -> Client:
    """An empty profile with a device-made id, owned by the worker's agency."""
    return Client(id=str(uuid.uuid4()), agency_id=actor.agency_id, created_by=actor.user_id)


def new_family_code() -> str:
    return "F-" + "".join(secrets.choice(_FAMILY_ALPHABET) for _ in range(8))


def find_duplicates(db: UnitsOfWork, draft: Client, *, family_of: str | None = None) -> list[ClientSummary]:
    """Clients who may be the same person: same first+last name and date of birth, or the same phone outside the
    family the draft joins (``family_of``: a client of that family)."""
    with db.reading() as uow:
        candidates = uow.clients.candidate_duplicates(draft)
        relative = uow.clients.get(family_of) if family_of else None
    if relative is not None:  # judged as a member already, even of a family the relative is about to start
        household = relative.family_code or relative.id
        draft = replace(draft, family_code=household)
        candidates = [replace(c, family_code=household) if c.id == relative.id else c for c in candidates]
    return [summarize(c) for c in candidates if is_possible_duplicate(draft, c)]


def register_client(
    db: UnitsOfWork,
    actor: Actor,
    draft: Client,
    *,
    family_of: str | None = None,
    new_family: bool = False,
    ignore_duplicates: bool = False,
    today: date | None = None,
) -> Registration:
    """Save a new client and queue it for sync.

    Possible duplicates stop the save and are returned, so the worker can pick "Use this client" instead; saving
    anyway needs ``ignore_duplicates``. ``family_of`` links the client to that client's family (starting one if
    needed); ``new_family`` starts a family of their own.
    """
    errors = validate_client(draft, today=today or local_today())
    if errors:
        raise ValidationFailed(errors)
    if not ignore_duplicates:
        duplicates = find_duplicates(db, draft, family_of=family_of)
        if duplicates:
            return Registration(client=None, duplicates=duplicates)
    now = utc_now()
    with db.writing() as uow:
        client = replace(draft, agency_id=actor.agency_id, created_by=actor.user_id, created_at=now, updated_at=now)
        if family_of:
            client.family_code = _family_code_of(uow, family_of, now)
        elif new_family and not client.family_code:
            client.family_code = new_family_code()
        uow.clients.add(client, now=now)
        uow.commit()
    return Registration(client=client)


def update_client(db: UnitsOfWork, actor: Actor, client: Client, *, today: date | None = None) -> Client:
    """Save an edited profile and queue the change."""
    errors = validate_client(client, today=today or local_today())
    if errors:
        raise ValidationFailed(errors)
    now = utc_now()
    with db.writing() as uow:
        if uow.clients.get(client.id) is None:
            raise NotFound(client.id)
        updated = replace(client, agency_id=actor.agency_id, updated_at=now)
        uow.clients.add(updated, now=now)
        uow.commit()
    return updated


def _family_code_of(uow: UnitOfWork, client_id: str, now: str) -> str:
    """The family code of ``client_id``, giving them a new one (and queueing that change) if they had none."""
    relative = uow.clients.get(client_id)
    if relative is None:
        raise NotFound(client_id)
    if not relative.family_code:
        relative.family_code = new_family_code()
        relative.updated_at = now
        uow.clients.add(relative, now=now)
    return relative.family_code


def search_clients(db: UnitsOfWork, query: str, *, limit: int = SEARCH_LIMIT) -> list[ClientSummary]:
    """Clients whose name parts start with the typed words, or with that date of birth, phone or identifier."""
    return [
        ClientSummary(
            id=client_id,
            display_name=display_name(first_name, last_name, preferred_name),
            date_of_birth=date.fromisoformat(born) if born else None,
            phone=phone,
            family_code=family_code,
            client_identifier=identifier,
        )
        for client_id, first_name, last_name, preferred_name, born, phone, family_code, identifier in (
            db.search_clients(query, limit=limit)
        )
    ]


def load_client(db: UnitsOfWork, client_id: str) -> Client:
    with db.reading() as uow:
        client = uow.clients.get(client_id)
    if client is None:
        raise NotFound(client_id)
    return client


def list_family(db: UnitsOfWork, client_id: str) -> list[ClientSummary]:
    """The other members of this client's family."""
    client = load_client(db, client_id)
    with db.reading() as uow:
        members = uow.clients.family_members(client.family_code)
    return [summarize(m) for m in members if m.id != client_id]
