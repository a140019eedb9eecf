"""Who gets which navigation destinations: the agency's sessions are a supervisor's (and an administrator's)."""

import pytest

from app.ui.routes import destinations_for, find_route
from app.usecases.context import Actor


def actor(role: str) -> Actor:
    return Actor(user_id="someone", name="Someone", role=role, agency_id="agency-north")


@pytest.mark.parametrize(("role", "sees_agency"), [("worker", False), ("supervisor", True), ("administrator", True)])
def test_only_supervisors_and_administrators_get_agency_sessions(role: str, sees_agency: bool) -> None:
    labels = [destination.label for destination in destinations_for(actor(role))]

    assert ("Agency sessions" in labels) is sees_agency
    assert labels[0] == "My Dashboard"
    assert labels[-3:] == ["Find Client/Activity", "Sync", "My Profile"]


def test_no_one_signed_in_gets_the_field_workers_destinations() -> None:
    assert destinations_for(None) == destinations_for(actor("worker"))


def test_the_agency_sessions_screen_sits_under_its_own_destination() -> None:
    found = find_route("/agency")

    assert found is not None
    assert found[0].destination == "/agency" and found[0].top_level
