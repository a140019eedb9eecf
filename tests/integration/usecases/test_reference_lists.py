"""The pickers' lists: active sites and workers only, the Site "Find..." filter, and codes checked once synced."""

from collections.abc import Callable
from datetime import date

from app.domain.sessions import KnownCodes, Session, validate_session
from app.store.db import DeviceDatabase
from app.store.models import SiteRow
from app.usecases.reference import find_sites, load_reference_lists

MakeSession = Callable[..., Session]
TODAY = date(2025, 3, 10)


def test_pickers_offer_active_sites_and_workers_and_every_language(db: DeviceDatabase) -> None:
    lists = load_reference_lists(db)

    assert [site.code for site in lists.sites] == ["N-001", "N-002"]
    assert [worker.label for worker in lists.workers] == ["Jane Doe", "Wen Lee"]
    assert [language.label for language in lists.languages] == ["Arabic", "English", "French"]
    assert lists.worker_name("jdoe") == "Jane Doe"
    assert lists.language_name("ar") == "Arabic"


def test_a_french_worker_reads_languages_and_location_types_in_french_sorted_as_shown(db: DeviceDatabase) -> None:
    lists = load_reference_lists(db, french=True)

    assert [language.label for language in lists.languages] == ["Anglais", "Arabic", "Français"]  # Arabic: no French
    assert [kind.label for kind in lists.location_types] == ["Bureau de l'organisme", "Domicile du client"]
    assert lists.language_name("en") == "Anglais"


def test_the_site_filter_matches_code_name_or_address_ignoring_case(db: DeviceDatabase) -> None:
    assert [site.code for site in find_sites(db, "library")] == ["N-001"]
    assert [site.code for site in find_sites(db, "ELM")] == ["N-002"]
    assert [site.code for site in find_sites(db, "n-00")] == ["N-001", "N-002"]
    assert [site.code for site in find_sites(db, "")] == ["N-001", "N-002"]
    assert find_sites(db, "closed") == [], "an inactive site cannot be picked"


def codes_known_for(database: DeviceDatabase, session: Session) -> KnownCodes:
    with database.reading() as uow:
        return uow.reference.known_codes(session)


def test_codes_are_checked_against_synced_lists(db: DeviceDatabase, make_session: MakeSession) -> None:
    session = make_session(
        site_code="N-003", service_location_type="client_home", languages=["fr", "xx"], staff=["wlee", "mroy", "ghost"]
    )

    known = codes_known_for(db, session)

    assert known == KnownCodes(
        sites=set(), service_location_types={"client_home"}, languages={"fr"}, workers={"wlee"}
    ), "a closed site, a worker who left and codes never synced are not known; the rest are"


def test_the_session_s_codes_answer_as_the_whole_lists_would(db: DeviceDatabase, make_session: MakeSession) -> None:
    whole_lists = KnownCodes(
        sites={"N-001", "N-002"}, service_location_types={"agency_office", "client_home"},
        languages={"en", "ar", "fr"}, workers={"wlee", "jdoe"},
    )  # fmt: skip
    for changes in (
        {}, {"site_code": "N-003"}, {"site_code": None, "service_location_type": None}, {"languages": []},
        {"staff": ["mroy"]}, {"languages": ["de"], "staff": ["jdoe", "wlee"]},
    ):  # fmt: skip
        session = make_session(**changes)
        expected = validate_session(session, today=TODAY, known=whole_lists)
        assert validate_session(session, today=TODAY, known=codes_known_for(db, session)) == expected, changes


def test_a_device_that_has_not_synced_yet_checks_no_codes(device_db: DeviceDatabase, make_session: MakeSession) -> None:
    known = codes_known_for(device_db, make_session())

    assert known == KnownCodes(), "no list is checked"


def test_a_list_holding_only_closed_sites_counts_as_not_synced(
    device_db: DeviceDatabase, make_session: MakeSession
) -> None:
    with device_db.sessions.begin() as tx:
        tx.add(SiteRow(code="N-003", name="Closed branch", active=False))

    assert codes_known_for(device_db, make_session(site_code="N-003")).sites is None
