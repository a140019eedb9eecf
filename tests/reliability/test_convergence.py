"""Convergence: two to four tablets of one agency's workers edit sessions and clients offline, sync in any order
through failing connections, and resolve conflicts as workers would. Hypothesis picks the steps.

After every example, each tablet syncs twice with no failures (conflicts are settled with "keep the server's", a
worker's explicit choice). Then:

- every tablet holds exactly the sessions its worker may see and every client of the agency, equal field for field
  to the server's copies, with nothing left in its outbox;
- every edit made on any tablet was either applied by the server (its op_id is among the server's applied changes),
  or shown to a worker as a conflict who chose the other version, or was part of a later edit of the same record on
  the same tablet (a save sends the whole record) that was itself applied or shown. No edit vanishes silently.

The server runs in process (FastAPI's TestClient) and the tablets use the app's own HTTP transport through a
requests adapter that can fail any request before or after the server did its work.
"""

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asgi_transport import Failure, InProcessAdapter, in_process_transport
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, literal, select, union_all

from app.domain.sessions import ServiceForm
from app.store import repository
from app.store.db import DB_FILENAME, DeviceDatabase
from app.store.models import ClientRow, OutboxRow, SessionRow
from app.usecases.attention import keep_mine, keep_server, needs_attention
from app.usecases.clients import load_client, new_client_draft, register_client, update_client
from app.usecases.context import Actor
from app.usecases.sessions import begin_session, load_session, save_session
from credentials.passwords import hash_secret
from protocol.records import client_to_wire, session_to_wire
from server import crud
from server.db import Database
from server.main import create_app
from server.models import AppliedOp, ClientRecord, SessionRecord
from sync.engine import SyncEngine
from sync.transport import TransportError

SITE = "S-1"
LANGUAGE = "en"
LOCATION = "agency_office"
ROLES = ("worker", "worker", "supervisor")  # the agency's three workers; a tablet belongs to one of them
TOKEN_LIFETIME = timedelta(days=1)
EXAMPLES = 200


@dataclass
class Tablet:
    db: DeviceDatabase
    actor: Actor
    adapter: InProcessAdapter
    engine: SyncEngine


@dataclass(frozen=True)
class TabletView:
    """What one tablet holds right now, read once per step so rule preconditions stay cheap."""

    client_ids: list[str]
    session_ids: list[str]
    in_conflict: bool


@dataclass
class Edit:
    """One save on one tablet: the unique text it wrote, the op_ids that carried it, and earlier edits it contains."""

    marker: str
    entity: str
    record_id: str
    op_ids: set[str]
    includes: set[str] = field(default_factory=set)


class ServerWorld:
    """The in-process server all examples share; each example gets an agency of its own, so none sees another's."""

    def __init__(self, folder: Path, client: TestClient, database: Database):
        self.folder = folder
        self.client = client
        self.database = database
        self.template = folder / "device-template.sqlite3"
        DeviceDatabase(self.template).close()  # migrated once; each tablet starts from a copy
        self._password_hash = hash_secret("not used: tablets get their tokens directly")
        self.examples = 0
        self.examples_checked = 0  # examples that ran to the end and passed every check
        self.vanished_edits = 0
        self.failures_injected = 0
        self.failed_syncs = 0
        self.edits_checked = 0
        self.records_checked = 0
        self.conflicts_shown = 0
        with database.writing() as session:
            crud.lock_sequence(session)
            crud.upsert_language(session, code=LANGUAGE, name="English")
            crud.upsert_location_type(session, code=LOCATION, label="Agency office")

    def new_agency(self) -> tuple[str, list[Actor]]:
        self.examples += 1
        agency_id = f"agency-{self.examples}"
        actors = [
            Actor(user_id=f"a{self.examples}-{role}-{n}", name=f"Worker {n}", role=role, agency_id=agency_id)
            for n, role in enumerate(ROLES)
        ]
        with self.database.writing() as session:
            crud.lock_sequence(session)
            crud.upsert_agency(session, agency_id=agency_id, name=f"Agency {self.examples}")
            crud.upsert_site(session, agency_id=agency_id, code=SITE, name="Main office", address="")
            for actor in actors:
                crud.add_worker(
                    session,
                    agency_id=agency_id,
                    user_id=actor.user_id,
                    name=actor.name,
                    role=actor.role,
                    password_hash=self._password_hash,
                )
        return agency_id, actors

    def new_tablet(self, folder: Path, actor: Actor) -> Tablet:
        folder.mkdir(parents=True)
        shutil.copyfile(self.template, folder / DB_FILENAME)
        db = DeviceDatabase(folder / DB_FILENAME, run_migrations=False)  # a copy of a database already migrated
        device_id = str(uuid.uuid4())
        with self.database.writing() as session:
            worker = crud.get_worker(session, user_id=actor.user_id)
            assert worker is not None
            token, _ = crud.issue_token(
                session,
                worker=worker,
                device_id=device_id,
                device_name=folder.name,
                now=datetime.now(UTC),
                lifetime=TOKEN_LIFETIME,
            )
        adapter = InProcessAdapter(self.client)
        engine = SyncEngine(db, in_process_transport(adapter, token), device_id=device_id)
        return Tablet(db=db, actor=actor, adapter=adapter, engine=engine)


