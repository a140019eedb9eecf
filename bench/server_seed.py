"""Filling a central database before its server starts, and the bulk insert the push figure is compared with.

Reference lists and the agency go through the server's own ``crud`` functions. Workers, clients and sessions are
written set-wise, each row exactly as the push path would leave it (wire record, version 1, its own change sequence
number taken under the counter's lock), so pulls and later pushes see no difference. Every worker shares one
password hash, computed once: hashing thousands of passwords would only measure scrypt.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.domain.clients import Client
from app.domain.reporting import session_is_reportable
from app.domain.sessions import Session as RecordedSession
from credentials.passwords import hash_secret
from protocol.records import client_to_wire, session_to_wire
from seed_data.reference import DemoWorker, Site, load_languages, load_location_types
from server import crud
from server.db import Database
from server.duplicates import client_columns
from server.models import ClientRecord, SessionForm, SessionRecord, SessionStaff, Worker
from server.push import timestamp

CHUNK = 5_000
R = TypeVar("R", Client, RecordedSession)


@dataclass(frozen=True, slots=True)
class AgencySeed:
    agency_id: str
    agency_name: str
    sites: Sequence[Site]
    workers: Sequence[DemoWorker]
    clients: Sequence[Client] = ()
    sessions: Sequence[RecordedSession] = ()


def seed_server(database_url: str, seed: AgencySeed) -> None:
    """Migrate ``database_url`` and load the shared lists, one agency, its sites, workers, clients and sessions."""
    db = Database(database_url)
    try:
        with db.writing() as tx:
            crud.lock_sequence(tx)
            for language in load_languages():
                crud.upsert_language(tx, code=language.code, name=language.name, name_fr=language.name_fr)
            for location in load_location_types():
                crud.upsert_location_type(tx, code=location.code, label=location.label, label_fr=location.label_fr)
            crud.create_agency(tx, agency_id=seed.agency_id, name=seed.agency_name)
            for site in seed.sites:
                crud.upsert_site(tx, agency_id=seed.agency_id, code=site.code, name=site.name, address=site.address)
        store_workers(db, seed.agency_id, seed.workers)
        store_clients(db, seed.clients)
        store_sessions(db, seed.sessions, seed.clients)
    finally:
        db.close()


def _reserve_seqs(tx: Session, count: int) -> int:
    """Take ``count`` consecutive change sequence numbers under the counter's lock; returns the first."""
    crud.lock_sequence(tx)
    state = crud.server_state(tx)
    first = state.last_seq + 1
    state.last_seq += count
    tx.flush()
    return first


def store_workers(db: Database, agency_id: str, workers: Sequence[DemoWorker]) -> None:
    if not workers:
        return
    shared_hash = hash_secret(workers[0].password)
    with db.writing() as tx:
        first = _reserve_seqs(tx, len(workers))
        rows = [
            {"user_id": w.user_id, "agency_id": agency_id, "name": w.name, "role": w.role, "active": True,
             "password_hash": shared_hash, "version": 1, "seq": first + i}
            for i, w in enumerate(workers)
        ]  # fmt: skip
        tx.execute(insert(Worker), rows)


def store_clients(db: Database, clients: Sequence[Client]) -> None:
    for start in range(0, len(clients), CHUNK):
        chunk = clients[start : start + CHUNK]
        now = datetime.now(UTC)
        with db.writing() as tx:
            first = _reserve_seqs(tx, len(chunk))
            rows = [
                {"id": c.id, "agency_id": c.agency_id, "created_by": c.created_by, "version": 1, "seq": first + i,
                 "updated_at": now, "record": client_to_wire(_stamped(c, now)), **client_columns(c)}
                for i, c in enumerate(chunk)
            ]  # fmt: skip
            tx.execute(insert(ClientRecord), rows)


def store_sessions(db: Database, sessions: Sequence[RecordedSession], clients: Sequence[Client]) -> None:
    """All of ``sessions`` in one transaction (the bulk-insert baseline of the push figure), staff rows included,
    each judged reportable or not against ``clients`` (those stored on the server) as a push would."""
    if not sessions:
        return
    now = datetime.now(UTC)
    profiles = {client.id: client for client in clients}
    with db.writing() as tx:
        first = _reserve_seqs(tx, len(sessions))
        records, staff, forms = [], [], []
        for i, session in enumerate(sessions):
            stamped = _stamped(session, now)
            records.append(
                {"id": session.id, "agency_id": session.agency_id, "created_by": session.created_by,
                 "service_date": session.service_date, "site_code": session.site_code or "",
                 "session_type": session.session_type or "", "complete": stamped.complete,
                 "reportable": session_is_reportable(stamped, profiles),
                 "record": session_to_wire(stamped), "version": 1, "seq": first + i, "updated_at": now}
            )  # fmt: skip
            staff += [{"session_id": session.id, "user_id": user_id} for user_id in session.staff]
            forms += [{"session_id": session.id, "client_id": form.client_id, "service_type": form.service_type or ""}
                      for form in session.service_forms]  # fmt: skip
        for table, rows in ((SessionRecord, records), (SessionStaff, staff), (SessionForm, forms)):
            for start in range(0, len(rows), CHUNK):
                tx.execute(insert(table), rows[start : start + CHUNK])


def _stamped(record: R, now: datetime) -> R:
    """The record as the server keeps it after its first push: version 1, server timestamps."""
    moment = timestamp(now)
    return replace(record, version=1, created_at=record.created_at or moment, updated_at=moment)
