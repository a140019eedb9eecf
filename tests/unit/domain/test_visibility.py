"""Who sees which session: the rule the server applies to every pull and push, and a shared tablet at hand-over."""

import pytest

from app.domain.visibility import Viewer, may_see_session, sees_private_notes

SESSION = {"agency_id": "north", "created_by": "wlee", "staff": ["wlee", "jdoe"]}


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        (Viewer("wlee", "north", "worker"), True),  # its creator
        (Viewer("jdoe", "north", "worker"), True),  # on its staff
        (Viewer("tkaur", "north", "worker"), False),  # a colleague who is neither
        (Viewer("ayusuf", "north", "supervisor"), True),
        (Viewer("souellet", "north", "administrator"), True),
        (Viewer("mbrun", "south", "supervisor"), False),  # another agency's supervisor
    ],
)
def test_a_session_is_seen_by_its_creator_its_staff_and_its_agencys_supervisors(viewer: Viewer, sees: bool) -> None:
    assert may_see_session(viewer, **SESSION) is sees


def test_private_notes_are_for_the_sessions_staff_only() -> None:
    assert sees_private_notes("jdoe", SESSION["staff"])
    assert not sees_private_notes("ayusuf", SESSION["staff"])
