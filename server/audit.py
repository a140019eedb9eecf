"""The audit trail: who did what, when, kept in the database beside what they did.

Every action worth answering for later (sign-ins, administrative changes, merges, exports, device revocations) adds
one event in the same transaction as the action itself, so an action is never kept without its event or the other
way round. Events are only ever added. Reading pages newest first by id, through indexes that start with the
agency, so a long trail stays quick to page and filter.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core.messages import N_
from server.models import AuditEvent

COMMAND_LINE = ""  # the actor of changes made with ``outpost-server`` on the server itself

# Every kind of event, with how the console names it.
ACTIONS: Mapping[str, str] = {
    "sign_in": N_("Signed in"),
    "sign_in_refused": N_("Sign-in refused"),
    "sign_out": N_("Signed out"),
    "worker_added": N_("Worker added"),
    "role_changed": N_("Role changed"),
    "password_reset": N_("Password reset"),
    "worker_deactivated": N_("Worker deactivated"),
    "site_added": N_("Site added"),
    "site_changed": N_("Site changed"),
    "site_closed": N_("Site closed"),
    "sites_imported": N_("Sites imported"),
    "reference_changed": N_("Reference list changed"),
    "clients_merged": N_("Clients merged"),
    "funder_exported": N_("Funder export"),
    "device_revoked": N_("Device revoked"),
    "settings_changed": N_("Settings changed"),
}

# The details events carry, with how the console names them; a detail not named here is shown by its key.
DETAILS: Mapping[str, str] = {
    "channel": N_("Through"),
    "device": N_("Device"),
    "name": N_("Name"),
    "name_fr": N_("French name"),
    "role": N_("Role"),
    "before": N_("Before"),
    "after": N_("After"),
    "count": N_("Sites in the file"),
    "list": N_("List"),
    "merged": N_("Merged record"),
    "kept_name": N_("Kept"),
    "merged_name": N_("Merged"),
    "sessions": N_("Sessions moved"),
    "again": N_("Exported before"),
    "clients": N_("Clients"),
    "services": N_("Services"),
    "not_reported": N_("Sessions not reported"),
    "workers": N_("Workers"),
    "unsent_changes": N_("Changes waiting"),
    "offline_sign_in_days": N_("Offline sign-in period (days)"),
    "idle_lock_minutes": N_("Lock after idle (minutes)"),
}

# How someone signed in (the ``channel`` detail).
CHANNELS: Mapping[str, str] = {"console": N_("the console"), "device": N_("a device")}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a signed-in worker of an agency, or the command line (``user_id`` empty)."""

    user_id: str
    agency_id: str | None = None

    @property
    def on_command_line(self) -> bool:
        return self.user_id == COMMAND_LINE


SERVER_COMMAND_LINE = Actor(COMMAND_LINE)


def record(
    session: Session,
    *,
    at: datetime,
    actor: Actor,
    action: str,
    agency_id: str | None,
    target: str = "",
    **details: Any,
) -> None:
    """Add one event; ``details`` are plain values (text, numbers, lists) the console shows beside it."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}.")
    session.add(
        AuditEvent(at=at, agency_id=agency_id, actor=actor.user_id, action=action, target=target[:200], details=details)
    )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    agency_id: str
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def events(session: Session, *, where: AuditFilter, before_id: int | None, limit: int) -> list[AuditEvent]:
    """A page of the agency's events, newest first, older than ``before_id`` when given."""
    statement = select(AuditEvent).where(AuditEvent.agency_id == where.agency_id)
    if where.actor:
        statement = statement.where(AuditEvent.actor == where.actor)
    if where.action:
        statement = statement.where(AuditEvent.action == where.action)
    if where.since is not None:
        statement = statement.where(AuditEvent.at >= where.since)
    if where.until is not None:
        statement = statement.where(AuditEvent.at < where.until)
    if before_id is not None:
        statement = statement.where(AuditEvent.id < before_id)
    return list(session.scalars(statement.order_by(AuditEvent.id.desc()).limit(limit)))
