"""Pushing changes: what is applied, what is refused and why, and that nothing is ever applied twice or lost."""

from server_harness import (
    API,
    NORTH,
    SOUTH,
    ServerHarness,
    change,
    client_data,
    group_session_data,
    records,
    session_data,
)

from server.schemas import PushResponse


def stored_sessions(server: ServerHarness) -> dict[str, dict]:
    """Every session of the north agency as its supervisor pulls them."""
    changes, _ = server.pull_all(server.login("sboss"))
    return records(changes, "session")


def test_a_new_session_is_applied_at_version_1_and_the_server_fills_in_its_fields(
    two_agencies: ServerHarness,
) -> None:
    headers = two_agencies.login("wlee")
    data = session_data(complete=False, version=7)
    result = two_agencies.push_one(headers, change("session", data))
    assert result == {"op_id": result["op_id"], "status": "applied", "version": 1, "errors": None, "current": None}
    stored = stored_sessions(two_agencies)[data["id"]]
    assert stored["version"] == 1
    assert stored["complete"] is True
    assert stored["created_at"] == data["created_at"]
    assert stored["updated_at"] != data["updated_at"]


def test_a_push_answer_is_exactly_the_published_push_response(two_agencies: ServerHarness) -> None:
    """The answer is written without FastAPI's response model: it must still be that model's JSON, byte for byte,
    for applied, duplicate, conflicting and rejected changes."""
    headers = two_agencies.login("wlee")
    applied = change("session", session_data())
    two_agencies.push(headers, applied)
    stale = change("session", applied["data"] | {"notes": "Edited"}, base_version=0)
    rejected = change("session", session_data(service_minutes=-5))
    response = two_agencies.client.post(
        f"{API}/sync/push",
        headers=headers,
        json={
            "device_id": two_agencies.device_id,
            "changes": [applied, stale, rejected, change("client", client_data())],
        },
    )
    assert response.headers["content-type"] == "application/json"
    statuses = [result["status"] for result in response.json()["results"]]
    assert statuses == ["duplicate", "conflict", "rejected", "applied"]
    assert PushResponse.model_validate_json(response.content).model_dump_json().encode() == response.content


