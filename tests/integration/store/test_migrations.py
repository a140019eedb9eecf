"""Migrations: a new device gets the whole schema, and an app update never strands work waiting to sync."""

import json
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, select, text

from app.domain.clients import Client
from app.domain.sessions import Referral, ServiceForm, Session
from app.store import repository
from app.store.db import DeviceDatabase, alembic_config, create_device_engine, migrate
from app.store.keyring import new_data_key
from app.store.models import Base, OutboxRow


def head_revision(database: DeviceDatabase) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database.engine)).get_current_head()


def test_an_empty_file_gets_every_table_at_the_latest_revision(tmp_path: Path) -> None:
    database = DeviceDatabase(tmp_path / "new-device.sqlite3")
    try:
        with database.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            tables = set(inspect(connection).get_table_names())
    finally:
        database.close()

    assert current == head_revision(database)
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_the_migrated_schema_matches_the_models_exactly(device_db: DeviceDatabase) -> None:
    """A model changed without a migration would make a fresh device differ from what the code expects."""
    with device_db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    assert differences == []


def test_reopening_an_up_to_date_database_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "outpost.sqlite3"
    first = DeviceDatabase(path)
    with first.sessions.begin() as tx:
        repository.set_state(tx, "device_id", "tablet-7")
    first.close()

    again = DeviceDatabase(path)
    with again.reads() as tx:
        assert repository.get_state(tx, "device_id") == "tablet-7"
    again.close()


# --- upgrading a database written by the first release ----------------------------------------------------------


def insert(connection: sqlite3.Connection, table: str, **values: Any) -> None:
    """Write a row the way the first release's schema holds it, without today's models."""
    columns = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("?" for _ in values)
    cells = [json.dumps(v) if isinstance(v, dict | list) else v for v in values.values()]
    connection.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', cells)


def unsynced_session_at_revision_0001(connection: sqlite3.Connection) -> None:
    insert(
        connection,
        "session",
        id="s-1", agency_id="agency-north", created_by="wlee", session_type="direct_service",
        service_date="2025-02-14", site_code="N-001", delivery_methods=["in_person", "phone_text_email"],
        service_location_type="client_home", interpreter_present=1, interpreters=1, service_minutes=75,
        notes="Met at home", activity_name="", activity_topic="", complete=0,
        created_at="2025-02-14T15:00:00+00:00", updated_at="2025-02-14T15:05:00+00:00", version=0,
    )  # fmt: skip
    insert(connection, "session_language", session_id="s-1", code="ar", position=0)
    insert(connection, "session_language", session_id="s-1", code="en", position=1)
    insert(connection, "session_staff", session_id="s-1", user_id="wlee", position=0)
    insert(
        connection,
        "service_form",
        id="f-1", session_id="s-1", client_id="c-1", position=0, service_type="support_services",
        services=["ss_translation"], client_attended=1, status=None, private=1, notes="Needs a follow-up",
    )  # fmt: skip
    insert(
        connection,
        "referral",
        service_form_id="f-1", position=0, to="Legal clinic", reason="lease", follow_up_date="2025-03-01",
    )  # fmt: skip


EXPECTED_SESSION = Session(
    id="s-1",
    agency_id="agency-north",
    created_by="wlee",
    session_type="direct_service",
    service_date=date(2025, 2, 14),
    site_code="N-001",
    delivery_methods=["in_person", "phone_text_email"],
    service_location_type="client_home",
    interpreter_present=True,
    interpreters=1,
    service_minutes=75,
    languages=["ar", "en"],
    staff=["wlee"],
    notes="Met at home",
    service_forms=[
        ServiceForm(
            id="f-1",
            client_id="c-1",
            service_type="support_services",
            services=["ss_translation"],
            referrals=[Referral(to="Legal clinic", reason="lease", follow_up_date=date(2025, 3, 1))],
            client_attended=True,
            private=True,
            notes="Needs a follow-up",
        )
    ],
    created_at="2025-02-14T15:00:00+00:00",
    updated_at="2025-02-14T15:05:00+00:00",
)

