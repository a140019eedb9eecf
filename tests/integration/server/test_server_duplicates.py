"""Clients registered offline on two tablets are found as possible duplicates once both reach the server."""

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from server_harness import NORTH, SOUTH, ServerHarness, change, client_data
from sqlalchemy import JSON, column, insert, table

from server.db import Database, create_server_engine, migrate
from server.duplicates import duplicates_of, possible_duplicates


@pytest.fixture
def agencies(server: ServerHarness) -> ServerHarness:
    server.add_two_agencies()
    server.add_worker(SOUTH, "ysouth")
    return server


def register(server: ServerHarness, user_id: str, **profile: Any) -> str:
    """``user_id`` registers a client on their tablet and the tablet pushes it."""
    agency = SOUTH if user_id.endswith("south") else NORTH
    record = client_data(**({"agency_id": agency, "created_by": user_id, "phone": ""} | profile))
    result = server.push_one(server.login(user_id), change("client", record))
    assert result["status"] == "applied", result
    return record["id"]


def pairs(server: ServerHarness, agency_id: str = NORTH) -> list[tuple[str, str]]:
    with server.db.reading() as session:
        return [(found.first.id, found.second.id) for found in possible_duplicates(session, agency_id=agency_id)]


def test_the_same_person_registered_on_two_tablets_in_two_scripts_is_one_pair(agencies: ServerHarness) -> None:
    on_one = register(agencies, "wlee", first_name="Olena", last_name="Shevchenko", date_of_birth="1985-03-02",
                      created_at="2025-03-01T10:00:00+00:00")  # fmt: skip
    on_other = register(agencies, "ajones", first_name="Олена", last_name="Шевченко", date_of_birth="1985-03-02",
                        created_at="2025-03-01T11:30:00+00:00")  # fmt: skip
    register(agencies, "ajones", first_name="Alina", last_name="Shevchenko", date_of_birth="1985-03-02")

    assert pairs(agencies) == [(on_one, on_other)]
    with agencies.db.reading() as session:
        [found] = possible_duplicates(session, agency_id=NORTH)
    assert (found.first.display_name, found.first.created_by) == ("Olena Shevchenko", "wlee")
    assert (found.second.display_name, found.second.created_by) == ("Олена Шевченко", "ajones")


def test_the_same_phone_makes_a_pair_once_even_with_the_same_birth_date_too(agencies: ServerHarness) -> None:
    first = register(agencies, "wlee", first_name="Sara", phone="+1 (416) 555-0142", created_at="2025-01-01")
    second = register(agencies, "ajones", first_name="Sarah", phone="416.555.0142", created_at="2025-02-01")

    assert pairs(agencies) == [(first, second)]


def test_clients_of_another_agency_are_never_paired(agencies: ServerHarness) -> None:
    register(agencies, "wlee", first_name="Олена", last_name="Шевченко", date_of_birth="1985-03-02")
    register(agencies, "zsouth", first_name="Olena", last_name="Shevchenko", date_of_birth="1985-03-02")
    register(agencies, "ysouth", first_name="Amal", last_name="Haddad", phone="416-555-0199")
    register(agencies, "wlee", first_name="Amal", last_name="Haddad", phone="416-555-0199")

    assert pairs(agencies, NORTH) == []
    assert pairs(agencies, SOUTH) == []


def test_a_clients_possible_duplicates_are_listed_for_that_client(agencies: ServerHarness) -> None:
    on_one = register(agencies, "wlee", first_name="芳", last_name="王", date_of_birth="1990-07-15")
    on_other = register(agencies, "ajones", first_name="Fang", last_name="Wang", date_of_birth="1990-07-15")
    register(agencies, "ajones", first_name="Fang", last_name="Li", date_of_birth="1990-07-15")

    with agencies.db.reading() as session:
        assert [c.id for c in duplicates_of(session, agency_id=NORTH, client_id=on_one)] == [on_other]
        assert duplicates_of(session, agency_id=SOUTH, client_id=on_one) == []


def test_clients_stored_before_the_columns_existed_are_compared_too(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    engine = create_server_engine(url)
    migrate(engine, "0002")
    stored = [
        client_data(first_name="Олена", last_name="Шевченко", date_of_birth="1985-03-02", created_at="2025-01-05"),
        client_data(first_name="Olena", last_name="Shevchenko", date_of_birth="1985-03-02", created_at="2025-02-07"),
    ]
    client_at_0002 = table("client", *(column(name) for name in ("id", "agency_id", "created_by", "version", "seq",
                                                                 "updated_at")), column("record", JSON))  # fmt: skip
    with engine.begin() as connection:
        agency_at_0002 = table("agency", *(column(name) for name in ("id", "name", "version", "seq")))
        connection.execute(insert(agency_at_0002), [{"id": NORTH, "name": "North", "version": 1, "seq": 1}])
        connection.execute(
            insert(client_at_0002),
            [{"id": r["id"], "agency_id": NORTH, "created_by": "wlee", "record": r, "version": 1, "seq": 2,
              "updated_at": datetime(2025, 3, 1)} for r in stored],
        )  # fmt: skip
    engine.dispose()

    database = Database(url)  # opening migrates to the head
    try:
        with database.reading() as session:
            [found] = possible_duplicates(session, agency_id=NORTH)
    finally:
        database.close()
    assert (found.first.id, found.second.id) == (stored[0]["id"], stored[1]["id"])