def test_an_edit_based_on_the_current_version_is_applied(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    data = session_data()
    two_agencies.push_one(headers, change("session", data))
    edited = data | {"notes": "Follow-up booked", "service_minutes": 60}
    result = two_agencies.push_one(headers, change("session", edited, base_version=1))
    assert (result["status"], result["version"]) == ("applied", 2)
    stored = stored_sessions(two_agencies)[data["id"]]
    assert (stored["notes"], stored["service_minutes"], stored["version"]) == ("Follow-up booked", 60, 2)
    assert stored["created_at"] == data["created_at"]


def test_a_repeated_op_id_is_a_duplicate_with_the_first_version_and_writes_nothing(
    two_agencies: ServerHarness,
) -> None:
    headers = two_agencies.login("wlee")
    data = session_data()
    create = change("session", data)
    two_agencies.push_one(headers, create)
    two_agencies.push_one(headers, change("session", data | {"notes": "second"}, base_version=1))
    again = two_agencies.push_one(headers, create)
    assert (again["status"], again["version"]) == ("duplicate", 1)
    stored = stored_sessions(two_agencies)[data["id"]]
    assert (stored["version"], stored["notes"]) == (2, "second")


def test_the_same_op_id_twice_in_one_push_is_applied_once(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    create = change("session", session_data())
    first, second = two_agencies.push(headers, create, create)
    assert (first["status"], second["status"]) == ("applied", "duplicate")
    assert second["version"] == 1


def test_a_record_created_and_edited_twice_in_one_push_ends_at_its_last_edit(two_agencies: ServerHarness) -> None:
    """One push may carry a record's whole history; each change is judged against the one before it."""
    wlee = two_agencies.login("wlee")
    data = group_session_data(staff=["wlee", "ajones"])
    created, taken_off, stale = two_agencies.push(
        wlee,
        change("session", data),
        change("session", data | {"staff": ["wlee"], "notes": "ajones left"}, base_version=1),
        change("session", data | {"notes": "from an old copy"}, base_version=1),
    )
    assert [created["status"], taken_off["status"], stale["status"]] == ["applied", "applied", "conflict"]
    assert (taken_off["version"], stale["current"]["version"]) == (2, 2)
    stored = stored_sessions(two_agencies)[data["id"]]
    assert (stored["version"], stored["staff"], stored["notes"]) == (2, ["wlee"], "ajones left")
    changes, _ = two_agencies.pull_all(two_agencies.login("ajones"))
    assert data["id"] not in records(changes, "session")


def test_an_edit_of_an_old_version_is_a_conflict_carrying_the_current_record(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    data = session_data()
    two_agencies.push_one(headers, change("session", data))
    two_agencies.push_one(headers, change("session", data | {"notes": "from the tablet"}, base_version=1))
    result = two_agencies.push_one(headers, change("session", data | {"notes": "from the laptop"}, base_version=1))
    assert result["status"] == "conflict"
    assert result["version"] is None
    assert (result["current"]["version"], result["current"]["notes"]) == (2, "from the tablet")
    assert stored_sessions(two_agencies)[data["id"]]["notes"] == "from the tablet"


def test_creating_a_record_whose_id_exists_is_a_conflict(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    data = session_data()
    two_agencies.push_one(headers, change("session", data))
    result = two_agencies.push_one(headers, change("session", data | {"notes": "again"}))
    assert result["status"] == "conflict"
    assert result["current"]["id"] == data["id"]


def test_an_invalid_session_is_rejected_with_field_errors(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    result = two_agencies.push_one(headers, change("session", session_data(service_minutes=0, site_code="X-9")))
    assert result["status"] == "rejected"
    assert {error["field"] for error in result["errors"]} == {"service_minutes", "site_code"}
    assert all(error["message"] for error in result["errors"])
    assert stored_sessions(two_agencies) == {}


def test_a_field_of_the_wrong_type_is_rejected_not_an_envelope_error(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    result = two_agencies.push_one(headers, change("session", session_data(interpreters="two")))
    assert result["status"] == "rejected"
    assert [error["field"] for error in result["errors"]] == ["interpreters"]


def test_a_service_date_in_the_future_is_rejected(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    result = two_agencies.push_one(headers, change("session", session_data(service_date="2999-01-01")))
    assert [error["field"] for error in result["errors"]] == ["service_date"]


def test_a_record_id_that_is_not_a_uuid_is_rejected(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    result = two_agencies.push_one(headers, change("session", session_data(id="session-1")))
    assert (result["status"], result["errors"][0]["field"]) == ("rejected", "id")


def test_one_bad_change_does_not_block_the_next(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    good = session_data()
    bad, applied = two_agencies.push(headers, change("session", session_data(languages=[])), change("session", good))
    assert (bad["status"], applied["status"]) == ("rejected", "applied")
    assert set(stored_sessions(two_agencies)) == {good["id"]}


def test_a_session_of_another_agency_is_rejected(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    result = two_agencies.push_one(headers, change("session", session_data(agency_id=SOUTH, site_code="S-001")))
    assert result["status"] == "rejected"
    assert [error["field"] for error in result["errors"]] == ["agency_id"]


def test_a_worker_cannot_edit_another_agencys_session(two_agencies: ServerHarness) -> None:
    data = session_data()
    two_agencies.push_one(two_agencies.login("wlee"), change("session", data))
    south = two_agencies.login("zsouth")
    result = two_agencies.push_one(south, change("session", data | {"notes": "mine now"}, base_version=1))
    assert (result["status"], result["errors"][0]["field"], result["current"]) == ("rejected", "id", None)


def test_a_new_session_must_be_created_by_the_signed_in_worker(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    result = two_agencies.push_one(headers, change("session", session_data(created_by="ajones", staff=["ajones"])))
    assert result["status"] == "rejected"
    assert [error["field"] for error in result["errors"]] == ["created_by"]


def test_only_creator_staff_or_a_supervisor_may_edit_a_session(two_agencies: ServerHarness) -> None:
    data = group_session_data(staff=["wlee", "ajones"])
    two_agencies.push_one(two_agencies.login("wlee"), change("session", data))

    outsider_data = session_data(created_by="ajones", staff=["ajones"])
    two_agencies.push_one(two_agencies.login("ajones"), change("session", outsider_data))
    refused = two_agencies.push_one(
        two_agencies.login("wlee"), change("session", outsider_data | {"notes": "x"}, base_version=1)
    )
    assert (refused["status"], refused["errors"][0]["field"]) == ("rejected", "id")

    by_staff = two_agencies.push_one(
        two_agencies.login("ajones"), change("session", data | {"notes": "staff edit"}, base_version=1)
    )
    by_supervisor = two_agencies.push_one(
        two_agencies.login("sboss"), change("session", data | {"notes": "supervisor edit"}, base_version=2)
    )
    assert (by_staff["status"], by_supervisor["status"]) == ("applied", "applied")


def test_a_supervisor_edit_keeps_private_notes_they_were_not_shown(two_agencies: ServerHarness) -> None:
    data = session_data()
    data["service_forms"][0] |= {"private": True, "notes": "Discussed a family matter"}
    two_agencies.push_one(two_agencies.login("wlee"), change("session", data))

    supervisor = two_agencies.login("sboss")
    seen = stored_sessions(two_agencies)[data["id"]]
    assert seen["service_forms"][0]["notes"] == ""
    result = two_agencies.push_one(supervisor, change("session", seen | {"notes": "Checked"}, base_version=1))
    assert result["status"] == "applied"

    changes, _ = two_agencies.pull_all(two_agencies.login("wlee"))
    stored = records(changes, "session")[data["id"]]
    assert stored["notes"] == "Checked"
    assert stored["service_forms"][0]["notes"] == "Discussed a family matter"


def test_a_conflict_does_not_show_private_notes_to_someone_off_staff(two_agencies: ServerHarness) -> None:
    data = session_data()
    data["service_forms"][0] |= {"private": True, "notes": "Confidential"}
    two_agencies.push_one(two_agencies.login("wlee"), change("session", data))
    result = two_agencies.push_one(two_agencies.login("sboss"), change("session", data, base_version=5))
    assert result["status"] == "conflict"
    assert result["current"]["service_forms"][0]["notes"] == ""


def test_clients_are_created_and_edited_by_any_worker_of_the_agency(two_agencies: ServerHarness) -> None:
    data = client_data()
    created = two_agencies.push_one(two_agencies.login("wlee"), change("client", data))
    edited = two_agencies.push_one(
        two_agencies.login("ajones"), change("client", data | {"phone": "416-555-0199"}, base_version=1)
    )
    assert (created["status"], edited["status"], edited["version"]) == ("applied", "applied", 2)
    changes, _ = two_agencies.pull_all(two_agencies.login("wlee"))
    stored = records(changes, "client")[data["id"]]
    assert (stored["phone"], stored["created_by"], stored["version"]) == ("416-555-0199", "wlee", 2)


def test_client_rules_and_agency_are_enforced(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    no_consent, other_agency, not_me = two_agencies.push(
        headers,
        change("client", client_data(consent=False)),
        change("client", client_data(agency_id=SOUTH)),
        change("client", client_data(created_by="ajones")),
    )
    assert [error["field"] for error in no_consent["errors"]] == ["consent"]
    assert [error["field"] for error in other_agency["errors"]] == ["agency_id"]
    assert [error["field"] for error in not_me["errors"]] == ["created_by"]


def test_a_stale_client_edit_is_a_conflict(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    data = client_data()
    two_agencies.push_one(headers, change("client", data))
    two_agencies.push_one(headers, change("client", data | {"first_name": "Amala"}, base_version=1))
    result = two_agencies.push_one(headers, change("client", data | {"first_name": "Amel"}, base_version=1))
    assert (result["status"], result["current"]["first_name"]) == ("conflict", "Amala")


def test_an_edit_of_a_record_the_server_never_had_is_rejected(two_agencies: ServerHarness) -> None:
    result = two_agencies.push_one(two_agencies.login("wlee"), change("client", client_data(), base_version=3))
    assert (result["status"], result["errors"][0]["field"]) == ("rejected", "id")


def test_an_unknown_entity_is_rejected_on_its_own(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    odd = change("session", session_data()) | {"entity": "attachment"}
    rejected, applied = two_agencies.push(headers, odd, change("client", client_data()))
    assert (rejected["status"], rejected["errors"][0]["field"], applied["status"]) == ("rejected", "entity", "applied")


def test_results_come_back_in_request_order_with_their_op_ids(two_agencies: ServerHarness) -> None:
    headers = two_agencies.login("wlee")
    changes = [change("client", client_data()) for _ in range(5)]
    results = two_agencies.push(headers, *changes)
    assert [result["op_id"] for result in results] == [item["op_id"] for item in changes]


def test_another_workers_op_id_is_not_reported_as_theirs(two_agencies: ServerHarness) -> None:
    create = change("client", client_data())
    two_agencies.push_one(two_agencies.login("wlee"), create)
    replay = create | {"data": client_data(created_by="ajones")}
    result = two_agencies.push_one(two_agencies.login("ajones"), replay)
    assert (result["status"], result["errors"][0]["field"]) == ("rejected", "op_id")


def test_agency_of_the_north_is_untouched_by_south_pushes(two_agencies: ServerHarness) -> None:
    two_agencies.push_one(
        two_agencies.login("zsouth"), change("client", client_data(agency_id=SOUTH, created_by="zsouth"))
    )
    changes, _ = two_agencies.pull_all(two_agencies.login("wlee"))
    assert records(changes, "client") == {}
    assert {item["data"]["id"] for item in changes if item["entity"] == "agency"} == {NORTH}
