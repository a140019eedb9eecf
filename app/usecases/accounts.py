"""Signing in and out on a device, and what the device knows about itself.

The first sign-in needs the server; it leaves an Argon2id hash of the password on the device so the worker can
sign in again without a connection, within the agency's offline period since the server last accepted them (see
``app.domain.device_access``). The server stays the judge whenever it can be reached: a password it refuses
stops working offline too (a deactivated worker's device forgets them on its next try). Signing out never
deletes data: unsynced changes stay queued until their author signs in again and syncs.

Several workers share a tablet one at a time (``app.usecases.shared_device``): switching worker ends the sign-in
but keeps the worker's token in the encrypted store, so their queued changes go on reaching the server under their
own name while a colleague holds the tablet.
"""

import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.domain.device_access import offline_sign_in_allowed
from app.domain.errors import FieldError
from app.domain.words import N_
from app.store import erase
from app.store.db import DeviceDatabase
from app.store.models import LocalAccountRow
from app.store.outbox import NEEDS_ATTENTION, PENDING
from app.store.repositories import SyncKey
from app.store.unit_of_work import UnitOfWork
from app.usecases import shared_device
from app.usecases.context import Actor, UnitsOfWork, utc_now
from credentials.passwords import check_secret, hash_secret, scrypt_hash_of
from protocol.problems import WireErrors
from protocol.records import AgencyData, decode
from sync.engine import Database as SyncedDatabase
from sync.engine import SyncEngine
from sync.pacing import LinkPaces
from sync.transport import (
    DeviceRevoked,
    InsecureServer,
    Offline,
    ServerError,
    Throttled,
    Transport,
    TransportError,
    Unauthorized,
)

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
DEVICE_REVOKED = N_(
    "This device was reported lost, so everything Outpost kept on it was deleted. Ask your administrator for help."
)
WORKER_DEACTIVATED = N_("Your account is no longer active, so this device forgot you. Your work reached the server.")


TransportFactory = Callable[..., Transport]
"""Builds a transport: ``factory(server_url, token=None)``; ``HttpTransport`` itself is one."""


class SignInFailed(Exception):
    """Sign-in did not succeed. ``message`` is an English template for the sign-in screen (marked for the catalog),
    filled in with ``params`` once translated; ``reason`` is the server's problem its ``{reason}`` names."""

    def __init__(self, message: str, /, *, reason: FieldError | None = None, **params: str):
        super().__init__(message.format(**params, **({"reason": reason.message} if reason else {})))
        self.message = message
        self.reason = reason
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


class PasswordRefused(SignInFailed):
    """The server refused the password: it must stop working offline too."""

    def __init__(self) -> None:
        super().__init__(INVALID_CREDENTIALS)


class DeviceWasRevoked(SignInFailed):
    """The server says this device was reported lost: everything on it goes."""

    def __init__(self) -> None:
        super().__init__(DEVICE_REVOKED)


def sign_in(
    db: UnitsOfWork,
    transport_factory: TransportFactory,
    server_url: str,
    user_id: str,
    password: str,
    device_name: str,
) -> SignedIn:
    """Sign in on the server if it can be reached, else against this device's copy of the password, on a store
    that is already open (``device_sign_in`` opens the device's encrypted store first)."""
    user_id, server_url = cleaned_credentials(user_id, password, server_url)
    device_id = ensure_device_id(db)
    try:
        answer = ask_server(transport_factory, server_url, user_id, password, device_id, device_name)
    except PasswordRefused:
        forget_account(db, user_id)
        raise
    except DeviceWasRevoked:
        wipe_device(db)
        raise
    refuse_if_others_work_waits(db, user_id, answer, transport_factory, server_url)
    return finish_sign_in(db, answer, server_url, user_id, password, device_name)


def cleaned_credentials(user_id: str, password: str, server_url: str) -> tuple[str, str]:
    """The user ID and server as typed, without stray spaces or a trailing slash; refuses an empty one."""
    user_id, server_url = user_id.strip(), server_url.strip().rstrip("/")
    if not user_id or not password:
        raise SignInFailed(MISSING_CREDENTIALS)
    return user_id, server_url


