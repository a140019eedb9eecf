"""Records on the wire: what the device sends comes back unchanged, and malformed input names every bad field."""

import json
from collections.abc import Callable
from dataclasses import fields
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.clients import Client
from app.domain.codes import DELIVERY_METHODS, SERVICE_STATUSES, SERVICE_TYPES, SESSION_TYPES
from app.domain.sessions import Referral, ServiceForm, Session
from protocol.records import (
    ClientData,
    ReferralData,
    ServiceFormData,
    SessionData,
    WireErrors,
    client_from_stored,
    client_from_wire,
    client_to_wire,
    session_from_stored,
    session_from_wire,
    session_to_wire,
)

MakeSession = Callable[..., Session]
MakeClient = Callable[..., Client]


def over_the_network(data: dict[str, Any]) -> Any:
    """What the other side receives: the dict as JSON text and parsed again."""
    return json.loads(json.dumps(data))


def wire_error_fields(read: Callable[[Any], object], data: Any) -> set[str]:
    with pytest.raises(WireErrors) as failure:
        read(data)
    return {error.field for error in failure.value.errors}


# --- strategies: records as a worker could really make them ------------------------------------------------------

_ids = st.uuids().map(str)
# Any text a person can type: everything but NUL and lone surrogates, which the wire refuses.
_typed = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
_texts = st.text(_typed, max_size=60)
_timestamps = st.text(_typed, max_size=40)
_names = st.text(_typed, min_size=1, max_size=40)
_short_codes = st.text(_typed, min_size=1, max_size=20)
_days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
_referrals = st.builds(Referral, to=_texts, reason=_texts, follow_up_date=st.none() | _days)
_service_forms = st.builds(
    ServiceForm,
    id=_ids,
    client_id=_ids,
    service_type=st.none() | st.sampled_from(list(SERVICE_TYPES)),
    services=st.lists(st.sampled_from(["io_housing", "em_resume", "ss_digital"]), max_size=3),
    referrals=st.lists(_referrals, max_size=2),
    client_attended=st.none() | st.booleans(),
    status=st.none() | st.sampled_from(list(SERVICE_STATUSES)),
    private=st.booleans(),
    notes=_texts,
)
_sessions = st.builds(
    Session,
    id=_ids,
    agency_id=_names,
    created_by=_names,
    session_type=st.none() | st.sampled_from(list(SESSION_TYPES)),
    service_date=st.none() | _days,
    site_code=st.none() | _names,
    delivery_methods=st.lists(st.sampled_from(list(DELIVERY_METHODS)), max_size=5),
    service_location_type=st.none() | _names,
    interpreter_present=st.none() | st.booleans(),
    interpreters=st.integers(min_value=0, max_value=30),
    service_minutes=st.integers(min_value=0, max_value=24 * 60),
    languages=st.lists(_short_codes, max_size=3),
    staff=st.lists(_names, max_size=3),
    notes=_texts,
    activity_name=_texts,
    activity_topic=_texts,
    service_forms=st.lists(_service_forms, max_size=3),
    created_at=_timestamps,
    updated_at=_timestamps,
    version=st.integers(min_value=0, max_value=2**31),
)
_clients = st.builds(
    Client,
    id=_ids,
    agency_id=_names,
    first_name=_texts,
    last_name=_texts,
    preferred_name=_texts,
    date_of_birth=st.none() | _days,
    gender=st.none() | _short_codes,
    marital_status=st.none() | _short_codes,
    official_language=st.none() | st.sampled_from(["en", "fr", "unknown"]),
    country_of_origin=_texts,
    arrival_date=st.none() | _days,
    immigration_category=st.none() | _names,
    phone=st.text(_typed, max_size=20),
    email=_texts,
    address=_texts,
    consent=st.booleans(),
    client_identifier=_texts,
    family_code=st.text(_typed, max_size=20),
    created_by=_texts,
    created_at=_timestamps,
    updated_at=_timestamps,
    version=st.integers(min_value=0, max_value=2**31),
)


