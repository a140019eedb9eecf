"""Reading and changing the central database's rows. Every function takes the open transaction first and the rest
by keyword; none of them commits (the caller's transaction decides).

Every change to a row a device mirrors goes through ``next_seq``, so the row's ``seq`` is the server change sequence
of its last change and pulls find it. A function that changes nothing leaves ``seq`` and ``version`` alone, so running
an import or the demo loader twice does not make every device download everything again.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, delete, literal, select, union_all, update
from sqlalchemy.orm import Session

from app.domain.codes import ROLES
from app.domain.sessions import KnownCodes
from server.core.security import new_device_key, new_token, token_digest
from server.models import (
    Agency,
    AuthToken,
    Device,
    DeviceWorker,
    Language,
    LoginFailure,
    ServerState,
    ServiceLocationType,
    Site,
    Worker,
)

_STATE_ID = 1
OFFLINE_SIGN_IN_DAYS_RANGE = range(1, 91)
IDLE_LOCK_MINUTES_RANGE = range(1, 61)


class NotFound(Exception):
    """The named agency, worker or site does not exist; the message says which."""


class AlreadyExists(Exception):
    """A record with that key exists already; the message says which."""


class InvalidSetting(ValueError):
    """A setting outside what the server accepts; the message says what is allowed."""


# --- change sequence -------------------------------------------------------------------------------------------------


def server_state(session: Session) -> ServerState:
    return session.execute(select(ServerState).where(ServerState.id == _STATE_ID)).scalar_one()


_state = ServerState.__table__
_COUNTER = select(_state.c.epoch, _state.c.last_seq, _state.c.history_from_seq).where(_state.c.id == _STATE_ID)


def counter(session: Session) -> Row[tuple[str, int, int]]:
    """The database's epoch, its last change sequence number and where the history it keeps begins (see
    server.retention), read without loading the ORM row (every pull asks; the statement is built once)."""
    return session.connection().execute(_COUNTER).one()


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


def set_agency_device_rules(
    session: Session, *, agency_id: str, offline_sign_in_days: int | None = None, idle_lock_minutes: int | None = None
) -> Agency:
    """Change how long devices allow offline sign-in and how soon they lock; devices receive the agency record again.

    None leaves a setting as it is. Raises InvalidSetting (nothing changed) for a value outside the allowed range.
    """
    _check_in(offline_sign_in_days, OFFLINE_SIGN_IN_DAYS_RANGE, "The offline sign-in period", "days")
    _check_in(idle_lock_minutes, IDLE_LOCK_MINUTES_RANGE, "The idle lock", "minutes")
    agency = get_agency(session, agency_id=agency_id)
    values = {"offline_sign_in_days": offline_sign_in_days, "idle_lock_minutes": idle_lock_minutes}
    if _changed(agency, {name: value for name, value in values.items() if value is not None}):
        _mark_changed(session, agency)
    return agency


def _check_in(value: int | None, allowed: range, what: str, unit: str) -> None:
    if value is not None and value not in allowed:
        raise InvalidSetting(f"{what} must be {allowed.start} to {allowed.stop - 1} {unit}; nothing was changed.")


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


def set_password_hash(session: Session, *, user_id: str, password_hash: str) -> None:
    session.execute(update(Worker).where(Worker.user_id == user_id).values(password_hash=password_hash))


def add_worker(session: Session, *, agency_id: str, user_id: str, name: str, role: str, password_hash: str) -> Worker:
    """Add an active worker; ``password_hash`` comes from ``credentials.passwords.hash_secret`` (hashed before the
    transaction, as it is deliberately slow)."""
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


def deactivate_worker(session: Session, *, user_id: str, now: datetime) -> Worker:
    """The worker can no longer sign in or pull, and devices drop them from their lists.

    Their sign-ins are kept so that their devices can still push what they recorded before they learnt of it (see
    ``api.deps.is_refused``); the device's next pull is refused, and the device then removes the worker's key.
    """
    worker = session.get(Worker, user_id)
    if worker is None:
        raise NotFound(f"There is no worker with user ID {user_id!r}.")
    if _changed(worker, {"active": False}):
        worker.deactivated_at = now
        _mark_changed(session, worker)
    return worker


def set_worker_fields(session: Session, *, worker: Worker, **values: object) -> None:
    """Change what devices show of a worker (name, role); they receive it at their next pull."""
    if _changed(worker, values):
        _mark_changed(session, worker)


def sign_out_everywhere(session: Session, *, user_id: str) -> None:
    """Every device of this worker must sign in again."""
    session.execute(delete(AuthToken).where(AuthToken.worker_user_id == user_id))


# --- global reference lists ------------------------------------------------------------------------------------------


def upsert_language(session: Session, *, code: str, name: str, name_fr: str | None = None) -> Language:
    """Add a language or rename it; ``name_fr`` None keeps the French name it has (an English rename)."""
    language = session.get(Language, code)
    if language is None:
        language = Language(code=code, name=name, name_fr=name_fr or "", version=1, seq=next_seq(session))
        session.add(language)
    elif _changed(language, _names(name=name, name_fr=name_fr)):
        _mark_changed(session, language)
    return language


def upsert_location_type(
    session: Session, *, code: str, label: str, label_fr: str | None = None
) -> ServiceLocationType:
    """Add a type of service location or rename it; ``label_fr`` None keeps its French name."""
    location_type = session.get(ServiceLocationType, code)
    if location_type is None:
        location_type = ServiceLocationType(
            code=code, label=label, label_fr=label_fr or "", version=1, seq=next_seq(session)
        )
        session.add(location_type)
    elif _changed(location_type, _names(label=label, label_fr=label_fr)):
        _mark_changed(session, location_type)
    return location_type


def _names(**names: str | None) -> dict[str, str]:
    """The names given (a French one left out when None: kept as it is)."""
    return {column: name for column, name in names.items() if name is not None}


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


def known_codes(session: Session, *, worker: Worker, among: KnownCodes) -> KnownCodes:
    """Which of the codes in ``among`` a session pushed by ``worker`` may refer to: the agency's active sites and
    workers, and the shared lists.

    Only the codes a push names are looked up, not whole lists (an agency's worker list grows with its staff, and
    reading all of it for every push made a push's cost grow with the agency), in one statement built once. A worker
    deactivated since recording a session may still name themselves among its staff (their device delivers what
    they recorded before it learnt of the deactivation).
    """
    wanted = {kind: sorted(getattr(among, kind) or ()) for kind in _KNOWN_KINDS}
    found: dict[str, set[str]] = {kind: set() for kind in _KNOWN_KINDS}
    found["workers"].add(worker.user_id)
    for kind, code in session.connection().execute(_KNOWN, {"agency": worker.agency_id, **wanted}):
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


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """Who a token belongs to (active or deactivated since), the device it was issued to, and that device's row as
    last written (None before its first contact), all detached: to read, never to change."""

    worker: Worker
    device_id: str
    device: Device | None


_token, _device = AuthToken.__table__, Device.__table__
_DEVICE_COLUMNS = [column.label(f"device_{column.name}") for column in _device.c]
_TOKEN_HOLDER = (
    select(*_worker.c, _token.c.device_id.label("token_device_id"), *_DEVICE_COLUMNS)
    .join(_token, _token.c.worker_user_id == _worker.c.user_id)
    .outerjoin(_device, _device.c.device_id == _token.c.device_id)
    .where(_token.c.token_hash == bindparam("token_hash"), _token.c.expires_at > bindparam("now"))
)


def token_holder(session: Session, *, token: str, now: datetime) -> TokenHolder | None:
    """Whose unexpired token this is, or None.

    Every request asks this first, so the statement is built once and runs on the Core connection.
    """
    found = session.connection().execute(_TOKEN_HOLDER, {"token_hash": token_digest(token), "now": now}).first()
    if found is None:
        return None
    row = found._mapping
    worker = Worker(**{column.name: row[column.name] for column in _worker.c})
    device = None
    if row["device_device_id"] is not None:
        device = Device(**{column.name: row[f"device_{column.name}"] for column in _device.c})
    return TokenHolder(worker=worker, device_id=row["token_device_id"], device=device)


# --- devices ---------------------------------------------------------------------------------------------------------


def get_device(session: Session, *, device_id: str) -> Device | None:
    return session.get(Device, device_id)


def record_device_contact(
    session: Session,
    *,
    device_id: str,
    worker: Worker,
    now: datetime,
    name: str | None = None,
    app_version: str | None = None,
    pending_changes: int | None = None,
) -> Device:
    """Note that ``worker`` called from this device now, with what the device said about itself (None: not said).

    The device joins the worker's agency: a tablet handed from one agency to another is listed by the new one.
    """
    device = session.get(Device, device_id)
    if device is None:
        device = Device(device_id=device_id, name="", first_seen_at=now, app_version="", device_key=new_device_key())
        session.add(device)
    elif not device.device_key:  # entered from a sign-in token before devices had keys
        device.device_key = new_device_key()
    device.agency_id = worker.agency_id
    device.last_user_id = worker.user_id
    device.last_contact_at = now
    if name is not None:
        device.name = name
    if app_version is not None:
        device.app_version = app_version
    if pending_changes is not None:
        device.pending_changes = pending_changes
    session.merge(DeviceWorker(device_id=device_id, user_id=worker.user_id, last_contact_at=now))
    return device


def agency_devices(session: Session, *, agency_id: str) -> list[Device]:
    """The agency's devices, the most recent contact first."""
    order = (Device.last_contact_at.desc(), Device.device_id)
    return list(session.scalars(select(Device).where(Device.agency_id == agency_id).order_by(*order)))


def device_workers(session: Session, *, device_ids: list[str]) -> dict[str, list[str]]:
    """Who signed in on each of these devices, the most recent first."""
    workers: dict[str, list[str]] = {device_id: [] for device_id in device_ids}
    users = select(DeviceWorker.device_id, DeviceWorker.user_id).where(DeviceWorker.device_id.in_(device_ids))
    for device_id, user_id in session.execute(users.order_by(DeviceWorker.last_contact_at.desc())):
        workers[device_id].append(user_id)
    return workers


def revoke_device(session: Session, *, device_id: str, now: datetime) -> Device:
    """Mark the device lost: from its next contact on, every call from it is refused and it wipes itself."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound(f"There is no device with ID {device_id!r}.")
    if device.revoked_at is None:
        device.revoked_at = now
    return device


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
