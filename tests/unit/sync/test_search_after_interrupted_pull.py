"""A pull stopped at any point leaves search whole: every client on the device is found after the next start.

A pull writes each new client's search terms beside the client and moves them into the search index when it ends
(``index_waiting_terms``). These tests stop it at each page, and between the rows and the index build, in three
ways: the network drops (the engine itself indexes what it kept), the process dies (nothing runs after the stop;
the next opening of the database indexes what waits), and the index build itself fails. The stops are raised from
hooks at a given call, never timed, and each page is its own transaction so there is something kept at every stop.
"""

import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from app.domain.clients import Client
from app.store import repository
from app.store.db import DB_FILENAME, DeviceDatabase
from app.store.models import ClientRow
from app.usecases.clients import search_clients
from protocol.records import client_to_wire
from sync import engine as engine_module
from sync.engine import SyncEngine
from sync.transport import Offline

CLIENTS = 9
PAGE = 2  # five pages


class ProcessKilled(BaseException):
    """Stands for the process dying: nothing of the engine's own clean-up may run after it (see ``killed``)."""


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Callable[[], DeviceDatabase]]:
    """``device()``: the device database opened as the app starts; earlier openings are closed first."""
    opened: list[DeviceDatabase] = []

    def open_again() -> DeviceDatabase:
        for database in opened:
            database.close()
        opened.append(DeviceDatabase(tmp_path / DB_FILENAME))
        return opened[-1]

    yield open_again
    for database in opened:
        database.close()


@pytest.fixture(autouse=True)
def page_per_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "PULL_COMMIT_AFTER_S", 0.0)


@pytest.fixture
def agency(server, make_client: Callable[..., Client]) -> list[str]:  # type: ignore[no-untyped-def]
    """The server holds CLIENTS clients, each with a last name of its own; returns those names."""
    names = [f"Zorro{number:02d}" for number in range(CLIENTS)]
    for number, name in enumerate(names):
        server.put("client", f"c{number}", client_to_wire(make_client(id=f"c{number}", last_name=name)))
    return names


def stored_clients(db: DeviceDatabase) -> dict[str, str]:
    with db.reads() as tx:
        return dict(tx.execute(select(ClientRow.id, ClientRow.last_name)).tuples().all())


def unfindable(db: DeviceDatabase) -> list[str]:
    """The clients on the device that a search for their own last name does not find."""
    return [
        client_id
        for client_id, last_name in stored_clients(db).items()
        if client_id not in {found.id for found in search_clients(db, last_name)}
    ]


def stop_at_pull(transport, number: int, error: BaseException) -> None:  # type: ignore[no-untyped-def]
    """Raise ``error`` when the engine asks for its ``number``-th page (the pages before it are stored)."""
    calls = []

    def hook() -> None:
        calls.append(1)
        if len(calls) == number:
            raise error

    transport.pull_hook = hook


def killed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dead process runs no clean-up: the engine's indexing after a failed pull does nothing."""
    monkeypatch.setattr(SyncEngine, "_index_waiting_terms", lambda self: None)


