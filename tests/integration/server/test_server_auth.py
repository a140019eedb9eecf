"""Signing in and out: tokens, refusals that reveal nothing, throttling kept in the database, revocation."""

import hashlib
from datetime import datetime, timedelta

from server_harness import API, NORTH, PASSWORD, ServerHarness, now

from credentials.passwords import Check, check_secret, scrypt_hash_of
from server import crud
from server.main import create_app

REFUSAL = {"detail": "Invalid user ID or password"}


def test_health_names_the_protocol(server: ServerHarness) -> None:
    response = server.client.get(f"{API}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "protocol": 1}


def test_login_returns_a_token_the_worker_and_the_agency(two_agencies: ServerHarness) -> None:
    response = two_agencies.login_response("sboss")
    assert response.status_code == 200
    body = response.json()
    assert body["worker"] == {"user_id": "sboss", "name": "Sboss", "role": "supervisor", "agency_id": NORTH}
    assert body["agency"] == {"id": NORTH, "name": "North Centre", "offline_sign_in_days": 14, "idle_lock_minutes": 10}
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=29) < expires - now() <= timedelta(days=30)
    pulled = two_agencies.client.get(f"{API}/sync/pull", headers={"Authorization": f"Bearer {body['token']}"})
    assert pulled.status_code == 200


def test_each_login_gets_its_own_token(two_agencies: ServerHarness) -> None:
    assert two_agencies.login("wlee") != two_agencies.login("wlee")


def test_wrong_password_and_unknown_user_get_the_same_answer(two_agencies: ServerHarness) -> None:
    wrong = two_agencies.login_response("wlee", "not the password")
    unknown = two_agencies.login_response("nobody", PASSWORD)
    assert (wrong.status_code, wrong.json()) == (401, REFUSAL)
    assert (unknown.status_code, unknown.json()) == (401, REFUSAL)


def test_a_deactivated_worker_cannot_sign_in_and_their_tokens_no_longer_pull(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    two_agencies.deactivate_worker("wlee")
    response = two_agencies.login_response("wlee")
    assert (response.status_code, response.json()) == (401, REFUSAL)
    assert two_agencies.client.get(f"{API}/sync/pull", headers=headers).status_code == 401


def test_five_failures_lock_the_user_id_for_five_minutes(two_agencies: ServerHarness) -> None:
    start = now()
    two_agencies.move_clock(start)
    for _ in range(5):
        assert two_agencies.login_response("wlee", "guess").status_code == 401
    locked = two_agencies.login_response("wlee", PASSWORD)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 300
    assert two_agencies.login_response("ajones").status_code == 200  # other user IDs are not affected

    two_agencies.move_clock(start + timedelta(minutes=4))
    assert two_agencies.login_response("wlee", PASSWORD).status_code == 429
    two_agencies.move_clock(start + timedelta(minutes=5, seconds=1))
    assert two_agencies.login_response("wlee", PASSWORD).status_code == 200


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(two_agencies: ServerHarness) -> None:
    start = now()
    for minute in (0, 4, 8, 12, 16, 20):
        two_agencies.move_clock(start + timedelta(minutes=minute))
        assert two_agencies.login_response("wlee", "guess").status_code == 401
    assert two_agencies.login_response("wlee", PASSWORD).status_code == 200


def test_the_lockout_holds_for_every_server_process(two_agencies: ServerHarness, database_url: str) -> None:
    for _ in range(5):
        two_agencies.login_response("unknown-user", "guess")
    second_process = ServerHarness(create_app(database_url))
    try:
        assert second_process.login_response("unknown-user", "guess").status_code == 429
    finally:
        second_process.db.close()


def test_logout_ends_only_that_token(two_agencies: ServerHarness) -> None:
    tablet = two_agencies.login("wlee")
    laptop = two_agencies.login("wlee")
    assert two_agencies.client.post(f"{API}/auth/logout", headers=tablet).status_code == 204
    assert two_agencies.client.get(f"{API}/sync/pull", headers=tablet).status_code == 401
    assert two_agencies.client.get(f"{API}/sync/pull", headers=laptop).status_code == 200


def test_an_expired_token_is_refused(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    two_agencies.move_clock(now() + timedelta(days=30, minutes=1))
    response = two_agencies.client.get(f"{API}/sync/pull", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_requests_without_a_token_are_refused(two_agencies: ServerHarness) -> None:
    assert two_agencies.client.get(f"{API}/sync/pull").status_code == 401
    bogus = {"Authorization": "Bearer not-a-token"}
    assert (
        two_agencies.client.post(
            f"{API}/sync/push", headers=bogus, json={"device_id": two_agencies.device_id, "changes": []}
        ).status_code
        == 401
    )


def test_tokens_are_stored_only_as_hashes(two_agencies: ServerHarness) -> None:
    token = two_agencies.login("wlee")["Authorization"].removeprefix("Bearer ")
    with two_agencies.db.reading() as session:
        from server.models import AuthToken

        stored = [row.token_hash for row in session.query(AuthToken)]
    assert stored and token not in stored


def test_a_password_hashed_by_the_earlier_scheme_is_rehashed_at_the_next_sign_in(two_agencies: ServerHarness) -> None:
    salt = b"an old salt 1234"
    old_key = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    with two_agencies.db.writing() as session:
        crud.set_password_hash(session, user_id="wlee", password_hash=scrypt_hash_of(salt, old_key))
    assert two_agencies.login_response("wlee", "not the password").status_code == 401
    assert _stored_hash(two_agencies, "wlee").startswith("scrypt$")  # a wrong password changes nothing

    assert two_agencies.login_response("wlee").status_code == 200
    fresh = _stored_hash(two_agencies, "wlee")
    assert fresh.startswith("$argon2id$") and check_secret(PASSWORD, fresh) == Check(matches=True, needs_rehash=False)
    assert two_agencies.login_response("wlee").status_code == 200
    assert _stored_hash(two_agencies, "wlee") == fresh  # already at today's cost: left alone


def _stored_hash(harness: ServerHarness, user_id: str) -> str:
    with harness.db.reading() as session:
        worker = crud.get_worker(session, user_id=user_id)
        assert worker is not None
        return worker.password_hash
