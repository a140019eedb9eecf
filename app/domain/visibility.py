"""Who may see which session: the one rule the server applies to every pull and push, and a shared device applies
when a different worker takes it over.

A session is visible to its creator, to everyone in its Staff Involved, and to the agency's supervisors (and
administrators, who hold a supervisor's powers). A private service form's notes are for the session's staff only:
anyone else who sees the session sees the form with its notes blanked.
"""

from dataclasses import dataclass
from typing import Any

from app.domain import roles


@dataclass(frozen=True, slots=True)
class Viewer:
    """The worker a session would be shown to."""

    user_id: str
    agency_id: str
    role: str

    @property
    def sees_agency(self) -> bool:
        return roles.sees_every_agency_session(self.role)


def may_see_session(viewer: Viewer, *, agency_id: str, created_by: str, staff: list[str]) -> bool:
    """Also who may change it: the creator, its staff (as the session stands before an edit) or a supervisor of
    its agency."""
    if agency_id != viewer.agency_id:
        return False
    return viewer.sees_agency or created_by == viewer.user_id or viewer.user_id in staff


def sees_private_notes(viewer_id: str, staff: list[str]) -> bool:
    """Whether the notes of a session's private service forms are shown to this worker: its staff only."""
    return viewer_id in staff


def with_notes_as_seen_by(viewer_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """The session record as ``viewer_id`` may read it: private forms' notes blanked unless they are on its staff.

    The record itself comes back when nothing is blanked; otherwise a new outer dict and new dicts for the private
    forms only, the rest shared with ``record``, which is never changed."""
    forms = record.get("service_forms") or []
    if sees_private_notes(viewer_id, record.get("staff") or []) or not any(form.get("private") for form in forms):
        return record
    return record | {"service_forms": [form | {"notes": ""} if form.get("private") else form for form in forms]}