@pytest.mark.parametrize("stop_at", range(2, CLIENTS // PAGE + 2))
def test_a_pull_cut_off_by_the_network_leaves_every_stored_client_findable(device, server, transport, agency,
                                                                            stop_at: int) -> None:  # fmt: skip
    db = device()
    stop_at_pull(transport, stop_at, Offline("The network went away."))

    with pytest.raises(Offline):
        SyncEngine(db, transport, device_id="tablet", pull_limit=PAGE).sync()

    assert len(stored_clients(db)) == (stop_at - 1) * PAGE
    assert unfindable(db) == []
    transport.pull_hook = None
    SyncEngine(db, transport, device_id="tablet", pull_limit=PAGE).sync()
    assert len(stored_clients(db)) == CLIENTS
    assert unfindable(db) == []


@pytest.mark.parametrize("stop_at", range(2, CLIENTS // PAGE + 2))
def test_a_pull_killed_at_any_page_leaves_every_stored_client_findable_after_the_next_start(
    device, server, transport, agency, stop_at: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = device()
    stop_at_pull(transport, stop_at, ProcessKilled())
    with monkeypatch.context() as dying:
        killed(dying)
        with pytest.raises(ProcessKilled):
            SyncEngine(db, transport, device_id="tablet", pull_limit=PAGE).sync()
    assert len(stored_clients(db)) == (stop_at - 1) * PAGE

    db = device()  # the app starts again

    assert len(stored_clients(db)) == (stop_at - 1) * PAGE
    assert unfindable(db) == []
    transport.pull_hook = None
    SyncEngine(db, transport, device_id="tablet", pull_limit=PAGE).sync()
    assert {name for name in stored_clients(db).values()} == set(agency)
    assert unfindable(db) == []


def test_a_pull_killed_while_it_builds_the_index_leaves_every_client_findable_after_the_next_start(
    device, server, transport, agency, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = device()
    build = repository.index_waiting_terms

    def die_half_way(tx) -> int:  # type: ignore[no-untyped-def]
        build(tx)  # the terms are in the index, not yet committed
        raise ProcessKilled()

    with monkeypatch.context() as dying:
        killed(dying)
        dying.setattr(repository, "index_waiting_terms", die_half_way)
        with pytest.raises(ProcessKilled):
            SyncEngine(db, transport, device_id="tablet", pull_limit=PAGE).sync()
    kept = len(stored_clients(db))
    assert kept == CLIENTS  # every page was stored before the index build began, in a transaction of its own

    db = device()

    assert len(stored_clients(db)) == kept
    assert unfindable(db) == []
    SyncEngine(db, transport, device_id="tablet", pull_limit=PAGE).sync()
    assert len(stored_clients(db)) == CLIENTS
    assert unfindable(db) == []


def test_a_whole_first_sync_indexes_every_client_once(device, server, transport, agency) -> None:
    db = device()

    SyncEngine(db, transport, device_id="tablet", pull_limit=PAGE).sync()

    assert unfindable(db) == []
    with db.reads() as tx:
        assert not repository.terms_waiting(tx)
        terms = tx.execute(select(repository._SEARCH_TERMS.c.term).where(repository._SEARCH_TERMS.c.client_id == "c3"))
        assert sorted(terms.scalars()) == sorted({"amal", "zorro03", "1988-04-02", "4165550142"})


def test_a_client_renamed_while_the_first_sync_runs_is_found_by_its_new_name_only(device, server, transport, agency,
                                                                                   make_client) -> None:  # fmt: skip
    db = device()
    renamed = client_to_wire(make_client(id="c0", last_name="Quixote"))
    transport.pull_hook = lambda: server.put("client", "c0", renamed) if len(server.pulls) == 2 else None

    SyncEngine(db, transport, device_id="tablet", pull_limit=PAGE).sync()

    assert [found.id for found in search_clients(db, "quixote")] == ["c0"]
    assert search_clients(db, agency[0]) == []
    assert unfindable(db) == []


def test_after_a_first_sync_the_device_still_refuses_a_search_term_of_a_missing_client(device, server, transport,
                                                                                      agency) -> None:  # fmt: skip
    """The index build skips the foreign-key check for the terms it moves; every later transaction checks again."""
    db = device()
    SyncEngine(db, transport, device_id="tablet", pull_limit=PAGE).sync()

    for _ in range(3):  # whichever pooled connection the next writer gets
        with pytest.raises(IntegrityError), db.sessions() as tx, tx.begin():
            tx.execute(insert(repository._SEARCH_TERMS).values(head="zz", sort_key="zz", client_id="gone", term="zz"))


def test_python_collects_cycles_again_after_a_pull_ends_or_stops(device, server, transport, agency,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Writing a page pauses Python's cycle collector; a pull that ends, or fails inside a page, restarts it."""
    db = device()
    SyncEngine(db, transport, device_id="tablet", pull_limit=PAGE).sync()
    assert gc.isenabled()

    def broken_page(uow, changes):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(engine_module, "apply_page", broken_page)
    server.put("client", "c0", client_to_wire(Client(id="c0", agency_id="a1", last_name="Again")))
    with pytest.raises(OSError):
        SyncEngine(db, transport, device_id="tablet", pull_limit=PAGE).sync()
    assert gc.isenabled()
