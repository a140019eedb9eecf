"""The shipped demo agency and reference lists load, hold what the forms need, and refuse broken files."""

from pathlib import Path

import pytest

from seed_data.reference import (
    DEMO_PASSWORD,
    DEMO_SIGN_IN,
    Language,
    ReferenceDataError,
    load_demo_reference,
    load_languages,
    load_location_types,
    load_sites,
)


def test_demo_reference_has_an_agency_with_sites_and_workers() -> None:
    demo = load_demo_reference()
    assert demo.agency.id and demo.agency.name
    assert len(demo.sites) >= 20
    assert len(demo.workers) >= 10
    assert all(site.address for site in demo.sites)


def test_site_codes_and_worker_ids_are_unique() -> None:
    demo = load_demo_reference()
    site_codes = [site.code for site in demo.sites]
    user_ids = [worker.user_id for worker in demo.workers]
    assert len(set(site_codes)) == len(site_codes)
    assert len(set(user_ids)) == len(user_ids)


def test_quoted_addresses_keep_their_commas_and_accents() -> None:
    montreal = next(site for site in load_demo_reference().sites if site.code == "MTL-001")
    assert montreal.address.startswith("4825, boulevard des Érables")


def test_at_least_forty_languages_with_unique_codes_including_the_common_ones() -> None:
    languages = load_languages()
    codes = [language.code for language in languages]
    assert len(languages) >= 40
    assert len(set(codes)) == len(codes)
    names = {language.name for language in languages}
    for expected in ("English", "French", "Arabic", "Punjabi", "Mandarin", "Tigrinya", "American Sign Language"):
        assert expected in names


def test_every_shipped_language_and_location_type_has_a_french_name() -> None:
    languages, location_types = load_languages(), load_location_types()
    assert all(language.name_fr for language in languages)
    assert all(location.label_fr for location in location_types)
    assert {language.code: language.name_fr for language in languages}["en"] == "Anglais"
    assert {location.code: location.label_fr for location in location_types}["client_home"] == "Domicile du client"


def test_a_list_written_before_french_names_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "languages.csv"
    path.write_text("code,name\nen,English\nfr,French\n", encoding="utf-8")
    assert load_languages(path) == [Language("en", "English"), Language("fr", "French")]


def test_location_types_include_the_spec_examples_with_other_last() -> None:
    location_types = load_location_types()
    codes = [location.code for location in location_types]
    assert len(set(codes)) == len(codes)
    spec_examples = {"agency_office", "client_home", "community_space", "school", "library", "place_of_worship"}
    assert spec_examples | {"shelter", "online", "other"} <= set(codes)
    assert codes[-1] == "other"


def test_a_demo_supervisor_exists_and_every_worker_has_the_demo_password() -> None:
    workers = load_demo_reference().workers
    assert any(worker.role == "supervisor" for worker in workers)
    assert {worker.password for worker in workers} == {DEMO_PASSWORD}


def test_demo_sign_in_is_a_listed_field_worker() -> None:
    by_id = {worker.user_id: worker for worker in load_demo_reference().workers}
    user_id, password = DEMO_SIGN_IN
    assert by_id[user_id].role == "worker"
    assert password == by_id[user_id].password


def test_a_repeated_code_names_the_file_and_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "languages.csv"
    path.write_text("code,name\nen,English\nfr,French\nen,Anglais\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"languages\.csv line 4: 'en' repeats line 2"):
        load_languages(path)


def test_a_missing_value_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "service_location_types.csv"
    path.write_text("code,label\nschool,School\nlibrary,\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"service_location_types\.csv line 3: no value for label"):
        load_location_types(path)


def test_a_wrong_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("code,title\nTOR-001,Toronto\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="line 1: expected the header code,name,address"):
        load_sites(path)


def test_blank_lines_are_skipped_and_an_address_may_be_empty(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("code,name,address\n\nTOR-001,Toronto Office,\n", encoding="utf-8")
    sites = load_sites(path)
    assert [(site.code, site.address) for site in sites] == [("TOR-001", "")]