OUTBOX_AT_0001 = [
    {
        "op_id": "op-1", "entity": "client", "record_id": "c-1", "base_version": None,
        "payload": {"id": "c-1", "first_name": "Amal"}, "attempts": 3, "last_error": "timed out",
        "state": "pending", "problem": None, "errors": [], "server_record": None, "created_at": "2025-02-14T14:58:00",
    },
    {
        "op_id": "op-2", "entity": "session", "record_id": "s-1", "base_version": None,
        "payload": {"id": "s-1", "service_minutes": 75}, "attempts": 1, "last_error": "",
        "state": "needs_attention", "problem": "rejected",
        "errors": [{"field": "site_code", "message": "Site N-001 is closed."}], "server_record": None,
        "created_at": "2025-02-14T15:05:00",
    },
    {
        "op_id": "op-3", "entity": "session", "record_id": "s-1", "base_version": 4,
        "payload": {"id": "s-1", "service_minutes": 80}, "attempts": 0, "last_error": "",
        "state": "needs_attention", "problem": "conflict", "errors": [],
        "server_record": {"id": "s-1", "version": 5}, "created_at": "2025-02-14T15:06:00",
    },
]  # fmt: skip


def outbox_as_dicts(database: DeviceDatabase) -> list[dict[str, Any]]:
    with database.reads() as tx:
        rows = tx.scalars(select(OutboxRow).order_by(OutboxRow.seq)).all()
        return [{name: getattr(row, name) for name in OUTBOX_AT_0001[0]} for row in rows]


def file_at(path: Path, revision: str) -> sqlite3.Connection:
    """A device file at ``revision``, opened as a plain connection for writing rows the way that release did."""
    old_engine = create_device_engine(path)
    migrate(old_engine, revision)
    old_engine.dispose()
    return sqlite3.connect(path)


def test_upgrading_from_the_first_release_keeps_every_outbox_entry_and_unsynced_session(tmp_path: Path) -> None:
    path = tmp_path / "outpost.sqlite3"
    old_app = file_at(path, "0001")
    with old_app:
        for entry in OUTBOX_AT_0001:
            insert(old_app, "outbox", **entry)
        unsynced_session_at_revision_0001(old_app)
    old_app.close()

    updated = DeviceDatabase(path)
    try:
        with updated.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == head_revision(updated)
        assert outbox_as_dicts(updated) == OUTBOX_AT_0001, "same entries, same order, nothing dropped"
        with updated.reads() as tx:
            assert repository.get_session(tx, "s-1") == EXPECTED_SESSION
        with updated.reading() as uow:
            assert uow.outbox.local_changes(["s-1"]) == ({"s-1"}, set())
    finally:
        updated.close()


def test_upgrading_from_the_first_release_keeps_clients_searchable_in_name_order(tmp_path: Path) -> None:
    path = tmp_path / "outpost.sqlite3"
    old_app = file_at(path, "0001")
    with old_app:
        for client_id, first, last, born in (("c-1", "Omar", "Said", "1990-01-02"), ("c-2", "Omid", "Karimi", None)):
            insert(
                old_app, "client",
                id=client_id, agency_id="agency-north", first_name=first, last_name=last, preferred_name="",
                date_of_birth=born, country_of_origin="", phone="", email="", address="", consent=1,
                client_identifier="", family_code="", created_by="wlee", created_at="", updated_at="", version=3,
                sort_key=f"{last.lower()} {first.lower()}",
            )  # fmt: skip
            for term in {first.lower(), last.lower(), born} - {None}:
                insert(old_app, "client_search_term", term=term, client_id=client_id)
    old_app.close()

    updated = DeviceDatabase(path)
    try:
        with updated.reads() as tx:
            assert [row.id for row in repository.search_clients(tx, "om", limit=5)] == ["c-2", "c-1"]
            assert [row.id for row in repository.search_clients(tx, "1990-01-02", limit=5)] == ["c-1"]
            assert [row.id for row in repository.search_clients(tx, "said omar", limit=5)] == ["c-1"]
    finally:
        updated.close()


def test_the_search_index_change_can_be_undone_without_losing_terms(tmp_path: Path) -> None:
    database = DeviceDatabase(tmp_path / "outpost.sqlite3")
    try:
        with database.sessions.begin() as tx:
            repository.put_client(tx, Client(id="c-1", agency_id="agency-north", first_name="Omar", last_name="Said"))
        command.downgrade(alembic_config(database.engine), "0001")
        with database.engine.connect() as connection:
            terms = connection.exec_driver_sql("SELECT term, client_id FROM client_search_term ORDER BY 1").all()
        migrate(database.engine)
        with database.reads() as tx:
            found = [row.id for row in repository.search_clients(tx, "sai", limit=5)]
    finally:
        database.close()

    assert [tuple(term) for term in terms] == [("omar", "c-1"), ("said", "c-1")]
    assert found == ["c-1"]


