"""One sync of the device: push every queued change, then pull the server's changes until there are no more.

Push sends outbox entries oldest first, at most one per record in a batch, so an edit is never judged against a
version its own earlier edit is about to replace. Each batch holds one author's changes and goes under that
author's sign-in (several workers may share the tablet); a sign-in the server refuses holds back that author's
changes only. Every result is recorded in one local transaction; a transport failure records the attempt and ends
the sync (the runner decides when to try again). Pull applies each page and stores its cursor in the same
transaction, so an interrupted pull resumes where it stopped and never applies a page twice or skips one.
"""

import gc
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from app.domain.errors import problem as declare
from app.domain.words import N_
from app.store.outbox import OutboxEntry
from app.store.repositories import SyncKey
from app.store.unit_of_work import UnitOfWork
from protocol.api import MAX_BODY_BYTES, MAX_CHANGES_PER_PUSH, MAX_PULL_LIMIT
from protocol.enums import ACCEPTED_STATUSES, Entity, PushStatus
from protocol.problems import CHANGE_TOO_LARGE, WireErrors
from protocol.records import client_from_wire, session_from_wire
from sync.apply import PageOutcome, apply_page
from sync.lock import DeviceSyncLock
from sync.merges import MERGED_INTO, follow_merges
from sync.pacing import LinkPace, LinkPaces
from sync.transport import (
    CursorExpired,
    Offline,
    ProtocolError,
    TooLarge,
    Transport,
    TransportError,
    Unauthorized,
    WorkerDeactivated,
)

log = logging.getLogger(__name__)
_Answer = TypeVar("_Answer")

# SQLite's page cache for pulled pages (default 2 MB): a first sync writes every client's search terms into an
# index spread over the whole file, and a cache that holds it cut its CPU time by about a fifth (100k clients).
PULL_CACHE_KIB = 65_536
# How long one pull transaction may keep taking pages that are already here (see _PageWriter).
PULL_COMMIT_AFTER_S = 1.5
_KNOWN_STATUSES = frozenset(PushStatus)

# What a worker may read when the server's answers do not hold together (the Sync screen's "last problem").
PULL_RESTART_EXPIRED = declare(
    "sync.pull.restart_expired", N_("The server refused a pull from the beginning as expired.")
)
CURSOR_STUCK = declare("sync.pull.cursor_stuck", N_("The server says it has more changes but its cursor did not move."))
NO_RESULT = declare("sync.push.no_result", N_("The server's answer has no usable result for change {op_id}."))
NO_VERSION = declare("sync.push.no_version", N_("The server applied change {op_id} without giving its version."))
NOT_SIGNED_IN_HERE = declare(
    "sync.push.author_signed_out", N_("{author} needs to sign in on this device again to send these changes.")
)
COPY_UNREADABLE = declare(
    "sync.copy_unreadable", N_("The server's copy of record {record_id} cannot be read by this version of the app.")
)


class Database(Protocol):
    """What the engine needs of the device database: units of work, and the file a sync locks."""

    path: Path

    def reading(self) -> UnitOfWork: ...

    def writing(self) -> UnitOfWork: ...

    def index_waiting_terms(self) -> int: ...


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
    removed: int = 0  # records a full pull after a 410 no longer named, removed from the device


AuthorTransports = Callable[[str], Transport | None]
"""The transport signed in as a given author (another worker who used this device), or None when the device holds
no usable sign-in of theirs."""