def ask_server(
    transport_factory: TransportFactory,
    server_url: str,
    user_id: str,
    password: str,
    device_id: str,
    device_name: str,
) -> dict[str, Any] | None:
    """The server's answer to a sign-in, or None when it cannot be reached (the device's copy decides then).
    Raises SignInFailed when it refuses: PasswordRefused and DeviceWasRevoked need the caller to act on them."""
    try:
        return transport_factory(server_url).login(user_id, password, device_id, device_name)
    except Unauthorized:
        raise PasswordRefused() from None
    except Throttled:
        raise SignInFailed(TOO_MANY_ATTEMPTS) from None
    except InsecureServer as refusal:
        raise SignInFailed(refusal.problem.message) from None
    except DeviceRevoked:
        raise DeviceWasRevoked() from None
    except (Offline, ServerError):
        return None
    except TransportError as exc:
        raise SignInFailed(SERVER_REFUSED, reason=exc.problem) from exc


def finish_sign_in(
    db: UnitsOfWork,
    answer: dict[str, Any] | None,
    server_url: str,
    user_id: str,
    password: str,
    device_name: str,
    *,
    password_proven: bool = False,
) -> SignedIn:
    """With the server's answer, remember the worker and their token; without one (out of reach), check the
    password against this device's copy (unless ``password_proven``: it just opened the worker's own wrap of the
    data key) and the agency's offline period."""
    if answer is None:
        return SignedIn(actor=_sign_in_offline(db, user_id, password, password_proven), online=False)
    actor = _remember(db, answer, password, server_url=server_url, device_name=device_name)
    return SignedIn(actor=actor, online=True)


def switch_worker(db: UnitsOfWork) -> None:
    """End the sign-in so the next worker can sign in, without a goodbye to the server: the token stays (in the
    encrypted store), so what the worker queued keeps reaching the server under their name. Every record stays
    until the next worker signs in (``shared_device.hand_over``)."""
    with db.writing() as uow:
        uow.sync_state.set(SyncKey.SIGNED_IN, "")
        uow.commit()


def sign_out(db: UnitsOfWork, transport_factory: TransportFactory) -> None:
    """End the sign-in: revoke the token on the server when reachable, forget it here, keep every record."""
    with db.reading() as uow:
        account = _current_account(uow)
        server_url = uow.sync_state.get(SyncKey.SERVER_URL)
    if account is not None and account.token:
        # Offline or already expired: the token is dropped here anyway and expires on the server.
        with contextlib.suppress(TransportError):
            transport_factory(server_url, token=account.token).logout()
    with db.writing() as uow:
        if (account := _current_account(uow)) is not None:
            account.token = ""
            account.token_expires_at = ""
        uow.sync_state.set(SyncKey.SIGNED_IN, "")
        uow.commit()


def current_actor(db: UnitsOfWork) -> Actor | None:
    """The signed-in worker, or None."""
    with db.reading() as uow:
        if uow.sync_state.get(SyncKey.SIGNED_IN) != "1":
            return None
        account = _current_account(uow)
    return _actor(account) if account else None


def device_info(db: UnitsOfWork) -> DeviceInfo:
    with db.reading() as uow:
        counts = uow.outbox.counts()
        state = uow.sync_state
        last_sync = state.get(SyncKey.LAST_SYNC)
        return DeviceInfo(
            device_id=state.get(SyncKey.DEVICE_ID),
            device_name=state.get(SyncKey.DEVICE_NAME),
            server_url=state.get(SyncKey.SERVER_URL),
            user_id=state.get(SyncKey.USER),
            last_sync=datetime.fromisoformat(last_sync) if last_sync else None,
            pending=counts[PENDING],
            needs_attention=counts[NEEDS_ATTENTION],
        )


def ensure_device_id(db: UnitsOfWork, known: str = "") -> str:
    """This device's id: ``known`` when the device keeps it elsewhere (its settings file), else made once (a random
    UUID); then always the same."""
    with db.writing() as uow:
        device_id = uow.sync_state.get(SyncKey.DEVICE_ID)
        if not device_id or (known and device_id != known):
            device_id = known or str(uuid.uuid4())
            uow.sync_state.set(SyncKey.DEVICE_ID, device_id)
            uow.commit()
    return device_id


def sync_engine_factory(
    db: SyncedDatabase, transport_factory: TransportFactory, pace: LinkPaces | None = None
) -> Callable[[], SyncEngine]:
    """For the runner: an engine with the current server, token and device id, read afresh for every sync. Changes
    other workers queued on this device go under their own tokens (see ``author_transports``). The sizes of pushes
    and pull pages carry over from one sync to the next: they follow the link (``sync.pacing``), or stay as ``pace``
    fixes them."""
    pace = pace or LinkPaces()

    def build() -> SyncEngine:
        with db.reading() as uow:
            account = _current_account(uow) if uow.sync_state.get(SyncKey.SIGNED_IN) == "1" else None
            server_url = uow.sync_state.get(SyncKey.SERVER_URL)
            device_id = uow.sync_state.get(SyncKey.DEVICE_ID)
        if account is None or not account.token or not server_url:
            raise Unauthorized(NOT_SIGNED_IN)
        if _expired(account):
            raise Unauthorized(SESSION_EXPIRED)
        transport = transport_factory(server_url, token=account.token)
        others = author_transports(db, transport_factory, server_url)
        return SyncEngine(db, transport, device_id=device_id, author=account.user_id, others=others, pace=pace)

    return build


