"""Signing in and out on a device, and what the device knows about itself.

The first sign-in needs the server; it leaves a salted scrypt hash of the password on the device so the worker can
sign in again without a connection, within the agency's offline period since the server last accepted them (see
``app.domain.device_access``). The server stays the judge whenever it can be reached: a password it refuses
stops working offline too (a deactivated worker's device forgets them on its next try). Signing out never
deletes data: unsynced changes stay queued until their author signs in again and syncs.
"""

import contextlib
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DbSession

from app.domain.device_access import offline_sign_in_allowed
from app.domain.words import N_
from app.store import repository
from app.store.db import DeviceDatabase
from app.store.models import (
    AgencyRow,
    ClientRow,
    LanguageRow,
    LocalAccountRow,
    LocationTypeRow,
    OutboxRow,
    SessionRow,
    SiteRow,
    WorkerRow,
)
from app.usecases.context import Actor, utc_now
from protocol.records import DEFAULT_OFFLINE_SIGN_IN_DAYS
from sync.engine import CURSOR_KEY, LAST_SYNC_KEY, SyncEngine
from sync.transport import (
    InsecureServer,
    Offline,
    ServerError,
    Throttled,
    Transport,
    TransportError,
    Unauthorized,
)

DEVICE_ID_KEY = "device_id"
DEVICE_NAME_KEY = "device_name"
SERVER_URL_KEY = "server_url"
USER_KEY = "user_id"  # the worker whose data this device holds (kept after sign-out)
SIGNED_IN_KEY = "signed_in"  # "1" while that worker is signed in

INVALID_CREDENTIALS = N_("Invalid user ID or password")
FIRST_SIGN_IN_OFFLINE = N_("This device needs a connection for the first sign-in.")
OFFLINE_PERIOD_OVER = N_(
    "This device has not reached the server for you in {days} days. Connect to the network to sign in."
)
TOO_MANY_ATTEMPTS = N_("Too many sign-in attempts. Wait a few minutes and try again.")
MISSING_CREDENTIALS = N_("Enter your user ID and password.")
SESSION_EXPIRED = N_("Your sign-in has expired. Sign in again.")
NOT_SIGNED_IN = N_("Sign in to sync.")
SERVER_REFUSED = N_("The server did not accept the sign-in: {reason}")
OTHERS_WORK_WAITS = N_(
    "Changes made by {who} have not reached the server yet. "
    "They need to sign in and sync before someone else uses this device."
)

# scrypt at n=2**14, r=8 (16 MiB, tens of milliseconds): slow for a guesser with a copied database, quick to sign in.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}

TransportFactory = Callable[..., Transport]
"""Builds a transport: ``factory(server_url, token=None)``; ``HttpTransport`` itself is one."""


class SignInFailed(Exception):
    """Sign-in did not succeed. ``message`` is an English template for the sign-in screen (marked for the catalog),
    filled in with ``params`` once translated."""

    def __init__(self, message: str, **params: str):
        super().__init__(message.format(**params))
        self.message = message
        self.params = params


@dataclass(frozen=True, slots=True)
class SignedIn:
    actor: Actor
    online: bool  # False when the password was checked against this device's copy only


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What My Profile shows about this device."""

    device_id: str
    device_name: str
    server_url: str
    user_id: str
    last_sync: datetime | None
    pending: int
    needs_attention: int


def sign_in(
    db: DeviceDatabase,
    transport_factory: TransportFactory,
    server_url: str,
    user_id: str,
    password: str,
    device_name: str,
) -> SignedIn:
    """Sign in on the server if it can be reached, else against this device's copy of the password."""
    user_id, server_url = user_id.strip(), server_url.strip().rstrip("/")
    if not user_id or not password:
        raise SignInFailed(MISSING_CREDENTIALS)
    device_id = ensure_device_id(db)
    _refuse_if_others_work_waits(db, user_id)
    try:
        answer = transport_factory(server_url).login(user_id, password, device_id, device_name)
    except Unauthorized:
        _forget_account(db, user_id)
        raise SignInFailed(INVALID_CREDENTIALS) from None
    except Throttled:
        raise SignInFailed(TOO_MANY_ATTEMPTS) from None
    except InsecureServer as refusal:
        raise SignInFailed(str(refusal)) from None
    except (Offline, ServerError):
        return SignedIn(actor=_sign_in_offline(db, user_id, password), online=False)
    except TransportError as exc:
        raise SignInFailed(SERVER_REFUSED, reason=str(exc)) from exc
    actor = _remember(db, answer, password, server_url=server_url, device_name=device_name)
    return SignedIn(actor=actor, online=True)


