"""Reading and changing the central database's rows. Every function takes the open transaction first and the rest
by keyword; none of them commits (the caller's transaction decides).

Every change to a row a device mirrors goes through ``next_seq``, so the row's ``seq`` is the server change sequence
of its last change and pulls find it. A function that changes nothing leaves ``seq`` and ``version`` alone, so running
an import or the demo loader twice does not make every device download everything again.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, literal, select, union_all, update
from sqlalchemy.orm import Session

from app.domain.codes import ROLES
from app.domain.sessions import KnownCodes
from server.core.security import new_token, token_digest
from server.models import (
    Agency,
    AuthToken,
    Language,
    LoginFailure,
    ServerState,
    ServiceLocationType,
    Site,
    Worker,
)

_STATE_ID = 1


class NotFound(Exception):
    """The named agency, worker or site does not exist; the message says which."""


class AlreadyExists(Exception):
    """A record with that key exists already; the message says which."""


# --- change sequence -------------------------------------------------------------------------------------------------


def server_state(session: Session) -> ServerState:
    return session.execute(select(ServerState).where(ServerState.id == _STATE_ID)).scalar_one()


def lock_sequence(session: Session) -> None:
    """Take the change counter's row lock for the rest of this transaction.

    Every writing transaction does this (or ``reserve_seqs``) first, so writers take sequence numbers strictly one
    after another and commit in that order: a pull can never see seq 11 while seq 10 is still uncommitted. Taking it
    first, before any other row lock, also means writers can never deadlock on each other. (SQLite ignores FOR
    UPDATE; its writers are already serialised by BEGIN IMMEDIATE.)
    """
    session.execute(select(ServerState.id).where(ServerState.id == _STATE_ID).with_for_update())


def next_seq(session: Session) -> int:
    """The next change sequence number, taken inside the writing transaction."""
    statement = (
        update(ServerState)
        .where(ServerState.id == _STATE_ID)
        .values(last_seq=ServerState.last_seq + 1)
        .returning(ServerState.last_seq)
    )
    return session.execute(statement).scalar_one()


_state = ServerState.__table__
_RESERVE = (
    _state.update()
    .where(_state.c.id == _STATE_ID)
    .values(last_seq=_state.c.last_seq + bindparam("count"))
    .returning(_state.c.last_seq)
)


def reserve_seqs(session: Session, *, count: int) -> int:
    """Reserve ``count`` consecutive sequence numbers and return the first; the counter stays locked until commit.

    A push reserves one number per change in a single statement; numbers of changes that end up not applied are
    simply never used (gaps are harmless: cursors only need the order). The statement is built once and runs on
    the transaction's Core connection: every push takes this path, and the ORM's per-call work cost more than it.
    """
    return session.connection().execute(_RESERVE, {"count": count}).scalar_one() - count + 1


def _changed(row: object, values: dict[str, object]) -> bool:
    """Set ``values`` on ``row``; True when any of them differed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _mark_changed(session: Session, row: Agency | Site | Worker | Language | ServiceLocationType) -> None:
    row.version += 1
    row.seq = next_seq(session)


# --- agencies, sites and workers -------------------------------------------------------------------------------------


def get_agency(session: Session, *, agency_id: str) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"There is no agency with ID {agency_id!r}.")
    return agency


def upsert_agency(session: Session, *, agency_id: str, name: str) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        agency = Agency(id=agency_id, name=name, version=1, seq=next_seq(session))
        session.add(agency)
    elif _changed(agency, {"name": name}):
        _mark_changed(session, agency)
    return agency


def create_agency(session: Session, *, agency_id: str, name: str) -> Agency:
    if session.get(Agency, agency_id) is not None:
        raise AlreadyExists(f"An agency with ID {agency_id!r} already exists.")
    return upsert_agency(session, agency_id=agency_id, name=name)


def upsert_site(session: Session, *, agency_id: str, code: str, name: str, address: str) -> Site:
    """Add the site, or update its name and address; a listed site is active again if it had been closed."""
    get_agency(session, agency_id=agency_id)
    site = session.get(Site, (agency_id, code))
    if site is None:
        site = Site(
            agency_id=agency_id, code=code, name=name, address=address, active=True, version=1, seq=next_seq(session)
        )
        session.add(site)
    elif _changed(site, {"name": name, "address": address, "active": True}):
        _mark_changed(session, site)
    return site


def deactivate_site(session: Session, *, agency_id: str, code: str) -> Site:
    site = session.get(Site, (agency_id, code))
    if site is None:
        raise NotFound(f"Agency {agency_id!r} has no site with code {code!r}.")
    if _changed(site, {"active": False}):
        _mark_changed(session, site)
    return site


def get_worker(session: Session, *, user_id: str) -> Worker | None:
    return session.get(Worker, user_id)


def add_worker(session: Session, *, agency_id: str, user_id: str, name: str, role: str, password_hash: str) -> Worker:
    """Add an active worker; ``password_hash`` comes from ``security.hash_password`` (hashed before the transaction,
    as it is deliberately slow)."""
    if role not in ROLES:
        raise ValueError(f"Role must be one of: {', '.join(ROLES)}.")
    get_agency(session, agency_id=agency_id)
    if session.get(Worker, user_id) is not None:
        raise AlreadyExists(f"A worker with user ID {user_id!r} already exists.")
    worker = Worker(
        user_id=user_id,
        agency_id=agency_id,
        name=name,
        role=role,
        active=True,
        password_hash=password_hash,
        version=1,
        seq=next_seq(session),
    )
    session.add(worker)
    return worker


