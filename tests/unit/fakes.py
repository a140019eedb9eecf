"""In-memory stand-ins for the device database's units of work, for use-case and engine tests without SQLite.

``FakeDatabase`` keeps what is committed. Each unit of work works on its own copy and puts it back only on
``commit()``, so leaving without committing (or raising) drops the work, as SQLite's rollback does. The repositories
implement the methods the use cases and the engine call, with the same meaning as ``app/store``'s.
"""

import copy
import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self

from app.domain.clients import Client
from app.domain.errors import FieldError
from app.domain.sessions import KnownCodes, Session
from app.store.outbox import NEEDS_ATTENTION, PENDING, OutboxEntry, QueuedChange
from protocol.enums import Entity, PushStatus
from protocol.records import client_to_wire, session_to_wire


@dataclass
class FakeEntry:
    """An outbox row."""

    seq: int
    op_id: str
    entity: str
    record_id: str
    base_version: int | None
    payload: dict[str, Any]
    created_at: str = ""
    state: str = PENDING
    problem: str | None = None
    errors: list[Any] = field(default_factory=list)
    server_record: dict[str, Any] | None = None
    attempts: int = 0
    last_error: str = ""


@dataclass
class Stored:
    """Everything a device holds."""

    clients: dict[str, Client] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    outbox: dict[int, FakeEntry] = field(default_factory=dict)
    state: dict[str, str] = field(default_factory=dict)
    reference: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    full_pull_named: set[tuple[str, str]] | None = None  # None: no full pull under way


class FakeRecords:
    """Clients or sessions: the records, and the changes to queue when the work commits."""

    def __init__(self, records: dict[str, Any], entity: str, queued: list[QueuedChange]):
        self.records = records
        self.entity = entity
        self.queued = queued

    def get(self, record_id: str) -> Any:
        return copy.deepcopy(self.records.get(record_id))

    def add(self, record: Any, *, now: str) -> None:
        self.records[record.id] = copy.deepcopy(record)
        to_wire = client_to_wire if self.entity == Entity.CLIENT else session_to_wire
        self.queued.append(QueuedChange(self.entity, record.id, record.version or None, to_wire(record), now))

    def put_copy(self, record: Any) -> None:
        self.records[record.id] = copy.deepcopy(record)

    def replace_pulled(self, removed: list[str], records: list[Any]) -> None:
        self.remove(removed)
        for record in records:
            self.put_copy(record)

    def index_waiting_terms(self) -> int:
        """Nothing waits: the fake finds clients without an index."""
        return 0

    def remove(self, ids: list[str]) -> None:
        for record_id in ids:
            self.records.pop(record_id, None)

    def candidate_duplicates(self, draft: Client) -> list[Client]:
        return [copy.deepcopy(client) for client in self.records.values()]

    def follow_merged_clients(self, survivors: dict[str, str]) -> None:
        """Service forms of a merged client become its survivor's (on sessions)."""
        for session in self.records.values():
            for form in session.service_forms:
                form.client_id = survivors.get(form.client_id, form.client_id)

    def names(self, ids: set[str]) -> dict[str, str]:
        return {i: f"{c.first_name} {c.last_name}" for i, c in self.records.items() if i in ids}


