"""Hostile input: what a broken or malicious client may send, on SQLite and on PostgreSQL.

Envelope problems (too large, not JSON, nested too deep, bad gzip, wrong types, too many changes) get a clear 4xx and
write nothing; a bad record in a good envelope is ``rejected`` on its own, naming the field, and writes nothing.
Text that merely looks dangerous (SQL, script tags) is just text: where it is a valid value it is stored and comes
back byte for byte, like emoji, right-to-left text, control characters and combining marks do. "Writes nothing" is
checked by counting every table's rows, and the change counter, before and after.
"""

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from integration.server.server_harness import (
    API,
    ServerHarness,
    change,
    client_data,
    group_session_data,
    new_id,
    records,
)
from pg import fresh_postgres_database
from sqlalchemy import func, select, update

from protocol.api import MAX_BODY_BYTES, MAX_CHANGES_PER_PUSH
from server.db import Database
from server.main import create_app
from server.models import Base, ServerState

SQL = "'; DROP TABLE session; --"
SCRIPT = "<script>alert(1)</script>"
NASTY = {
    "emoji": "👩🏽‍⚕️ met 👨‍👩‍👧‍👦 🇨🇦 — 𝕳𝖊𝖑𝖑𝖔",
    "right_to_left": "مرحبا بالعالم \u200fשלום\u200e (mixed) עולם",
    "control": "tab\t cr\r lf\n bel\x07 esc\x1b[0m\x7f\x85\u2028\u2029\x1f\x01",
    "combining": "e\u0301 a\u0308 Z\u0334\u031b\u034e\u0344a\u0337\u0324\u0350 \u212b vs \u00c5 vs A\u030a",
    "invisible": "zero\u200bwidth\u200djoiner\ufeffbom\u2060word",
    "quotes": "\\\"'` \\u0000 $1 %s {0} ${x} \\\\ ",
}

# Record fields that hold whatever a worker types: any text within their length limit (40 characters at the least,
# for family_code; the NASTY texts are shorter) is stored as sent.
SESSION_TEXT = ("notes", "activity_name", "activity_topic")
FORM_TEXT = ("notes",)
REFERRAL_TEXT = ("to", "reason")
CLIENT_TEXT = (
    "first_name",
    "last_name",
    "preferred_name",
    "own_script_name",
    "country_of_origin",
    "address",
    "client_identifier",
    "family_code",
)
# Fields that hold a code, an ID or a formatted value: SQL- or script-looking text there is rejected by name.
SESSION_CODES = ("agency_id", "created_by", "session_type", "site_code", "service_location_type")
SESSION_CODE_LISTS = ("delivery_methods", "languages", "staff")
FORM_CODES = ("service_type", "status")
CLIENT_CODES = (
    "agency_id",
    "created_by",
    "gender",
    "marital_status",
    "official_language",
    "immigration_category",
    "phone",
    "email",
)


# --- servers ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_postgres_url() -> Iterator[str]:
    with fresh_postgres_database("outpost_reliability_hostile") as url:
        yield url


def _empty_server_database(database_url: str) -> None:
    """Remove every row an earlier test left, keeping the schema and the database's epoch."""
    database = Database(database_url)
    with database.writing() as session:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != ServerState.__tablename__:
                session.execute(table.delete())
        session.execute(update(ServerState).values(last_seq=0, history_from_seq=0))
    database.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hostile_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerHarness]:
    """A server with the north and south agencies (see ``ServerHarness.add_two_agencies``) on SQLite or PostgreSQL."""
    if request.param == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    else:
        database_url = request.getfixturevalue("hostile_postgres_url")
        _empty_server_database(database_url)
    server = ServerHarness(create_app(database_url))
    server.add_two_agencies()
    yield server
    server.db.close()


def row_counts(server: ServerHarness) -> dict[str, int]:
    """How many rows every table holds: equal before and after means nothing was written.

    (The change counter is left out: a push reserves sequence numbers for all its changes up front, and a gap in
    the sequence is no record.)
    """
    with server.db.reading() as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def _post_push(
    server: ServerHarness, headers: dict[str, str], body: bytes, *, encoding: str | None = None
) -> httpx.Response:
    extra = {"Content-Type": "application/json"} | ({"Content-Encoding": encoding} if encoding else {})
    return server.client.post(f"{API}/sync/push", headers=headers | extra, content=body)


