"""Merging two records of one client (registered offline on two tablets) into one, without losing a session.

The supervisor keeps one client (the survivor) and merges the other into it. In one transaction: every session
holding a service form for the merged client now names the survivor (each gets a new version, so it reaches every
device that holds it); the survivor takes any profile field it left blank from the merged record; the merged record
stays on the server with ``merged_into`` set, and devices receive it as a delete tombstone naming the survivor
(docs/sync-protocol.md); the survivor's sessions are judged again for reporting, since its profile may have been
filled and the moved sessions now name it. Changes still queued on devices that name the merged client are
redirected by the push (``server.push``), so none is lost or refused.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.clients import display_name
from protocol.records import client_from_wire
from server import audit, crud, reportable
from server.audit import Actor
from server.core.messages import N_, Refused
from server.db import Database
from server.duplicates import client_columns
from server.models import ClientRecord, SessionForm, SessionRecord
from server.push import MERGEABLE_CLIENT_FIELDS, timestamp, write_session_forms


@dataclass(frozen=True, slots=True)
class MergePlan:
    """What a merge would do, shown before the supervisor confirms it."""

    survivor: dict[str, Any]
    merged: dict[str, Any]
    result: dict[str, Any]  # the survivor as it will read after the merge
    filled: list[str]  # the survivor's blank fields taken from the merged record
    sessions: int  # sessions that move to the survivor


def plan_merge(session: Session, *, agency_id: str, keep_id: str, merge_id: str) -> MergePlan:
    survivor, merged = _pair(session, agency_id=agency_id, keep_id=keep_id, merge_id=merge_id)
    filled = [name for name in MERGEABLE_CLIENT_FIELDS if _blank(survivor.record[name]) and
              not _blank(merged.record[name])]  # fmt: skip
    both = _sessions_naming(session, keep_id) & _sessions_naming(session, merge_id)
    if both:
        raise Refused(
            N_("Both records are in the same session ({count}); remove one of them from it first."), count=len(both)
        )
    return MergePlan(
        survivor=survivor.record,
        merged=merged.record,
        result=survivor.record | {name: merged.record[name] for name in filled},
        filled=filled,
        sessions=len(_sessions_naming(session, merge_id)),
    )


def merge_clients(db: Database, *, actor: Actor, now: datetime, keep_id: str, merge_id: str) -> MergePlan:
    """Merge ``merge_id`` into ``keep_id`` (both of the actor's agency); returns what was done."""
    if actor.agency_id is None:
        raise Refused(N_("Only a supervisor of the agency can merge its clients."))
    with db.writing() as session:
        crud.lock_sequence(session)
        plan = plan_merge(session, agency_id=actor.agency_id, keep_id=keep_id, merge_id=merge_id)
        stamp = timestamp(now)
        survivor, merged = _pair(session, agency_id=actor.agency_id, keep_id=keep_id, merge_id=merge_id)
        if plan.filled:
            _new_version(session, survivor, plan.result, now=now, stamp=stamp)
            for name, value in client_columns(client_from_wire(plan.result, trusted=True)).items():
                setattr(survivor, name, value)
        merged.merged_into = keep_id
        merged.version += 1
        merged.seq = crud.next_seq(session)
        merged.updated_at = now
        session.execute(update(ClientRecord).where(ClientRecord.merged_into == merge_id).values(merged_into=keep_id))
        moved = _move_sessions(session, merge_id=merge_id, keep_id=keep_id, now=now, stamp=stamp)
        reportable.rejudge_sessions_naming(session.connection(), agency_id=actor.agency_id, client_ids=[keep_id])
        audit.record(
            session, at=now, actor=actor, action="clients_merged", agency_id=actor.agency_id, target=keep_id,
            merged=merge_id, kept_name=_name(plan.survivor), merged_name=_name(plan.merged), sessions=moved,
        )  # fmt: skip
    return plan


def _pair(session: Session, *, agency_id: str, keep_id: str, merge_id: str) -> tuple[ClientRecord, ClientRecord]:
    if keep_id == merge_id:
        raise Refused(N_("Choose two different clients to merge."))
    rows = {
        row.id: row for row in session.scalars(select(ClientRecord).where(ClientRecord.id.in_([keep_id, merge_id])))
    }
    for client_id in (keep_id, merge_id):
        row = rows.get(client_id)
        if row is None or row.agency_id != agency_id:
            raise Refused(N_("There is no client {client_id} in your agency."), client_id=client_id)
        if row.merged_into is not None:
            raise Refused(N_("{name} was already merged into another client."), name=_name(row.record))
    return rows[keep_id], rows[merge_id]


def _new_version(
    session: Session, row: ClientRecord | SessionRecord, record: dict[str, Any], *, now: datetime, stamp: str
) -> None:
    """Store ``record`` as the row's next version, so devices pull it."""
    row.version += 1
    row.seq = crud.next_seq(session)
    row.updated_at = now
    row.record = record | {"version": row.version, "updated_at": stamp}


def _sessions_naming(session: Session, client_id: str) -> set[str]:
    return set(session.scalars(select(SessionForm.session_id).where(SessionForm.client_id == client_id)))


def _move_sessions(session: Session, *, merge_id: str, keep_id: str, now: datetime, stamp: str) -> int:
    """Every session with a service form for the merged client names the survivor instead, as a new version."""
    ids = _sessions_naming(session, merge_id)
    rows = list(session.scalars(select(SessionRecord).where(SessionRecord.id.in_(ids))))
    for row in rows:
        forms = [form | {"client_id": keep_id} if form["client_id"] == merge_id else form
                 for form in row.record["service_forms"]]  # fmt: skip
        _new_version(session, row, row.record | {"service_forms": forms}, now=now, stamp=stamp)
    session.flush()
    write_session_forms(session.connection(), {row.id: row.record for row in rows})
    return len(rows)


def _blank(value: object) -> bool:
    return value is None or value == ""


def _name(record: dict[str, Any]) -> str:
    return display_name(record["first_name"], record["last_name"], record["preferred_name"])