class TestRoundTrip:
    @given(_sessions)
    def test_any_session_survives_the_trip_to_the_server_and_back(self, session: Session) -> None:
        assert session_from_wire(over_the_network(session_to_wire(session))) == session

    @given(_clients)
    def test_any_client_survives_the_trip_to_the_server_and_back(self, client: Client) -> None:
        assert client_from_wire(over_the_network(client_to_wire(client))) == client

    @given(_sessions, _clients)
    def test_records_read_from_the_servers_store_as_json_text_or_decoded_are_the_same(
        self, session: Session, client: Client
    ) -> None:
        stored_session, stored_client = json.dumps(session_to_wire(session)), json.dumps(client_to_wire(client))

        assert session_from_stored(stored_session, record_id=session.id) == session
        assert session_from_stored(json.loads(stored_session), record_id=session.id) == session
        assert client_from_stored(stored_client.encode(), record_id=client.id) == client

    def test_a_group_activity_with_referrals_keeps_every_detail(self, make_session: MakeSession) -> None:
        form = ServiceForm(
            id="f1",
            client_id="c1",
            service_type="needs_assessment",
            services=["na_housing", "na_legal"],
            referrals=[Referral(to="Legal clinic", reason="tenancy", follow_up_date=date(2025, 4, 1))],
            client_attended=True,
            status="ended_early",
            private=True,
            notes="Follow up in April",
        )
        session = make_session(
            session_type="group_activity",
            activity_name="Tenant rights",
            activity_topic="Leases",
            staff=["wlee", "jdoe"],
            interpreter_present=True,
            interpreters=2,
            service_forms=[form],
            version=7,
        )

        wire = session_to_wire(session)

        assert wire["service_date"] == "2025-03-10"
        assert wire["service_forms"][0]["referrals"][0]["follow_up_date"] == "2025-04-01"
        assert session_from_wire(over_the_network(wire)) == session

    def test_the_wire_says_whether_the_session_is_complete(self, make_session: MakeSession) -> None:
        assert session_to_wire(make_session())["complete"] is True
        assert session_to_wire(make_session(service_forms=[ServiceForm(id="f", client_id="c")]))["complete"] is False

    def test_a_session_from_before_unnamed_participants_were_counted_reads_as_none(
        self, make_session: MakeSession
    ) -> None:
        counted = make_session(session_type="group_activity", activity_name="Circle", unnamed_participants=7)
        wire = session_to_wire(counted)
        assert wire["unnamed_participants"] == 7
        assert session_from_wire(over_the_network(wire)) == counted
        del wire["unnamed_participants"]
        assert session_from_wire(wire).unnamed_participants == 0

    def test_the_records_key_can_come_from_the_change_envelope(self, make_session: MakeSession) -> None:
        wire = session_to_wire(make_session())
        del wire["id"]

        assert session_from_wire(wire, record_id="from-envelope").id == "from-envelope"

    def test_client_dates_travel_as_iso_text(self, make_client: MakeClient) -> None:
        wire = client_to_wire(make_client(arrival_date=date(2019, 8, 30)))

        assert (wire["date_of_birth"], wire["arrival_date"]) == ("1988-04-02", "2019-08-30")


class TestMalformedSessions:
    def test_every_field_of_the_wrong_type_is_named(self, make_session: MakeSession) -> None:
        wire = session_to_wire(make_session())
        wire |= {
            "service_date": 20250310,
            "interpreter_present": "yes",
            "interpreters": "two",
            "languages": "en",
            "staff": ["wlee", 7],
            "notes": ["not", "text"],
        }

        assert wire_error_fields(session_from_wire, wire) == {
            "service_date",
            "interpreter_present",
            "interpreters",
            "languages",
            "staff",
            "notes",
        }

    def test_bad_fields_inside_service_forms_and_referrals_are_named_with_their_position(
        self, make_session: MakeSession
    ) -> None:
        wire = session_to_wire(make_session())
        wire["service_forms"] = [
            {"id": "f1", "client_id": "c1"},
            {
                "id": "f2",
                "client_id": 5,
                "private": "no",
                "referrals": [{"to": "Clinic"}, {"to": 3, "follow_up_date": "soon"}],
            },
        ]

        assert wire_error_fields(session_from_wire, wire) == {
            "service_forms[1].client_id",
            "service_forms[1].private",
            "service_forms[1].referrals[1].to",
            "service_forms[1].referrals[1].follow_up_date",
        }

    @pytest.mark.parametrize("bad_day", ["2025-02-30", "10/03/2025", "2025-3-10", 3])
    def test_a_service_date_that_is_not_a_real_iso_date_is_refused(
        self, make_session: MakeSession, bad_day: Any
    ) -> None:
        wire = session_to_wire(make_session()) | {"service_date": bad_day}

        assert wire_error_fields(session_from_wire, wire) == {"service_date"}

    def test_true_is_not_a_number_of_interpreters(self, make_session: MakeSession) -> None:
        wire = session_to_wire(make_session()) | {"interpreters": True}

        assert wire_error_fields(session_from_wire, wire) == {"interpreters"}

    def test_a_session_without_an_id_is_refused(self, make_session: MakeSession) -> None:
        wire = session_to_wire(make_session())
        del wire["id"]

        assert wire_error_fields(session_from_wire, wire) == {"id"}

    def test_service_forms_must_be_a_list_of_objects(self, make_session: MakeSession) -> None:
        assert wire_error_fields(
            session_from_wire, session_to_wire(make_session()) | {"service_forms": {"id": "f"}}
        ) == {"service_forms"}
        assert "service_forms[0]" in wire_error_fields(
            session_from_wire, session_to_wire(make_session()) | {"service_forms": ["f1"]}
        )

    @pytest.mark.parametrize("field", ["languages", "staff", "delivery_methods", "service_forms"])
    @pytest.mark.parametrize("falsy", ["", 0, False, {}])
    def test_an_empty_value_of_the_wrong_type_is_not_read_as_an_empty_list(
        self, make_session: MakeSession, field: str, falsy: Any
    ) -> None:
        wire = session_to_wire(make_session()) | {field: falsy}

        assert wire_error_fields(session_from_wire, wire) == {field}

    def test_text_holding_a_nul_character_is_refused(self, make_session: MakeSession) -> None:
        wire = session_to_wire(make_session()) | {"notes": "before\x00after"}

        assert wire_error_fields(session_from_wire, wire) == {"notes"}

    def test_text_longer_than_the_limit_is_refused(self, make_session: MakeSession) -> None:
        wire = session_to_wire(make_session()) | {"activity_name": "a" * 201}

        assert wire_error_fields(session_from_wire, wire) == {"activity_name"}

    @pytest.mark.parametrize("not_an_object", [None, [], "session", 42])
    def test_a_body_that_is_not_an_object_is_refused(self, not_an_object: Any) -> None:
        assert "data" in wire_error_fields(session_from_wire, not_an_object)