def author_transports(
    db: SyncedDatabase, transport_factory: TransportFactory, server_url: str
) -> Callable[[str], Transport | None]:
    """A transport signed in as a worker who queued changes here, with the token the device keeps for them, or None
    when it keeps none that is still good (they signed out, or the server refused it): their changes wait for their
    next sign-in."""

    def transport_for(author: str) -> Transport | None:
        with db.reading() as uow:
            account = uow.accounts.get(author)
        if account is None or not account.token or _expired(account):
            return None
        return transport_factory(server_url, token=account.token)

    return transport_for


def _expired(account: LocalAccountRow) -> bool:
    expires = account.token_expires_at
    return bool(expires) and datetime.fromisoformat(expires) <= datetime.now(UTC)


# --- helpers -----------------------------------------------------------------------------------------------------


def check_password(account: LocalAccountRow, password: str) -> bool:
    """Whether ``password`` is this worker's; a right one stored by the earlier scheme (scrypt, its salt in a column
    of its own) or at an older cost is hashed afresh, so the caller's commit keeps today's hash."""
    stored = account.password_hash
    if account.password_salt:
        stored = scrypt_hash_of(bytes.fromhex(account.password_salt), bytes.fromhex(account.password_hash))
    check = check_secret(password, stored)
    if check.matches and check.needs_rehash:
        account.password_salt, account.password_hash = "", hash_secret(password)
    return check.matches


def matches_device_copy(db: UnitsOfWork, user_id: str, password: str) -> bool:
    """Whether ``password`` is the one this device last accepted from ``user_id`` (nothing is written)."""
    with db.reading() as uow:
        account = uow.accounts.get(user_id)
        return account is not None and check_password(account, password)


def _current_account(uow: UnitOfWork) -> LocalAccountRow | None:
    return uow.accounts.get(uow.sync_state.get(SyncKey.USER))


def _actor(account: LocalAccountRow) -> Actor:
    return Actor(
        user_id=account.user_id,
        name=account.name,
        role=account.role,
        agency_id=account.agency_id,
        agency_name=account.agency_name,
    )


def refuse_if_others_work_waits(
    db: UnitsOfWork,
    user_id: str,
    answer: dict[str, Any] | None,
    transport_factory: TransportFactory | None = None,
    server_url: str = "",
) -> None:
    """Colleagues of the same agency share the tablet, their changes waiting side by side; a worker of another
    agency waits until every change here reached the server (clients are an agency's). The token an online answer
    just issued is dropped when the sign-in goes no further."""
    with db.reading() as uow:
        known = uow.accounts.get(user_id)
        agency_id = _agency_of(answer) or (known.agency_id if known else "")
        others = shared_device.other_agency_authors(uow, agency_id) if agency_id else []
    if others:
        if answer is not None and transport_factory is not None:
            with contextlib.suppress(TransportError):
                transport_factory(server_url, token=str(answer["token"])).logout()
        who = ", ".join(f"{account.name} ({account.user_id})" for account in others)
        raise SignInFailed(shared_device.OTHER_AGENCYS_WORK_WAITS, who=who)


def _agency_of(answer: dict[str, Any] | None) -> str:
    worker, agency = (answer or {}).get("worker") or {}, (answer or {}).get("agency") or {}
    return str(worker.get("agency_id") or agency.get("id") or "")


def _sign_in_offline(db: UnitsOfWork, user_id: str, password: str, password_proven: bool = False) -> Actor:
    with db.writing() as uow:
        account = uow.accounts.get(user_id)
        if account is None:
            raise SignInFailed(FIRST_SIGN_IN_OFFLINE)
        if not password_proven and not check_password(account, password):
            raise SignInFailed(INVALID_CREDENTIALS)
        offline_days = uow.reference.offline_sign_in_days(account.agency_id)
        if not offline_sign_in_allowed(_last_contact(uow, account), datetime.now(UTC), offline_days):
            raise SignInFailed(OFFLINE_PERIOD_OVER, days=str(offline_days))
        _make_current(uow, account)
        account.last_sign_in = utc_now()
        uow.commit()
        return _actor(account)


