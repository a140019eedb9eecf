"""The synthetic data sets are reproducible, valid by the domain's own rules, and look like a real caseload."""

import re
import unicodedata
import uuid
from collections import defaultdict
from datetime import date

import pytest

from app.domain.clients import Client, validate_client
from app.domain.codes import GROUP_ACTIVITY, SESSION_TYPES
from app.domain.sessions import KnownCodes, Session, validate_session
from seed_data.reference import DEMO_PASSWORD, load_demo_reference
from seed_data.synthetic import synthetic_clients, synthetic_sessions, synthetic_sites, synthetic_workers

TODAY = date(2025, 6, 1)
AGENCY = "maplebridge"


def make_clients(count: int, *, seed: int = 0, today: date = TODAY) -> list[Client]:
    return list(synthetic_clients(count, agency_id=AGENCY, created_by="mhernandez", seed=seed, today=today))


@pytest.fixture(scope="module")
def clients() -> list[Client]:
    return make_clients(5_000, seed=11)


@pytest.fixture(scope="module")
def known() -> KnownCodes:
    demo = load_demo_reference()
    return KnownCodes(
        sites=[site.code for site in demo.sites],
        service_location_types=[location.code for location in demo.location_types],
        languages=[language.code for language in demo.languages],
        workers=[worker.user_id for worker in demo.workers],
    )


def make_sessions(
    count: int, clients: list[Client], known: KnownCodes, *, seed: int = 0, forms: tuple[int, int] = (1, 3)
) -> list[Session]:
    return list(
        synthetic_sessions(
            count,
            clients=clients,
            agency_id=AGENCY,
            workers=list(known.workers or ()),
            site_codes=list(known.sites or ()),
            language_codes=list(known.languages or ()),
            location_codes=list(known.service_location_types or ()),
            seed=seed,
            today=TODAY,
            forms_per_session=forms,
        )
    )


@pytest.fixture(scope="module")
def sessions(clients: list[Client], known: KnownCodes) -> list[Session]:
    return make_sessions(2_000, clients, known, seed=5)


def families_of(clients: list[Client]) -> dict[str, list[Client]]:
    families: dict[str, list[Client]] = defaultdict(list)
    for client in clients:
        if client.family_code:
            families[client.family_code].append(client)
    return families


def test_the_same_seed_gives_the_same_clients_and_another_seed_different_ones() -> None:
    first, again, other = make_clients(300, seed=3), make_clients(300, seed=3), make_clients(300, seed=4)
    assert first == again
    assert {c.id for c in first}.isdisjoint({c.id for c in other})
    assert [c.display_name for c in first] != [c.display_name for c in other]


def test_exactly_the_requested_number_of_clients_even_when_a_family_would_overflow() -> None:
    for count in (0, 1, 2, 7, 333):
        assert len(make_clients(count, seed=count)) == count


def test_every_client_passes_the_registration_rules(clients: list[Client]) -> None:
    invalid = {c.id: validate_client(c, today=TODAY) for c in clients if validate_client(c, today=TODAY)}
    assert invalid == {}
    assert all(c.agency_id == AGENCY and c.created_by == "mhernandez" for c in clients)


def test_clients_stay_valid_when_today_is_years_earlier() -> None:
    early = date(2016, 3, 1)
    clients = make_clients(2_000, seed=2, today=early)
    assert [c.id for c in clients if validate_client(c, today=early)] == []
    assert max(c.date_of_birth for c in clients if c.date_of_birth) <= early


def test_birth_and_arrival_dates_are_realistic(clients: list[Client]) -> None:
    for client in clients:
        assert client.date_of_birth is not None and client.arrival_date is not None
        assert date(1940, 1, 1) <= client.date_of_birth <= date(2020, 12, 31)
        assert client.date_of_birth <= client.arrival_date <= TODAY
        assert client.created_at[:10] >= client.arrival_date.isoformat()


def test_ids_are_unique_version_4_uuids_over_ten_thousand_clients() -> None:
    ids = [client.id for client in make_clients(10_000, seed=8)]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(value).version == 4 for value in ids[:500])


def test_families_share_a_code_last_name_phone_and_arrival(clients: list[Client]) -> None:
    families = families_of(clients)
    assert families
    for members in families.values():
        assert 2 <= len(members) <= 6
        assert len({m.last_name for m in members}) == 1
        assert len({m.phone for m in members}) == 1 and members[0].phone
        assert len({m.arrival_date for m in members}) == 1
    in_families = sum(len(members) for members in families.values())
    assert 0.2 <= in_families / len(clients) <= 0.4


def test_a_phone_number_belongs_to_one_household(clients: list[Client]) -> None:
    households_by_phone: dict[str, set[str]] = defaultdict(set)
    for client in clients:
        if client.phone:
            households_by_phone[client.phone].add(client.family_code or client.id)
            assert re.fullmatch(r"\+1 \d{3}-555-\d{4}", client.phone)
    assert all(len(households) == 1 for households in households_by_phone.values())


def test_names_carry_real_diacritics_and_sometimes_a_preferred_name(clients: list[Client]) -> None:
    names = [f"{c.first_name} {c.last_name}" for c in clients]
    accented = [name for name in names if not name.isascii()]
    assert len(accented) / len(names) >= 0.2
    letters = set("".join(accented))
    assert {"ễ", "ñ", "ł", "ç", "ă", "Đ"} <= letters
    with_preferred = sum(1 for c in clients if c.preferred_name)
    assert 0.05 <= with_preferred / len(clients) <= 0.25