def deactivate_worker(session: Session, *, user_id: str) -> Worker:
    """The worker can no longer sign in, every device of theirs is signed out, and devices drop them from lists."""
    worker = session.get(Worker, user_id)
    if worker is None:
        raise NotFound(f"There is no worker with user ID {user_id!r}.")
    if _changed(worker, {"active": False}):
        _mark_changed(session, worker)
    sign_out_everywhere(session, user_id=user_id)
    return worker


def set_worker_fields(session: Session, *, worker: Worker, **values: object) -> None:
    """Change what devices show of a worker (name, role); they receive it at their next pull."""
    if _changed(worker, values):
        _mark_changed(session, worker)


def sign_out_everywhere(session: Session, *, user_id: str) -> None:
    """Every device of this worker must sign in again."""
    session.execute(delete(AuthToken).where(AuthToken.worker_user_id == user_id))


# --- global reference lists ------------------------------------------------------------------------------------------


def upsert_language(session: Session, *, code: str, name: str) -> Language:
    language = session.get(Language, code)
    if language is None:
        language = Language(code=code, name=name, version=1, seq=next_seq(session))
        session.add(language)
    elif _changed(language, {"name": name}):
        _mark_changed(session, language)
    return language


def upsert_location_type(session: Session, *, code: str, label: str) -> ServiceLocationType:
    location_type = session.get(ServiceLocationType, code)
    if location_type is None:
        location_type = ServiceLocationType(code=code, label=label, version=1, seq=next_seq(session))
        session.add(location_type)
    elif _changed(location_type, {"label": label}):
        _mark_changed(session, location_type)
    return location_type


def _named(key: Any, name: str, *conditions: Any) -> Any:
    return select(literal(name).label("kind"), key.label("code")).where(key.in_(bindparam(name, expanding=True)),
                                                                      *conditions)  # fmt: skip


_KNOWN_KINDS = ("sites", "workers", "languages", "service_location_types")
_site, _worker = Site.__table__, Worker.__table__
_KNOWN = union_all(
    _named(_site.c.code, "sites", _site.c.agency_id == bindparam("agency"), _site.c.active.is_(True)),
    _named(_worker.c.user_id, "workers", _worker.c.agency_id == bindparam("agency"), _worker.c.active.is_(True)),
    _named(Language.__table__.c.code, "languages"),
    _named(ServiceLocationType.__table__.c.code, "service_location_types"),
)


def known_codes(session: Session, *, agency_id: str, among: KnownCodes) -> KnownCodes:
    """Which of the codes in ``among`` a session pushed by this agency's workers may refer to: its active sites and
    workers, and the shared lists.

    Only the codes a push names are looked up, not whole lists (an agency's worker list grows with its staff, and
    reading all of it for every push made a push's cost grow with the agency), in one statement built once.
    """
    wanted = {kind: sorted(getattr(among, kind) or ()) for kind in _KNOWN_KINDS}
    found: dict[str, set[str]] = {kind: set() for kind in _KNOWN_KINDS}
    for kind, code in session.connection().execute(_KNOWN, {"agency": agency_id, **wanted}):
        found[kind].add(code)
    return KnownCodes(**{kind: frozenset(codes) for kind, codes in found.items()})


# --- sign-in ---------------------------------------------------------------------------------------------------------


def issue_token(
    session: Session, *, worker: Worker, device_id: str, device_name: str, now: datetime, lifetime: timedelta
) -> tuple[str, AuthToken]:
    """A new token for one device; the caller hands the returned text to the device, the database keeps its hash.

    The worker's expired tokens are deleted on the way, so the table holds live sign-ins only.
    """
    session.execute(delete(AuthToken).where(AuthToken.worker_user_id == worker.user_id, AuthToken.expires_at <= now))
    token = new_token()
    row = AuthToken(
        token_hash=token_digest(token),
        worker_user_id=worker.user_id,
        device_id=device_id,
        device_name=device_name,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    return token, row


def revoke_token(session: Session, *, token: str) -> None:
    session.execute(delete(AuthToken).where(AuthToken.token_hash == token_digest(token)))


_token = AuthToken.__table__
_WORKER_FOR_TOKEN = (
    select(*_worker.c)
    .join(_token, _token.c.worker_user_id == _worker.c.user_id)
    .where(_token.c.token_hash == bindparam("token_hash"), _token.c.expires_at > bindparam("now"),
           _worker.c.active.is_(True))
)  # fmt: skip


def worker_for_token(session: Session, *, token: str, now: datetime) -> Worker | None:
    """The active worker this unexpired token belongs to, or None (a detached row, to read, never to change).

    Every request asks this first, so the statement is built once and runs on the Core connection.
    """
    found = session.connection().execute(_WORKER_FOR_TOKEN, {"token_hash": token_digest(token), "now": now}).first()
    return Worker(**found._mapping) if found is not None else None


def recent_login_failures(session: Session, *, user_id: str, since: datetime) -> list[datetime]:
    """When this user ID failed to sign in since ``since``, newest first."""
    statement = (
        select(LoginFailure.failed_at)
        .where(LoginFailure.user_id == user_id, LoginFailure.failed_at > since)
        .order_by(LoginFailure.failed_at.desc())
    )
    return list(session.scalars(statement))


def record_login_failure(session: Session, *, user_id: str, now: datetime, keep_for: timedelta) -> None:
    """Count one failure, and forget failures too old to matter (for every user ID) so the table stays small."""
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - keep_for))
    session.add(LoginFailure(user_id=user_id, failed_at=now))


def clear_login_failures(session: Session, *, user_id: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.user_id == user_id))
