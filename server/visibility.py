"""Who may see and change which session, and what of it they see. Push and pull both apply these rules.

A session is visible to its creator, to everyone in its Staff Involved, and to the agency's supervisors. A private
service form's notes are for its session's staff only: everyone else (the creator not on staff, supervisors) gets the
form with its notes blanked.
"""

import copy
from typing import Any

from server.models import SessionRecord, Worker


def may_see_session(worker: Worker, stored: SessionRecord) -> bool:
    """Also who may change it: the creator, its staff (as the session stands before the edit) or a supervisor."""
    if stored.agency_id != worker.agency_id:
        return False
    return worker.is_supervisor or stored.created_by == worker.user_id or worker.user_id in stored.record["staff"]


def as_seen_by(worker: Worker, record: dict[str, Any]) -> dict[str, Any]:
    """The session record as this worker may read it: private notes blanked unless they are on its staff."""
    if worker.user_id in record["staff"] or not any(form["private"] for form in record["service_forms"]):
        return record
    shown = copy.deepcopy(record)
    for form in shown["service_forms"]:
        if form["private"]:
            form["notes"] = ""
    return shown


def hidden_private_notes(worker: Worker, record: dict[str, Any]) -> dict[str, str]:
    """Notes of private forms this worker was not shown, by service form id.

    An edit by such a worker keeps these notes, so blanked notes coming back from their device never wipe them.
    """
    if worker.user_id in record["staff"]:
        return {}
    return {form["id"]: form["notes"] for form in record["service_forms"] if form["private"]}
