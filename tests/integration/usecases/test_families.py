"""Families: members share a family code, and each member served in a session gets a service form of their own."""

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select

from app.domain.clients import Client
from app.domain.errors import ValidationFailed
from app.domain.sessions import Session
from app.store.db import DeviceDatabase
from app.store.models import ClientRow, OutboxRow
from app.usecases.clients import list_family, load_client, new_client_draft, register_client
from app.usecases.context import Actor, NotFound
from app.usecases.sessions import add_client_to_session, begin_session, load_session, save_session, sessions_of_client

Register = Callable[..., Client]
FillIn = Callable[..., Session]
TODAY = date(2025, 3, 10)
FAMILY_CODE_LETTERS = set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")


def queued_payloads(db: DeviceDatabase, record_id: str) -> list[dict[str, object]]:
    with db.reads() as tx:
        return list(
            tx.scalars(select(OutboxRow.payload).where(OutboxRow.record_id == record_id).order_by(OutboxRow.seq))
        )


def test_a_relative_joins_the_family_and_the_first_client_gets_a_code_queued_for_sync(
    db: DeviceDatabase, register: Register
) -> None:
    mother = register(first_name="Amal")
    assert mother.family_code == ""

    son = register(first_name="Yusuf", date_of_birth=date(2015, 6, 1), family_of=mother.id)

    code = load_client(db, mother.id).family_code
    assert code
    assert son.family_code == code
    assert [payload["family_code"] for payload in queued_payloads(db, mother.id)] == ["", code]


def test_further_relatives_reuse_the_code_without_changing_the_first_client_again(
    db: DeviceDatabase, register: Register
) -> None:
    mother = register(first_name="Amal")
    son = register(first_name="Yusuf", family_of=mother.id)
    daughter = register(first_name="Mariam", family_of=son.id)

    assert daughter.family_code == son.family_code == load_client(db, mother.id).family_code
    assert len(queued_payloads(db, mother.id)) == 2


def test_starting_a_new_family_gives_a_code_that_is_easy_to_read_aloud(register: Register) -> None:
    codes = {register(first_name=f"Head{index}", new_family=True).family_code for index in range(5)}

    assert len(codes) == 5
    for code in codes:
        assert code.startswith("F-")
        assert len(code) == 10
        assert set(code[2:]) <= FAMILY_CODE_LETTERS


def test_the_family_list_shows_the_other_members(db: DeviceDatabase, register: Register) -> None:
    mother = register(first_name="Amal")
    son = register(first_name="Yusuf", family_of=mother.id)
    register(first_name="Stranger", last_name="Other")

    assert [member.id for member in list_family(db, mother.id)] == [son.id]
    assert [member.id for member in list_family(db, son.id)] == [mother.id]


def test_a_relative_sharing_the_familys_phone_is_not_taken_for_a_duplicate(
    db: DeviceDatabase, worker: Actor, register: Register
) -> None:
    mother = register(phone="416-555-0142")
    son = register(first_name="Yusuf", date_of_birth=date(2015, 6, 1), phone="416-555-0142", family_of=mother.id)
    daughter = new_client_draft(worker)
    daughter.first_name, daughter.last_name, daughter.date_of_birth = "Mariam", "Haddad", date(2017, 2, 9)
    daughter.phone, daughter.consent = "(416) 555-0142", True

    assert register_client(db, worker, daughter, family_of=son.id, today=TODAY).saved
    stranger = new_client_draft(worker)
    stranger.first_name, stranger.last_name, stranger.date_of_birth = "Omar", "Said", date(1970, 1, 1)
    stranger.phone, stranger.consent = "416.555.0142", True
    outside = register_client(db, worker, stranger, today=TODAY)
    assert not outside.saved
    assert {summary.id for summary in outside.duplicates} == {mother.id, son.id, daughter.id}


def test_joining_a_family_that_is_not_on_the_device_writes_nothing(db: DeviceDatabase, worker: Actor) -> None:
    draft = new_client_draft(worker)
    draft.first_name, draft.last_name, draft.date_of_birth, draft.consent = "Yusuf", "Haddad", date(2015, 6, 1), True

    with pytest.raises(NotFound):
        register_client(db, worker, draft, family_of="no-such-client", today=TODAY)

    with db.reads() as tx:
        assert tx.scalar(select(func.count()).select_from(ClientRow)) == 0


class TestFamilyInOneSession:
    @pytest.fixture
    def family_session(self, db: DeviceDatabase, worker: Actor, register: Register) -> tuple[Session, Client, Client]:
        mother = register(first_name="Amal")
        son = register(first_name="Yusuf", family_of=mother.id)
        session = begin_session(db, worker, mother.id, today=TODAY)
        add_client_to_session(session, son.id)
        return session, mother, son

    def test_each_family_member_gets_a_separate_service_form(
        self, family_session: tuple[Session, Client, Client]
    ) -> None:
        session, mother, son = family_session

        assert [form.client_id for form in session.service_forms] == [mother.id, son.id]
        assert session.service_forms[0].id != session.service_forms[1].id

    def test_the_same_client_cannot_be_added_twice(self, family_session: tuple[Session, Client, Client]) -> None:
        session, _, son = family_session

        with pytest.raises(ValidationFailed):
            add_client_to_session(session, son.id)
        assert len(session.service_forms) == 2

    def test_the_saved_session_appears_in_each_members_history(
        self, db: DeviceDatabase, worker: Actor, fill_in: FillIn, family_session: tuple[Session, Client, Client]
    ) -> None:
        session, mother, son = family_session

        saved = save_session(db, worker, fill_in(session), today=TODAY)

        assert [form.client_id for form in load_session(db, saved.id).service_forms] == [mother.id, son.id]
        for member in (mother, son):
            (row,) = sessions_of_client(db, member.id)
            assert row.id == saved.id
            assert row.client_names == ["Amal Haddad", "Yusuf Haddad"]
