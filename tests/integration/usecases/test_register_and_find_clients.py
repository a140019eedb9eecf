"""Register a New Client and Find Client: duplicates caught before saving, and names found the way they are typed."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from app.domain.clients import Client
from app.domain.errors import ValidationFailed
from app.store.db import DeviceDatabase
from app.store.models import ClientRow, OutboxRow
from app.usecases.clients import load_client, new_client_draft, register_client, search_clients
from app.usecases.context import Actor
from protocol.records import client_to_wire

TODAY = date(2025, 3, 10)
Register = Callable[..., Client]


def stored_counts(db: DeviceDatabase) -> tuple[int, int]:
    with db.reads() as tx:
        clients = tx.scalar(select(func.count()).select_from(ClientRow))
        changes = tx.scalar(select(func.count()).select_from(OutboxRow))
    return clients or 0, changes or 0


def draft(worker: Actor, **profile: object) -> Client:
    values: dict[str, object] = {
        "first_name": "Amal",
        "last_name": "Haddad",
        "date_of_birth": date(1988, 4, 2),
        "consent": True,
    }
    return replace(new_client_draft(worker), **(values | profile))


class TestRegistering:
    def test_a_new_client_is_saved_for_the_workers_agency_and_queued_for_sync(
        self, db: DeviceDatabase, worker: Actor
    ) -> None:
        registration = register_client(db, worker, draft(worker, phone="416-555-0142"), today=TODAY)

        assert registration.saved
        saved = load_client(db, registration.client.id)
        assert (saved.agency_id, saved.created_by, saved.phone) == (worker.agency_id, "wlee", "416-555-0142")
        with db.reads() as tx:
            change = tx.scalars(select(OutboxRow)).one()
        assert (change.entity, change.record_id, change.base_version) == ("client", saved.id, None)
        assert change.payload == client_to_wire(saved)

    def test_the_same_name_and_birth_date_with_other_accents_is_flagged_before_saving(
        self, db: DeviceDatabase, worker: Actor, register: Register
    ) -> None:
        on_file = register(first_name="José", last_name="Nguyễn", date_of_birth=date(1990, 5, 12))
        before = stored_counts(db)

        typed = draft(worker, first_name="JOSE", last_name="nguyen", date_of_birth=date(1990, 5, 12))
        registration = register_client(db, worker, typed, today=TODAY)

        assert not registration.saved
        assert [summary.id for summary in registration.duplicates] == [on_file.id]
        assert registration.duplicates[0].display_name == "José Nguyễn"
        assert stored_counts(db) == before, "nothing is written while the worker decides"

    def test_the_same_name_written_in_another_script_is_flagged(
        self, db: DeviceDatabase, worker: Actor, register: Register
    ) -> None:
        on_file = register(first_name="Олена", last_name="Шевченко", date_of_birth=date(1985, 3, 2), phone="")

        typed = draft(worker, first_name="Olena", last_name="Shevchenko", date_of_birth=date(1985, 3, 2))
        registration = register_client(db, worker, typed, today=TODAY)

        assert [summary.display_name for summary in registration.duplicates] == ["Олена Шевченко"]
        assert registration.duplicates[0].id == on_file.id

    def test_the_same_phone_written_another_way_is_flagged(
        self, db: DeviceDatabase, worker: Actor, register: Register
    ) -> None:
        on_file = register(first_name="Sara", phone="+1 (416) 555-0142")

        typed = draft(worker, first_name="Omar", date_of_birth=date(1975, 1, 1), phone="416.555.0142")
        registration = register_client(db, worker, typed, today=TODAY)

        assert [summary.id for summary in registration.duplicates] == [on_file.id]

    def test_someone_else_born_the_same_day_is_not_flagged(
        self, db: DeviceDatabase, worker: Actor, register: Register
    ) -> None:
        register(first_name="Sara", phone="")

        assert register_client(db, worker, draft(worker, first_name="Omar"), today=TODAY).saved

    def test_saving_anyway_keeps_both_clients(self, db: DeviceDatabase, worker: Actor, register: Register) -> None:
        register()
        registration = register_client(db, worker, draft(worker), ignore_duplicates=True, today=TODAY)

        assert registration.saved
        assert stored_counts(db) == (2, 2)

    def test_an_invalid_profile_reports_every_field_and_writes_nothing(self, db: DeviceDatabase, worker: Actor) -> None:
        bad = draft(worker, first_name="", date_of_birth=date(2025, 3, 11), email="amal@", consent=False)

        with pytest.raises(ValidationFailed) as failure:
            register_client(db, worker, bad, today=TODAY)

        assert set(failure.value.by_field()) == {"first_name", "date_of_birth", "email", "consent"}
        assert stored_counts(db) == (0, 0)


@pytest.fixture
def clients_on_file(register: Register) -> dict[str, Client]:
    return {
        "lan": register(first_name="Thi Lan", last_name="Nguyễn", date_of_birth=date(1990, 5, 12), phone="416 5550142"),
        "hoa": register(first_name="Thi Hoa", last_name="Tran", date_of_birth=date(1985, 1, 3)),
        "jose": register(first_name="José", last_name="Álvarez", preferred_name="Pepe", date_of_birth=date(1979, 7, 7)),
        "lukasz": register(
            first_name="Łukasz", last_name="Nowak", date_of_birth=date(2001, 2, 2), client_identifier="A-77"
        ),
    }


class TestFindingClients:
    @pytest.mark.parametrize(
        ("typed", "who"),
        [
            ("ngu", "lan"),
            ("NGUYỄN", "lan"),
            ("jose", "jose"),
            ("alv", "jose"),
            ("pepe", "jose"),
            ("lukasz", "lukasz"),
            ("a-77", "lukasz"),
            ("1990-05-12", "lan"),
            ("4165550142", "lan"),
            ("(416) 555-0142", "lan"),
            ("+1 416 555 0142", "lan"),
            ("416-555", "lan"),
        ],
    )
    def test_a_client_is_found_by_any_name_part_date_of_birth_phone_or_number(
        self, db: DeviceDatabase, clients_on_file: dict[str, Client], typed: str, who: str
    ) -> None:
        assert [found.id for found in search_clients(db, typed)] == [clients_on_file[who].id]

    def test_every_word_typed_must_match(self, db: DeviceDatabase, clients_on_file: dict[str, Client]) -> None:
        assert {found.id for found in search_clients(db, "thi")} == {
            clients_on_file["lan"].id,
            clients_on_file["hoa"].id,
        }
        assert [found.id for found in search_clients(db, "thi ngu")] == [clients_on_file["lan"].id]
        assert [found.id for found in search_clients(db, "Thi Lan Nguyen")] == [clients_on_file["lan"].id]

    @pytest.mark.parametrize("typed", ["guyen", "zzz", "thi nowak", "1990-05-13", "999"])
    def test_no_match_gives_no_results(
        self, db: DeviceDatabase, clients_on_file: dict[str, Client], typed: str
    ) -> None:
        assert search_clients(db, typed) == []

    @pytest.mark.parametrize("typed", ["", "   ", "-,;"])
    def test_an_empty_search_box_finds_nobody(
        self, db: DeviceDatabase, clients_on_file: dict[str, Client], typed: str
    ) -> None:
        assert search_clients(db, typed) == []

    def test_results_come_in_last_name_then_first_name_order(self, db: DeviceDatabase, register: Register) -> None:
        for first, last in [("Zeynep", "Åberg"), ("Ali", "Zand"), ("Bao", "Aberg"), ("Émile", "Martin")]:
            register(first_name=first, last_name=last, phone="")

        names = [found.display_name for found in search_clients(db, "a")]

        assert names == ["Bao Aberg", "Zeynep Åberg", "Ali Zand"]

    def test_the_number_of_results_is_limited(self, db: DeviceDatabase, register: Register) -> None:
        for index in range(12):
            register(first_name=f"Mohammed{index:02d}", last_name="Ali", phone="")

        found = search_clients(db, "ali", limit=5)

        assert [summary.display_name for summary in found] == [f"Mohammed{i:02d} Ali" for i in range(5)]

    def test_a_result_row_shows_enough_to_tell_people_apart(
        self, db: DeviceDatabase, clients_on_file: dict[str, Client]
    ) -> None:
        (row,) = search_clients(db, "pepe")

        assert (row.display_name, row.date_of_birth) == ("José Álvarez (Pepe)", date(1979, 7, 7))