class FakeOutbox:
    def __init__(self, entries: dict[int, FakeEntry], queued: list[QueuedChange]):
        self.entries_by_seq = entries
        self.queued = queued

    def add(self, change: QueuedChange) -> None:
        self.queued.append(change)

    def queue(self, change: QueuedChange) -> None:
        for seq, entry in list(self.entries_by_seq.items()):
            if entry.record_id == change.record_id and entry.problem == PushStatus.REJECTED:
                del self.entries_by_seq[seq]
        seq = max(self.entries_by_seq, default=0) + 1
        self.entries_by_seq[seq] = FakeEntry(seq, str(uuid.uuid4()), change.entity, change.record_id,
                                             change.base_version, change.payload, change.created_at)  # fmt: skip

    def counts(self) -> dict[str, int]:
        states = [entry.state for entry in self.entries_by_seq.values()]
        return {PENDING: states.count(PENDING), NEEDS_ATTENTION: states.count(NEEDS_ATTENTION)}

    def any_waiting(self) -> bool:
        return bool(self.entries_by_seq)

    def entries(self, state: str) -> list[FakeEntry]:
        return [entry for _, entry in sorted(self.entries_by_seq.items()) if entry.state == state]

    def next_batch(self, size: int, *, held: Collection[str] = ()) -> list[OutboxEntry]:
        batch: list[OutboxEntry] = []
        seen: set[str] = set()
        for entry in self.entries(PENDING):
            if entry.record_id not in seen and len(batch) < size:
                seen.add(entry.record_id)
                batch.append(OutboxEntry(entry.seq, entry.op_id, entry.entity, entry.record_id, entry.base_version,
                                         copy.deepcopy(entry.payload)))  # fmt: skip
        return batch

    def record_failed_attempt(self, batch: list[OutboxEntry], problem: FieldError) -> None:
        for sent in batch:
            self.entries_by_seq[sent.seq].attempts += 1
            self.entries_by_seq[sent.seq].last_error = json.dumps(problem.as_dict())

    def still_queued(self, batch: list[OutboxEntry]) -> list[OutboxEntry]:
        return [sent for sent in batch if sent.seq in self.entries_by_seq]

    def acknowledge(self, entries: list[OutboxEntry], versions: dict[str, int], records: dict[str, Any]) -> None:
        for sent in entries:
            del self.entries_by_seq[sent.seq]
            if sent.op_id not in versions:
                continue  # applied to another record (a merged client's survivor)
            known = versions[sent.op_id]
            record = records.get(sent.record_id)
            if record is not None and record.version < known:
                record.version = known
            for later in self._later_pending(sent.record_id, sent.seq):
                later.base_version = known

    def reject(self, seq: int, errors: list[Any]) -> None:
        entry = self.entries_by_seq[seq]
        if self._later_pending(entry.record_id, seq):
            del self.entries_by_seq[seq]
            return
        entry.state, entry.problem, entry.errors = NEEDS_ATTENTION, PushStatus.REJECTED, list(errors)

    def conflict(
        self, seq: int, current: dict[str, Any] | None, *, survivor: dict[str, Any] | None = None
    ) -> FakeEntry:
        entry = self.entries_by_seq[seq]
        later = self._later_pending(entry.record_id, seq)
        if later:
            entry.payload = later[-1].payload
            for newer in later:
                del self.entries_by_seq[newer.seq]
        if survivor is not None:
            identity = ("id", "agency_id", "created_by", "created_at", "updated_at", "version")
            entry.payload = entry.payload | {name: survivor[name] for name in identity if name in survivor}
            entry.record_id = survivor["id"]
        entry.state, entry.problem, entry.server_record = NEEDS_ATTENTION, PushStatus.CONFLICT, current
        return entry

    def local_changes(self, ids: list[str]) -> tuple[set[str], set[str]]:
        protected = {e.record_id for e in self.entries_by_seq.values() if e.problem != PushStatus.CONFLICT}
        in_conflict = {e.record_id for e in self.entries_by_seq.values() if e.problem == PushStatus.CONFLICT}
        wanted = set(ids)
        return protected & wanted, (in_conflict - protected) & wanted

    def refresh_conflict(self, record_id: str, current: dict[str, Any] | None) -> None:
        for entry in self.entries_by_seq.values():
            if entry.record_id == record_id and entry.problem == PushStatus.CONFLICT:
                entry.server_record = current

    def follow_merged_clients(self, survivors: dict[str, str]) -> None:
        for entry in self.entries_by_seq.values():
            if entry.entity == Entity.SESSION:
                forms = entry.payload.get("service_forms", [])
                moved = [form | {"client_id": survivors.get(form["client_id"], form["client_id"])} for form in forms]
                entry.payload = entry.payload | {"service_forms": moved}

    def _later_pending(self, record_id: str, seq: int) -> list[FakeEntry]:
        return [e for e in self.entries(PENDING) if e.record_id == record_id and e.seq > seq]