# --- upgrading a database written before search terms kept every script ------------------------------------------

CLIENTS_AT_0002 = [  # id, first name, last name; that release folded names to a-z only
    ("c-1", "Олена", "Шевченко"),
    ("c-2", "芳", "王"),
    ("c-3", "فاطمة", "الزهراء"),
    ("c-4", "Thi Lan", "Nguyễn"),
]


def test_upgrading_from_ascii_only_terms_makes_every_script_searchable(tmp_path: Path) -> None:
    path = tmp_path / "outpost.sqlite3"
    old_app = file_at(path, "0002")
    with old_app:
        for client_id, first, last in CLIENTS_AT_0002:
            ascii_words = [w for w in f"{last} {first}".lower().split() if w.isascii()]
            insert(
                old_app, "client",
                id=client_id, agency_id="agency-north", first_name=first, last_name=last, preferred_name="",
                date_of_birth="1985-03-02", country_of_origin="", phone="", email="", address="", consent=1,
                client_identifier="", family_code="", created_by="wlee", created_at="", updated_at="", version=1,
                sort_key=" ".join(ascii_words),
            )  # fmt: skip
            for term in {*ascii_words, "1985-03-02"}:
                insert(old_app, "client_search_term", term=term, sort_key=" ".join(ascii_words), client_id=client_id)
    old_app.close()

    updated = DeviceDatabase(path)
    try:
        with updated.reads() as tx:

            def found(query: str) -> list[str]:
                return [row.id for row in repository.search_clients(tx, query, limit=10)]

            assert found("олена") == ["c-1"]
            assert found("shevch") == ["c-1"]
            assert found("王") == ["c-2"]
            assert found("wang fang") == ["c-2"]
            assert found("فاط") == ["c-3"]
            assert found("nguyen lan") == ["c-4"]
            assert found("1985-03-02") == ["c-4", "c-1", "c-3", "c-2"], "sorted by name: Latin, Cyrillic, Arabic, Han"
    finally:
        updated.close()


def test_upgrading_to_names_in_two_forms_keeps_clients_and_their_search_terms(tmp_path: Path) -> None:
    path = tmp_path / "outpost.sqlite3"
    old_app = file_at(path, "0007")
    with old_app:
        insert(
            old_app, "client",
            id="c-1", agency_id="agency-north", first_name="فاطمة", last_name="الزهراء", preferred_name="",
            date_of_birth="1985-03-02", country_of_origin="Syria", phone="", email="", address="", consent=1,
            client_identifier="", family_code="", created_by="wlee", created_at="", updated_at="", version=2,
            sort_key="الزهراء فاطمه",
        )  # fmt: skip
        for term in ("فاطمه", "الزهراء", "1985-03-02"):
            insert(old_app, "client_search_term", term=term, sort_key="الزهراء فاطمه", client_id="c-1")
    old_app.close()

    updated = DeviceDatabase(path)
    try:
        with updated.reads() as tx:
            client = repository.get_client(tx, "c-1")
            assert client is not None and (client.latin_name, client.own_script_name) == ("", "")
            assert [row.id for row in repository.search_clients(tx, "فاط", limit=5)] == ["c-1"]
        with updated.sessions.begin() as tx:
            repository.put_client(tx, replace(client, latin_name="Fatima Al-Zahraa", version=3))
        with updated.reads() as tx:
            assert [row.id for row in repository.search_clients(tx, "fatima", limit=5)] == ["c-1"]
    finally:
        updated.close()


