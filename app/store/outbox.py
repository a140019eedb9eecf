"""The outbox: every local change, in the order it was made, until the server has acknowledged it.

A change is queued in the same transaction as the record it carries (``UnitOfWork.commit``), with its author: the
worker the device holds then. A push reads the oldest pending entries of one author, to send under that author's
sign-in (on a shared tablet the queue holds several workers' changes); its answer either drops them (the server
holds the change), or moves them to "needs attention" with the server's reasons or its copy of the record. Nothing
leaves the outbox silently.
"""

import json
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Dialect, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session as DbSession

from app.domain.errors import FieldError
from app.store import repository
from app.store.models import ClientRow, OutboxRow, SessionRow, SyncStateRow, table_of
from app.store.repository import IN_ID_LIST, id_list
from protocol.enums import Entity, PushStatus

PENDING = "pending"
NEEDS_ATTENTION = "needs_attention"
_OUTBOX = table_of(OutboxRow)
_VERSIONED_TABLES = {Entity.CLIENT: table_of(ClientRow), Entity.SESSION: table_of(SessionRow)}


@dataclass(frozen=True, slots=True)
class QueuedChange:
    """A change to queue: ``base_version`` None means the server has never seen this record."""

    entity: str
    record_id: str
    base_version: int | None
    payload: dict[str, Any]
    created_at: str


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A pending entry as a push sends it."""

    seq: int
    op_id: str
    entity: str
    record_id: str
    base_version: int | None
    payload: dict[str, Any]
    author: str = ""


class OutboxRepository:
    def __init__(self, tx: DbSession, queued: list[QueuedChange]):
        self.tx = tx
        self.queued = queued

    # --- queueing ----------------------------------------------------------------------------------------------

    def add(self, change: QueuedChange) -> None:
        """Queue ``change`` when the work commits (for a change that is not a record the work added)."""
        self.queued.append(change)

    def queue(self, change: QueuedChange) -> None:
        """Write one change now. It carries the whole record, so it replaces any earlier change of that record the
        server rejected (the worker acted on the reasons). Every save makes both statements, so they run on the
        transaction's bare cursor (``repository.dbapi_cursor``), the payload turned to JSON as its column would."""
        self.tx.flush()
        cursor = repository.dbapi_cursor(self.tx)
        cursor.execute(_DROP_REJECTED, (change.entity, change.record_id))
        payload = _payload_as_stored(self.tx.get_bind().dialect)(change.payload)
        cursor.execute(_QUEUE, (str(uuid.uuid4()), change.entity, change.record_id, change.base_version, payload,
                                change.created_at))  # fmt: skip

    # --- what waits ------------------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Entries by state: ``pending`` and ``needs_attention``."""
        rows = self.tx.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state))
        counts = {PENDING: 0, NEEDS_ATTENTION: 0}
        counts.update({state: count for state, count in rows})
        return counts

    def any_waiting(self) -> bool:
        return self.tx.scalar(select(OutboxRow.seq).limit(1)) is not None

    def authors(self) -> set[str]:
        """The workers whose changes wait here (pending or needing attention)."""
        return set(self.tx.scalars(select(OutboxRow.author).distinct()))

    def entries(self, state: str, *, author: str | None = None) -> list[OutboxRow]:
        """Entries in ``state`` (only ``author``'s when given), oldest first."""
        query = select(OutboxRow).where(OutboxRow.state == state)
        if author is not None:
            query = query.where(OutboxRow.author == author)
        return list(self.tx.scalars(query.order_by(OutboxRow.seq)))

    def newest_per_record(self) -> list[OutboxRow]:
        """The newest entry of each record with a change waiting (pending or needing attention), oldest first."""
        newest = select(func.max(OutboxRow.seq)).group_by(OutboxRow.record_id)
        return list(self.tx.scalars(select(OutboxRow).where(OutboxRow.seq.in_(newest)).order_by(OutboxRow.seq)))

    def get(self, seq: int) -> OutboxRow | None:
        return self.tx.get(OutboxRow, seq)

    def remove(self, entry: OutboxRow) -> None:
        self.tx.delete(entry)

    def has_others(self, entry: OutboxRow) -> bool:
        """Whether the record has other entries than ``entry``."""
        others = select(OutboxRow.seq).where(OutboxRow.record_id == entry.record_id, OutboxRow.seq != entry.seq)
        return self.tx.scalar(others.limit(1)) is not None

    def send_again(self, entry: OutboxRow) -> None:
        """Make a refused entry pending again, with a fresh op_id (the server remembers the old one's answer)."""
        entry.op_id = str(uuid.uuid4())
        entry.state = PENDING
        entry.problem = None
        entry.errors = []
        entry.attempts = 0
        entry.last_error = ""

    def local_changes(self, ids: list[str]) -> tuple[set[str], set[str]]:
        """Of ``ids``: records with an edit a pull must not overwrite, and records whose only changes are in
        conflict."""
        protected: set[str] = set()
        in_conflict: set[str] = set()
        rows = self.tx.execute(_LOCAL_CHANGES, id_list(ids))
        for record_id, problem in rows:
            (in_conflict if problem == PushStatus.CONFLICT else protected).add(record_id)
        return protected, in_conflict - protected

    def refresh_conflict(self, record_id: str, current: dict[str, Any] | None) -> None:
        """Keep a conflict's copy of the server record current, so "keep mine" is based on the newest version."""
        self.tx.execute(
            update(OutboxRow)
            .where(OutboxRow.record_id == record_id, OutboxRow.problem == PushStatus.CONFLICT)
            .values(server_record=current)
        )

    def follow_merged_clients(self, survivors: dict[str, str]) -> None:
        """Queued session changes whose service forms name a merged client (of ``survivors``: merged id -> id)
        name its survivor instead."""
        queued = select(OutboxRow).where(OutboxRow.entity == Entity.SESSION)
        for entry in self.tx.scalars(queued):
            forms = entry.payload.get("service_forms")
            if isinstance(forms, list) and any(_names(form, survivors) for form in forms):
                moved = [form | {"client_id": survivors[form["client_id"]]} if _names(form, survivors) else form
                         for form in forms]  # fmt: skip
                entry.payload = entry.payload | {"service_forms": moved}

    # --- pushing ---------------------------------------------------------------------------------------------------

    def next_batch(self, size: int, *, held: Collection[str] = ()) -> list[OutboxEntry]:
        """The oldest pending entries of one author (all sent under one sign-in), skipping any later entry of a
        record already in the batch.

        The author is the one of the oldest pending entry, leaving out the ``held`` authors (the server refused
        their sign-in in this sync). A record's entries go in the order they were made, whoever made them: an entry
        waits while an earlier one of the same record, by anyone, has not gone, so a colleague's edit is never
        judged against a version the first author's edit is about to replace.

        Only the columns a push sends are read (not the ORM rows with their error and conflict columns), which
        halved the device's share of pushing a long outbox.
        """
        batch: list[OutboxEntry] = []
        seen: set[str] = set()
        author: str | None = None
        columns = select(OutboxRow.seq, OutboxRow.op_id, OutboxRow.entity, OutboxRow.record_id,
                         OutboxRow.base_version, OutboxRow.payload, OutboxRow.author)  # fmt: skip
        query = columns.where(OutboxRow.state == PENDING).order_by(OutboxRow.seq)
        for row in self.tx.execute(query.execution_options(yield_per=size)):
            if row.record_id in seen:
                continue
            seen.add(row.record_id)
            if author is None and row.author not in held:
                author = row.author
            if row.author == author:
                batch.append(OutboxEntry(*row))
                if len(batch) == size:
                    break
        return batch

    def record_failed_attempt(self, batch: list[OutboxEntry], problem: FieldError) -> None:
        """Count a push of ``batch`` that did not reach the server, and keep why (see ``attempt_problem``)."""
        self.tx.execute(
            update(OutboxRow)
            .where(OutboxRow.seq.in_([entry.seq for entry in batch]))
            .values(attempts=OutboxRow.attempts + 1, last_error=json.dumps(problem.as_dict()))
        )

    def still_queued(self, batch: list[OutboxEntry]) -> list[OutboxEntry]:
        """The entries of ``batch`` still here: one may have left while the push was on its way (discarded, or
        superseded)."""
        present = set(self.tx.scalars(select(OutboxRow.seq).where(OutboxRow.seq.in_([e.seq for e in batch]))))
        return [entry for entry in batch if entry.seq in present]

    def acknowledge(self, entries: list[OutboxEntry], versions: dict[str, int]) -> None:
        """The server holds these changes (``versions`` by op_id): drop the entries, note each record's version,
        and base its later edits on it. An entry without a version only leaves the queue (the server applied it to
        another record: a merged client's survivor).

        Set-wise, a few statements for the whole batch rather than four per entry (which made pushing 10,000
        sessions spend as long recording answers as the server spent applying them). A batch holds at most one
        entry per record, so the entries cannot affect one another.
        """
        if not entries:
            return
        connection = self.tx.connection()
        connection.execute(delete(_OUTBOX).where(_OUTBOX.c.seq.in_([e.seq for e in entries])))
        entries = [e for e in entries if e.op_id in versions]
        for entity, table in _VERSIONED_TABLES.items():
            known = [{"record": e.record_id, "known": versions[e.op_id]} for e in entries if e.entity == entity]
            if known:
                older = table.update().where(table.c.id == bindparam("record"), table.c.version < bindparam("known"))
                connection.execute(older.values(version=bindparam("known")), known)
        known_by_record = {e.record_id: versions[e.op_id] for e in entries}
        later = self._later_pending({e.record_id: e.seq for e in entries})
        rebased = [{"entry": seq, "known": known_by_record[record_id]}
                   for record_id, seqs in later.items() for seq in seqs]  # fmt: skip
        if rebased:
            update_entry = _OUTBOX.update().where(_OUTBOX.c.seq == bindparam("entry"))
            connection.execute(update_entry.values(base_version=bindparam("known")), rebased)

    def reject(self, seq: int, errors: list[Any]) -> None:
        """Keep a refused change for the worker with the server's reasons, unless a later save already replaced it."""
        entry = self.tx.get_one(OutboxRow, seq)
        if self._later_pending({entry.record_id: entry.seq}):
            self.tx.delete(entry)
            return
        entry.state = NEEDS_ATTENTION
        entry.problem = PushStatus.REJECTED
        entry.errors = [error for error in errors if isinstance(error, dict)]
        entry.last_error = ""

    def conflict(
        self, seq: int, current: dict[str, Any] | None, *, survivor: dict[str, Any] | None = None
    ) -> OutboxRow:
        """Keep the worker's latest edit beside the server's version until they choose.

        Later saves of the same record were made on the same stale version, so the newest of them (a full copy of
        the record, which includes the earlier edits) becomes the one kept, and they leave the queue. With
        ``survivor`` (the server's copy of the client this one was merged into), the kept edit becomes an edit of
        the survivor: the worker's fields on the survivor's identity.
        """
        entry = self.tx.get_one(OutboxRow, seq)
        later = self._later_pending({entry.record_id: entry.seq}).get(entry.record_id, [])
        if later:
            entry.payload = self.tx.get_one(OutboxRow, later[-1]).payload
            self.tx.execute(delete(OutboxRow).where(OutboxRow.seq.in_(later)))
        if survivor is not None:
            entry.payload = entry.payload | {name: survivor[name] for name in _IDENTITY if name in survivor}
            entry.record_id = survivor["id"]
        entry.state = NEEDS_ATTENTION
        entry.problem = PushStatus.CONFLICT
        entry.server_record = current
        entry.last_error = ""
        return entry

    def _later_pending(self, after: dict[str, int]) -> dict[str, list[int]]:
        """For each record id in ``after``, the seqs of its pending entries queued after the given seq, oldest first.

        The entries are looked up by record id alone and filtered here: with ``state`` in the query SQLite walks the
        (state, seq) index instead, reading every pending entry once per record asked about, which grew with the
        outbox (10,000 queued sessions took seconds per pushed batch).
        """
        query = select(_OUTBOX.c.seq, _OUTBOX.c.record_id, _OUTBOX.c.state).where(_OUTBOX.c.record_id.in_(after))
        found: dict[str, list[int]] = {}
        for seq, record_id, state in self.tx.execute(query.order_by(_OUTBOX.c.seq)):
            if state == PENDING and seq > after[record_id]:
                found.setdefault(record_id, []).append(seq)
        return found