class FakeState:
    def __init__(self, values: dict[str, str]):
        self.values = values

    def get(self, key: str, default: str = "") -> str:
        return self.values.get(key, default)

    def set(self, key: str, value: str) -> None:
        self.values[key] = value


class FakeFullPull:
    """What a full pull after a 410 has named so far (``None`` when none is under way)."""

    def __init__(self, work: Stored):
        self.work = work

    def begin(self) -> None:
        self.work.full_pull_named = set()

    def under_way(self) -> bool:
        return self.work.full_pull_named is not None

    def note(self, changes: list[dict[str, Any]]) -> None:
        assert self.work.full_pull_named is not None
        self.work.full_pull_named |= {(change["entity"], change["id"]) for change in changes}

    def not_named(self) -> dict[str, list[str]]:
        named = self.work.full_pull_named or set()
        queued = {entry.record_id for entry in self.work.outbox.values()}
        return {
            entity: [key for key in records if (entity, key) not in named and key not in queued]
            for entity, records in ((Entity.CLIENT, self.work.clients), (Entity.SESSION, self.work.sessions))
        }

    def end(self) -> None:
        self.work.full_pull_named = None


class FakeReference:
    """Reference lists by entity and key. Codes are not checked (as before a first sync)."""

    KEYS: ClassVar[dict[str, str]] = {
        "agency": "id",
        "site": "code",
        "worker": "user_id",
        "language": "code",
        "service_location_type": "code",
    }

    def __init__(self, lists: dict[str, dict[str, dict[str, Any]]]):
        self.lists = lists

    def known_codes(self, session: Session) -> KnownCodes:
        return KnownCodes()

    def key_column(self, entity: str) -> str:
        return self.KEYS[entity]

    def upsert_pulled(self, entity: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.lists.setdefault(entity, {})[row[self.KEYS[entity]]] = row

    def remove_pulled(self, entity: str, keys: list[str]) -> None:
        for key in keys:
            self.lists.get(entity, {}).pop(key, None)


class FakeUnitOfWork:
    def __init__(self, database: "FakeDatabase"):
        self.database = database
        self.committed = False

    def __enter__(self) -> Self:
        self.work = copy.deepcopy(self.database.stored)
        self.queued: list[QueuedChange] = []
        self.clients = FakeRecords(self.work.clients, Entity.CLIENT, self.queued)
        self.sessions = FakeRecords(self.work.sessions, Entity.SESSION, self.queued)
        self.outbox = _Outbox(self)
        self.sync_state = FakeState(self.work.state)
        self.full_pull = FakeFullPull(self.work)
        self.reference = FakeReference(self.work.reference)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.work = copy.deepcopy(self.database.stored)  # uncommitted work is dropped

    def commit(self) -> None:
        for change in self.queued:
            self.outbox.queue(change)
        self.queued.clear()
        self.database.stored = copy.deepcopy(self.work)
        self.database.commits += 1
        self.committed = True

    def set_page_cache(self, kibibytes: int) -> None:
        """Nothing to size in memory."""


class _Outbox(FakeOutbox):
    """The fake outbox, which also brings acknowledged versions into the unit's records."""

    def __init__(self, uow: FakeUnitOfWork):
        super().__init__(uow.work.outbox, uow.queued)
        self.uow = uow

    def acknowledge(self, entries: list[OutboxEntry], versions: dict[str, int], records: Any = None) -> None:
        for entity, found in ((Entity.CLIENT, self.uow.work.clients), (Entity.SESSION, self.uow.work.sessions)):
            super().acknowledge([e for e in entries if e.entity == entity], versions, found)


class FakeDatabase:
    """A device database in memory: hands out fake units of work, each a new one."""

    def __init__(self, path: Path):
        """``path`` is where a real database file would be: the engine locks a file beside it."""
        self.stored = Stored()
        self.commits = 0
        self.path = path

    def reading(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def writing(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def index_waiting_terms(self) -> int:
        """Nothing waits: the fake finds clients without an index."""
        return 0
