"""The device registry and what an administrator does with it: list devices, revoke a lost one, deactivate a worker
whose device still holds their work, and set the agency's offline sign-in period and idle lock."""

from datetime import timedelta
from typing import Any

import pytest
from server_harness import API, NORTH, PASSWORD, ServerHarness, change, new_id, now, records, session_data

from protocol.api import APP_VERSION_HEADER, PENDING_CHANGES_HEADER
from server import crud, devices
from server.audit import SERVER_COMMAND_LINE

APP = {APP_VERSION_HEADER: "0.3.1"}


def sign_in(server: ServerHarness, user_id: str, device_id: str, *, name: str = "Front desk tablet",
            headers: dict[str, str] | None = None) -> dict[str, str]:  # fmt: skip
    """Sign ``user_id`` in on ``device_id`` as the current app does; returns the headers its later calls send."""
    body = {"user_id": user_id, "password": PASSWORD, "device_id": device_id, "device_name": name}
    response = server.client.post(f"{API}/auth/login", json=body, headers=APP if headers is None else headers)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}", **APP}


def pull(server: ServerHarness, headers: dict[str, str]) -> Any:
    return server.client.get(f"{API}/sync/pull", headers=headers, params={"limit": 5000})


def push(server: ServerHarness, headers: dict[str, str], *changes: dict[str, Any]) -> Any:
    return server.client.post(
        f"{API}/sync/push", headers=headers, json={"device_id": server.device_id, "changes": list(changes)}
    )


def test_devices_are_listed_with_who_used_them_and_what_they_last_reported(two_agencies: ServerHarness) -> None:
    server = two_agencies
    shared, other = new_id(), new_id()
    sign_in(server, "wlee", shared)
    later = sign_in(server, "ajones", shared)
    sign_in(server, "zsouth", other, name="South laptop")
    assert push(server, later | {PENDING_CHANGES_HEADER: "7"}).status_code == 200

    (listed,) = devices.list_devices(server.db, agency_id=NORTH)
    assert (listed.device_id, listed.name, listed.workers) == (shared, "Front desk tablet", ("ajones", "wlee"))
    assert (listed.worker, listed.pending_changes, listed.app_version, listed.revoked_at) == (
        "ajones",
        7,
        "0.3.1",
        None,
    )
    assert timedelta(0) <= now() - listed.last_contact_at < timedelta(minutes=5)


def test_a_revoked_device_is_refused_everywhere_with_a_code_the_app_acts_on(two_agencies: ServerHarness) -> None:
    server = two_agencies
    lost, kept = new_id(), new_id()
    headers = sign_in(server, "wlee", lost)
    other_device = sign_in(server, "wlee", kept)
    devices.revoke_device(server.db, actor=SERVER_COMMAND_LINE, device_id=lost, now=now())

    for response in (
        pull(server, headers),
        push(server, headers, change("session", session_data())),
        server.client.post(
            f"{API}/auth/login",
            json={"user_id": "ajones", "password": PASSWORD, "device_id": lost, "device_name": ""},
            headers=APP,
        ),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "device_revoked"
    assert pull(server, other_device).status_code == 200  # the worker's other devices carry on
    (told,) = [device for device in devices.list_devices(server.db, agency_id=NORTH) if device.device_id == lost]
    assert told.revoked_at is not None and told.revocation_told_at is not None


def test_an_app_older_than_the_refusal_codes_gets_the_401_it_knows(two_agencies: ServerHarness) -> None:
    server = two_agencies
    lost = new_id()
    headers = sign_in(server, "wlee", lost, headers={})
    devices.revoke_device(server.db, actor=SERVER_COMMAND_LINE, device_id=lost, now=now())
    old_app = {"Authorization": headers["Authorization"]}
    response = pull(server, old_app)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_deactivated_workers_device_delivers_their_work_then_is_told(two_agencies: ServerHarness) -> None:
    server = two_agencies
    headers = sign_in(server, "wlee", new_id())
    recorded_offline = session_data(staff=["wlee"])
    server.deactivate_worker("wlee")

    result = push(server, headers, change("session", recorded_offline)).json()["results"][0]
    assert result["status"] == "applied"  # naming themselves on staff is still accepted from their own device
    refused = pull(server, headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "worker_deactivated")
    assert push(server, headers).status_code == 401  # told once: that sign-in has ended
    sessions = records(server.pull_all(server.login("sboss"))[0], "session")
    assert set(sessions) == {recorded_offline["id"]}


def test_agency_settings_reach_devices_at_sign_in_and_at_the_next_pull(two_agencies: ServerHarness) -> None:
    server = two_agencies
    headers = sign_in(server, "wlee", new_id())
    _, cursor = server.pull_all(headers)

    changed = devices.change_device_settings(
        server.db, actor=SERVER_COMMAND_LINE, now=now(), agency_id=NORTH, offline_sign_in_days=3
    )
    assert (changed.offline_sign_in_days, changed.idle_lock_minutes) == (3, 10)
    changes, _ = server.pull_all(headers, cursor)
    assert records(changes, "agency")[NORTH] == {
        "id": NORTH,
        "name": "North Centre",
        "offline_sign_in_days": 3,
        "idle_lock_minutes": 10,
    }
    assert server.login_response("wlee").json()["agency"]["offline_sign_in_days"] == 3


@pytest.mark.parametrize(("days", "minutes"), [(0, None), (91, None), (None, 0), (None, 61)])
def test_settings_out_of_range_change_nothing(
    two_agencies: ServerHarness, days: int | None, minutes: int | None
) -> None:
    with pytest.raises(crud.InvalidSetting):
        devices.change_device_settings(
            two_agencies.db,
            actor=SERVER_COMMAND_LINE,
            now=now(),
            agency_id=NORTH,
            offline_sign_in_days=days,
            idle_lock_minutes=minutes,
        )
    settings = devices.device_settings(two_agencies.db, agency_id=NORTH)
    assert (settings.offline_sign_in_days, settings.idle_lock_minutes) == (14, 10)


def test_every_worker_signing_in_on_a_device_receives_that_devices_own_key(two_agencies: ServerHarness) -> None:
    server = two_agencies
    tablet, laptop = new_id(), new_id()

    def device_key(user_id: str, device_id: str) -> str:
        body = {"user_id": user_id, "password": PASSWORD, "device_id": device_id, "device_name": ""}
        return server.client.post(f"{API}/auth/login", json=body, headers=APP).json()["device_key"]

    key = device_key("wlee", tablet)
    assert len(key) >= 43  # 32 random bytes
    assert device_key("ajones", tablet) == device_key("wlee", tablet) == key
    assert device_key("wlee", laptop) != key