def _envelope(server: ServerHarness, *changes: dict[str, Any]) -> dict[str, Any]:
    return {"device_id": server.device_id, "changes": list(changes)}


def _assert_refused_writing_nothing(
    server: ServerHarness, headers: dict[str, str], body: bytes, status: int, *, encoding: str | None = None
) -> httpx.Response:
    before = row_counts(server)
    response = _post_push(server, headers, body, encoding=encoding)
    assert response.status_code == status, response.text[:500]
    assert isinstance(response.json()["detail"], str | list) and response.json()["detail"]
    assert row_counts(server) == before
    return response


def _session(**changes: Any) -> dict[str, Any]:
    """A valid group session of wlee's with one service form carrying one referral (so every text field exists)."""
    data = group_session_data(["wlee"])
    form = data["service_forms"][0] | {"referrals": [{"to": "Legal clinic", "reason": "Lease", "follow_up_date": None}]}
    return data | {"service_forms": [form]} | changes


# --- envelopes -------------------------------------------------------------------------------------------------------


def test_an_oversized_body_is_refused_with_413(hostile_server: ServerHarness) -> None:
    headers = hostile_server.login("wlee")
    padding = "x" * (MAX_BODY_BYTES + 1)
    too_large = json.dumps(_envelope(hostile_server, change("session", _session(notes=padding)))).encode()
    _assert_refused_writing_nothing(hostile_server, headers, too_large, 413)
    small_but_inflating = gzip.compress(too_large)
    assert len(small_but_inflating) < MAX_BODY_BYTES // 100
    _assert_refused_writing_nothing(hostile_server, headers, small_but_inflating, 413, encoding="gzip")


