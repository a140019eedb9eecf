"""Who may see and change which session, and what of it they see; who may read reports. Push and pull both apply
the session rules, which are the domain's (``app.domain.visibility``): a shared device applies the same ones.

A session is visible to its creator, to everyone in its Staff Involved, and to the agency's supervisors. A private
service form's notes are for its session's staff only: everyone else (the creator not on staff, supervisors) gets the
form with its notes blanked.
"""

from typing import Any, Protocol

from app.domain import roles, visibility
from server.models import Worker


class StoredSession(Protocol):
    """What the rules need of a session on the server (a push holds these in memory while it judges changes)."""

    agency_id: str
    created_by: str
    record: dict[str, Any]


def may_see_session(worker: Worker, stored: StoredSession) -> bool:
    """Also who may change it: the creator, its staff (as the session stands before the edit) or a supervisor."""
    return visibility.may_see_session(
        viewer_of(worker), agency_id=stored.agency_id, created_by=stored.created_by, staff=stored.record["staff"]
    )


def viewer_of(worker: Worker) -> visibility.Viewer:
    return visibility.Viewer(user_id=worker.user_id, agency_id=worker.agency_id, role=worker.role)


def may_see_reports(worker: Worker) -> bool:
    """Supervisors and administrators read the agency's reports and run its funder export; the rule is the domain's
    (``app.domain.roles``), which the console follows too."""
    return roles.may_see_reports(worker.role)


def as_seen_by(worker: Worker, record: dict[str, Any]) -> dict[str, Any]:
    """The session record as this worker may read it: private notes blanked unless they are on its staff."""
    return visibility.with_notes_as_seen_by(worker.user_id, record)


def hidden_private_notes(worker: Worker, record: dict[str, Any]) -> dict[str, str]:
    """Notes of private forms this worker was not shown, by service form id.

    An edit by such a worker keeps these notes, so blanked notes coming back from their device never wipe them.
    """
    if visibility.sees_private_notes(worker.user_id, record["staff"]):
        return {}
    return {form["id"]: form["notes"] for form in record["service_forms"] if form["private"]}
