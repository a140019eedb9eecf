"""Following a merge of two clients on the device: what named the merged client names the survivor.

A supervisor merges a client registered twice (docs/sync-protocol.md, *Merged clients*). The device learns it from
the merged client's tombstone (``data.merged_into``) or from a push answer about a change it queued for that
client. Either way, in the unit of work that learns it: local service forms and queued session changes that name the
merged client name the survivor instead, so what the worker sees and what they still send agree with the server.
Nothing queued is dropped: a queued edit of the merged client itself stays queued and the server applies it to the
survivor (or answers a conflict, which the device then keeps against the survivor). The SQL is the repositories'.
"""

from typing import Any

from app.store.unit_of_work import UnitOfWork
from protocol.enums import Operation

MERGED_INTO = "merged_into"


def merged_into(change: dict[str, Any]) -> str | None:
    """The survivor a pulled client tombstone names, if it is a merge's."""
    if change.get("op") != Operation.DELETE:
        return None
    data = change.get("data")
    survivor = data.get(MERGED_INTO) if isinstance(data, dict) else None
    return survivor if isinstance(survivor, str) and survivor else None


def follow_merges(uow: UnitOfWork, survivors: dict[str, str]) -> None:
    """Point local service forms and queued session changes at the survivors of ``survivors`` (merged id -> id)."""
    if survivors:
        uow.sessions.follow_merged_clients(survivors)
        uow.outbox.follow_merged_clients(survivors)