def test_deeply_nested_json_is_refused_and_the_server_carries_on(hostile_server: ServerHarness) -> None:
    headers = hostile_server.login("wlee")
    deep_arrays = b"[" * 100_000 + b"]" * 100_000
    _assert_refused_writing_nothing(hostile_server, headers, deep_arrays, 400)
    deep_record = json.dumps(_envelope(hostile_server, change("session", _session())))
    deep_record = deep_record.replace('"notes": ""', '"notes": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000, 1)
    _assert_refused_writing_nothing(hostile_server, headers, deep_record.encode(), 400)
    _assert_refused_writing_nothing(hostile_server, headers, gzip.compress(deep_arrays), 400, encoding="gzip")

    nested_notes = _session(notes=json.loads('{"a": ' * 500 + "1" + "}" * 500))
    result = hostile_server.push_one(headers, change("session", nested_notes))
    assert (result["status"], result["errors"]) == (
        "rejected",
        [{"field": "notes", "message": "Expected text.", "code": "wire.expected_text", "params": {}}],
    )
    assert hostile_server.client.get(f"{API}/health").status_code == 200
    assert hostile_server.push_one(headers, change("session", _session()))["status"] == "applied"


@pytest.mark.parametrize(
    ("body", "encoding", "status"),
    [
        (b"this is not gzip", "gzip", 400),
        (gzip.compress(b'{"device_id": "x", "changes": []}')[:-6], "gzip", 400),
        (gzip.compress(b'{"device_id": "x", "changes": []}') + b"trailing", "gzip", 400),
        (gzip.compress(b"not json at all"), "gzip", 400),
        (b"\x1f\x8b\x08\x00garbage after a gzip magic number", "gzip", 400),
        (b'{"device_id": "x", "changes": []}', "br", 415),
    ],
    ids=["not-gzip", "truncated", "trailing-bytes", "gzip-of-not-json", "corrupt-after-magic", "unknown-encoding"],
)
def test_a_body_that_is_not_valid_gzip_is_refused(
    hostile_server: ServerHarness, body: bytes, encoding: str, status: int
) -> None:
    _assert_refused_writing_nothing(hostile_server, hostile_server.login("wlee"), body, status, encoding=encoding)


@pytest.mark.parametrize(
    "envelope_change",
    [
        {"changes": "not a list"},
        {"device_id": 12345},
        {"device_id": "not-a-uuid"},
        {"changes": ["not an object"]},
        {"op_id": 5},
        {"op_id": ""},
        {"op_id": "a" * 65},
        {"op_id": "nul\x00byte"},
        {"base_version": "one"},
        {"base_version": 1.5},
        {"data": ["a", "list"]},
        {"data": None},
        {"entity": ["session"]},
        {"id": "x" * 101},
        {"id": "nul\x00byte"},
    ],
    ids=repr,
)
def test_wrong_types_in_the_envelope_are_refused_with_422(
    hostile_server: ServerHarness, envelope_change: dict[str, Any]
) -> None:
    one_change = change("session", _session())
    envelope = _envelope(hostile_server, one_change)
    if {"changes", "device_id"} & set(envelope_change):
        envelope |= envelope_change
    else:
        one_change |= envelope_change
    body = json.dumps(envelope).encode()
    _assert_refused_writing_nothing(hostile_server, hostile_server.login("wlee"), body, 422)


def test_more_than_500_changes_are_refused_whole(hostile_server: ServerHarness) -> None:
    headers = hostile_server.login("wlee")
    changes = [change("client", client_data()) for _ in range(MAX_CHANGES_PER_PUSH + 1)]
    refused = _assert_refused_writing_nothing(
        hostile_server, headers, json.dumps(_envelope(hostile_server, *changes)).encode(), 422
    )
    assert "500" in refused.text
    results = hostile_server.push(headers, *changes[:MAX_CHANGES_PER_PUSH])
    assert [result["status"] for result in results] == ["applied"] * MAX_CHANGES_PER_PUSH


def test_text_that_is_not_unicode_is_refused_with_400(hostile_server: ServerHarness) -> None:
    """JSON can spell half a surrogate pair; Python decodes it, but it is no character and UTF-8 cannot hold it."""
    headers = hostile_server.login("wlee")
    push = json.dumps(_envelope(hostile_server, change("session", _session(notes="half \ud83d a pair"))))
    _assert_refused_writing_nothing(hostile_server, headers, push.encode(), 400)
    login = {"user_id": "wlee\udc00", "password": "x", "device_id": new_id()}
    before = row_counts(hostile_server)
    response = hostile_server.client.post(
        f"{API}/auth/login", content=json.dumps(login), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert row_counts(hostile_server) == before


# --- records ---------------------------------------------------------------------------------------------------------


def test_wrong_types_in_a_record_reject_that_change_only(hostile_server: ServerHarness) -> None:
    headers = hostile_server.login("wlee")
    wrong = {
        "service_minutes": "45",
        "interpreter_present": "no",
        "staff": "wlee",
        "languages": [1, 2],
        "service_forms": {"id": "form"},
        "notes": 5,
        "service_date": 20250310,
    }
    bad_changes = [change("session", _session(**{name: value})) for name, value in wrong.items()]
    bad_changes += [
        change("client", client_data(consent="yes")),
        change("client", client_data(date_of_birth=19880402)),
        change("client", client_data(first_name=["Amal"])),
        change("session", _session(service_forms=[{"id": "f", "client_id": "c", "referrals": "none"}])),
    ]
    good = change("client", client_data())
    before = row_counts(hostile_server)
    results = hostile_server.push(headers, *bad_changes, good)
    assert [result["status"] for result in results] == ["rejected"] * len(bad_changes) + ["applied"]
    named = [result["errors"][0]["field"] for result in results[:-1]]
    assert named == [
        *wrong,
        "consent",
        "date_of_birth",
        "first_name",
        "service_forms[0].referrals",
    ]
    after = row_counts(hostile_server)
    assert (after["client"], after["session"]) == (before["client"] + 1, before["session"])


def test_unknown_entities_are_rejected_and_write_nothing(hostile_server: ServerHarness) -> None:
    headers = hostile_server.login("wlee")
    entities = ["worker", "agency", "site", "Session", "session; DROP TABLE session", "", SCRIPT]
    before = row_counts(hostile_server)
    results = hostile_server.push(headers, *(change(entity, _session()) for entity in entities))
    assert [(result["status"], result["errors"][0]["field"]) for result in results] == [("rejected", "entity")] * len(
        entities
    )
    assert row_counts(hostile_server) == before


@pytest.mark.parametrize("hostile_text", [SQL, SCRIPT], ids=["sql", "script"])
def test_sql_and_script_looking_text_is_stored_as_text_or_rejected_by_name(
    hostile_server: ServerHarness, hostile_text: str
) -> None:
    headers = hostile_server.login("wlee")
    stored, refused = _session_changes_with(hostile_text)
    client_stored, client_refused = _client_changes_with(hostile_text)
    stored += client_stored
    refused += client_refused
    before = row_counts(hostile_server)
    results = hostile_server.push(headers, *(c for c, _ in stored), *(c for c, _ in refused))

    assert [result["status"] for result in results[: len(stored)]] == ["applied"] * len(stored)
    refused_results = results[len(stored) :]
    assert [(result["status"], result["errors"][0]["field"]) for result in refused_results] == [
        ("rejected", field) for _, field in refused
    ]
    after = row_counts(hostile_server)
    assert after["session"] - before["session"] == sum(c["entity"] == "session" for c, _ in stored)
    assert after["client"] - before["client"] == sum(c["entity"] == "client" for c, _ in stored)

    pulled, _ = hostile_server.pull_all(headers)
    for sent, path in stored:
        assert hostile_text in _at(sent["data"], path)
        assert _at(records(pulled, sent["entity"])[sent["id"]], path) == _at(sent["data"], path), path


def _session_changes_with(text: str) -> tuple[list[tuple[dict, str]], list[tuple[dict, str]]]:
    """One change per session field holding ``text``: (change, field path) expected stored, and expected rejected."""
    stored = [(change("session", _session(**{name: text})), name) for name in SESSION_TEXT]
    for name in (*FORM_TEXT, "id", "client_id"):
        data = _session()
        data["service_forms"][0][name] = text
        stored.append((change("session", data), f"service_forms[0].{name}"))
    for name in REFERRAL_TEXT:
        data = _session()
        data["service_forms"][0]["referrals"][0][name] = text
        stored.append((change("session", data), f"service_forms[0].referrals[0].{name}"))
    refused = [(change("session", _session(**{name: text})), name) for name in SESSION_CODES]
    refused += [(change("session", _session(**{name: [text]})), name) for name in SESSION_CODE_LISTS]
    for name in (*FORM_CODES, "services"):
        data = _session()
        data["service_forms"][0][name] = [text] if name == "services" else text
        refused.append((change("session", data), f"service_forms[0].{name}"))
    record = _session()
    refused.append((change("session", record) | {"id": text}, "id"))
    return stored, refused


def _client_changes_with(text: str) -> tuple[list[tuple[dict, str]], list[tuple[dict, str]]]:
    stored = [(change("client", client_data(**{name: text})), name) for name in CLIENT_TEXT]
    stored.append((change("client", client_data(phone=f"416-555-0142 {text}")), "phone"))
    refused = [(change("client", client_data(**{name: text})), name) for name in CLIENT_CODES]
    return stored, refused


def _at(record: dict[str, Any], path: str) -> Any:
    """The value at ``service_forms[0].referrals[0].to``-style path."""
    value: Any = record
    for part in path.split("."):
        name, _, index = part.partition("[")
        value = value[name]
        if index:
            value = value[int(index.rstrip("]"))]
    return value


def test_a_phone_number_with_sql_in_it_comes_back_as_sent(hostile_server: ServerHarness) -> None:
    headers = hostile_server.login("wlee")
    data = client_data(phone=f"416-555-0142 {SQL}", email="o'brien+<b>@example.org")
    assert hostile_server.push_one(headers, change("client", data))["status"] == "applied"
    pulled = records(hostile_server.pull_all(headers)[0], "client")[data["id"]]
    assert (pulled["phone"], pulled["email"]) == (data["phone"], data["email"])


def test_sql_looking_text_in_sign_in_op_ids_and_cursors_is_only_text(hostile_server: ServerHarness) -> None:
    assert hostile_server.login_response(SQL, SQL).status_code == 401
    assert hostile_server.login_response("wlee' OR '1'='1", "' OR '1'='1").status_code == 401
    body = {"user_id": "wlee", "password": "correct horse battery", "device_id": new_id(), "device_name": SCRIPT}
    signed_in = hostile_server.client.post(f"{API}/auth/login", json=body)
    assert signed_in.status_code == 200
    headers = {"Authorization": f"Bearer {signed_in.json()['token']}"}

    first = hostile_server.push_one(headers, change("client", client_data(), op_id=SQL))
    again = hostile_server.push_one(headers, change("client", client_data(), op_id=SQL))
    assert (first["op_id"], first["status"]) == (SQL, "applied")
    assert (again["op_id"], again["status"], again["version"]) == (SQL, "duplicate", 1)
    pulled = hostile_server.client.get(f"{API}/sync/pull", headers=headers, params={"cursor": SQL})
    assert pulled.status_code == 410
    counts = row_counts(hostile_server)
    assert (counts["session"], counts["client"], counts["worker"]) == (0, 1, 4)


# --- text that must survive ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(NASTY))
def test_valid_but_nasty_text_comes_back_byte_for_byte(hostile_server: ServerHarness, kind: str) -> None:
    text = NASTY[kind]
    headers = hostile_server.login("wlee")
    session = _session(**dict.fromkeys(SESSION_TEXT, text))
    form = session["service_forms"][0]
    form["notes"] = text
    form["referrals"][0] |= dict.fromkeys(REFERRAL_TEXT, text)
    client = client_data(**dict.fromkeys(CLIENT_TEXT, text))
    results = hostile_server.push(headers, change("session", session), change("client", client))
    assert [result["status"] for result in results] == ["applied", "applied"], results

    pulled, _ = hostile_server.pull_all(hostile_server.login("sboss"))
    pulled_session = records(pulled, "session")[session["id"]]
    pulled_client = records(pulled, "client")[client["id"]]
    sent_texts = [_texts(session), _texts(client)]
    assert [_texts(pulled_session), _texts(pulled_client)] == sent_texts
    assert all(value.encode("utf-8") == text.encode("utf-8") for value in _texts(pulled_session).values())

    stale = hostile_server.push_one(headers, change("session", session, base_version=0))
    assert stale["status"] == "conflict"
    assert _texts(stale["current"]) == sent_texts[0]


def _texts(record: dict[str, Any]) -> dict[str, str]:
    """Every free-text field of a session or client record, by path."""
    if "service_forms" not in record:
        return {name: record[name] for name in CLIENT_TEXT}
    form = record["service_forms"][0]
    return (
        {name: record[name] for name in SESSION_TEXT}
        | {f"form.{name}": form[name] for name in FORM_TEXT}
        | {f"referral.{name}": form["referrals"][0][name] for name in REFERRAL_TEXT}
    )


def test_a_nul_character_in_any_text_field_is_rejected_by_name(hostile_server: ServerHarness) -> None:
    """PostgreSQL cannot store NUL, so neither database takes it: the change is rejected, naming the field."""
    headers = hostile_server.login("wlee")
    stored, _ = _session_changes_with("before\x00after")
    client_stored, _ = _client_changes_with("before\x00after")
    with_nul = stored + client_stored
    before = row_counts(hostile_server)
    results = hostile_server.push(headers, *(c for c, _ in with_nul))
    assert [(result["status"], result["errors"][0]["field"]) for result in results] == [
        ("rejected", field) for _, field in with_nul
    ]
    assert all(result["errors"][0]["message"] == "Text cannot contain the NUL character." for result in results)
    assert row_counts(hostile_server) == before


def test_a_nul_character_in_a_code_is_rejected_by_name(hostile_server: ServerHarness) -> None:
    """Codes a push names are looked up before any record is judged; a NUL there must not reach PostgreSQL (it
    once raised a 500 for the whole push). A NUL in the change's own id is an envelope error (422, tested above)."""
    headers = hostile_server.login("wlee")
    _, refused = _session_changes_with("N-001\x00")
    refused = [(sent, field) for sent, field in refused if field != "id"]
    before = row_counts(hostile_server)
    results = hostile_server.push(headers, *(c for c, _ in refused))
    assert [(result["status"], result["errors"][0]["field"]) for result in results] == [
        ("rejected", field) for _, field in refused
    ]
    assert row_counts(hostile_server) == before