def test_keying_search_terms_by_their_first_characters_keeps_every_term_both_ways(tmp_path: Path) -> None:
    database = DeviceDatabase(tmp_path / "outpost.sqlite3")
    try:
        with database.sessions.begin() as tx:
            names = (("c-1", "Mariam", "Haddad"), ("c-2", "Maria", "Álvarez"), ("c-3", "王", "芳"))
            for client_id, first, last in names:
                client = Client(id=client_id, agency_id="agency-north", first_name=first, last_name=last,
                                date_of_birth=date(1990, 1, 2))  # fmt: skip
                repository.put_client(tx, client)
        command.downgrade(alembic_config(database.engine), "0012")
        with database.engine.connect() as connection:
            terms_before = connection.exec_driver_sql("SELECT term, client_id FROM client_search_term").all()
        migrate(database.engine)
        with database.engine.connect() as connection:
            terms_again = connection.exec_driver_sql("SELECT term, client_id FROM client_search_term").all()
        with database.reads() as tx:

            def found(query: str) -> list[str]:
                return [row.id for row in repository.search_clients(tx, query, limit=5)]

            assert found("mari") == ["c-2", "c-1"], "Álvarez before Haddad"
            assert found("m") == ["c-2", "c-1"]
            assert found("芳") == ["c-3"]
            assert found("1990-01-02") == ["c-2", "c-1", "c-3"]
            assert found("mariam 1990-01-02") == ["c-1"]
    finally:
        database.close()

    assert sorted(map(tuple, terms_again)) == sorted(map(tuple, terms_before))
    assert ("mariam", "c-1") in set(map(tuple, terms_before))


def test_changes_queued_before_authors_were_kept_are_the_workers_the_device_held(tmp_path: Path) -> None:
    path = tmp_path / "outpost.sqlite3"
    old_app = file_at(path, "0011")
    with old_app:
        insert(old_app, "sync_state", key="user_id", value="wlee")
        for entry in OUTBOX_AT_0001:
            insert(old_app, "outbox", **entry)
    old_app.close()

    updated = DeviceDatabase(path)
    try:
        with updated.reads() as tx:
            authors = [row.author for row in tx.scalars(select(OutboxRow).order_by(OutboxRow.seq))]
        assert authors == ["wlee"] * len(OUTBOX_AT_0001)  # pushed under Wen's sign-in, as before the upgrade
    finally:
        updated.close()


# --- a session's lists moved to tables without rowid (0015) -------------------------------------------------------


def sessions_at_0014(connection: Connection) -> None:
    """Two sessions with languages, staff, service forms and referrals, written as revision 0014 holds them."""
    for number in (1, 2):
        session_id = f"s-{number}"
        connection.execute(
            text(
                "INSERT INTO session (id, agency_id, created_by, session_type, service_date, site_code,"
                " delivery_methods, service_location_type, interpreter_present, interpreters, service_minutes, notes,"
                " activity_name, activity_topic, unnamed_participants, complete, created_at, updated_at, version)"
                " VALUES (:id, 'agency-north', 'wlee', 'group_activity', '2025-02-14', 'N-001', '[\"in_person\"]',"
                " 'library', 0, 0, 90, 'Tenancy rights', 'Tenants 101', 'housing', 4, 0, '2025-02-14T15:00:00+00:00',"
                " '2025-02-14T15:05:00+00:00', 3)"
            ),
            {"id": session_id},
        )
        for position, code in enumerate(("fr", "ar", "en")):
            connection.execute(
                text("INSERT INTO session_language (session_id, code, position) VALUES (:s, :code, :position)"),
                {"s": session_id, "code": code, "position": position},
            )
        for position, user_id in enumerate(("wlee", "amartin")):
            connection.execute(
                text("INSERT INTO session_staff (session_id, user_id, position) VALUES (:s, :user_id, :position)"),
                {"s": session_id, "user_id": user_id, "position": position},
            )
        for position, client_id in enumerate(("c-2", "c-1")):
            form_id = f"f-{number}-{position}"
            connection.execute(
                text(
                    "INSERT INTO service_form (id, session_id, client_id, position, service_type, services,"
                    " client_attended, status, private, notes) VALUES (:id, :s, :client_id, :position,"
                    " 'information_orientation', '[\"io_housing\", \"io_legal\"]', 1, 'complete', :private, 'Lease')"
                ),
                {"id": form_id, "s": session_id, "client_id": client_id, "position": position, "private": position},
            )
            for to in ("Legal clinic", "Food bank"):  # ids as 0014 numbered them, not in the form's order
                connection.execute(
                    text(
                        'INSERT INTO referral (service_form_id, position, "to", reason, follow_up_date)'
                        " VALUES (:form_id, :position, :to, 'intake', '2025-03-01')"
                    ),
                    {"form_id": form_id, "position": 1 if to == "Legal clinic" else 0, "to": to},
                )