class SyncEngine:
    """Pushes the outbox and pulls server changes for one device database.

    ``transport`` is signed in as ``author``, the worker the device holds: their changes (and any without an author)
    go over it, and the pull too. Another author's changes go over ``others(author)``.

    How many changes go in a push and a pull page follows the link (``sync.pacing``): ``pace`` carries the sizes
    from one sync to the next, and ``clock`` times each request for it. ``batch_size`` and ``pull_limit`` fix the
    size of pushes or of pull pages instead.
    """

    def __init__(
        self,
        db: Database,
        transport: Transport,
        *,
        device_id: str,
        author: str = "",
        others: AuthorTransports | None = None,
        batch_size: int | None = None,
        pull_limit: int | None = None,
        pace: LinkPaces | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.db = db
        self.transport = transport
        self.device_id = device_id
        self.author = author
        self.others = others
        paces = pace or LinkPaces()
        self.pace = LinkPaces(
            LinkPace.fixed(min(batch_size, MAX_CHANGES_PER_PUSH)) if batch_size else paces.push,
            LinkPace.fixed(min(pull_limit, MAX_PULL_LIMIT)) if pull_limit else paces.pull,
        )
        self.clock = clock

    def sync(self) -> SyncReport:
        """Push, then pull. Raises SyncBusy if another sync of this database runs, and transport errors as they come."""
        with DeviceSyncLock(self.db.path):
            report = SyncReport()
            self._tell_waiting()
            self.push(report)
            self._tell_waiting()
            self.pull(report)
            with self.db.writing() as uow:
                uow.sync_state.set(SyncKey.LAST_SYNC, datetime.now(UTC).isoformat(timespec="seconds"))
                uow.commit()
            return report

    def _tell_waiting(self) -> None:
        """Let the transport report how many changes the server has not acknowledged (the administrator's device
        list shows it, so a lost tablet's unsent work is known before it is revoked)."""
        self.transport.pending_changes = sum(self.counts().values())

    def counts(self) -> dict[str, int]:
        """Outbox entries by state: ``pending`` and ``needs_attention``."""
        with self.db.reading() as uow:
            return uow.outbox.counts()

    def last_success(self) -> datetime | None:
        with self.db.reading() as uow:
            value = uow.sync_state.get(SyncKey.LAST_SYNC)
        return datetime.fromisoformat(value) if value else None

    # --- push ----------------------------------------------------------------------------------------------------

    def push(self, report: SyncReport) -> None:
        """Push the outbox in batches, each under its author's sign-in. A batch the server finds too large (413) goes
        again in halves; one change too large on its own is set aside for the worker ("needs attention"), and the
        queue goes on without it. An author whose sign-in the server refuses (or the device no longer holds) keeps
        their changes queued, and the other authors' go on; the signed-in worker's refusal is raised at the end."""
        at_most = MAX_CHANGES_PER_PUSH  # lowered while batches are too large for the server
        held: dict[str, TransportError] = {}
        while batch := self._next_batch(min(self.pace.push.size, at_most), held):
            changes = [_wire_change(entry) for entry in batch]
            author = batch[0].author
            try:
                push = partial(self._transport_for(author).push, self.device_id, changes)
                results = self._timed(self.pace.push, push, len(batch) >= self.pace.push.size)
            except (Unauthorized, WorkerDeactivated) as refused:
                self._record_failed_attempt(batch, refused)
                held[author or self.author] = refused
                self._forget_refused_token(author)
                continue
            except TooLarge:
                if len(batch) > 1:
                    at_most = len(batch) // 2
                    log.info("A push of %d changes was too large; sending %d at a time.", len(batch), at_most)
                else:
                    self._set_aside_too_large(batch[0], report)
                    at_most = MAX_CHANGES_PER_PUSH  # the rest may well fit as usual
                continue
            except TransportError as exc:
                self._record_failed_attempt(batch, exc)
                raise
            self._record_results(batch, _results_by_op(batch, results), report)
        if (mine := held.get(self.author)) is not None:
            raise mine

    def _timed(self, pace: LinkPace, request: Callable[[], _Answer], full: bool | Callable[[_Answer], bool]) -> _Answer:
        """Make ``request`` and tell ``pace`` how the link took it: how long it took, and whether it carried as
        many changes as the pace allowed (``full``, or a test of the answer); or that the link lost it."""
        started = self.clock()
        try:
            answer = request()
        except Offline:
            pace.lost()
            raise
        pace.answered(self.clock() - started, full=full(answer) if callable(full) else full)
        return answer

    def _is_current(self, author: str) -> bool:
        return author in ("", self.author)

    def _transport_for(self, author: str) -> Transport:
        """The signed-in worker's transport for their changes; another author's own, or Unauthorized without one."""
        if self._is_current(author):
            return self.transport
        transport = self.others(author) if self.others is not None else None
        if transport is None:
            raise Unauthorized(NOT_SIGNED_IN_HERE, author=author)
        transport.pending_changes = self.transport.pending_changes
        return transport

    def _forget_refused_token(self, author: str) -> None:
        """Another author's token the server refused is dropped, so later syncs hold their changes back without
        asking again; their next sign-in brings a new one."""
        if self._is_current(author):
            return  # the runner asks the signed-in worker to sign in again
        with self.db.writing() as uow:
            if (account := uow.accounts.get(author)) is not None:
                account.token = ""
                uow.commit()

    def _set_aside_too_large(self, entry: OutboxEntry, report: SyncReport) -> None:
        too_large = CHANGE_TOO_LARGE.at("", limit=MAX_BODY_BYTES // 2**20)
        with self.db.writing() as uow:
            uow.outbox.reject(entry.seq, [too_large.as_dict()])
            uow.commit()
        report.rejected += 1

    def _next_batch(self, batch_size: int, held: dict[str, TransportError]) -> list[OutboxEntry]:
        """The next batch, leaving out held authors (an entry without an author is the signed-in worker's)."""
        held_authors = set(held) | ({""} if self.author in held else set())
        with self.db.reading() as uow:
            return uow.outbox.next_batch(batch_size, held=held_authors)

    def _record_failed_attempt(self, batch: list[OutboxEntry], exc: TransportError) -> None:
        with self.db.writing() as uow:
            uow.outbox.record_failed_attempt(batch, exc.problem)
            uow.commit()

    def _record_results(self, batch: list[OutboxEntry], results: dict[str, dict[str, Any]], report: SyncReport) -> None:
        with self.db.writing() as uow:
            still_queued = uow.outbox.still_queued(batch)
            applied = [sent for sent in still_queued if results[sent.op_id]["status"] in ACCEPTED_STATUSES]
            _acknowledge(uow, applied, results)
            report.applied += len(applied)
            for sent in still_queued:
                result = results[sent.op_id]
                if result["status"] == PushStatus.REJECTED:
                    uow.outbox.reject(sent.seq, result.get("errors") or [])
                    report.rejected += 1
                elif result["status"] == PushStatus.CONFLICT:
                    # The server's copy of another author's session is theirs to see: kept with their entry only.
                    show = self._is_current(sent.author) or sent.entity == Entity.CLIENT
                    _conflict(uow, sent, result.get("current"), result.get(MERGED_INTO), show=show)
                    report.conflicts += 1
            uow.commit()

    # --- pull ----------------------------------------------------------------------------------------------------

    def pull(self, report: SyncReport) -> None:
        """Pull pages until the server has no more. The next page is fetched while this one is written, so the
        network and the server's work overlap the device's (a first sync is dozens of pages)."""
        with self.db.reading() as uow:
            cursor = uow.sync_state.get(SyncKey.CURSOR) or None
            sweeping = uow.full_pull.under_way()
        fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outpost-pull")
        writer = _PageWriter(self.db, report, sweeping=sweeping)
        try:
            fetching = fetcher.submit(self._fetch, cursor)
            while True:
                if not fetching.done() or fetching.exception() is not None:
                    writer.commit()  # never hold the write lock while waiting, nor lose written pages to a failure
                try:
                    page = fetching.result()
                except CursorExpired:
                    if cursor is None or report.full_pull:  # starting over again would never end
                        raise ProtocolError(PULL_RESTART_EXPIRED, 410) from None
                    log.warning("Pull cursor expired; pulling everything again (the outbox is kept).")
                    with self.db.writing() as uow:
                        uow.sync_state.set(SyncKey.CURSOR, "")
                        uow.full_pull.begin()
                        uow.commit()
                    cursor, writer.sweeping = None, True
                    report.full_pull = True
                    fetching = fetcher.submit(self._fetch, None)
                    continue
                next_cursor, more = page["cursor"], bool(page.get("has_more"))
                if more:
                    if next_cursor == cursor and not page["changes"]:
                        raise ProtocolError(CURSOR_STUCK)
                    fetching = fetcher.submit(self._fetch, next_cursor)
                writer.store(page["changes"], next_cursor, last=not more)
                if not more:
                    writer.commit()
                    self.db.index_waiting_terms()  # the pulled clients' search terms, in the index's order
                    return
                cursor = next_cursor
        except BaseException:
            writer.discard()
            self._index_waiting_terms()  # the clients of the pages kept so far are found by search now
            raise
        finally:
            fetcher.shutdown(wait=False, cancel_futures=True)

    def _index_waiting_terms(self) -> None:
        """After a pull stopped half way: put the search terms of the clients it stored into the index. A failure
        here is logged, not raised over the pull's own; the terms then wait for the next pull or the next start."""
        try:
            self.db.index_waiting_terms()
        except Exception:
            log.exception("Could not index the search terms of the clients pulled so far.")

    def _fetch(self, cursor: str | None) -> dict[str, Any]:
        """One pull page of the size the link allows now (run on the fetching thread, one at a time)."""
        limit = self.pace.pull.size
        # A page is full when the server had more than it held: a last, short page says little of the link.
        return self._timed(self.pace.pull, partial(self.transport.pull, cursor, limit), _has_more)


class _PageWriter:
    """Writes pulled pages and their cursor, several pages to one transaction while they arrive back to back.

    Every commit stores the cursor of the last page in it, so an interrupted pull resumes right after what was
    kept and never applies a page twice or skips one. A commit's cost grows with the number of index pages it
    touches, not with its rows: a first sync's search terms land all over the term index, and committing each
    2,000-client page rewrote most of that index fifty times over. So a transaction stays open while the next page
    is already here, for at most ``PULL_COMMIT_AFTER_S``; it is never held across a wait on the network, and a
    worker saving meanwhile waits at most that long (well inside the busy timeout).
    """

    def __init__(self, db: Database, report: SyncReport, *, sweeping: bool = False):
        self.db = db
        self.report = report
        self.sweeping = sweeping  # a full pull after a 410: note what it names, remove the rest at its end
        self.uow: UnitOfWork | None = None
        self.started = 0.0
        self.pending: list[PageOutcome] = []  # written in the open transaction, counted in the report once committed

    def store(self, changes: list[dict[str, Any]], cursor: str, *, last: bool = False) -> None:
        if self.uow is None:
            self.uow = self.db.writing().__enter__()
            self.uow.set_page_cache(PULL_CACHE_KIB)
            self.started = time.monotonic()
        with _collector_paused():
            self.pending.append(apply_page(self.uow, changes))
        self.uow.sync_state.set(SyncKey.CURSOR, cursor)
        if self.sweeping:
            self.uow.full_pull.note(changes)
            if last:
                self.report.removed += _remove_what_the_full_pull_did_not_name(self.uow)
        if time.monotonic() - self.started >= PULL_COMMIT_AFTER_S:
            self.commit()

    def commit(self) -> None:
        if self.uow is None:
            return
        self.uow.commit()
        self.uow.__exit__(None, None, None)
        self.uow = None
        for outcome in self.pending:
            self.report.pages += 1
            self.report.pulled += outcome.applied
            self.report.kept_local += outcome.kept_local
            self.report.unreadable += outcome.unreadable
        self.pending = []

    def discard(self) -> None:
        """Roll back pages not yet committed (the pull failed); the stored cursor still points before them."""
        if self.uow is not None:
            self.uow.__exit__(None, None, None)  # rolls back
            self.uow = None
            self.pending = []


def _remove_what_the_full_pull_did_not_name(uow: UnitOfWork) -> int:
    """The full pull's last page is stored: remove the clients and sessions it did not name (the server no longer
    lets the worker see them) unless something queued needs them; returns how many went."""
    gone = uow.full_pull.not_named()
    uow.clients.remove(gone[Entity.CLIENT])
    uow.sessions.remove(gone[Entity.SESSION])
    uow.full_pull.end()
    return sum(len(ids) for ids in gone.values())


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a page is written. Reading a page makes hundreds of thousands of small
    containers (records, rows, term sets) that reference counting frees when the page is done; the collector
    meanwhile ran about fifteen times a page over them and over everything else alive in the process, a
    twelfth of a first sync's CPU on the device and more in a process holding more objects. None of them form
    cycles, so nothing waits longer to be freed; the collector runs as usual between pages."""
    if not gc.isenabled():  # someone else paused it: theirs to restart
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _has_more(page: dict[str, Any]) -> bool:
    return bool(page.get("has_more"))


def _wire_change(entry: OutboxEntry) -> dict[str, Any]:
    return {
        "op_id": entry.op_id,
        "entity": entry.entity,
        "id": entry.record_id,
        "base_version": entry.base_version,
        "data": entry.payload,
    }


def _results_by_op(batch: list[OutboxEntry], results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Results keyed by op_id, checked before anything is written: one known status per change sent."""
    by_op = {result["op_id"]: result for result in results if isinstance(result, dict) and "op_id" in result}
    for entry in batch:
        result = by_op.get(entry.op_id)
        if result is None or result.get("status") not in _KNOWN_STATUSES:
            raise ProtocolError(NO_RESULT, 200, result, op_id=entry.op_id)
        if result["status"] in ACCEPTED_STATUSES and not isinstance(result.get("version"), int):
            raise ProtocolError(NO_VERSION, 200, result, op_id=entry.op_id)
    return by_op


def _acknowledge(uow: UnitOfWork, entries: list[OutboxEntry], results: dict[str, dict[str, Any]]) -> None:
    """The server holds these changes: they leave the outbox and the records take the versions it gave. An edit of a
    client merged since was applied to the survivor, which a pull brings: the merged client goes, and what named it
    names the survivor."""
    survivors = {e.record_id: results[e.op_id][MERGED_INTO] for e in entries if results[e.op_id].get(MERGED_INTO)}
    versions = {e.op_id: results[e.op_id]["version"] for e in entries if e.record_id not in survivors}
    uow.outbox.acknowledge(entries, versions)
    if survivors:
        follow_merges(uow, survivors)
        uow.clients.remove(list(survivors))


def _conflict(
    uow: UnitOfWork,
    sent: OutboxEntry,
    current: dict[str, Any] | None,
    survivor: str | None,
    *,
    show: bool = True,
) -> None:
    """Keep the worker's edit beside the server's version, which the device shows until they choose (unless not
    ``show``: it is another worker's to see). A conflict about a client merged into ``survivor`` is kept against the
    survivor (``current``), and the merged client goes."""
    merged = survivor is not None and current is not None
    entry = uow.outbox.conflict(sent.seq, current, survivor=current if merged else None)
    if merged:
        follow_merges(uow, {sent.record_id: str(survivor)})
        uow.clients.remove([sent.record_id])
    if current is not None and show:
        store_wire_record(uow, entry.entity, entry.record_id, current)


def store_wire_record(uow: UnitOfWork, entity: str, record_id: str, data: dict[str, Any]) -> None:
    """Write a client or session in its wire form (the server's copy, or a kept local edit) into the local tables."""
    try:
        if entity == Entity.CLIENT:
            uow.clients.put_copy(client_from_wire(data, record_id=record_id, trusted=True))
        else:
            uow.sessions.put_copy(session_from_wire(data, record_id=record_id, trusted=True))
    except WireErrors as exc:
        log.error("The server's copy of %s %s is unreadable: %s", entity, record_id, exc)
        raise ProtocolError(COPY_UNREADABLE, record_id=record_id) from exc
