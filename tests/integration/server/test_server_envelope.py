"""Push requests refused as a whole, before anything is written: bodies that are wrong (a clear 4xx), and a busy
server (503 with Retry-After)."""

import gzip
import json
import sqlite3

import pytest
from server_harness import API, ServerHarness, change, client_data, records

from protocol.api import MAX_BODY_BYTES
from server import db as server_db
from server.main import create_app


def clients_on_server(server: ServerHarness) -> dict[str, dict]:
    changes, _ = server.pull_all(server.login("wlee"))
    return records(changes, "client")


def post_push(server: ServerHarness, content: bytes, **headers: str):  # type: ignore[no-untyped-def]
    all_headers = server.login("wlee") | {"Content-Type": "application/json"} | headers
    return server.client.post(f"{API}/sync/push", headers=all_headers, content=content)


def push_body(server: ServerHarness, changes: list[dict]) -> bytes:
    return json.dumps({"device_id": server.device_id, "changes": changes}).encode()


def test_more_than_500_changes_are_refused_and_none_is_written(two_agencies: ServerHarness) -> None:
    changes = [change("client", client_data()) for _ in range(501)]
    response = post_push(two_agencies, push_body(two_agencies, changes))
    assert response.status_code == 422
    assert "500" in json.dumps(response.json()["detail"])
    assert clients_on_server(two_agencies) == {}


def test_500_changes_are_accepted(two_agencies: ServerHarness) -> None:
    changes = [change("client", client_data()) for _ in range(500)]
    response = post_push(two_agencies, push_body(two_agencies, changes))
    assert response.status_code == 200
    assert len(clients_on_server(two_agencies)) == 500


def test_a_body_that_is_not_json_is_a_400(two_agencies: ServerHarness) -> None:
    response = post_push(two_agencies, b'{"device_id": "x", "changes": [')
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON."}


@pytest.mark.parametrize(
    "body",
    [
        {"changes": []},
        {"device_id": "not-a-uuid", "changes": []},
        {"device_id": "6f1c1f0e-8a53-4e0f-9b7e-1d2b8c5e4a10", "changes": {"op_id": "x"}},
        {"device_id": "6f1c1f0e-8a53-4e0f-9b7e-1d2b8c5e4a10", "changes": [{"op_id": "x", "entity": "client"}]},
        {
            "device_id": "6f1c1f0e-8a53-4e0f-9b7e-1d2b8c5e4a10",
            "changes": [{"op_id": "x", "entity": "client", "id": "y", "base_version": "one", "data": {}}],
        },
    ],
    ids=["no device_id", "device_id not a uuid", "changes not a list", "change without data", "base_version text"],
)
def test_missing_fields_and_wrong_types_are_a_422(two_agencies: ServerHarness, body: dict) -> None:
    response = post_push(two_agencies, json.dumps(body).encode())
    assert response.status_code == 422
    assert response.json()["detail"]


def test_a_bad_envelope_writes_nothing_even_with_good_changes_in_it(two_agencies: ServerHarness) -> None:
    good = change("client", client_data())
    body = {"device_id": two_agencies.device_id, "changes": [good, {"op_id": "broken"}]}
    assert post_push(two_agencies, json.dumps(body).encode()).status_code == 422
    assert clients_on_server(two_agencies) == {}


def test_a_gzip_body_is_accepted(two_agencies: ServerHarness) -> None:
    data = client_data()
    response = post_push(
        two_agencies, gzip.compress(push_body(two_agencies, [change("client", data)])), **{"Content-Encoding": "gzip"}
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "applied"
    assert set(clients_on_server(two_agencies)) == {data["id"]}


def test_a_broken_gzip_body_is_a_400(two_agencies: ServerHarness) -> None:
    packed = gzip.compress(push_body(two_agencies, [change("client", client_data())]))
    for content in (b"definitely not gzip", packed[: len(packed) // 2]):
        response = post_push(two_agencies, content, **{"Content-Encoding": "gzip"})
        assert response.status_code == 400
        assert "gzip" in response.json()["detail"]
    assert clients_on_server(two_agencies) == {}


def test_a_body_over_16_mb_is_a_413(two_agencies: ServerHarness) -> None:
    padding = "x" * (MAX_BODY_BYTES + 1)
    response = post_push(two_agencies, json.dumps({"device_id": two_agencies.device_id, "pad": padding}).encode())
    assert response.status_code == 413
    assert "16 MB" in response.json()["detail"]


def test_a_small_gzip_body_that_inflates_past_16_mb_is_a_413(two_agencies: ServerHarness) -> None:
    bomb = gzip.compress(b" " * (MAX_BODY_BYTES + 1))
    assert len(bomb) < 100_000
    response = post_push(two_agencies, bomb, **{"Content-Encoding": "gzip"})
    assert response.status_code == 413


def test_an_unknown_content_encoding_is_a_415(two_agencies: ServerHarness) -> None:
    response = post_push(two_agencies, b"{}", **{"Content-Encoding": "br"})
    assert response.status_code == 415


def test_a_push_that_finds_the_sqlite_file_locked_is_told_to_come_back_and_writes_nothing(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holding the write lock past the busy timeout: 503 with Retry-After, not a 500."""
    monkeypatch.setattr(server_db, "BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "server.sqlite3"
    server = ServerHarness(create_app(f"sqlite:///{path}"))
    try:
        server.add_two_agencies()
        body = push_body(server, [change("client", client_data())])
        headers = server.login("wlee") | {"Content-Type": "application/json"}
        other_process = sqlite3.connect(path, isolation_level=None)
        other_process.execute("BEGIN IMMEDIATE")
        busy = server.client.post(f"{API}/sync/push", headers=headers, content=body)
        other_process.execute("ROLLBACK")
        other_process.close()
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "2"
        assert "try again" in busy.json()["detail"]
        assert clients_on_server(server) == {}
        assert post_push(server, body).status_code == 200
        assert len(clients_on_server(server)) == 1
    finally:
        server.db.close()


def test_every_response_says_how_long_the_server_spent_on_it(two_agencies: ServerHarness) -> None:
    pushed = post_push(two_agencies, push_body(two_agencies, [change("client", client_data())]))
    refused = post_push(two_agencies, b"not json")
    for response in (pushed, refused):
        name, _, duration = response.headers["Server-Timing"].partition(";dur=")
        assert name == "app"
        assert float(duration) >= 0
