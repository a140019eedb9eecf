"""Pulling: what each worker receives, in which order and pages, and how removals reach devices."""

import threading

from server_harness import (
    API,
    NORTH,
    SOUTH,
    ServerHarness,
    change,
    client_data,
    deleted,
    group_session_data,
    records,
    session_data,
)

from server import crud
from server.db import Database
from server.schemas import PullResponse


def test_a_first_pull_brings_the_agency_and_its_reference_lists(two_agencies: ServerHarness) -> None:
    changes, _ = two_agencies.pull_all(two_agencies.login("wlee"))
    assert records(changes, "agency") == {
        NORTH: {"id": NORTH, "name": "North Centre", "offline_sign_in_days": 14, "idle_lock_minutes": 10}
    }
    assert set(records(changes, "site")) == {"N-001", "N-002"}
    assert records(changes, "site")["N-001"] == {"code": "N-001", "name": "Site N-001", "address": "", "active": True}
    assert set(records(changes, "worker")) == {"wlee", "ajones", "sboss"}
    assert records(changes, "worker")["sboss"] == {
        "user_id": "sboss",
        "name": "Sboss",
        "role": "supervisor",
        "active": True,
    }
    assert set(records(changes, "language")) == {"en", "fr", "ar"}
    assert records(changes, "language")["ar"] == {"code": "ar", "name": "Arabic", "name_fr": ""}  # none known
    assert records(changes, "service_location_type")["client_home"] == {
        "code": "client_home",
        "label": "Client's home",
        "label_fr": "Domicile du client",
    }
    assert all(item["version"] == 1 for item in changes)


def test_another_agency_sees_nothing_of_this_one(two_agencies: ServerHarness) -> None:
    north = two_agencies.login("wlee")
    two_agencies.push(north, change("client", client_data()), change("session", session_data()))
    changes, _ = two_agencies.pull_all(two_agencies.login("zsouth"))
    assert set(records(changes, "agency")) == {SOUTH}
    assert set(records(changes, "site")) == {"S-001"}
    assert set(records(changes, "worker")) == {"zsouth"}
    assert records(changes, "client") == {} and records(changes, "session") == {}