class TestMalformedClients:
    def test_every_field_of_the_wrong_type_is_named(self, make_client: MakeClient) -> None:
        wire = client_to_wire(make_client()) | {
            "first_name": 12,
            "date_of_birth": "02/04/1988",
            "consent": "yes",
            "version": "1",
        }

        assert wire_error_fields(client_from_wire, wire) == {"first_name", "date_of_birth", "consent", "version"}

    def test_missing_optional_fields_read_as_empty(self) -> None:
        client = client_from_wire({"id": "c1", "first_name": "Amal"})

        assert (client.last_name, client.date_of_birth, client.gender, client.consent) == ("", None, None, False)

    def test_a_client_without_an_id_is_refused(self, make_client: MakeClient) -> None:
        wire = client_to_wire(make_client())
        del wire["id"]

        assert wire_error_fields(client_from_wire, wire) == {"id"}


class TestOneDefinition:
    """The wire structs and the domain dataclasses name the same fields, so a field added to one and not the other
    fails here instead of silently not travelling."""

    @pytest.mark.parametrize(
        ("wire", "domain", "derived"),
        [
            (SessionData, Session, {"complete"}),
            (ServiceFormData, ServiceForm, set()),
            (ReferralData, Referral, set()),
            (ClientData, Client, set()),
        ],
    )
    def test_every_domain_field_travels_and_nothing_else(self, wire: Any, domain: Any, derived: set[str]) -> None:
        assert set(wire.__struct_fields__) - derived == {field.name for field in fields(domain)}


class TestLenientReading:
    def test_null_in_a_field_that_cannot_be_null_reads_as_its_default(self, make_session: MakeSession) -> None:
        wire = session_to_wire(make_session()) | {"notes": None, "interpreters": None, "languages": None}

        session = session_from_wire(wire)

        assert (session.notes, session.interpreters, session.languages) == ("", 0, [])

    def test_stored_json_text_is_read_as_leniently_and_its_problems_named_the_same(
        self, make_session: MakeSession
    ) -> None:
        lenient = session_to_wire(make_session()) | {"notes": None, "interpreters": None, "languages": None}
        wrong = session_to_wire(make_session()) | {"interpreters": "two", "staff": ["wlee", 7]}

        def stored(data: Any) -> Session:
            return session_from_stored(data, record_id="s-1")

        assert stored(json.dumps(lenient)) == stored(lenient) == session_from_wire(lenient, record_id="s-1")
        assert wire_error_fields(stored, json.dumps(wrong)) == wire_error_fields(stored, wrong)
        assert wire_error_fields(stored, json.dumps(wrong)) == {"interpreters", "staff"}

    def test_an_empty_date_reads_as_no_date(self, make_client: MakeClient) -> None:
        assert client_from_wire(client_to_wire(make_client()) | {"arrival_date": ""}).arrival_date is None
