"""What an agency administrator can do, one function per action, shared by the console and ``outpost-server``.

Each action checks what it is given, changes the database in one transaction together with its audit event, and
raises ``Refused`` (a translatable message) for anything the administrator can fix. An administrator signed in to
the console acts on their own agency only; the command line, run on the server itself, on any agency.
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.domain import roles
from app.domain.codes import ROLES
from credentials.passwords import hash_secret
from protocol.records import MAX_ADDRESS, MAX_CODE, MAX_NAME, MAX_REFERENCE_NAME, MAX_SHORT_CODE, MAX_USER_ID
from server import audit, crud
from server.audit import Actor
from server.core.messages import N_, Refused
from server.db import Database
from server.models import Agency, ConsoleSignIn, Site, Worker
from server.site_import import SiteRow

MIN_PASSWORD_LENGTH = 8
MAX_WORKER_NAME = MAX_NAME
_USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
_SITE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# One-time passwords are read aloud or copied by hand: no 0/o, 1/l/i.
_HANDOVER_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_HANDOVER_GROUPS = 3
_HANDOVER_GROUP_LENGTH = 4


@dataclass(frozen=True, slots=True)
class PasswordHandover:
    """A worker's new password, shown once to the administrator to hand over; the server keeps only its hash."""

    user_id: str
    password: str


def one_time_password() -> str:
    """Twelve random characters in three groups (about 59 bits), e.g. ``k7pm-x3qd-9hwt``."""
    groups = (
        "".join(secrets.choice(_HANDOVER_ALPHABET) for _ in range(_HANDOVER_GROUP_LENGTH))
        for _ in range(_HANDOVER_GROUPS)
    )
    return "-".join(groups)


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Refused(
            N_("The password must be at least {count} characters."), field="password", count=MIN_PASSWORD_LENGTH
        )


# --- workers ---------------------------------------------------------------------------------------------------------


def add_worker(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    agency_id: str,
    user_id: str,
    name: str,
    role: str,
    password: Callable[[], str] = one_time_password,
) -> PasswordHandover:
    """Add an active worker. ``password`` is asked for once everything else is known to be right; by default one
    is made up, to be handed over (the console's way)."""
    user_id, name = user_id.strip(), " ".join(name.split())
    _check_may_act_on(actor, agency_id)
    _check_new_worker(user_id=user_id, name=name, role=role)
    with db.reading() as session:  # refuse a bad agency or a taken user ID before asking for a password
        _known_agency(session, agency_id)
        _refuse_taken_user_id(session, user_id)
    chosen = password()
    check_new_password(chosen)
    password_hash = hash_secret(chosen)
    with db.writing() as session:
        crud.lock_sequence(session)
        _refuse_taken_user_id(session, user_id)
        crud.add_worker(
            session, agency_id=agency_id, user_id=user_id, name=name, role=role, password_hash=password_hash
        )
        audit.record(session, at=now, actor=actor, action="worker_added", agency_id=agency_id, target=user_id,
                     name=name, role=role)  # fmt: skip
    return PasswordHandover(user_id=user_id, password=chosen)


def change_role(db: Database, *, actor: Actor, now: datetime, user_id: str, role: str) -> Worker:
    if role not in ROLES:
        raise Refused(N_("Choose a role: worker, supervisor or administrator."), field="role")
    if user_id == actor.user_id:
        raise Refused(N_("You cannot change your own role; ask another administrator."))
    with db.writing() as session:
        crud.lock_sequence(session)
        worker = _worker_for(session, actor, user_id)
        before = worker.role
        if before != role:
            crud.set_worker_fields(session, worker=worker, role=role)
            audit.record(session, at=now, actor=actor, action="role_changed", agency_id=worker.agency_id,
                         target=user_id, before=before, after=role)  # fmt: skip
    return worker


def reset_password(
    db: Database, *, actor: Actor, now: datetime, user_id: str, password: str | None = None
) -> PasswordHandover:
    """A new password for a worker who lost theirs; every device and browser of theirs must sign in again with it."""
    password = password if password is not None else one_time_password()
    check_new_password(password)
    with db.reading() as session:
        _worker_for(session, actor, user_id)
    password_hash = hash_secret(password)
    with db.writing() as session:
        worker = _worker_for(session, actor, user_id)
        worker.password_hash = password_hash
        crud.sign_out_everywhere(session, user_id=user_id)
        session.execute(delete(ConsoleSignIn).where(ConsoleSignIn.worker_user_id == user_id))
        audit.record(session, at=now, actor=actor, action="password_reset", agency_id=worker.agency_id,
                     target=user_id)  # fmt: skip
    return PasswordHandover(user_id=user_id, password=password)