def sign_out(db: DeviceDatabase, transport_factory: TransportFactory) -> None:
    """End the sign-in: revoke the token on the server when reachable, forget it here, keep every record."""
    with db.reads() as tx:
        account = _current_account(tx)
        server_url = repository.get_state(tx, SERVER_URL_KEY)
    if account is not None and account.token:
        # Offline or already expired: the token is dropped here anyway and expires on the server.
        with contextlib.suppress(TransportError):
            transport_factory(server_url, token=account.token).logout()
    with db.sessions.begin() as tx:
        if (account := _current_account(tx)) is not None:
            account.token = ""
            account.token_expires_at = ""
        repository.set_state(tx, SIGNED_IN_KEY, "")


def current_actor(db: DeviceDatabase) -> Actor | None:
    """The signed-in worker, or None."""
    with db.reads() as tx:
        if repository.get_state(tx, SIGNED_IN_KEY) != "1":
            return None
        account = _current_account(tx)
    return _actor(account) if account else None


def device_info(db: DeviceDatabase) -> DeviceInfo:
    with db.reads() as tx:
        counts = repository.outbox_counts(tx)
        last_sync = repository.get_state(tx, LAST_SYNC_KEY)
        return DeviceInfo(
            device_id=repository.get_state(tx, DEVICE_ID_KEY),
            device_name=repository.get_state(tx, DEVICE_NAME_KEY),
            server_url=repository.get_state(tx, SERVER_URL_KEY),
            user_id=repository.get_state(tx, USER_KEY),
            last_sync=datetime.fromisoformat(last_sync) if last_sync else None,
            pending=counts[repository.PENDING],
            needs_attention=counts[repository.NEEDS_ATTENTION],
        )


def ensure_device_id(db: DeviceDatabase) -> str:
    """This device's id: made once (a random UUID), then always the same."""
    with db.sessions.begin() as tx:
        device_id = repository.get_state(tx, DEVICE_ID_KEY)
        if not device_id:
            device_id = str(uuid.uuid4())
            repository.set_state(tx, DEVICE_ID_KEY, device_id)
    return device_id


def sync_engine_factory(db: DeviceDatabase, transport_factory: TransportFactory) -> Callable[[], SyncEngine]:
    """For the runner: an engine with the current server, token and device id, read afresh for every sync."""

    def build() -> SyncEngine:
        with db.reads() as tx:
            account = _current_account(tx) if repository.get_state(tx, SIGNED_IN_KEY) == "1" else None
            server_url = repository.get_state(tx, SERVER_URL_KEY)
            device_id = repository.get_state(tx, DEVICE_ID_KEY)
        if account is None or not account.token or not server_url:
            raise Unauthorized(NOT_SIGNED_IN)
        if account.token_expires_at and datetime.fromisoformat(account.token_expires_at) <= datetime.now(UTC):
            raise Unauthorized(SESSION_EXPIRED)
        return SyncEngine(db, transport_factory(server_url, token=account.token), device_id=device_id)

    return build


# --- helpers -----------------------------------------------------------------------------------------------------


def hash_password(password: str, salt: bytes) -> str:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT).hex()


def _password_matches(account: LocalAccountRow, password: str) -> bool:
    expected = hash_password(password, bytes.fromhex(account.password_salt))
    return hmac.compare_digest(expected, account.password_hash)


def _current_account(tx: DbSession) -> LocalAccountRow | None:
    user_id = repository.get_state(tx, USER_KEY)
    return tx.get(LocalAccountRow, user_id) if user_id else None


def _actor(account: LocalAccountRow) -> Actor:
    return Actor(
        user_id=account.user_id,
        name=account.name,
        role=account.role,
        agency_id=account.agency_id,
        agency_name=account.agency_name,
    )