def _last_contact(uow: UnitOfWork, account: LocalAccountRow) -> datetime | None:
    """When the server last accepted this worker from this device: their online sign-in, or a later sync of theirs."""
    times = [account.last_contact]
    if uow.sync_state.get(SyncKey.USER) == account.user_id:
        times.append(uow.sync_state.get(SyncKey.LAST_SYNC))
    known = [datetime.fromisoformat(when) for when in times if when]
    return max(known) if known else None


def _remember(db: UnitsOfWork, answer: dict[str, Any], password: str, *, server_url: str, device_name: str) -> Actor:
    """Store what the server said about the worker, a local hash of the password, and the token."""
    worker, agency = answer.get("worker") or {}, answer.get("agency") or {}
    with db.writing() as uow:
        account = uow.accounts.put(
            LocalAccountRow(
                user_id=str(worker["user_id"]),
                name=str(worker.get("name") or worker["user_id"]),
                role=str(worker.get("role") or "worker"),
                agency_id=str(worker.get("agency_id") or agency.get("id") or ""),
                agency_name=str(agency.get("name") or ""),
                password_salt="",  # the Argon2id hash holds its own salt
                password_hash=hash_secret(password),
                token=str(answer["token"]),
                token_expires_at=str(answer.get("expires_at") or ""),
                last_sign_in=utc_now(),
                last_contact=utc_now(),
                password_failures=0,
            )
        )
        _make_current(uow, account)
        if agency.get("id"):
            settings = _agency_settings(agency)
            uow.reference.put_agency(
                str(agency["id"]),
                account.agency_name,
                offline_sign_in_days=settings.offline_sign_in_days if settings else None,
                idle_lock_minutes=settings.idle_lock_minutes if settings else None,
            )
        uow.sync_state.set(SyncKey.SERVER_URL, server_url)
        uow.sync_state.set(SyncKey.DEVICE_NAME, device_name)
        uow.commit()
        return _actor(account)


def _agency_settings(agency: dict[str, Any]) -> AgencyData | None:
    """The agency's device settings as the sign-in answer carries them, so the idle lock and the offline period
    hold from the first minute rather than from the first pull (a server from before them means the defaults;
    an answer that cannot be read leaves the device's as they are)."""
    try:
        return decode(agency, AgencyData, trusted=True)
    except WireErrors:
        return None


def _make_current(uow: UnitOfWork, account: LocalAccountRow) -> None:
    """Mark ``account``'s worker signed in. A different worker than before starts from an empty copy of the
    server's data but for records with changes waiting, shown as far as they may see them: what the previous worker
    could see (their sessions) is not theirs to see (``shared_device.hand_over``)."""
    previous = uow.sync_state.get(SyncKey.USER)
    if previous and previous != account.user_id:
        shared_device.hand_over(uow, shared_device.viewer_of(account))
    uow.sync_state.set(SyncKey.USER, account.user_id)
    uow.sync_state.set(SyncKey.SIGNED_IN, "1")


def forget_account(db: UnitsOfWork, user_id: str) -> None:
    """The server refused this password: it must not keep working offline (e.g. the worker was deactivated)."""
    with db.writing() as uow:
        uow.accounts.forget(user_id)
        uow.commit()


def wipe_device(db: UnitsOfWork) -> None:
    """The server says this device was reported lost: delete every record, queued change and worker, and every wrap
    of the data key. Only the device's id and server stay, so the server goes on refusing it whoever signs in."""
    with db.writing() as uow:
        kept = {key: uow.sync_state.get(key) for key in (SyncKey.DEVICE_ID, SyncKey.SERVER_URL)}
        uow.erase_every_row()
        for key, value in kept.items():
            uow.sync_state.set(key, value)
        uow.commit()
    if isinstance(db, DeviceDatabase):  # an in-memory stand-in has no files to scrub
        erase.scrub_files(db)


def forget_worker(db: UnitsOfWork, user_id: str) -> None:
    """The server says ``user_id`` was deactivated (after taking every change they had queued): sign them out and
    remove what lets them in offline. The records stay, for whoever signs in next."""
    with db.writing() as uow:
        uow.accounts.forget(user_id)
        if uow.sync_state.get(SyncKey.USER) == user_id:
            uow.sync_state.set(SyncKey.SIGNED_IN, "")
        uow.commit()
    if isinstance(db, DeviceDatabase):
        erase.remove_wrap(db, user_id)
