"""Records stored on the device come back exactly as saved, and a re-save replaces, never piles up, their rows."""

from collections.abc import Callable
from dataclasses import fields
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session as DbSession

from app.domain.clients import Client
from app.domain.sessions import Referral, ServiceForm, Session
from app.store import repository
from app.store.db import DeviceDatabase
from app.store.models import ReferralRow, ServiceFormRow, SessionLanguageRow, SessionRow, SessionStaffRow, table_of
from app.store.outbox import QueuedChange

MakeSession = Callable[..., Session]
MakeClient = Callable[..., Client]


def count(database: DeviceDatabase, table: type) -> int:
    with database.reads() as tx:
        return tx.scalar(select(func.count()).select_from(table)) or 0


def found_ids(tx: DbSession, typed: str) -> list[str]:
    return [row.id for row in repository.search_clients(tx, typed, limit=5)]


def test_a_stored_session_reads_back_equal(device_db: DeviceDatabase, make_session: MakeSession) -> None:
    forms = [
        ServiceForm(
            id="f1",
            client_id="mother",
            service_type="needs_assessment",
            services=["na_housing", "na_health"],
            referrals=[
                Referral(to="Housing help", reason="eviction", follow_up_date=date(2025, 4, 2)),
                Referral(to="Clinic"),
            ],
            client_attended=True,
            status="ongoing",
            private=True,
            notes="Private notes",
        ),
        ServiceForm(id="f2", client_id="son"),
    ]
    session = make_session(
        session_type="group_activity",
        activity_name="Cooking club",
        unnamed_participants=4,
        languages=["fr", "en"],
        service_forms=forms,
        notes="Both came",
        version=3,
    )

    with device_db.sessions.begin() as tx:
        repository.put_session(tx, session)
    with device_db.reads() as tx:
        assert repository.get_session(tx, session.id) == session


def test_every_field_of_a_session_has_a_place_in_the_device_store() -> None:
    """A field added to ``Session`` without a column of its name on ``SessionRow`` would be dropped at every save
    without a word; the session's lists have tables of their own."""
    in_tables_of_their_own = {"languages", "staff", "service_forms"}
    columns = set(table_of(SessionRow).c.keys())
    assert {field.name for field in fields(Session)} - in_tables_of_their_own - columns == set()


def test_re_saving_a_session_replaces_its_languages_staff_and_forms(
    device_db: DeviceDatabase, make_session: MakeSession
) -> None:
    referral = Referral(to="Food bank")
    first = make_session(
        session_type="group_activity",
        activity_name="Cooking club",
        languages=["en", "ar", "fa"],
        staff=["wlee", "jdoe"],
        service_forms=[ServiceForm(id="f1", client_id="a", referrals=[referral]), ServiceForm(id="f2", client_id="b")],
    )
    second = make_session(languages=["en"], staff=["wlee"], service_forms=[ServiceForm(id="f3", client_id="c")])

    with device_db.sessions.begin() as tx:
        repository.put_session(tx, first)
    with device_db.sessions.begin() as tx:
        repository.put_session(tx, second)

    with device_db.reads() as tx:
        assert repository.get_session(tx, second.id) == second
    assert (count(device_db, SessionLanguageRow), count(device_db, SessionStaffRow)) == (1, 1)
    assert (count(device_db, ServiceFormRow), count(device_db, ReferralRow)) == (1, 0)


def test_a_stored_client_reads_back_equal(device_db: DeviceDatabase, make_client: MakeClient) -> None:
    client = make_client(
        preferred_name="Mimi",
        gender="female",
        arrival_date=date(2019, 8, 30),
        official_language="fr",
        client_identifier="UCI 1234-5678",
        family_code="F-ABCD2345",
        version=2,
    )

    with device_db.sessions.begin() as tx:
        repository.put_client(tx, client)
    with device_db.reads() as tx:
        assert repository.get_client(tx, client.id) == client


def test_a_renamed_client_is_found_by_the_new_name_only(device_db: DeviceDatabase, make_client: MakeClient) -> None:
    with device_db.sessions.begin() as tx:
        repository.put_client(tx, make_client(first_name="Amal"))
    with device_db.sessions.begin() as tx:
        repository.put_client(tx, make_client(first_name="Amira"))

    with device_db.reads() as tx:
        assert found_ids(tx, "amira") == ["client-1"]
        assert found_ids(tx, "amal") == []


def test_removing_a_client_removes_its_search_terms(device_db: DeviceDatabase, make_client: MakeClient) -> None:
    with device_db.sessions.begin() as tx:
        repository.put_client(tx, make_client())
    with device_db.sessions.begin() as tx:
        tx.execute(text("DELETE FROM client WHERE id = 'client-1'"))

    with device_db.reads() as tx:
        assert tx.scalar(text("SELECT count(*) FROM client_search_term")) == 0


def test_a_client_number_is_found_however_it_is_typed(device_db: DeviceDatabase, make_client: MakeClient) -> None:
    with device_db.sessions.begin() as tx:
        repository.put_client(tx, make_client(phone="", client_identifier="1234-5678"))

    with device_db.reads() as tx:
        for typed in ("1234-5678", "12345678", "1234 5678", "1234"):
            assert found_ids(tx, typed) == ["client-1"], typed


def test_the_outbox_keeps_changes_in_the_order_they_were_made(device_db: DeviceDatabase) -> None:
    with device_db.writing() as uow:
        for record_id in ("s-2", "s-1", "c-9"):
            uow.outbox.add(QueuedChange("session", record_id, None, {"id": record_id}, "t"))
        uow.commit()

    with device_db.reading() as uow:
        queued = [entry.record_id for entry in uow.outbox.entries("pending")]
        counts = uow.outbox.counts()
    assert queued == ["s-2", "s-1", "c-9"]
    assert counts == {"pending": 3, "needs_attention": 0}