def _refuse_if_others_work_waits(db: DeviceDatabase, user_id: str) -> None:
    """Another worker's unsynced changes must reach the server under their own name before anyone else signs in."""
    with db.reads() as tx:
        previous_id = repository.get_state(tx, USER_KEY)
        previous = tx.get(LocalAccountRow, previous_id) if previous_id else None
        waiting = tx.scalar(select(OutboxRow.seq).limit(1)) is not None
    if previous_id and previous_id != user_id and waiting:
        who = f"{previous.name} ({previous_id})" if previous else previous_id
        raise SignInFailed(OTHERS_WORK_WAITS, who=who)


def _sign_in_offline(db: DeviceDatabase, user_id: str, password: str) -> Actor:
    with db.sessions.begin() as tx:
        account = tx.get(LocalAccountRow, user_id)
        if account is None:
            raise SignInFailed(FIRST_SIGN_IN_OFFLINE)
        if not _password_matches(account, password):
            raise SignInFailed(INVALID_CREDENTIALS)
        agency = tx.get(AgencyRow, account.agency_id)
        offline_days = agency.offline_sign_in_days if agency is not None else DEFAULT_OFFLINE_SIGN_IN_DAYS
        if not offline_sign_in_allowed(_last_contact(tx, account), datetime.now(UTC), offline_days):
            raise SignInFailed(OFFLINE_PERIOD_OVER, days=str(offline_days))
        _make_current(tx, user_id)
        account.last_sign_in = utc_now()
        return _actor(account)


def _last_contact(tx: DbSession, account: LocalAccountRow) -> datetime | None:
    """When the server last accepted this worker from this device: their online sign-in, or a later sync of theirs."""
    times = [account.last_contact]
    if repository.get_state(tx, USER_KEY) == account.user_id:
        times.append(repository.get_state(tx, LAST_SYNC_KEY))
    known = [datetime.fromisoformat(when) for when in times if when]
    return max(known) if known else None


def _remember(db: DeviceDatabase, answer: dict[str, Any], password: str, *, server_url: str, device_name: str) -> Actor:
    """Store what the server said about the worker, a local hash of the password, and the token."""
    worker, agency = answer.get("worker") or {}, answer.get("agency") or {}
    salt = secrets.token_bytes(16)
    with db.sessions.begin() as tx:
        _make_current(tx, str(worker["user_id"]))
        account = tx.merge(
            LocalAccountRow(
                user_id=str(worker["user_id"]),
                name=str(worker.get("name") or worker["user_id"]),
                role=str(worker.get("role") or "worker"),
                agency_id=str(worker.get("agency_id") or agency.get("id") or ""),
                agency_name=str(agency.get("name") or ""),
                password_salt=salt.hex(),
                password_hash=hash_password(password, salt),
                token=str(answer["token"]),
                token_expires_at=str(answer.get("expires_at") or ""),
                last_sign_in=utc_now(),
                last_contact=utc_now(),
                password_failures=0,
            )
        )
        if agency.get("id"):
            tx.merge(AgencyRow(id=str(agency["id"]), name=account.agency_name))
        repository.set_state(tx, SERVER_URL_KEY, server_url)
        repository.set_state(tx, DEVICE_NAME_KEY, device_name)
        return _actor(account)


def _make_current(tx: DbSession, user_id: str) -> None:
    """Mark ``user_id`` signed in. A different worker than before starts from an empty copy of the server's data:
    what the previous worker could see (their sessions, another agency's clients) is not theirs to see."""
    previous = repository.get_state(tx, USER_KEY)
    if previous and previous != user_id:
        _clear_server_copy(tx)
    repository.set_state(tx, USER_KEY, user_id)
    repository.set_state(tx, SIGNED_IN_KEY, "1")


def _clear_server_copy(tx: DbSession) -> None:
    """Remove every row that came from the server and restart the pull. Only called with an empty outbox."""
    for model in (SessionRow, ClientRow, SiteRow, WorkerRow, LanguageRow, LocationTypeRow, AgencyRow):
        tx.execute(delete(model))
    repository.set_state(tx, CURSOR_KEY, "")
    repository.set_state(tx, LAST_SYNC_KEY, "")


def _forget_account(db: DeviceDatabase, user_id: str) -> None:
    """The server refused this password: it must not keep working offline (e.g. the worker was deactivated)."""
    with db.sessions.begin() as tx:
        tx.execute(delete(LocalAccountRow).where(LocalAccountRow.user_id == user_id))
