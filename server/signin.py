"""Signing a worker in, on a device or on the console, with guessing slowed down.

Unknown user IDs, wrong passwords and deactivated workers all get the same refusal, after the same amount of work.
Failures are counted per user ID in the database (so every server process sees them), whichever door they came
through: after too many within the window, that user ID is refused for a while, on devices and on the console
alike, even with the right password. Every sign-in and every refusal of a known worker goes into the audit trail.
A device reported lost is refused whoever signs in on it; a successful sign-in enters the device in the registry.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from credentials.passwords import check_secret, hash_secret, spend_check_time
from server import audit, crud, devices
from server.core.config import Settings
from server.db import Database
from server.devices import DeviceReport
from server.models import Agency, Worker

DEVICE = "device"
CONSOLE = "console"


class SignInRefused(Exception):
    """Wrong user ID or password, or the worker is deactivated; deliberately not saying which."""


class DeviceRevoked(Exception):
    """The device signing in was reported lost by the administrator."""


class SignInThrottled(Exception):
    """Too many failed attempts for this user ID; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"Too many failed sign-ins; try again in {retry_after} seconds.")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    expires_at: datetime
    worker: Worker
    agency: Agency
    device_key: str


def check_password(
    db: Database, *, settings: Settings, user_id: str, password: str, now: datetime, channel: str
) -> Worker:
    """The active worker these credentials belong to; raises SignInThrottled or SignInRefused (and counts it).

    The slow password check runs outside any writing transaction so it never holds up other writers.
    """
    with db.reading() as session:
        _refuse_if_throttled(session, settings=settings, user_id=user_id, now=now)
        worker = crud.get_worker(session, user_id=user_id)
    if worker is None:
        spend_check_time(password)
        accepted = False
    else:  # check the password even for a deactivated worker, so the refusal takes the usual time
        check = check_secret(password, worker.password_hash)
        accepted = check.matches and worker.active
        if accepted and check.needs_rehash:
            _store_fresh_hash(db, worker=worker, password=password)
    if worker is None or not accepted:
        with db.writing() as session:
            crud.record_login_failure(session, user_id=user_id, now=now, keep_for=settings.failed_login_window)
            if worker is not None:
                audit.record(session, at=now, actor=audit.Actor(user_id), action="sign_in_refused",
                             agency_id=worker.agency_id, channel=channel)  # fmt: skip
        raise SignInRefused("Invalid user ID or password")
    return worker


def _store_fresh_hash(db: Database, *, worker: Worker, password: str) -> None:
    """Replace a hash made by the earlier scheme or at an older cost, now that the password is known to be right."""
    fresh = hash_secret(password)
    with db.writing() as session:
        crud.set_password_hash(session, user_id=worker.user_id, password_hash=fresh)


def signed_in(session: Session, *, worker: Worker, now: datetime, channel: str, **details: str) -> None:
    """What every accepted sign-in writes, in the transaction that starts the sign-in: earlier failures are
    forgotten and the audit trail notes it."""
    crud.clear_login_failures(session, user_id=worker.user_id)
    audit.record(session, at=now, actor=audit.Actor(worker.user_id), action="sign_in", agency_id=worker.agency_id,
                 channel=channel, **details)  # fmt: skip


def sign_in(
    db: Database,
    *,
    settings: Settings,
    user_id: str,
    password: str,
    device_id: str,
    device_name: str,
    now: datetime,
    report: DeviceReport,
) -> SignedIn:
    """Check the password and issue a device token; raises DeviceRevoked, SignInThrottled or SignInRefused."""
    with db.reading() as session:
        device = crud.get_device(session, device_id=device_id)
    if device is not None and device.revoked_at is not None:
        devices.note_refusal_told(db, device_id=device_id, now=now)
        raise DeviceRevoked(device_id)
    worker = check_password(db, settings=settings, user_id=user_id, password=password, now=now, channel=DEVICE)
    with db.writing() as session:
        signed_in(session, worker=worker, now=now, channel=DEVICE, device=device_name)
        token, row = crud.issue_token(
            session,
            worker=worker,
            device_id=device_id,
            device_name=device_name,
            now=now,
            lifetime=settings.token_lifetime,
        )
        device = crud.record_device_contact(
            session,
            device_id=device_id,
            worker=worker,
            now=now,
            name=device_name,
            app_version=report.app_version,
            pending_changes=report.pending_changes,
        )
        agency = crud.get_agency(session, agency_id=worker.agency_id)
    return SignedIn(token=token, expires_at=row.expires_at, worker=worker, agency=agency, device_key=device.device_key)


def _refuse_if_throttled(session: Session, *, settings: Settings, user_id: str, now: datetime) -> None:
    failures = crud.recent_login_failures(session, user_id=user_id, since=now - settings.failed_login_window)
    if len(failures) < settings.failed_login_limit:
        return
    locked_until = failures[0] + settings.login_lockout
    if now < locked_until:
        raise SignInThrottled(retry_after=math.ceil((locked_until - now).total_seconds()))
