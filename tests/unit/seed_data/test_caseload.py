"""The demo agency's clients named in another script carry the Latin name their documents print, so a worker with a
Latin keyboard finds them, Arabic-script names included (whose own letters give no romanised terms)."""

from datetime import date

import pytest

from app.domain.clients import Client, validate_client
from app.domain.text import is_abjad, is_latin_letters
from app.store.db import DeviceDatabase
from app.store.repository import insert_clients
from app.usecases.clients import search_clients
from seed_data.caseload import LATIN_NAME_RECORDED, demo_caseload
from seed_data.latin_forms import LATIN_FORMS
from seed_data.native_names import NATIVE_NAMES
from seed_data.reference import load_demo_reference

TODAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def clients() -> list[Client]:
    return demo_caseload(load_demo_reference(), today=TODAY).clients


def _in_another_script(client: Client) -> bool:
    return not is_latin_letters(client.first_name + client.last_name)


@pytest.mark.parametrize("country", sorted(NATIVE_NAMES))
def test_every_name_of_every_pool_has_one_latin_form_in_latin_letters(country: str) -> None:
    pool = NATIVE_NAMES[country]
    forms = LATIN_FORMS[pool.script]
    assert set(forms) == {*pool.family_names, *pool.female_names, *pool.male_names}
    assert all(is_latin_letters(form) and form.strip() for form in forms.values())


def test_most_clients_named_in_another_script_have_their_latin_name_and_every_profile_still_saves(
    clients: list[Client],
) -> None:
    others = [client for client in clients if _in_another_script(client)]
    recorded = [client for client in others if client.latin_name]
    assert len(recorded) >= (LATIN_NAME_RECORDED - 0.1) * len(others) > 0
    assert not [client for client in clients if validate_client(client, today=TODAY)]


def test_names_in_arabic_script_are_found_by_their_latin_name(clients: list[Client], device_db: DeviceDatabase) -> None:
    with device_db.sessions.begin() as tx:
        insert_clients(tx, clients)
    arabic = [client for client in clients if is_abjad(client.first_name) and client.latin_name]
    assert arabic
    for client in arabic:
        typed = client.latin_name.split()[0][:4].lower()  # "Youssef Darwish" -> "yous"
        found = search_clients(device_db, f"{typed} {client.date_of_birth.isoformat()}")
        assert client.id in {summary.id for summary in found}, (client.display_name, typed)


def test_a_newcomer_typing_fatima_finds_the_demo_client_written_in_arabic_letters(
    clients: list[Client], device_db: DeviceDatabase
) -> None:
    with device_db.sessions.begin() as tx:
        insert_clients(tx, clients)

    found = {summary.id: summary.display_name for summary in search_clients(device_db, "fatima")}

    [fatima] = [client for client in clients if client.latin_name == "Fatima Al-Zahraa"]
    assert found.get(fatima.id) == "فاطمة الزهراء"
