"""Devices and the rules they follow: what the administrator sees and changes, and what each call from a device notes.

The administrator's functions (list, revoke, read and change the agency's device settings) take the database and
return plain values, so the command line and the console call the same ones; a revocation or a changed setting is
kept in the audit trail in the same transaction. A device is noted at sign-in and on every call it makes with a
token: who called, when, with which app version and how many changes it still holds.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from server import audit, crud
from server.audit import Actor
from server.db import Database
from server.models import Agency, Device

# A device calls several times a sync; its row is written again only when what it reports changed or after this.
CONTACT_REFRESH = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class DeviceSummary:
    """One device as the administrator's list shows it."""

    device_id: str
    name: str
    workers: tuple[str, ...]  # who signed in on it, the most recent first
    last_contact_at: datetime
    pending_changes: int | None  # as the device last reported; None when it never said
    app_version: str
    revoked_at: datetime | None
    revocation_told_at: datetime | None  # when the revoked device last called and was refused

    @property
    def worker(self) -> str:
        return self.workers[0] if self.workers else ""


@dataclass(frozen=True, slots=True)
class DeviceSettings:
    """What an agency's devices follow; they receive it with the agency record."""

    agency_id: str
    agency_name: str
    offline_sign_in_days: int
    idle_lock_minutes: int


@dataclass(frozen=True, slots=True)
class DeviceReport:
    """What a device said about itself on a call (None: it did not say; older apps say nothing)."""

    app_version: str | None = None
    pending_changes: int | None = None

    @property
    def from_current_app(self) -> bool:
        return self.app_version is not None


# --- the administrator -----------------------------------------------------------------------------------------------


def list_devices(db: Database, *, agency_id: str) -> list[DeviceSummary]:
    """The agency's devices, the most recent contact first; raises crud.NotFound for an unknown agency."""
    with db.reading() as session:
        crud.get_agency(session, agency_id=agency_id)
        devices = crud.agency_devices(session, agency_id=agency_id)
        workers = crud.device_workers(session, device_ids=[device.device_id for device in devices])
        return [_summary(device, workers[device.device_id]) for device in devices]


def revoke_device(db: Database, *, actor: Actor, device_id: str, now: datetime) -> DeviceSummary:
    """Report the device lost. Its next call is refused and it deletes its data; revoking again changes nothing.

    Raises crud.NotFound for an unknown device, or one of another agency than a console administrator's own.
    """
    with db.writing() as session:
        device = crud.get_device(session, device_id=device_id)
        if device is None or (actor.agency_id is not None and device.agency_id != actor.agency_id):
            raise crud.NotFound(f"There is no device with ID {device_id!r}.")
        holders = crud.device_workers(session, device_ids=[device_id])[device_id]
        if device.revoked_at is None:
            crud.revoke_device(session, device_id=device_id, now=now)
            audit.record(session, at=now, actor=actor, action="device_revoked", agency_id=device.agency_id,
                         target=device_id, name=device.name, workers=holders,
                         unsent_changes=device.pending_changes)  # fmt: skip
        return _summary(device, holders)


def device_settings(db: Database, *, agency_id: str) -> DeviceSettings:
    with db.reading() as session:
        return _settings(crud.get_agency(session, agency_id=agency_id))


def change_device_settings(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    agency_id: str,
    offline_sign_in_days: int | None = None,
    idle_lock_minutes: int | None = None,
) -> DeviceSettings:
    """Change either setting (None keeps it); devices pick the new values up at their next sync.

    Raises crud.InvalidSetting for a value out of range and crud.NotFound for an unknown agency (or, for a console
    administrator, another agency than their own).
    """
    if actor.agency_id is not None and actor.agency_id != agency_id:
        raise crud.NotFound(f"There is no agency with ID {agency_id!r}.")
    with db.writing() as session:
        crud.lock_sequence(session)
        before = _settings(crud.get_agency(session, agency_id=agency_id))
        after = _settings(
            crud.set_agency_device_rules(
                session,
                agency_id=agency_id,
                offline_sign_in_days=offline_sign_in_days,
                idle_lock_minutes=idle_lock_minutes,
            )
        )
        if after != before:
            audit.record(session, at=now, actor=actor, action="settings_changed", agency_id=agency_id,
                         target=agency_id, offline_sign_in_days=after.offline_sign_in_days,
                         idle_lock_minutes=after.idle_lock_minutes)  # fmt: skip
        return after


# --- calls from devices ----------------------------------------------------------------------------------------------


def note_contact(db: Database, *, holder: crud.TokenHolder, now: datetime, report: DeviceReport) -> None:
    """Bring the device's row up to date after a call by the token's holder, unless nothing worth a write changed."""
    if _worth_writing(holder, now=now, report=report):
        with db.writing() as session:
            _record(session, holder, now=now, report=report)


def note_contact_in(session: Session, *, holder: crud.TokenHolder, now: datetime, report: DeviceReport) -> None:
    """The same, in the writing transaction the call already has open (a push's)."""
    if _worth_writing(holder, now=now, report=report):
        _record(session, holder, now=now, report=report)


def _record(session: Session, holder: crud.TokenHolder, *, now: datetime, report: DeviceReport) -> None:
    crud.record_device_contact(session, device_id=holder.device_id, worker=holder.worker, now=now,
                               app_version=report.app_version, pending_changes=report.pending_changes)  # fmt: skip


def note_refusal_told(db: Database, *, device_id: str, now: datetime) -> None:
    """The revoked device called and was told; the administrator's list shows when."""
    with db.writing() as session:
        device = crud.get_device(session, device_id=device_id)
        if device is not None:
            device.revocation_told_at = now


def _worth_writing(holder: crud.TokenHolder, *, now: datetime, report: DeviceReport) -> bool:
    device = holder.device
    if device is None:
        return True
    return (
        device.last_user_id != holder.worker.user_id
        or now - device.last_contact_at >= CONTACT_REFRESH
        or (report.app_version is not None and report.app_version != device.app_version)
        or (report.pending_changes is not None and report.pending_changes != device.pending_changes)
    )


def _summary(device: Device, workers: list[str]) -> DeviceSummary:
    return DeviceSummary(
        device_id=device.device_id,
        name=device.name,
        workers=tuple(workers),
        last_contact_at=device.last_contact_at,
        pending_changes=device.pending_changes,
        app_version=device.app_version,
        revoked_at=device.revoked_at,
        revocation_told_at=device.revocation_told_at,
    )


def _settings(agency: Agency) -> DeviceSettings:
    return DeviceSettings(
        agency_id=agency.id,
        agency_name=agency.name,
        offline_sign_in_days=agency.offline_sign_in_days,
        idle_lock_minutes=agency.idle_lock_minutes,
    )
