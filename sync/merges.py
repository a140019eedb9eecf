"""Following a merge of two clients on the device: what named the merged client names the survivor.

A supervisor merges a client registered twice (docs/sync-protocol.md, *Merged clients*). The device learns it from
the merged client's tombstone (``data.merged_into``) or from a push answer about a change it queued for that
client. Either way, in the transaction that learns it: local service forms and queued session changes that name the
merged client name the survivor instead, so what the worker sees and what they still send agree with the server.
Nothing queued is dropped: a queued edit of the merged client itself stays queued and the server applies it to the
survivor (or answers a conflict, which the device then keeps against the survivor).
"""

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from app.store.models import OutboxRow, ServiceFormRow

MERGED_INTO = "merged_into"


def merged_into(change: dict[str, Any]) -> str | None:
    """The survivor a pulled client tombstone names, if it is a merge's."""
    data = change.get("data")
    survivor = data.get(MERGED_INTO) if isinstance(data, dict) else None
    return survivor if isinstance(survivor, str) and survivor else None


def follow_merges(tx: DbSession, survivors: dict[str, str]) -> None:
    """Point local service forms and queued session changes at the survivors of ``survivors`` (merged id -> id)."""
    if not survivors:
        return
    for merged, survivor in survivors.items():
        tx.execute(update(ServiceFormRow).where(ServiceFormRow.client_id == merged).values(client_id=survivor))
    queued = select(OutboxRow).where(OutboxRow.entity == "session")
    for entry in tx.scalars(queued):
        forms = entry.payload.get("service_forms")
        if isinstance(forms, list) and any(_names(form, survivors) for form in forms):
            moved = [form | {"client_id": survivors[form["client_id"]]} if _names(form, survivors) else form
                     for form in forms]  # fmt: skip
            entry.payload = entry.payload | {"service_forms": moved}


def _names(form: Any, survivors: dict[str, str]) -> bool:
    return isinstance(form, dict) and form.get("client_id") in survivors


def rekey_to_survivor(entry: OutboxRow, survivor: dict[str, Any]) -> None:
    """Make a queued edit of a merged client an edit of its survivor: the worker's fields on the survivor's
    identity (id, agency, who registered it and when)."""
    keep = ("id", "agency_id", "created_by", "created_at", "updated_at", "version")
    entry.payload = entry.payload | {name: survivor[name] for name in keep if name in survivor}
    entry.record_id = survivor["id"]
