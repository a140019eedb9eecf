"""One sync of the device: push every queued change, then pull the server's changes until there are no more.

Push sends outbox entries oldest first, at most one per record in a batch, so an edit is never judged against a
version its own earlier edit is about to replace. Every result is recorded in one local transaction; a transport
failure records the attempt and ends the sync (the runner decides when to try again). Pull applies each page and
stores its cursor in the same transaction, so an interrupted pull resumes where it stopped and never applies a
page twice or skips one.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session as DbSession

from app.store import repository
from app.store.db import DeviceDatabase
from app.store.models import ClientRow, OutboxRow, SessionRow
from protocol.api import MAX_BODY_BYTES, MAX_CHANGES_PER_PUSH, MAX_PULL_LIMIT
from protocol.enums import ACCEPTED_STATUSES, Entity, PushStatus
from protocol.problems import CHANGE_TOO_LARGE
from protocol.records import WireErrors, client_from_wire, session_from_wire
from sync.apply import PageOutcome, apply_page, delete_clients
from sync.lock import DeviceSyncLock
from sync.merges import follow_merges, rekey_to_survivor
from sync.transport import CursorExpired, ProtocolError, TooLarge, Transport, TransportError

log = logging.getLogger(__name__)

CURSOR_KEY = "pull_cursor"
LAST_SYNC_KEY = "last_sync_at"
# SQLite's page cache for pulled pages (default 2 MB): a first sync writes every client's search terms into an
# index spread over the whole file, and a cache that holds it cut its CPU time by about a fifth (100k clients).
PULL_CACHE_KIB = 65_536
# How long one pull transaction may keep taking pages that are already here (see _PageWriter).
PULL_COMMIT_AFTER_S = 1.5
_KNOWN_STATUSES = frozenset(PushStatus)
_VERSIONED_TABLES: dict[str, Any] = {Entity.CLIENT: ClientRow, Entity.SESSION: SessionRow}


@dataclass(slots=True)
class SyncReport:
    """What one sync did, for logs and the Sync details screen."""

    applied: int = 0
    rejected: int = 0
    conflicts: int = 0
    pulled: int = 0
    kept_local: int = 0
    unreadable: int = 0
    pages: int = 0
    full_pull: bool = False


@dataclass(frozen=True, slots=True)
class _Queued:
    """An outbox entry as a push sends it."""

    seq: int
    op_id: str
    entity: str
    record_id: str
    base_version: int | None
    payload: dict[str, Any]


class SyncEngine:
    """Pushes the outbox and pulls server changes for one device database over one transport."""

    def __init__(
        self,
        db: DeviceDatabase,
        transport: Transport,
        *,
        device_id: str,
        batch_size: int = MAX_CHANGES_PER_PUSH,
        pull_limit: int = 2_000,
    ):
        self.db = db
        self.transport = transport
        self.device_id = device_id
        self.batch_size = min(batch_size, MAX_CHANGES_PER_PUSH)
        self.pull_limit = min(pull_limit, MAX_PULL_LIMIT)

    def sync(self) -> SyncReport:
        """Push, then pull. Raises SyncBusy if another sync of this database runs, and transport errors as they come."""
        with DeviceSyncLock(self.db.path):
            report = SyncReport()
            self._tell_waiting()
            self.push(report)
            self._tell_waiting()
            self.pull(report)
            with self.db.sessions.begin() as tx:
                repository.set_state(tx, LAST_SYNC_KEY, datetime.now(UTC).isoformat(timespec="seconds"))
            return report

    def _tell_waiting(self) -> None:
        """Let the transport report how many changes the server has not acknowledged (the administrator's device
        list shows it, so a lost tablet's unsent work is known before it is revoked)."""
        self.transport.pending_changes = sum(self.counts().values())

    def counts(self) -> dict[str, int]:
        """Outbox entries by state: ``pending`` and ``needs_attention``."""
        with self.db.reads() as tx:
            return repository.outbox_counts(tx)

    def last_success(self) -> datetime | None:
        with self.db.reads() as tx:
            value = repository.get_state(tx, LAST_SYNC_KEY)
        return datetime.fromisoformat(value) if value else None

    # --- push ----------------------------------------------------------------------------------------------------

    def push(self, report: SyncReport) -> None:
        """Push the outbox in batches. A batch the server finds too large (413) goes again in halves; one change too
        large on its own is set aside for the worker ("needs attention"), and the queue goes on without it."""
        batch_size = self.batch_size
        while batch := self._next_batch(batch_size):
            changes = [_wire_change(entry) for entry in batch]
            try:
                results = self.transport.push(self.device_id, changes)
            except TooLarge:
                if len(batch) > 1:
                    batch_size = len(batch) // 2
                    log.info("A push of %d changes was too large; sending %d at a time.", len(batch), batch_size)
                else:
                    self._set_aside_too_large(batch[0], report)
                    batch_size = self.batch_size  # the rest may well fit as usual
                continue
            except TransportError as exc:
                self._record_failed_attempt(batch, exc)
                raise
            self._record_results(batch, _results_by_op(batch, results), report)

    def _set_aside_too_large(self, entry: _Queued, report: SyncReport) -> None:
        with self.db.sessions.begin() as tx:
            too_large = CHANGE_TOO_LARGE.at("", limit=MAX_BODY_BYTES // 2**20)
            _reject(tx, tx.get_one(OutboxRow, entry.seq), [too_large.as_dict()])
        report.rejected += 1

    def _next_batch(self, batch_size: int) -> list[_Queued]:
        """The oldest pending entries, skipping any later entry of a record already in the batch.

        Only the columns a push sends are read (not the ORM rows with their error and conflict columns), which
        halved the device's share of pushing a long outbox.
        """
        batch: list[_Queued] = []
        seen: set[str] = set()
        columns = select(OutboxRow.seq, OutboxRow.op_id, OutboxRow.entity, OutboxRow.record_id,
                         OutboxRow.base_version, OutboxRow.payload)  # fmt: skip
        query = columns.where(OutboxRow.state == repository.PENDING).order_by(OutboxRow.seq)
        with self.db.reads() as tx:
            for row in tx.execute(query.execution_options(yield_per=batch_size)):
                if row.record_id not in seen:
                    seen.add(row.record_id)
                    batch.append(_Queued(*row))
                    if len(batch) == batch_size:
                        break
        return batch

    def _record_failed_attempt(self, batch: list[_Queued], exc: TransportError) -> None:
        message = str(exc) or exc.__class__.__name__
        with self.db.sessions.begin() as tx:
            tx.execute(
                update(OutboxRow)
                .where(OutboxRow.seq.in_([entry.seq for entry in batch]))
                .values(attempts=OutboxRow.attempts + 1, last_error=message)
            )

    def _record_results(self, batch: list[_Queued], results: dict[str, dict[str, Any]], report: SyncReport) -> None:
        with self.db.sessions.begin() as tx:
            # An entry may have left the outbox while the push was on its way (discarded, or superseded).
            present = set(tx.scalars(select(OutboxRow.seq).where(OutboxRow.seq.in_([sent.seq for sent in batch]))))
            still_queued = [sent for sent in batch if sent.seq in present]
            applied = [sent for sent in still_queued if results[sent.op_id]["status"] in ACCEPTED_STATUSES]
            _acknowledge(tx, applied, results)
            report.applied += len(applied)
            for sent in still_queued:
                result = results[sent.op_id]
                if result["status"] == PushStatus.REJECTED:
                    _reject(tx, tx.get_one(OutboxRow, sent.seq), result.get("errors") or [])
                    report.rejected += 1
                elif result["status"] == PushStatus.CONFLICT:
                    _conflict(tx, tx.get_one(OutboxRow, sent.seq), result.get("current"), result.get("merged_into"))
                    report.conflicts += 1

    # --- pull ----------------------------------------------------------------------------------------------------

    def pull(self, report: SyncReport) -> None:
        """Pull pages until the server has no more. The next page is fetched while this one is written, so the
        network and the server's work overlap the device's (a first sync is dozens of pages)."""
        with self.db.reads() as tx:
            cursor = repository.get_state(tx, CURSOR_KEY) or None
        fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outpost-pull")
        writer = _PageWriter(self.db, report)
        try:
            fetching = fetcher.submit(self.transport.pull, cursor, self.pull_limit)
            while True:
                if not fetching.done() or fetching.exception() is not None:
                    writer.commit()  # never hold the write lock while waiting, nor lose written pages to a failure
                try:
                    page = fetching.result()
                except CursorExpired:
                    if cursor is None:
                        raise ProtocolError("The server refused a pull from the beginning as expired.", 410) from None
                    log.warning("Pull cursor expired; pulling everything again (the outbox is kept).")
                    cursor = None
                    report.full_pull = True
                    fetching = fetcher.submit(self.transport.pull, None, self.pull_limit)
                    continue
                next_cursor, more = page["cursor"], bool(page.get("has_more"))
                if more:
                    if next_cursor == cursor and not page["changes"]:
                        raise ProtocolError("The server says it has more changes but its cursor did not move.")
                    fetching = fetcher.submit(self.transport.pull, next_cursor, self.pull_limit)
                writer.store(page["changes"], next_cursor)
                if not more:
                    writer.commit()
                    return
                cursor = next_cursor
        finally:
            writer.discard()
            fetcher.shutdown(wait=False, cancel_futures=True)


class _PageWriter:
    """Writes pulled pages and their cursor, several pages to one transaction while they arrive back to back.

    Every commit stores the cursor of the last page in it, so an interrupted pull resumes right after what was
    kept and never applies a page twice or skips one. A commit's cost grows with the number of index pages it
    touches, not with its rows: a first sync's search terms land all over the term index, and committing each
    2,000-client page rewrote most of that index fifty times over. So a transaction stays open while the next page
    is already here, for at most ``PULL_COMMIT_AFTER_S``; it is never held across a wait on the network, and a
    worker saving meanwhile waits at most that long (well inside the busy timeout).
    """

    def __init__(self, db: DeviceDatabase, report: SyncReport):
        self.db = db
        self.report = report
        self.tx: DbSession | None = None
        self.started = 0.0
        self.pending: list[PageOutcome] = []  # written in the open transaction, counted in the report once committed

    def store(self, changes: list[dict[str, Any]], cursor: str) -> None:
        if self.tx is None:
            self.tx = self.db.sessions()
            self.tx.begin()
            self.tx.connection().exec_driver_sql(f"PRAGMA cache_size=-{PULL_CACHE_KIB}")
            self.started = time.monotonic()
        self.pending.append(apply_page(self.tx, changes))
        repository.set_state(self.tx, CURSOR_KEY, cursor)
        if time.monotonic() - self.started >= PULL_COMMIT_AFTER_S:
            self.commit()

    def commit(self) -> None:
        if self.tx is None:
            return
        self.tx.commit()
        self.tx.close()
        self.tx = None
        for outcome in self.pending:
            self.report.pages += 1
            self.report.pulled += outcome.applied
            self.report.kept_local += outcome.kept_local
            self.report.unreadable += outcome.unreadable
        self.pending = []

    def discard(self) -> None:
        """Roll back pages not yet committed (the pull failed); the stored cursor still points before them."""
        if self.tx is not None:
            self.tx.rollback()
            self.tx.close()
            self.tx = None
            self.pending = []


def _wire_change(entry: _Queued) -> dict[str, Any]:
    return {
        "op_id": entry.op_id,
        "entity": entry.entity,
        "id": entry.record_id,
        "base_version": entry.base_version,
        "data": entry.payload,
    }


def _results_by_op(batch: list[_Queued], results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Results keyed by op_id, checked before anything is written: one known status per change sent."""
    by_op = {result.get("op_id"): result for result in results if isinstance(result, dict)}
    for entry in batch:
        result = by_op.get(entry.op_id)
        if result is None or result.get("status") not in _KNOWN_STATUSES:
            raise ProtocolError(f"The server's answer has no usable result for change {entry.op_id}.", 200, result)
        if result["status"] in ACCEPTED_STATUSES and not isinstance(result.get("version"), int):
            raise ProtocolError(f"The server applied change {entry.op_id} without giving its version.", 200, result)
    return by_op


def _later_pending(tx: DbSession, after: dict[str, int]) -> dict[str, list[int]]:
    """For each record id in ``after``, the seqs of its pending outbox entries queued after the given seq, oldest
    first.

    The entries are looked up by record id alone and filtered here: with ``state`` in the query SQLite walks the
    (state, seq) index instead, reading every pending entry once per record asked about, which grew with the
    outbox (10,000 queued sessions took seconds per pushed batch).
    """
    outbox = OutboxRow.__table__
    query = select(outbox.c.seq, outbox.c.record_id, outbox.c.state).where(outbox.c.record_id.in_(after))
    found: dict[str, list[int]] = {}
    for seq, record_id, state in tx.execute(query.order_by(outbox.c.seq)):
        if state == repository.PENDING and seq > after[record_id]:
            found.setdefault(record_id, []).append(seq)
    return found


def _acknowledge(tx: DbSession, entries: list[_Queued], results: dict[str, dict[str, Any]]) -> None:
    """The server holds these changes: drop the entries, note each record's version, and base its next edits on it.

    Set-wise, a few statements for the whole batch rather than four per entry (which made pushing 10,000 sessions
    spend as long recording answers as the server spent applying them). A batch holds at most one entry per record,
    so the entries cannot affect one another.
    """
    if not entries:
        return
    connection = tx.connection()
    connection.execute(delete(OutboxRow.__table__).where(OutboxRow.__table__.c.seq.in_([e.seq for e in entries])))
    survivors = {e.record_id: results[e.op_id]["merged_into"] for e in entries if results[e.op_id].get("merged_into")}
    if survivors:  # edits of clients merged since: the server applied them to the survivors, which pulls bring
        follow_merges(tx, survivors)
        delete_clients(tx, list(survivors))
        entries = [e for e in entries if e.record_id not in survivors]
    for entity, model in _VERSIONED_TABLES.items():
        table = model.__table__
        versions = [
            {"record": e.record_id, "known": results[e.op_id]["version"]} for e in entries if e.entity == entity
        ]
        if versions:
            older = table.update().where(table.c.id == bindparam("record"), table.c.version < bindparam("known"))
            connection.execute(older.values(version=bindparam("known")), versions)
    _rebase_later_edits(tx, entries, results)


def _rebase_later_edits(tx: DbSession, entries: list[_Queued], results: dict[str, dict[str, Any]]) -> None:
    """Base edits queued after the acknowledged ones on the versions the server just gave (usually there are none)."""
    known = {e.record_id: results[e.op_id]["version"] for e in entries}
    later = _later_pending(tx, {e.record_id: e.seq for e in entries})
    rebased = [{"entry": seq, "known": known[record_id]} for record_id, seqs in later.items() for seq in seqs]
    if rebased:
        outbox = OutboxRow.__table__
        update_entry = outbox.update().where(outbox.c.seq == bindparam("entry"))
        tx.connection().execute(update_entry.values(base_version=bindparam("known")), rebased)


def _reject(tx: DbSession, entry: OutboxRow, errors: list[Any]) -> None:
    """Keep a refused change for the worker with the server's reasons, unless a later save already replaced it."""
    if _later_pending(tx, {entry.record_id: entry.seq}):
        tx.delete(entry)
        return
    entry.state = repository.NEEDS_ATTENTION
    entry.problem = "rejected"
    entry.errors = [error for error in errors if isinstance(error, dict)]
    entry.last_error = ""


def _conflict(tx: DbSession, entry: OutboxRow, current: dict[str, Any] | None, survivor: str | None = None) -> None:
    """Show the server's version on the device and keep the worker's latest edit beside it until they choose.

    Later saves of the same record were made on the same stale version, so the newest of them (a full copy of the
    record, which includes the earlier edits) becomes the one kept, and they leave the queue.
    """
    later = _later_pending(tx, {entry.record_id: entry.seq}).get(entry.record_id, [])
    if later:
        entry.payload = tx.get_one(OutboxRow, later[-1]).payload
        tx.execute(delete(OutboxRow).where(OutboxRow.seq.in_(later)))
    if survivor is not None and current is not None:  # the client was merged: the worker's copy meets the survivor
        merged = entry.record_id
        rekey_to_survivor(entry, current)
        follow_merges(tx, {merged: survivor})
        delete_clients(tx, [merged])
    entry.state = repository.NEEDS_ATTENTION
    entry.problem = "conflict"
    entry.server_record = current
    entry.last_error = ""
    if current is not None:
        store_wire_record(tx, entry.entity, entry.record_id, current)


def store_wire_record(tx: DbSession, entity: str, record_id: str, data: dict[str, Any]) -> None:
    """Write a client or session in its wire form (the server's copy, or a kept local edit) into the local tables."""
    try:
        if entity == Entity.CLIENT:
            repository.put_client(tx, client_from_wire(data, record_id=record_id, trusted=True))
        else:
            repository.put_session(tx, session_from_wire(data, record_id=record_id, trusted=True))
    except WireErrors as exc:
        raise ProtocolError(f"The copy of {entity} {record_id} is unreadable: {exc}") from exc
