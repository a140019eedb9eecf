"""The retention window: how long the server remembers applied op_ids and removals, and forgetting what is older.

Two kinds of history grow with every push and are only needed for a while. An applied ``op_id`` answers a repeated
push with ``duplicate``; a device repeats a push within minutes, or at worst when it comes back online. A removal
(a worker taken off a session's staff) sends that worker's devices a tombstone at their next pull. Both are kept for
``Settings.retention`` (90 days unless ``OUTPOST_RETENTION_DAYS`` says otherwise) and then deleted.

A device whose cursor is older than a forgotten removal would never get that tombstone, so ``history_from_seq``
records the newest change that took someone off a session among those forgotten, and a pull from an older cursor
is answered 410: the device pulls everything again and drops what the full pull no longer holds. A cursor newer than
every forgotten removal missed nothing and carries on, however old it is.

Every server process prunes when it starts and then every ``PRUNE_EVERY``; a run takes the change counter's lock
like any writer, so runs in several processes take turns and the second finds nothing to do.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update

from server import crud
from server.db import Database
from server.models import AppliedOp, ServerState, SessionFormerStaff

PRUNE_EVERY = timedelta(hours=1)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one run forgot, and where the history the server keeps now begins."""

    applied_ops: int
    removals: int
    history_from_seq: int


def prune_history(db: Database, *, now: datetime, keep_for: timedelta) -> Pruned:
    """Forget applied op_ids and removals older than ``now - keep_for``, in one writing transaction."""
    cutoff = now - keep_for
    with db.writing() as session:
        crud.lock_sequence(session)
        applied_ops = session.execute(delete(AppliedOp).where(AppliedOp.applied_at < cutoff)).rowcount
        old = SessionFormerStaff.removed_at < cutoff
        newest_forgotten = session.scalar(select(func.max(SessionFormerStaff.removed_seq)).where(old))
        removals = 0
        if newest_forgotten is not None:
            removals = session.execute(delete(SessionFormerStaff).where(old)).rowcount
            session.execute(
                update(ServerState)
                .where(ServerState.history_from_seq < newest_forgotten)
                .values(history_from_seq=newest_forgotten)
            )
        history_from_seq = crud.server_state(session).history_from_seq
    return Pruned(applied_ops=applied_ops, removals=removals, history_from_seq=history_from_seq)


async def prune_periodically(db: Database, keep_for: timedelta) -> None:
    """Prune now and every ``PRUNE_EVERY`` until cancelled (the app's lifespan runs this). A failed run is logged
    and tried again at the next one: forgetting late never loses anything."""
    while True:
        try:
            pruned = await asyncio.to_thread(prune_history, db, now=datetime.now(UTC), keep_for=keep_for)
            if pruned.applied_ops or pruned.removals:
                log.info("Forgot %s applied op_ids and %s removals past the retention window.",
                         pruned.applied_ops, pruned.removals)  # fmt: skip
        except Exception:
            log.exception("Pruning history past the retention window failed")
        await asyncio.sleep(PRUNE_EVERY.total_seconds())
