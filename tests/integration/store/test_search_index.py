"""Client search must stay fast on an agency's whole client list: it reads the term index, never every client."""

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event

from app.domain.clients import Client
from app.store import repository
from app.store.db import DeviceDatabase

MakeClient = Callable[..., Client]


@pytest.fixture
def searchable_db(device_db: DeviceDatabase, make_client: MakeClient) -> DeviceDatabase:
    names = [("Thi Lan", "Nguyễn"), ("José", "Álvarez"), ("Amal", "Haddad"), ("Łukasz", "Nowak"), ("Олена", "Шевченко"),
             ("芳", "王")]  # fmt: skip
    with device_db.sessions.begin() as tx:
        for index, (first, last) in enumerate(names * 25):
            repository.put_client(
                tx,
                make_client(
                    id=f"c-{index}",
                    first_name=first,
                    last_name=last,
                    date_of_birth=date(1980 + index % 20, 1 + index % 12, 1 + index % 28),
                    phone=f"416-555-{index:04d}",
                ),
            )
    return device_db


@pytest.fixture
def captured_sql(searchable_db: DeviceDatabase) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    event.listen(searchable_db.engine, "before_cursor_execute", remember)
    yield statements
    event.remove(searchable_db.engine, "before_cursor_execute", remember)


def query_plan(database: DeviceDatabase, statements: list[tuple[str, Any]]) -> list[str]:
    search_sql, parameters = next((sql, params) for sql, params in statements if "client_search_term" in sql)
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + search_sql, parameters).all()
    return [row[3] for row in rows]


@pytest.mark.parametrize(
    "query",
    [
        "ngu",
        "José",
        "thi nguy",
        "thi lan nguyen",
        "олен",
        "shevch",
        "王",
        "wang f",
        "1985-06-06",
        "416-555-0012",
        "(416) 555 0012",
    ],
)
def test_search_reads_the_term_index_and_never_scans_the_client_table(
    searchable_db: DeviceDatabase, captured_sql: list[tuple[str, Any]], query: str
) -> None:
    with searchable_db.reads() as tx:
        found = repository.search_clients(tx, query, limit=20)

    plan = query_plan(searchable_db, captured_sql)

    assert found, f"{query!r} should find someone"
    assert any(step.startswith("SEARCH client_search_term") for step in plan), plan
    assert not any(step.startswith("SCAN client") for step in plan), plan
    client_steps = [step for step in plan if " client " in f"{step} " and "client_search_term" not in step]
    assert all("(id=?)" in step for step in client_steps), f"client is read by id, for the rows shown: {plan}"


def test_search_results_come_in_name_order(searchable_db: DeviceDatabase) -> None:
    with searchable_db.reads() as tx:
        rows = repository.search_clients(tx, "a", limit=100)

    assert [row.last_name for row in rows] == ["Álvarez"] * 25 + ["Haddad"] * 25
    namesakes = [row.id for row in rows[:25]]
    assert namesakes == sorted(namesakes), "clients with the same name keep one stable order: by id"


def test_a_client_matching_a_prefix_twice_is_listed_once(device_db: DeviceDatabase, make_client: MakeClient) -> None:
    with device_db.sessions.begin() as tx:
        repository.put_client(tx, make_client(id="c-1", first_name="Maria", last_name="Martinez"))
        repository.put_client(tx, make_client(id="c-2", first_name="Mario", last_name="Marquez", phone=""))
        repository.put_client(tx, make_client(id="c-3", first_name="Amal", last_name="Haddad", phone=""))

    with device_db.reads() as tx:
        assert [row.id for row in repository.search_clients(tx, "mar", limit=5)] == ["c-2", "c-1"]
        assert [row.id for row in repository.search_clients(tx, "mar", limit=1)] == ["c-2"]
        assert [row.id for row in repository.search_clients(tx, "mar mart", limit=5)] == ["c-1"]


def test_a_search_result_row_carries_what_the_list_shows(device_db: DeviceDatabase, make_client: MakeClient) -> None:
    client = make_client(preferred_name="Amy", family_code="F-ABCDEFGH", client_identifier="1234-5678")
    with device_db.sessions.begin() as tx:
        repository.put_client(tx, client)

    with device_db.reads() as tx:
        [row] = repository.search_clients(tx, "amy", limit=5)

    assert tuple(row) == (
        client.id, client.first_name, client.last_name, "Amy", "1988-04-02", client.phone, "F-ABCDEFGH", "1234-5678",
    )  # fmt: skip


@pytest.mark.parametrize("query", ["ngu", "ng", "олен", "thi nguy", "wang fa", "王芳"])
def test_a_name_search_reads_its_matches_already_in_name_order_so_it_can_stop_at_the_first_page(
    searchable_db: DeviceDatabase, captured_sql: list[tuple[str, Any]], query: str
) -> None:
    with searchable_db.reads() as tx:
        assert repository.search_clients(tx, query, limit=20)

    plan = query_plan(searchable_db, captured_sql)

    sorts = [step for step in plan if "TEMP B-TREE" in step]
    assert sorts == ["USE TEMP B-TREE FOR ORDER BY"], f"only the page shown is sorted, after the lookup: {plan}"


@pytest.mark.parametrize(
    "query",
    ["ngu", "n", "олен", "olena", "thi nguy", "wang fa", "王", "王芳", "فاطمة", "fati", "1981-02-02", "416-555-0007",
     "zzz", ""],
)  # fmt: skip
def test_the_search_a_keystroke_runs_finds_what_the_statement_finds_field_for_field(
    searchable_db: DeviceDatabase, make_client: MakeClient, query: str
) -> None:
    """``DeviceDatabase.search_clients`` runs the search statement on a bare DB-API cursor: the same clients, in the
    same order, with the same fields, whatever the script, as ``repository.search_clients`` through SQLAlchemy."""
    fatima = make_client(id="c-fatima", first_name="فاطمة", last_name="الزهراء", preferred_name="Fatima",
                         date_of_birth=None, family_code="F-FATIMA1", client_identifier="ID-77")  # fmt: skip
    with searchable_db.sessions.begin() as tx:
        repository.put_client(tx, fatima)

    with searchable_db.reads() as tx:
        through_sqlalchemy = [tuple(row) for row in repository.search_clients(tx, query, limit=20)]
    on_the_cursor = searchable_db.search_clients(query, limit=20)

    assert on_the_cursor == through_sqlalchemy
    assert bool(on_the_cursor) == (query not in {"zzz", ""})


def test_a_search_neither_waits_for_a_writer_nor_sees_its_uncommitted_clients(
    searchable_db: DeviceDatabase, make_client: MakeClient
) -> None:
    with searchable_db.writing() as uow:  # holds the write lock, as a sync applying a page does
        uow.clients.add(make_client(id="c-new", first_name="Nour", last_name="Nguyen"), now="2026-12-02T10:00:00Z")
        found = searchable_db.search_clients("nguy", limit=100)

    assert found
    assert "c-new" not in {row[0] for row in found}