def test_changes_come_in_sequence_order_across_pages(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    two_agencies.push(headers, *(change("client", client_data()) for _ in range(7)))
    everything = two_agencies.pull_page(headers, limit=5000)
    assert everything["has_more"] is False

    pages = []
    cursor = None
    while True:
        page = two_agencies.pull_page(headers, cursor, limit=4)
        pages.append(page)
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert all(len(page["changes"]) == 4 for page in pages[:-1])
    assert all(page["has_more"] for page in pages[:-1])
    assert [item for page in pages for item in page["changes"]] == everything["changes"]
    assert two_agencies.pull_page(headers, cursor)["changes"] == []


def test_a_pull_after_the_cursor_brings_only_what_changed_since(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    data = client_data()
    two_agencies.push_one(headers, change("client", data))
    _, cursor = two_agencies.pull_all(headers)
    two_agencies.push_one(headers, change("client", data | {"last_name": "Haddad-Smith"}, base_version=1))
    two_agencies.add_site(NORTH, "N-003")
    changes, _ = two_agencies.pull_all(headers, cursor)
    assert [(item["entity"], item["id"], item["version"]) for item in changes] == [
        ("client", data["id"], 2),
        ("site", "N-003", 1),
    ]


def test_a_closed_site_and_a_deactivated_worker_travel_as_tombstones(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    _, cursor = two_agencies.pull_all(headers)
    two_agencies.deactivate_site(NORTH, "N-002")
    two_agencies.deactivate_worker("ajones")
    changes, _ = two_agencies.pull_all(headers, cursor)
    assert changes == [
        {"entity": "site", "id": "N-002", "op": "delete", "version": 2, "data": None},
        {"entity": "worker", "id": "ajones", "op": "delete", "version": 2, "data": None},
    ]


def test_sessions_reach_their_creator_staff_and_supervisors_only(two_agencies: ServerHarness) -> None:
    solo = session_data()
    group = group_session_data(staff=["ajones", "wlee"])
    two_agencies.push(two_agencies.login("wlee"), change("session", solo), change("session", group))

    def sessions_of(user_id: str) -> set[str]:
        changes, _ = two_agencies.pull_all(two_agencies.login(user_id))
        return set(records(changes, "session"))

    assert sessions_of("wlee") == {solo["id"], group["id"]}
    assert sessions_of("ajones") == {group["id"]}
    assert sessions_of("sboss") == {solo["id"], group["id"]}
    assert sessions_of("zsouth") == set()


def test_private_notes_reach_only_the_sessions_staff(two_agencies: ServerHarness) -> None:
    data = group_session_data(staff=["ajones"], created_by="wlee")
    data["service_forms"][0] |= {"private": True, "notes": "Private matter"}
    data["service_forms"].append(data["service_forms"][0] | {"id": "f2", "client_id": "c2", "private": False})
    data["service_forms"][1] |= {"notes": "Open note"}
    result = two_agencies.push_one(two_agencies.login("wlee"), change("session", data))
    assert result["status"] == "applied", result

    def forms_seen_by(user_id: str) -> list[str]:
        changes, _ = two_agencies.pull_all(two_agencies.login(user_id))
        return [form["notes"] for form in records(changes, "session")[data["id"]]["service_forms"]]

    assert forms_seen_by("ajones") == ["Private matter", "Open note"]
    assert forms_seen_by("wlee") == ["", "Open note"]  # the creator is not on this session's staff
    assert forms_seen_by("sboss") == ["", "Open note"]


def test_a_worker_taken_off_a_session_gets_a_tombstone_for_it(two_agencies: ServerHarness) -> None:
    data = group_session_data(staff=["wlee", "ajones"])
    two_agencies.push_one(two_agencies.login("wlee"), change("session", data))
    ajones = two_agencies.login("ajones")
    before, cursor = two_agencies.pull_all(ajones)
    assert data["id"] in records(before, "session")

    edit = two_agencies.push_one(
        two_agencies.login("wlee"), change("session", data | {"staff": ["wlee"]}, base_version=1)
    )
    assert edit["status"] == "applied"
    changes, _ = two_agencies.pull_all(ajones, cursor)
    assert changes == [{"entity": "session", "id": data["id"], "op": "delete", "version": 2, "data": None}]
    wlee_changes, _ = two_agencies.pull_all(two_agencies.login("wlee"), cursor)
    assert data["id"] in records(wlee_changes, "session")


def test_a_worker_put_back_on_staff_gets_the_session_again(two_agencies: ServerHarness) -> None:
    data = group_session_data(staff=["wlee", "ajones"])
    wlee = two_agencies.login("wlee")
    two_agencies.push_one(wlee, change("session", data))
    two_agencies.push_one(wlee, change("session", data | {"staff": ["wlee"]}, base_version=1))
    two_agencies.push_one(wlee, change("session", data, base_version=2))
    changes, _ = two_agencies.pull_all(two_agencies.login("ajones"))
    assert records(changes, "session")[data["id"]]["version"] == 3
    assert deleted(changes, "session") == set()


def test_a_cursor_from_another_database_is_gone(two_agencies: ServerHarness, tmp_path) -> None:
    other = Database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with other.reading() as session:
        state = crud.server_state(session)
    other.close()
    headers = two_agencies.login("wlee")
    for cursor in (f"{state.epoch}-0", "not-a-cursor", ""):
        response = two_agencies.client.get(f"{API}/sync/pull", headers=headers, params={"cursor": cursor})
        if cursor:
            assert response.status_code == 410, cursor
            assert "without a cursor" in response.json()["detail"]
        else:
            assert response.status_code == 200  # an empty cursor is the same as none


def test_a_cursor_ahead_of_the_database_is_gone(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    _, cursor = two_agencies.pull_all(headers)
    epoch, seq = cursor.rsplit("-", 1)
    ahead = f"{epoch}-{int(seq) + 1}"
    response = two_agencies.client.get(f"{API}/sync/pull", headers=headers, params={"cursor": ahead})
    assert response.status_code == 410


def test_the_page_size_is_bounded(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    for limit in (0, 5001):
        response = two_agencies.client.get(f"{API}/sync/pull", headers=headers, params={"limit": limit})
        assert response.status_code == 422
    assert two_agencies.client.get(f"{API}/sync/pull", headers=headers, params={"limit": 5000}).status_code == 200


def test_a_pull_answer_is_exactly_the_published_pull_response(two_agencies: ServerHarness) -> None:
    """The page is written without FastAPI's response model: it must still be that model's JSON, byte for byte,
    for records of every kind, tombstones, text in any script and notes blanked for another worker."""
    headers = two_agencies.login("wlee")
    two_agencies.push(headers, change("client", client_data(first_name="Zoë 王 \"quoted\"\n")),
                      change("session", session_data()))  # fmt: skip
    two_agencies.deactivate_site(NORTH, "N-002")
    two_agencies.deactivate_worker("ajones")
    for user_id in ("wlee", "sboss"):
        response = two_agencies.client.get(f"{API}/sync/pull", headers=two_agencies.login(user_id))
        assert response.headers["content-type"] == "application/json"
        published = PullResponse.model_validate_json(response.content)
        assert published.model_dump_json().encode() == response.content


def test_large_pulls_are_gzip_compressed(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    two_agencies.push(headers, *(change("client", client_data()) for _ in range(20)))
    response = two_agencies.client.get(f"{API}/sync/pull", headers=headers | {"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.json()["changes"]) > 20


def test_a_change_that_commits_late_is_not_skipped_by_a_cursor(two_agencies: ServerHarness, monkeypatch) -> None:
    """A slow writer holds its sequence number until it commits; a push that starts meanwhile waits, and a pull
    taken in between moves its cursor past neither of them."""
    headers = two_agencies.login("wlee")
    _, cursor = two_agencies.pull_all(headers)
    slow_started, finish_slow, push_waits = threading.Event(), threading.Event(), threading.Event()

    def slow_writer() -> None:
        with two_agencies.db.writing() as session:
            crud.lock_sequence(session)
            crud.upsert_site(session, agency_id=NORTH, code="N-LATE", name="Late site", address="")
            slow_started.set()
            finish_slow.wait(timeout=60)

    pushed: list[dict] = []
    slow = threading.Thread(target=slow_writer)
    slow.start()
    assert slow_started.wait(timeout=60)
    start_writing = two_agencies.db.writing

    def writing_once_noted():  # type: ignore[no-untyped-def]
        push_waits.set()  # the push asks for its write transaction, behind the slow writer
        return start_writing()

    monkeypatch.setattr(two_agencies.db, "writing", writing_once_noted)
    pusher = threading.Thread(target=lambda: pushed.extend(two_agencies.push(headers, change("client", client_data()))))
    pusher.start()
    assert push_waits.wait(timeout=60)
    middle = two_agencies.pull_page(headers, cursor)
    assert middle["changes"] == [] and pushed == []  # the push waits for the slow writer

    finish_slow.set()
    slow.join(timeout=60)
    pusher.join(timeout=60)
    assert pushed[0]["status"] == "applied"
    changes, _ = two_agencies.pull_all(headers, middle["cursor"])
    assert [item["entity"] for item in changes] == ["site", "client"]
