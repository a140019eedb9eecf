"""What endpoints receive: the database, the settings, the time, the calling device and the signed-in worker.

The dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency in its thread pool, and
that hand-off cost more than the work itself on every request. Push and pull read the token's holder in their own
transaction (``token_holder_or_401``) rather than through ``caller``, which opens one of its own.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, NoReturn

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from protocol.api import APP_VERSION_HEADER, PENDING_CHANGES_HEADER
from protocol.enums import RefusalCode
from server import crud, devices
from server.core.config import Settings
from server.db import Database
from server.devices import DeviceReport
from server.models import Worker
from server.visibility import may_see_reports

_bearer = HTTPBearer(auto_error=False, description="The token from `POST /auth/login`.")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}
_MAX_APP_VERSION = 40

DEVICE_REVOKED_DETAIL = "This device was reported lost. It can no longer be used with this server."
WORKER_DEACTIVATED_DETAIL = "This worker account was deactivated. It can no longer be used on this device."


class DeviceRefusal(Exception):
    """A call turned away for a reason the device must act on; ``code`` says what the device must remove.

    Answered 403 with the code (see ``server.main``), or 401 to an app too old to know the codes.
    """

    def __init__(self, code: RefusalCode, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


async def get_database(request: Request) -> Database:
    return request.app.state.database


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def utc_now() -> datetime:
    """The current time; a dependency so tests can move the clock (token expiry, sign-in lockouts)."""
    return datetime.now(UTC)


async def device_report(request: Request) -> DeviceReport:
    """What the device says about itself in its headers; anything unreadable counts as not said."""
    version = request.headers.get(APP_VERSION_HEADER)
    if version is not None:
        version = "".join(char for char in version if char.isprintable())[:_MAX_APP_VERSION]
    pending = request.headers.get(PENDING_CHANGES_HEADER, "")
    return DeviceReport(app_version=version, pending_changes=int(pending) if pending.isdecimal() else None)


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(utc_now)]
DeviceReportDep = Annotated[DeviceReport, Depends(device_report)]


async def bearer_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    if credentials is None:
        raise HTTPException(status_code=401, detail="Sign in first (no bearer token was sent).", headers=_CHALLENGE)
    return credentials.credentials


TokenDep = Annotated[str, Depends(bearer_token)]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the worker the token belongs to (maybe deactivated since) and the device it was issued to."""

    worker: Worker
    device_id: str
    token: str


def token_holder_or_401(session: Session, *, token: str, now: datetime) -> crud.TokenHolder:
    """Whose token this is, read in ``session``; 401 for an unknown, expired or signed-out token."""
    holder = crud.token_holder(session, token=token, now=now)
    if holder is None:
        raise HTTPException(
            status_code=401, detail="Your sign-in has expired or was revoked; sign in again.", headers=_CHALLENGE
        )
    return holder


def is_refused(holder: crud.TokenHolder, *, pushing: bool = False) -> bool:
    """Whether a call by ``holder`` is turned away: always from a revoked device, and from a deactivated worker
    unless it is a push.

    A deactivated worker's device may still hold sessions recorded before it learnt of the deactivation (offline,
    perhaps for days). Those must reach the server, so pushes with a sign-in issued before the deactivation are
    applied until that sign-in expires; the pull that follows is refused and the device then removes the worker's
    key.
    """
    revoked = holder.device is not None and holder.device.revoked_at is not None
    return revoked or (not pushing and not holder.worker.active)


def refuse(db: Database, holder: crud.TokenHolder, *, token: str, now: datetime) -> NoReturn:
    """Turn the call away, after noting it: a revoked device was told, a deactivated worker's sign-in ends."""
    if holder.device is not None and holder.device.revoked_at is not None:
        devices.note_refusal_told(db, device_id=holder.device_id, now=now)
        raise DeviceRefusal(RefusalCode.DEVICE_REVOKED, DEVICE_REVOKED_DETAIL)
    with db.writing() as session:
        crud.revoke_token(session, token=token)
    raise DeviceRefusal(RefusalCode.WORKER_DEACTIVATED, WORKER_DEACTIVATED_DETAIL)


def caller(db: DatabaseDep, token: TokenDep, now: NowDep, report: DeviceReportDep) -> Caller:
    """The token's worker and device, noted in the device registry; 401 for an unknown, expired or signed-out token,
    and a refusal for a revoked device."""
    with db.reading() as session:
        holder = token_holder_or_401(session, token=token, now=now)
    if is_refused(holder, pushing=True):
        refuse(db, holder, token=token, now=now)
    devices.note_contact(db, holder=holder, now=now, report=report)
    return Caller(worker=holder.worker, device_id=holder.device_id, token=token)


CallerDep = Annotated[Caller, Depends(caller)]


def current_worker(db: DatabaseDep, signed_in: CallerDep, now: NowDep) -> Worker:
    """The active worker calling. A deactivated worker is refused, and this sign-in ends: the device has been told."""
    if not signed_in.worker.active:
        holder = crud.TokenHolder(worker=signed_in.worker, device_id=signed_in.device_id, device=None)
        refuse(db, holder, token=signed_in.token, now=now)
    return signed_in.worker


CurrentWorker = Annotated[Worker, Depends(current_worker)]


def report_reader(worker: CurrentWorker) -> Worker:
    """The signed-in worker, if their role may read reports (403 otherwise)."""
    if not may_see_reports(worker):
        raise HTTPException(status_code=403, detail="Only supervisors and administrators can see the agency's reports.")
    return worker


ReportReader = Annotated[Worker, Depends(report_reader)]