def deactivate_worker(db: Database, *, actor: Actor, now: datetime, user_id: str) -> Worker:
    if user_id == actor.user_id:
        raise Refused(N_("You cannot deactivate your own account; ask another administrator."))
    with db.writing() as session:
        crud.lock_sequence(session)
        worker = _worker_for(session, actor, user_id)
        if worker.active:
            crud.deactivate_worker(session, user_id=user_id, now=now)
            session.execute(delete(ConsoleSignIn).where(ConsoleSignIn.worker_user_id == user_id))
            audit.record(session, at=now, actor=actor, action="worker_deactivated", agency_id=worker.agency_id,
                         target=user_id)  # fmt: skip
    return worker


def _check_new_worker(*, user_id: str, name: str, role: str) -> None:
    if not user_id:
        raise Refused(N_("Enter a user ID."), field="user_id")
    if len(user_id) > MAX_USER_ID or not _USER_ID.match(user_id):
        raise Refused(
            N_("A user ID is up to {limit} letters, digits, '.', '_', '-' or '@', with no spaces."),
            field="user_id",
            limit=MAX_USER_ID,
        )
    if not name:
        raise Refused(N_("Enter the worker's name."), field="name")
    if len(name) > MAX_WORKER_NAME:
        raise Refused(N_("A name is at most {limit} characters."), field="name", limit=MAX_WORKER_NAME)
    if role not in ROLES:
        raise Refused(N_("Choose a role: worker, supervisor or administrator."), field="role")


def _refuse_taken_user_id(session: Session, user_id: str) -> None:
    if crud.get_worker(session, user_id=user_id) is not None:
        raise Refused(N_("A worker with user ID {user_id} already exists."), field="user_id", user_id=user_id)


def _worker_for(session: Session, actor: Actor, user_id: str) -> Worker:
    """The worker, if the actor may manage them (same agency, or the command line)."""
    worker = crud.get_worker(session, user_id=user_id)
    if worker is None or (actor.agency_id is not None and worker.agency_id != actor.agency_id):
        raise Refused(N_("There is no worker with user ID {user_id}."), user_id=user_id)
    return worker


# --- sites -----------------------------------------------------------------------------------------------------------


def add_site(db: Database, *, actor: Actor, now: datetime, agency_id: str, code: str, name: str, address: str) -> Site:
    code, name, address = code.strip(), name.strip(), address.strip()
    _check_may_act_on(actor, agency_id)
    _check_site(code=code, name=name, address=address)
    with db.writing() as session:
        crud.lock_sequence(session)
        _known_agency(session, agency_id)
        if session.get(Site, (agency_id, code)) is not None:
            raise Refused(N_("A site with code {code} exists already."), field="code", code=code)
        site = crud.upsert_site(session, agency_id=agency_id, code=code, name=name, address=address)
        audit.record(session, at=now, actor=actor, action="site_added", agency_id=agency_id, target=code, name=name)
    return site


def change_site(
    db: Database, *, actor: Actor, now: datetime, agency_id: str, code: str, name: str, address: str
) -> Site:
    """Rename a site or change its address (a closed site is reopened by this too)."""
    name, address = name.strip(), address.strip()
    _check_may_act_on(actor, agency_id)
    _check_site(code=code, name=name, address=address)
    with db.writing() as session:
        crud.lock_sequence(session)
        site = _site_for(session, agency_id, code)
        before = {"name": site.name, "address": site.address, "active": site.active}
        crud.upsert_site(session, agency_id=agency_id, code=code, name=name, address=address)
        after = {"name": site.name, "address": site.address, "active": site.active}
        if after != before:
            audit.record(session, at=now, actor=actor, action="site_changed", agency_id=agency_id, target=code,
                         before=before, after=after)  # fmt: skip
    return site


def close_site(db: Database, *, actor: Actor, now: datetime, agency_id: str, code: str) -> Site:
    _check_may_act_on(actor, agency_id)
    with db.writing() as session:
        crud.lock_sequence(session)
        site = _site_for(session, agency_id, code)
        if site.active:
            crud.deactivate_site(session, agency_id=agency_id, code=code)
            audit.record(session, at=now, actor=actor, action="site_closed", agency_id=agency_id, target=code)
    return site


