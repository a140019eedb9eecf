"""The pickers' lists: active sites and workers only, the Site "Find..." filter, and codes checked once synced."""

from app.store.db import DeviceDatabase
from app.usecases.reference import find_sites, known_codes, load_reference_lists


def test_pickers_offer_active_sites_and_workers_and_every_language(db: DeviceDatabase) -> None:
    lists = load_reference_lists(db)

    assert [site.code for site in lists.sites] == ["N-001", "N-002"]
    assert [worker.label for worker in lists.workers] == ["Jane Doe", "Wen Lee"]
    assert [language.label for language in lists.languages] == ["Arabic", "English", "French"]
    assert lists.worker_name("jdoe") == "Jane Doe"
    assert lists.language_name("ar") == "Arabic"


def test_the_site_filter_matches_code_name_or_address_ignoring_case(db: DeviceDatabase) -> None:
    assert [site.code for site in find_sites(db, "library")] == ["N-001"]
    assert [site.code for site in find_sites(db, "ELM")] == ["N-002"]
    assert [site.code for site in find_sites(db, "n-00")] == ["N-001", "N-002"]
    assert [site.code for site in find_sites(db, "")] == ["N-001", "N-002"]
    assert find_sites(db, "closed") == [], "an inactive site cannot be picked"


def test_codes_are_checked_against_synced_lists(db: DeviceDatabase) -> None:
    known = known_codes(db)

    assert known.sites is not None
    assert set(known.sites) == {"N-001", "N-002"}
    assert known.workers is not None
    assert set(known.workers) == {"wlee", "jdoe"}


def test_a_device_that_has_not_synced_yet_checks_no_codes(device_db: DeviceDatabase) -> None:
    known = known_codes(device_db)

    assert (known.sites, known.workers, known.languages, known.service_location_types) == (None, None, None, None)
