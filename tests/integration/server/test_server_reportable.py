"""Whether each session can be reported, as the server keeps it for the console's filter: judged again whenever
something it depends on changes (the session, its clients' profiles, a merge), and filled in by the migration for
sessions stored before it (on SQLite and PostgreSQL)."""

from typing import Any

import pytest
from alembic import command
from server_harness import NORTH, ServerHarness, change, client_data, now, session_data
from sqlalchemy import select

from server import merge, reportable
from server.audit import Actor
from server.db import Database, create_server_engine, migration_config
from server.models import SessionRecord

IDENTIFIED = {"client_identifier_kind": "ircc_client_id", "client_identifier": "1234-5678", "official_language": "en"}


def flags(server: ServerHarness) -> dict[str, bool]:
    with server.db.reading() as session:
        return dict(session.execute(select(SessionRecord.id, SessionRecord.reportable)).tuples().all())


def visit(client: dict[str, Any], **form: Any) -> dict[str, Any]:
    data = session_data()
    data["service_forms"][0].update(client_id=client["id"], **form)
    return data


def test_a_push_that_fills_the_missing_field_makes_the_session_reportable(two_agencies: ServerHarness) -> None:
    wlee = two_agencies.login("wlee")
    client = client_data(**IDENTIFIED)
    unfinished = visit(client, status=None)
    two_agencies.push(wlee, change("client", client), change("session", unfinished))
    assert flags(two_agencies) == {unfinished["id"]: False}
    finished = unfinished | {"service_forms": [unfinished["service_forms"][0] | {"status": "complete"}]}
    assert two_agencies.push_one(wlee, change("session", finished, base_version=1))["status"] == "applied"
    assert flags(two_agencies) == {unfinished["id"]: True}


def test_a_client_profile_edit_judges_every_session_of_that_client_again(two_agencies: ServerHarness) -> None:
    wlee = two_agencies.login("wlee")
    client = client_data()  # no identifier yet: none of their services can be reported
    others = client_data(first_name="Omar", **IDENTIFIED)
    theirs = [visit(client), visit(client) | {"service_date": "2025-03-12"}]
    someone_elses = visit(others)
    pushed = two_agencies.push(wlee, change("client", client), change("client", others),
                               *(change("session", data) for data in (*theirs, someone_elses)))  # fmt: skip
    assert {result["status"] for result in pushed} == {"applied"}
    assert flags(two_agencies) == {theirs[0]["id"]: False, theirs[1]["id"]: False, someone_elses["id"]: True}

    identified = client | IDENTIFIED
    assert two_agencies.push_one(wlee, change("client", identified, base_version=1))["status"] == "applied"
    assert flags(two_agencies) == {theirs[0]["id"]: True, theirs[1]["id"]: True, someone_elses["id"]: True}
    mistyped = identified | {"client_identifier": "1234", "version": 2}
    assert two_agencies.push_one(wlee, change("client", mistyped, base_version=2))["status"] == "applied"
    assert flags(two_agencies) == {theirs[0]["id"]: False, theirs[1]["id"]: False, someone_elses["id"]: True}


def test_a_client_who_reaches_the_server_after_their_session_makes_it_reportable(two_agencies: ServerHarness) -> None:
    client = client_data(**IDENTIFIED)
    early = visit(client)
    wlee = two_agencies.login("wlee")
    two_agencies.push_one(wlee, change("session", early))
    assert flags(two_agencies) == {early["id"]: False}
    two_agencies.push_one(wlee, change("client", client))
    assert flags(two_agencies) == {early["id"]: True}


def test_a_merge_judges_the_survivors_sessions_with_the_profile_it_ends_with(two_agencies: ServerHarness) -> None:
    """The survivor lacked an identifier the merged record had: after the merge every session of theirs, moved or
    not, can be reported."""
    kept = client_data(official_language="en")
    merged = client_data(first_name="AMAL", created_by="ajones", **IDENTIFIED)
    kept_visit, merged_visit = visit(kept), visit(merged) | {"created_by": "ajones", "staff": ["ajones"]}
    two_agencies.push(two_agencies.login("wlee"), change("client", kept), change("session", kept_visit))
    two_agencies.push(two_agencies.login("ajones"), change("client", merged), change("session", merged_visit))
    assert flags(two_agencies) == {kept_visit["id"]: False, merged_visit["id"]: True}
    merge.merge_clients(two_agencies.db, actor=Actor("sboss", NORTH), now=now(), keep_id=kept["id"],
                        merge_id=merged["id"])  # fmt: skip
    assert flags(two_agencies) == {kept_visit["id"]: True, merged_visit["id"]: True}


def test_upgrading_judges_the_sessions_stored_before(
    two_agencies: ServerHarness, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Revision 0008 judges every stored session, a page at a time (pages of two here, so paging is exercised)."""
    wlee = two_agencies.login("wlee")
    identified, unidentified = client_data(**IDENTIFIED), client_data(first_name="Omar")
    made = [visit(identified), visit(unidentified), visit(identified, client_attended=False), visit(identified)]
    two_agencies.push(wlee, change("client", identified), change("client", unidentified),
                      *(change("session", data) for data in made))  # fmt: skip
    expected = flags(two_agencies)
    assert list(expected.values()).count(True) == 2

    monkeypatch.setattr(reportable, "BATCH", 2)
    engine = create_server_engine(database_url)
    config = migration_config(engine.execution_options(outpost_writer=True))
    try:
        command.downgrade(config, "0007")
        command.upgrade(config, "head")
    finally:
        engine.dispose()
    reopened = Database(database_url)
    try:
        with reopened.reading() as session:
            assert dict(session.execute(select(SessionRecord.id, SessionRecord.reportable)).tuples().all()) == expected
    finally:
        reopened.close()