def import_sites(db: Database, *, actor: Actor, now: datetime, agency_id: str, rows: list[SiteRow], source: str) -> int:
    """Add or update every site of a checked file (``site_import``) in one transaction; how many it listed."""
    _check_may_act_on(actor, agency_id)
    with db.writing() as session:
        crud.lock_sequence(session)
        _known_agency(session, agency_id)
        for row in rows:
            crud.upsert_site(session, agency_id=agency_id, code=row.code, name=row.name, address=row.address)
        audit.record(session, at=now, actor=actor, action="sites_imported", agency_id=agency_id, target=source,
                     count=len(rows))  # fmt: skip
    return len(rows)


def _check_site(*, code: str, name: str, address: str) -> None:
    if not code:
        raise Refused(N_("Enter the site's code."), field="code")
    if len(code) > MAX_CODE or not _SITE_CODE.match(code):
        raise Refused(
            N_("A site code is up to {limit} letters, digits, '.', '_' or '-'."), field="code", limit=MAX_CODE
        )
    if not name:
        raise Refused(N_("Enter the site's name."), field="name")
    if len(name) > MAX_NAME:
        raise Refused(N_("A name is at most {limit} characters."), field="name", limit=MAX_NAME)
    if len(address) > MAX_ADDRESS:
        raise Refused(N_("An address is at most {limit} characters."), field="address", limit=MAX_ADDRESS)


def _site_for(session: Session, agency_id: str, code: str) -> Site:
    site = session.get(Site, (agency_id, code))
    if site is None:
        raise Refused(N_("There is no site with code {code}."), code=code)
    return site


# --- reference lists -------------------------------------------------------------------------------------------------

REFERENCE_LISTS = {"language": N_("Languages"), "service_location_type": N_("Types of service location")}
_REFERENCE_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_REFERENCE_CODE = MAX_SHORT_CODE  # the shorter of the lists' codes (a language's)


def put_reference_entry(
    db: Database, *, actor: Actor, now: datetime, kind: str, code: str, name: str, name_fr: str = ""
) -> None:
    """Add an entry to a shared list (languages, types of service location) or rename one. The lists are shared
    by every agency on this server, and sessions keep their codes, so entries are never removed. A blank French
    name keeps the one the entry has (devices show the English name of an entry without one)."""
    code, name, name_fr = code.strip().lower(), " ".join(name.split()), " ".join(name_fr.split())
    if kind not in REFERENCE_LISTS:
        raise Refused(N_("There is no such list."), field="kind")
    if not code or len(code) > MAX_REFERENCE_CODE or not _REFERENCE_CODE.match(code):
        raise Refused(
            N_("A code is up to {limit} lower-case letters, digits, '_' or '-'."),
            field="code",
            limit=MAX_REFERENCE_CODE,
        )
    if not name or len(name) > MAX_REFERENCE_NAME:
        raise Refused(N_("Enter a name of at most {limit} characters."), field="name", limit=MAX_REFERENCE_NAME)
    if len(name_fr) > MAX_REFERENCE_NAME:
        raise Refused(N_("Enter a name of at most {limit} characters."), field="name_fr", limit=MAX_REFERENCE_NAME)
    with db.writing() as session:
        crud.lock_sequence(session)
        if kind == "language":
            crud.upsert_language(session, code=code, name=name, name_fr=name_fr or None)
        else:
            crud.upsert_location_type(session, code=code, label=name, label_fr=name_fr or None)
        audit.record(session, at=now, actor=actor, action="reference_changed", agency_id=actor.agency_id,
                     target=code, list=kind, name=name, name_fr=name_fr)  # fmt: skip


# --- shared checks ---------------------------------------------------------------------------------------------------


def _check_may_act_on(actor: Actor, agency_id: str) -> None:
    if actor.agency_id is not None and actor.agency_id != agency_id:
        raise Refused(N_("You can only change your own agency."))


def _known_agency(session: Session, agency_id: str) -> None:
    if session.get(Agency, agency_id) is None:
        raise Refused(N_("There is no agency with ID {agency_id!r}."), agency_id=agency_id)


def may_administer(worker: Worker) -> bool:
    return worker.active and roles.may_administer(worker.role)
