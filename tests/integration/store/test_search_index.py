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
    names = [("Thi Lan", "Nguyễn"), ("José", "Álvarez"), ("Amal", "Haddad"), ("Łukasz", "Nowak")]
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
    "query", ["ngu", "José", "thi nguy", "thi lan nguyen", "1985-06-06", "416-555-0012", "(416) 555 0012"]
)
def test_search_reads_the_term_index_and_never_scans_the_client_table(
    searchable_db: DeviceDatabase, captured_sql: list[tuple[str, Any]], query: str
) -> None:
    with searchable_db.reads() as tx:
        found = repository.search_client_ids(tx, query, limit=20)

    plan = query_plan(searchable_db, captured_sql)

    assert found, f"{query!r} should find someone"
    assert any(step.startswith("SEARCH client_search_term") for step in plan), plan
    assert not any(step.startswith("SCAN client") for step in plan), plan


def test_search_results_are_client_ids_in_name_order(searchable_db: DeviceDatabase) -> None:
    with searchable_db.reads() as tx:
        ids = repository.search_client_ids(tx, "a", limit=100)
        clients = repository.clients_by_ids(tx, ids)

    assert [client.last_name for client in clients] == ["Álvarez"] * 25 + ["Haddad"] * 25