def marker_of(entity: str, payload: dict[str, Any]) -> str:
    """Each edit writes a unique text: into a session's notes, or a client's address."""
    return str(payload.get("notes" if entity == "session" else "address", ""))


class DevicesAndServer(RuleBasedStateMachine):
    def __init__(self, world: ServerWorld):
        super().__init__()
        self.world = world
        self.tablets: list[Tablet] = []
        self.actors: list[Actor] = []
        self.agency_id = ""
        self.folder = world.folder
        self.edits: dict[str, Edit] = {}
        self.chosen_against: set[str] = set()  # markers a worker saw in a conflict and let go
        self._views: list[TabletView] | None = None
        self.shared_client = ""
        self.shared_session = ""

    # --- set-up ------------------------------------------------------------------------------------------------------

    @initialize(owners=st.lists(st.integers(0, len(ROLES) - 1), min_size=2, max_size=4))
    def hand_out_tablets(self, owners: list[int]) -> None:
        """Tablets for the drawn workers, all holding one shared client and one group session everyone is staff on
        (so that edits on different tablets can meet in a conflict)."""
        self.agency_id, self.actors = self.world.new_agency()
        self.folder = self.world.folder / self.agency_id
        self.tablets = [
            self.world.new_tablet(self.folder / f"tablet-{n}", self.actors[owner]) for n, owner in enumerate(owners)
        ]
        first = self.tablets[0]
        self.shared_client = self._register(first)
        self.shared_session = self._record(first, client_id=self.shared_client, partners=self.actors, minutes=60)
        for tablet in self.tablets:
            tablet.engine.sync()

    # --- what workers do ---------------------------------------------------------------------------------------------

    @rule(data=st.data())
    def register_a_client(self, data: st.DataObject) -> None:
        self._register(data.draw(st.sampled_from(self.tablets), label="tablet"))

    @rule(data=st.data(), shared=st.booleans(), phone=st.integers(1000, 9999))
    def edit_a_client(self, data: st.DataObject, shared: bool, phone: int) -> None:
        """Edit the client every tablet has (where edits collide), or any client this tablet holds."""
        tablet, view = data.draw(st.sampled_from(self._holding("client_ids")), label="tablet")
        client_id = self.shared_client if shared else data.draw(st.sampled_from(view.client_ids), label="client")
        marker = self._new_marker()
        client = load_client(tablet.db, client_id)
        update_client(tablet.db, tablet.actor, replace(client, address=marker, phone=f"416-555-{phone}"))
        self._note_edit(tablet, "client", client_id, marker)

    @rule(data=st.data(), group=st.booleans(), minutes=st.integers(5, 240))
    def record_a_session(self, data: st.DataObject, group: bool, minutes: int) -> None:
        index = data.draw(st.integers(0, len(self.tablets) - 1), label="tablet")
        tablet, view = self.tablets[index], self._tablet_views()[index]
        client_id = data.draw(st.sampled_from(view.client_ids), label="client") if view.client_ids else None
        partners = data.draw(st.lists(st.sampled_from(self.actors), max_size=1), label="partner") if group else []
        self._record(tablet, client_id=client_id, partners=partners, minutes=minutes)

    @rule(data=st.data(), shared=st.booleans(), minutes=st.integers(5, 240))
    def edit_a_session(self, data: st.DataObject, shared: bool, minutes: int) -> None:
        """Edit the group session everyone is staff on, or any session this tablet holds."""
        tablet, view = data.draw(st.sampled_from(self._holding("session_ids")), label="tablet")
        session_id = self.shared_session if shared else data.draw(st.sampled_from(view.session_ids), label="session")
        marker = self._new_marker()
        session = load_session(tablet.db, session_id)
        save_session(tablet.db, tablet.actor, replace(session, notes=marker, service_minutes=minutes))
        self._note_edit(tablet, "session", session_id, marker)

    @rule(data=st.data(), failures=st.lists(st.sampled_from(list(Failure)), max_size=4))
    def sync(self, data: st.DataObject, failures: list[Failure]) -> None:
        """One tablet syncs, or two in a drawn order; the connection fails as planned along the way."""
        order = data.draw(st.lists(st.sampled_from(self.tablets), min_size=1, max_size=2), label="order")
        planned = list(failures)
        for tablet in order:
            tablet.adapter.planned = planned
            try:
                tablet.engine.sync()
            except TransportError:
                self.world.failed_syncs += 1
            planned, tablet.adapter.planned = tablet.adapter.planned, []
        self._views = None

    @precondition(lambda self: self._holding("in_conflict"))
    @rule(data=st.data(), mine=st.booleans())
    def resolve_a_conflict(self, data: st.DataObject, mine: bool) -> None:
        tablet, _ = data.draw(st.sampled_from(self._holding("in_conflict")), label="tablet")
        conflicts = [item for item in needs_attention(tablet.db) if item.problem == "conflict"]
        item = data.draw(st.sampled_from(conflicts), label="conflict")
        self._resolve(tablet, item.id, item.entity, item.record_id, item.mine, keep=mine)

    # --- the end of an example -----------------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            if self.tablets:
                self._settle()
                self._check_agreement()
                self._check_no_edit_vanished()
                self.world.examples_checked += 1
        finally:
            for tablet in self.tablets:
                self.world.failures_injected += sum(tablet.adapter.injected.values())
                tablet.db.close()
            if self.tablets:
                shutil.rmtree(self.folder, ignore_errors=True)

    def _settle(self) -> None:
        """Two clean syncs per tablet; conflicts shown after the first are settled by keeping the server's version."""
        for round_number in (1, 2):
            for tablet in self.tablets:
                tablet.engine.sync()
                for item in needs_attention(tablet.db):
                    assert item.problem == "conflict", f"the server refused a valid change: {item.reasons}"
                    assert round_number == 1, "a conflict appeared although nothing was pushed"
                    self._resolve(tablet, item.id, item.entity, item.record_id, item.mine, keep=False)

    def _check_agreement(self) -> None:
        sessions, clients = self._server_records()
        for tablet in self.tablets:
            held_sessions, held_clients, outbox = self._holdings(tablet)
            visible = {
                key: record
                for key, record in sessions.items()
                if tablet.actor.is_supervisor
                or tablet.actor.user_id in record["staff"]
                or record["created_by"] == tablet.actor.user_id
            }
            assert outbox == 0
            assert held_sessions == visible
            assert held_clients == clients
            self.world.records_checked += len(visible) + len(clients)

    def _check_no_edit_vanished(self) -> None:
        with self.world.database.reading() as session:
            applied = set(
                session.scalars(
                    select(AppliedOp.op_id).where(AppliedOp.worker_user_id.in_([a.user_id for a in self.actors]))
                )
            )
        delivered: dict[str, bool] = {}

        def is_delivered(marker: str) -> bool:
            if marker not in delivered:
                edit = self.edits[marker]
                delivered[marker] = (
                    bool(edit.op_ids & applied)
                    or marker in self.chosen_against
                    or any(marker in later.includes and is_delivered(later.marker) for later in self.edits.values())
                )
            return delivered[marker]

        vanished = [marker for marker in self.edits if not is_delivered(marker)]
        self.world.vanished_edits += len(vanished)
        assert not vanished, f"edits that are neither on the server nor were shown to a worker: {vanished}"
        self.world.edits_checked += len(self.edits)

    # --- helpers -------------------------------------------------------------------------------------------------

    def _new_marker(self) -> str:
        self._views = None
        return f"edit {len(self.edits) + 1} of example {self.world.examples}"

    def _register(self, tablet: Tablet) -> str:
        marker = self._new_marker()
        draft = replace(
            new_client_draft(tablet.actor),
            first_name="Amal",
            last_name=f"Client {marker}",
            date_of_birth=date(1990, 1, 1),
            consent=True,
            address=marker,
        )
        saved = register_client(tablet.db, tablet.actor, draft, ignore_duplicates=True).client
        assert saved is not None
        self._note_edit(tablet, "client", saved.id, marker)
        return saved.id

    def _record(self, tablet: Tablet, *, client_id: str | None, partners: list[Actor], minutes: int) -> str:
        """A direct service for a client, or (with partners, or with no client on the tablet) a group activity."""
        marker = self._new_marker()
        session = begin_session(tablet.db, tablet.actor)
        if client_id is not None:
            session.service_forms.append(ServiceForm(id=str(uuid.uuid4()), client_id=client_id))
        group = bool(partners) or client_id is None
        staff = list(dict.fromkeys([tablet.actor.user_id, *(partner.user_id for partner in partners)]))
        filled = replace(
            session,
            session_type="group_activity" if group else "direct_service",
            activity_name="Conversation circle" if group else "",
            site_code=SITE,
            delivery_methods=["in_person"],
            service_location_type=LOCATION,
            interpreter_present=False,
            service_minutes=minutes,
            languages=[LANGUAGE],
            staff=staff,
            notes=marker,
        )
        saved = save_session(tablet.db, tablet.actor, filled)
        self._note_edit(tablet, "session", saved.id, marker)
        return saved.id

    def _note_edit(self, tablet: Tablet, entity: str, record_id: str, marker: str) -> None:
        """Remember the save just made: its op_id, and the earlier unsent edits its full copy of the record holds."""
        entries = self._outbox_of(tablet, record_id)
        newest = entries[-1]
        assert marker_of(entity, newest.payload) == marker
        earlier = {marker_of(entity, e.payload) for e in entries[:-1] if e.state == "pending"}
        self.edits[marker] = Edit(marker, entity, record_id, op_ids={newest.op_id}, includes=earlier)

    def _resolve(
        self, tablet: Tablet, item_id: int, entity: str, record_id: str, mine: dict[str, Any], *, keep: bool
    ) -> None:
        marker = marker_of(entity, mine)
        self.world.conflicts_shown += 1
        self._views = None
        if keep:
            keep_mine(tablet.db, item_id)
            self.edits[marker].op_ids.add(self._outbox_of(tablet, record_id)[-1].op_id)
        else:
            keep_server(tablet.db, item_id)
            self.chosen_against.add(marker)

    def _outbox_of(self, tablet: Tablet, record_id: str) -> list[OutboxRow]:
        with tablet.db.reads() as tx:
            return list(tx.scalars(select(OutboxRow).where(OutboxRow.record_id == record_id).order_by(OutboxRow.seq)))

    def _tablet_views(self) -> list[TabletView]:
        if self._views is None:
            self._views = [self._view_of(tablet) for tablet in self.tablets]
        return self._views

    @staticmethod
    def _view_of(tablet: Tablet) -> TabletView:
        """Client ids, session ids and whether a conflict waits, in one query (this runs before every step)."""
        held = union_all(
            select(literal("client"), ClientRow.id),
            select(literal("session"), SessionRow.id),
            select(literal("conflict"), OutboxRow.record_id).where(OutboxRow.problem == "conflict"),
        )
        with tablet.db.reads() as tx:
            rows = tx.execute(held).all()
        return TabletView(
            client_ids=sorted(key for kind, key in rows if kind == "client"),
            session_ids=sorted(key for kind, key in rows if kind == "session"),
            in_conflict=any(kind == "conflict" for kind, _ in rows),
        )

    def _holding(self, what: str) -> list[tuple[Tablet, TabletView]]:
        """Tablets whose view has something in ``what`` (client_ids, session_ids or in_conflict), with their view."""
        return [
            (tablet, view)
            for tablet, view in zip(self.tablets, self._tablet_views(), strict=True)
            if getattr(view, what)
        ]

    def _server_records(self) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        with self.world.database.reading() as session:
            sessions = session.scalars(select(SessionRecord).where(SessionRecord.agency_id == self.agency_id))
            clients = session.scalars(select(ClientRecord).where(ClientRecord.agency_id == self.agency_id))
            return {row.id: dict(row.record) for row in sessions}, {row.id: dict(row.record) for row in clients}

    @staticmethod
    def _holdings(tablet: Tablet) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], int]:
        """The tablet's sessions and clients in their wire form, and how many changes wait in its outbox."""
        with tablet.db.reads() as tx:
            ids = tx.scalars(select(SessionRow.id)).all()
            sessions = {session_id: session_to_wire(repository.get_session(tx, session_id)) for session_id in ids}
            clients = {row.id: client_to_wire(repository.client_from_row(row)) for row in tx.scalars(select(ClientRow))}
            outbox = tx.scalar(select(func.count()).select_from(OutboxRow)) or 0
        return sessions, clients, outbox


@pytest.fixture
def world(memory_dir: Path) -> Iterator[ServerWorld]:
    app = create_app(f"sqlite:///{memory_dir / 'server.sqlite3'}")
    with TestClient(app) as client:
        yield ServerWorld(memory_dir, client, app.state.database)


def test_devices_and_server_converge_and_no_edit_vanishes(world, reliability_figures):
    run_state_machine_as_test(
        lambda: DevicesAndServer(world),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
    reliability_figures(
        "convergence",
        {
            "examples started": world.examples,
            "examples checked to the end": world.examples_checked,
            "failures injected": world.failures_injected,
            "syncs ended by a failure": world.failed_syncs,
            "conflicts shown and resolved": world.conflicts_shown,
            "edits checked": world.edits_checked,
            "records compared with the server": world.records_checked,
            "vanished edits": world.vanished_edits,
        },
    )
    # max_examples is a ceiling hypothesis may stop short of: count what actually ran through the final checks.
    assert world.examples_checked >= EXAMPLES