def _names(form: Any, survivors: dict[str, str]) -> bool:
    return isinstance(form, dict) and form.get("client_id") in survivors


# Which of a page's records have queued changes (``local_changes``), the ids as one JSON array: see IN_ID_LIST.
_LOCAL_CHANGES = text(f"SELECT record_id, problem FROM outbox WHERE record_id {IN_ID_LIST}")

# What makes a client record itself rather than its fields: a merged client's edit takes the survivor's.
_IDENTITY = ("id", "agency_id", "created_by", "created_at", "updated_at", "version")

# A record saved again: the worker has acted on the reasons its rejected changes were refused.
_DROP_REJECTED = (
    f"DELETE FROM {_OUTBOX.name} WHERE entity = ? AND record_id = ?"
    f" AND state = '{NEEDS_ATTENTION}' AND problem = '{PushStatus.REJECTED}'"
)
# A new entry is pending, never tried, with no problem yet. Its author is the worker the device holds when the change
# is made (``SyncKey.USER``), read in the same statement.
_QUEUE = (
    f"INSERT INTO {_OUTBOX.name}"
    " (op_id, entity, record_id, base_version, payload, created_at, attempts, last_error, state, errors, author)"
    f" VALUES (?, ?, ?, ?, ?, ?, 0, '', '{PENDING}', '[]',"
    f" coalesce((SELECT value FROM {table_of(SyncStateRow).name} WHERE key = 'user_id'), ''))"
)


@lru_cache(maxsize=4)
def _payload_as_stored(dialect: Dialect) -> Callable[[Any], Any]:
    """What the ``payload`` column's JSON type stores for a value (the engine's JSON serialiser)."""
    process = _OUTBOX.c.payload.type.bind_processor(dialect)
    assert process is not None, "a JSON column always converts"
    return process


def attempt_problem(last_error: str) -> FieldError | None:
    """Why the last push of an entry failed, as ``record_failed_attempt`` keeps it: the problem as JSON (its code
    and values, so it is shown in the worker's language), or the English words a device kept before problems had
    codes."""
    if not last_error:
        return None
    try:
        kept = json.loads(last_error)
    except ValueError:
        kept = None
    return FieldError.from_dict(kept) if isinstance(kept, dict) else FieldError("", last_error)
