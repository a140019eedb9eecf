"""Who may see and change which session, and what of it they see; who may read reports. Push and pull both apply
the session rules.

A session is visible to its creator, to everyone in its Staff Involved, and to the agency's supervisors. A private
service form's notes are for its session's staff only: everyone else (the creator not on staff, supervisors) gets the
form with its notes blanked.
"""

from typing import Any, Protocol

from app.domain import roles
from server.models import Worker


class StoredSession(Protocol):
    """What the rules need of a session on the server (a push holds these in memory while it judges changes)."""

    agency_id: str
    created_by: str
    record: dict[str, Any]


def may_see_session(worker: Worker, stored: StoredSession) -> bool:
    """Also who may change it: the creator, its staff (as the session stands before the edit) or a supervisor."""
    if stored.agency_id != worker.agency_id:
        return False
    return worker.is_supervisor or stored.created_by == worker.user_id or worker.user_id in stored.record["staff"]


def may_see_reports(worker: Worker) -> bool:
    """Supervisors and administrators read the agency's reports and run its funder export; the rule is the domain's
    (``app.domain.roles``), which the console follows too."""
    return roles.may_see_reports(worker.role)


def as_seen_by(worker: Worker, record: dict[str, Any]) -> dict[str, Any]:
    """The session record as this worker may read it: private notes blanked unless they are on its staff."""
    if worker.user_id in record["staff"] or not any(form["private"] for form in record["service_forms"]):
        return record
    # A new outer dict and new dicts for the private forms only; the rest is shared with the stored record, which
    # is read fresh for each request and never changed.
    forms = [form | {"notes": ""} if form["private"] else form for form in record["service_forms"]]
    return record | {"service_forms": forms}


def hidden_private_notes(worker: Worker, record: dict[str, Any]) -> dict[str, str]:
    """Notes of private forms this worker was not shown, by service form id.

    An edit by such a worker keeps these notes, so blanked notes coming back from their device never wipe them.
    """
    if worker.user_id in record["staff"]:
        return {}
    return {form["id"]: form["notes"] for form in record["service_forms"] if form["private"]}