def test_a_third_of_clients_are_named_in_scripts_other_than_latin(clients: list[Client]) -> None:
    def scripts(name: str) -> set[str]:
        return {unicodedata.name(ch).split()[0] for ch in name if ch.isalpha()}

    named = [scripts(f"{c.first_name}{c.last_name}") for c in clients]
    assert sum(1 for found in named if found != {"LATIN"}) / len(clients) >= 1 / 3
    expected = {"LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "ETHIOPIC", "DEVANAGARI", "GURMUKHI", "BENGALI",
                "TAMIL", "THAI", "CJK", "HANGUL", "HIRAGANA", "KATAKANA"}  # fmt: skip
    assert set().union(*named) >= expected


def test_email_names_are_ascii_whatever_script_the_name_is_in(clients: list[Client]) -> None:
    assert all(c.email.isascii() for c in clients)


def test_many_countries_of_origin_are_represented(clients: list[Client]) -> None:
    assert len({c.country_of_origin for c in clients}) >= 20


def test_every_session_passes_the_session_rules_against_the_demo_lists(
    sessions: list[Session], known: KnownCodes
) -> None:
    invalid = {s.id: validate_session(s, today=TODAY, known=known) for s in sessions}
    assert {session_id: errors for session_id, errors in invalid.items() if errors} == {}


def test_the_same_seed_gives_the_same_sessions(clients: list[Client], known: KnownCodes) -> None:
    assert make_sessions(50, clients, known, seed=9) == make_sessions(50, clients, known, seed=9)
    assert make_sessions(50, clients, known, seed=9) != make_sessions(50, clients, known, seed=10)


def test_sessions_mix_the_three_types_with_the_right_staff(sessions: list[Session]) -> None:
    assert {s.session_type for s in sessions} == set(SESSION_TYPES)
    for session in sessions:
        assert session.created_by == session.staff[0]
        if session.session_type == GROUP_ACTIVITY:
            assert 1 <= len(session.staff) <= 3 and session.activity_name
        else:
            assert len(session.staff) == 1 and not session.activity_name
        assert 1 <= len(session.languages) <= 2
    assert any(len(s.staff) > 1 for s in sessions)


def test_sessions_hold_one_to_three_known_clients_on_or_after_their_arrival(
    sessions: list[Session], clients: list[Client]
) -> None:
    by_id = {client.id: client for client in clients}
    for session in sessions:
        assert 1 <= len(session.service_forms) <= 3
        for form in session.service_forms:
            arrival = by_id[form.client_id].arrival_date
            assert session.service_date is not None and arrival is not None
            assert arrival <= session.service_date <= TODAY


def test_family_members_are_served_together(sessions: list[Session], clients: list[Client]) -> None:
    by_id = {client.id: client for client in clients}
    families = families_of(clients)
    together = 0
    for session in sessions:
        served = [by_id[form.client_id] for form in session.service_forms]
        family = families.get(served[0].family_code, [])
        if len(served) > 1 and len(family) >= len(served):
            assert {c.family_code for c in served} == {served[0].family_code}
            together += 1
    assert together > 0


def test_some_sessions_are_complete_and_some_are_not(sessions: list[Session]) -> None:
    complete = sum(1 for s in sessions if s.complete)
    assert 0 < complete < len(sessions)


def test_forms_per_session_is_respected_and_capped_by_the_clients_available(
    clients: list[Client], known: KnownCodes
) -> None:
    many = make_sessions(20, clients, known, forms=(4, 4))
    assert {len(s.service_forms) for s in many} == {4}
    few = make_sessions(20, clients[:2], known, forms=(3, 5))
    assert {len(s.service_forms) for s in few} == {2}


def test_sessions_refuse_empty_pools_and_a_bad_range(clients: list[Client], known: KnownCodes) -> None:
    with pytest.raises(ValueError, match="need clients"):
        make_sessions(1, [], known)
    with pytest.raises(ValueError, match="forms_per_session"):
        make_sessions(1, clients, known, forms=(3, 1))


def test_synthetic_sites_have_unique_codes_that_never_clash_with_the_demo_sites() -> None:
    sites = list(synthetic_sites(3_000, seed=1))
    codes = [site.code for site in sites]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[A-Z]{3}-\d{4}", code) for code in codes)
    assert set(codes).isdisjoint(site.code for site in load_demo_reference().sites)
    assert all(site.name and site.address for site in sites)
    assert sites == list(synthetic_sites(3_000, seed=1))


def test_synthetic_workers_have_unique_ids_supervisors_and_the_demo_password() -> None:
    workers = list(synthetic_workers(2_000, seed=1))
    user_ids = [worker.user_id for worker in workers]
    assert len(set(user_ids)) == len(user_ids)
    assert set(user_ids).isdisjoint(worker.user_id for worker in load_demo_reference().workers)
    assert all(re.fullmatch(r"[a-z]+\d+", user_id) for user_id in user_ids)
    assert sum(1 for worker in workers if worker.role == "supervisor") == 200
    assert {worker.password for worker in workers} == {DEMO_PASSWORD}