def expected_session_from_0014(number: int) -> Session:
    referrals = [
        Referral(to=to, reason="intake", follow_up_date=date(2025, 3, 1)) for to in ("Food bank", "Legal clinic")
    ]
    return Session(
        id=f"s-{number}", agency_id="agency-north", created_by="wlee", session_type="group_activity",
        service_date=date(2025, 2, 14), site_code="N-001", delivery_methods=["in_person"],
        service_location_type="library", interpreter_present=False, service_minutes=90,
        languages=["fr", "ar", "en"], staff=["wlee", "amartin"], notes="Tenancy rights", activity_name="Tenants 101",
        activity_topic="housing", unnamed_participants=4,
        service_forms=[
            ServiceForm(
                id=f"f-{number}-{position}", client_id=client_id, service_type="information_orientation",
                services=["io_housing", "io_legal"], referrals=referrals, client_attended=True, status="complete",
                private=bool(position), notes="Lease",
            )
            for position, client_id in enumerate(("c-2", "c-1"))
        ],
        created_at="2025-02-14T15:00:00+00:00", updated_at="2025-02-14T15:05:00+00:00", version=3,
    )  # fmt: skip


def rows_of_session(database: DeviceDatabase, session_id: str) -> dict[str, int]:
    counts = {
        "session_language": "SELECT count(*) FROM session_language WHERE session_id = :s",
        "session_staff": "SELECT count(*) FROM session_staff WHERE session_id = :s",
        "service_form": "SELECT count(*) FROM service_form WHERE session_id = :s",
        # by the forms' ids, so a referral its form's removal left behind would be counted
        "referral": "SELECT count(*) FROM referral WHERE service_form_id LIKE 'f-' || substr(:s, 3) || '-%'",
    }
    with database.engine.connect() as connection:
        return {table: connection.execute(text(sql), {"s": session_id}).scalar_one() for table, sql in counts.items()}


@pytest.mark.parametrize("encrypted", [True, False], ids=["encrypted", "plain"])
def test_sessions_stored_before_their_lists_lost_the_rowid_come_through_whole(tmp_path: Path, encrypted: bool) -> None:
    path = tmp_path / "outpost.sqlite3"
    key = new_data_key() if encrypted else None
    old_app = DeviceDatabase(path, key=key, run_migrations=False)  # the store's own engine, keyed as the app keys it
    migrate(old_app.engine, "0014")
    with old_app.engine.begin() as connection:
        sessions_at_0014(connection)
    old_app.close()

    updated = DeviceDatabase(path, key=key)
    try:
        with updated.reads() as tx:
            assert [repository.get_session(tx, f"s-{n}") for n in (1, 2)] == [
                expected_session_from_0014(1),
                expected_session_from_0014(2),
            ]
        with updated.engine.connect() as connection:
            violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            tables = dict(connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all())
        assert violations == []
        for table in ("session_language", "session_staff", "referral"):
            assert tables[table].rstrip().endswith("WITHOUT ROWID"), table
        assert not any(name.startswith("_0015") for name in tables), "no old table left behind"

        with updated.writing() as uow:  # removing a session still takes its lists with it
            uow.sessions.remove(["s-1"])
            uow.commit()
        assert rows_of_session(updated, "s-1") == {"session_language": 0, "session_staff": 0, "service_form": 0,
                                                   "referral": 0}  # fmt: skip
        assert rows_of_session(updated, "s-2") == {"session_language": 3, "session_staff": 2, "service_form": 2,
                                                   "referral": 4}  # fmt: skip
        with updated.reads() as tx:
            assert repository.get_session(tx, "s-2") == expected_session_from_0014(2)
    finally:
        updated.close()


def test_the_lists_without_rowid_can_be_undone_without_losing_a_row(tmp_path: Path) -> None:
    database = DeviceDatabase(tmp_path / "outpost.sqlite3", run_migrations=False)
    migrate(database.engine, "0014")
    with database.engine.begin() as connection:
        sessions_at_0014(connection)
    migrate(database.engine)
    try:
        command.downgrade(alembic_config(database.engine), "0014")
        with database.engine.connect() as connection:
            referrals = connection.exec_driver_sql(
                'SELECT service_form_id, position, "to" FROM referral ORDER BY id'
            ).all()
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        migrate(database.engine)
        with database.reads() as tx:
            assert repository.get_session(tx, "s-2") == expected_session_from_0014(2)
    finally:
        database.close()

    assert [tuple(row) for row in referrals[:2]] == [("f-1-0", 0, "Food bank"), ("f-1-0", 1, "Legal clinic")]
    assert len(referrals) == 8
