"""Registering a client: required fields, sensible dates and codes, and spotting a person already on file."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from app.domain.clients import Client, is_possible_duplicate, validate_client

TODAY = date(2025, 3, 10)
MakeClient = Callable[..., Client]


def fields_of(client: Client, today: date = TODAY) -> set[str]:
    return {error.field for error in validate_client(client, today=today)}


class TestRegistrationRules:
    def test_a_complete_profile_has_no_errors(self, make_client: MakeClient) -> None:
        assert validate_client(make_client(), today=TODAY) == []

    def test_names_date_of_birth_and_consent_are_all_reported_when_missing(self) -> None:
        assert fields_of(Client(id="c", agency_id="a")) == {"first_name", "last_name", "date_of_birth", "consent"}

    @pytest.mark.parametrize("field", ["first_name", "last_name"])
    @pytest.mark.parametrize("value", ["", "   ", "x" * 101])
    def test_names_must_be_given_and_not_too_long(self, make_client: MakeClient, field: str, value: str) -> None:
        assert fields_of(make_client(**{field: value})) == {field}

    def test_a_name_of_a_hundred_characters_is_accepted(self, make_client: MakeClient) -> None:
        assert fields_of(make_client(last_name="x" * 100)) == set()

    @pytest.mark.parametrize("born", [date(2025, 3, 11), date(1899, 12, 31)])
    def test_a_date_of_birth_in_the_future_or_before_1900_is_refused(self, make_client: MakeClient, born: date) -> None:
        assert fields_of(make_client(date_of_birth=born)) == {"date_of_birth"}

    def test_a_baby_born_today_can_be_registered(self, make_client: MakeClient) -> None:
        assert fields_of(make_client(date_of_birth=TODAY)) == set()

    def test_arrival_cannot_be_in_the_future(self, make_client: MakeClient) -> None:
        assert fields_of(make_client(arrival_date=date(2025, 4, 1))) == {"arrival_date"}

    def test_arrival_cannot_be_before_birth(self, make_client: MakeClient) -> None:
        assert fields_of(make_client(date_of_birth=date(2000, 1, 1), arrival_date=date(1999, 12, 31))) == {
            "arrival_date"
        }

    def test_arrival_on_the_day_of_birth_is_accepted(self, make_client: MakeClient) -> None:
        assert fields_of(make_client(date_of_birth=date(2020, 5, 5), arrival_date=date(2020, 5, 5))) == set()

    @pytest.mark.parametrize("field", ["gender", "marital_status", "official_language", "immigration_category"])
    def test_a_choice_outside_its_list_is_refused(self, make_client: MakeClient, field: str) -> None:
        assert fields_of(make_client(**{field: "not-a-code"})) == {field}

    def test_choices_from_the_lists_are_accepted(self, make_client: MakeClient) -> None:
        client = make_client(
            gender="female", marital_status="widowed", official_language="fr", immigration_category="refugee"
        )

        assert fields_of(client) == set()

    @pytest.mark.parametrize("phone", ["555-01", "call me"])
    def test_a_phone_needs_at_least_seven_digits(self, make_client: MakeClient, phone: str) -> None:
        assert fields_of(make_client(phone=phone)) == {"phone"}

    def test_phone_and_email_are_optional(self, make_client: MakeClient) -> None:
        assert fields_of(make_client(phone="", email="")) == set()

    @pytest.mark.parametrize("email", ["amal", "amal@", "amal@example", "a mal@example.org"])
    def test_an_email_must_look_like_an_address(self, make_client: MakeClient, email: str) -> None:
        assert fields_of(make_client(email=email)) == {"email"}

    def test_privacy_consent_is_required(self, make_client: MakeClient) -> None:
        assert fields_of(make_client(consent=False)) == {"consent"}


class TestNamesInTwoForms:
    @pytest.mark.parametrize("written", ["Nguyễn Văn Minh", "Fatima Al-Zahraa", "Łukasz O'Brien-Żak", ""])
    def test_a_name_in_latin_letters_may_carry_accents(self, make_client: MakeClient, written: str) -> None:
        assert fields_of(make_client(latin_name=written)) == set()

    @pytest.mark.parametrize("written", ["Олена Shevchenko", "فاطمة"])
    def test_a_name_in_latin_letters_cannot_hold_other_letters(self, make_client: MakeClient, written: str) -> None:
        assert fields_of(make_client(latin_name=written)) == {"latin_name"}

    def test_either_name_is_limited_to_two_hundred_characters(self, make_client: MakeClient) -> None:
        client = make_client(latin_name="A" * 201, own_script_name="ا" * 201)
        assert fields_of(client) == {"latin_name", "own_script_name"}

    @pytest.mark.parametrize(
        ("on_file", "typed"),
        [
            (("민준", "김", "Minjun Kim", ""), ("Minjun", "Kim")),  # 김 is romanised "Gim"; the passport says Kim
            (("ਹਰਪ੍ਰੀਤ", "ਸਿੰਘ", "Harpreet Singh", ""), ("Harpreet", "Singh")),  # Gurmukhi's vowels go unwritten
            (("Harpreet", "Singh", "", "ਹਰਪ੍ਰੀਤ ਸਿੰਘ"), ("ਹਰਪ੍ਰੀਤ", "ਸਿੰਘ")),
            (("민준", "김", "KIM Minjun", ""), ("Minjun", "Kim")),  # a passport writes the family name first
        ],
    )
    def test_either_name_matches_a_registration_written_that_way(
        self, make_client: MakeClient, on_file: tuple[str, str, str, str], typed: tuple[str, str]
    ) -> None:
        first, last, latin, own = on_file
        registered = make_client(id="old", first_name=first, last_name=last, latin_name=latin, own_script_name=own,
                                 phone="")  # fmt: skip
        new = make_client(id="new", first_name=typed[0], last_name=typed[1], phone="")

        assert is_possible_duplicate(new, registered)
        assert not is_possible_duplicate(new, replace(registered, latin_name="", own_script_name=""))


class TestPossibleDuplicates:
    def test_same_name_and_birth_date_with_other_accents_and_case_is_a_duplicate(self, make_client: MakeClient) -> None:
        on_file = make_client(id="old", first_name="José", last_name="Nguyễn", phone="")
        typed = make_client(id="new", first_name="JOSE", last_name="nguyen", phone="")

        assert is_possible_duplicate(typed, on_file)

    def test_same_name_but_another_birth_date_is_not_a_duplicate(self, make_client: MakeClient) -> None:
        on_file = make_client(id="old", phone="")
        typed = make_client(id="new", date_of_birth=date(1988, 4, 3), phone="")

        assert not is_possible_duplicate(typed, on_file)

    def test_same_birth_date_but_another_name_is_not_a_duplicate(self, make_client: MakeClient) -> None:
        on_file = make_client(id="old", phone="")
        typed = make_client(id="new", first_name="Amira", phone="")

        assert not is_possible_duplicate(typed, on_file)

    def test_names_without_birth_dates_do_not_make_a_duplicate(self, make_client: MakeClient) -> None:
        on_file = make_client(id="old", date_of_birth=None, phone="")
        typed = make_client(id="new", date_of_birth=None, phone="")

        assert not is_possible_duplicate(typed, on_file)

    def test_the_same_phone_written_differently_is_a_duplicate(self, make_client: MakeClient) -> None:
        on_file = make_client(id="old", first_name="Sara", phone="+1 (416) 555-0142")
        typed = make_client(id="new", first_name="Omar", date_of_birth=date(1970, 1, 1), phone="416.555.0142")

        assert is_possible_duplicate(typed, on_file)

    def test_members_of_one_family_sharing_a_phone_are_not_duplicates(self, make_client: MakeClient) -> None:
        mother = make_client(id="old", first_name="Sara", phone="416-555-0142", family_code="F-ABCDEFGH")
        son = make_client(id="new", first_name="Omar", date_of_birth=date(2015, 1, 1), phone="416-555-0142",
                          family_code="F-ABCDEFGH")  # fmt: skip

        assert not is_possible_duplicate(son, mother)
        assert is_possible_duplicate(replace(son, family_code="F-OTHERFAM"), mother)

    def test_a_different_phone_is_not_a_duplicate(self, make_client: MakeClient) -> None:
        on_file = make_client(id="old", first_name="Sara", phone="416-555-0142")
        typed = make_client(id="new", first_name="Omar", phone="416-555-0143")

        assert not is_possible_duplicate(typed, on_file)

    def test_a_too_short_phone_never_matches(self, make_client: MakeClient) -> None:
        on_file = make_client(id="old", first_name="Sara", phone="0142")
        typed = make_client(id="new", first_name="Omar", phone="0142")

        assert not is_possible_duplicate(typed, on_file)

    @pytest.mark.parametrize(
        ("typed", "on_file"),
        [
            (("Olena", "Shevchenko"), ("Олена", "Шевченко")),  # romanised as the passport writes it
            (("Yuliia", "Savchuk"), ("Юлія", "Савчук")),  # passport "iia", anyascii "iya"
            (("Bohdan", "Hrytsenko"), ("Богдан", "Гриценко")),  # Ukrainian h for г
            (("Fang", "Wang"), ("芳", "王")),
            (("Wang", "Fang"), ("芳", "王")),  # family name typed first, as it is written
            (("Alexis", "Ioannou"), ("Αλέξης", "Ιωάννου")),
            (("Fatima", "Al-Hassan"), ("فاطمة", "الحسن")),  # Arabic leaves short vowels unwritten
            (("Mohammed", "Haddad"), ("محمد", "حداد")),
            (("Selam", "Tesfamariam"), ("ሰላም", "ተስፋማርያም")),
        ],
    )
    def test_the_same_name_in_another_script_with_the_same_birth_date_is_a_duplicate(
        self, make_client: MakeClient, typed: tuple[str, str], on_file: tuple[str, str]
    ) -> None:
        registered = make_client(id="old", first_name=on_file[0], last_name=on_file[1], phone="")
        new = make_client(id="new", first_name=typed[0], last_name=typed[1], phone="")

        assert is_possible_duplicate(new, registered)
        assert is_possible_duplicate(registered, new)

    @pytest.mark.parametrize(
        ("typed", "on_file"),
        [
            (("Alina", "Shevchenko"), ("Олена", "Шевченко")),  # a twin sister
            (("Ahmad", "Haddad"), ("محمد", "حداد")),
            (("Fang", "Li"), ("芳", "王")),
        ],
    )
    def test_another_name_in_another_script_is_not_a_duplicate(
        self, make_client: MakeClient, typed: tuple[str, str], on_file: tuple[str, str]
    ) -> None:
        registered = make_client(id="old", first_name=on_file[0], last_name=on_file[1], phone="")
        new = make_client(id="new", first_name=typed[0], last_name=typed[1], phone="")

        assert not is_possible_duplicate(new, registered)

    def test_a_client_is_not_a_duplicate_of_itself(self, make_client: MakeClient) -> None:
        assert not is_possible_duplicate(make_client(), make_client())


@pytest.mark.parametrize(
    ("first", "last", "preferred", "shown"),
    [
        ("Amal", "Haddad", "", "Amal Haddad"),
        ("Thi Lan", "Nguyễn", "Lan", "Thi Lan Nguyễn (Lan)"),
        ("芳", "王", "Lily", "王芳 (Lily)"),  # Chinese, Japanese and Korean names: family name first, no space
        ("민준", "김", "", "김민준"),
        ("สมชาย", "ใจดี", "", "สมชาย ใจดี"),  # Thai names are written given name first
        ("فاطمة", "الزهراء", "", "فاطمة الزهراء"),
    ],
)
def test_display_name_shows_the_preferred_name_in_brackets(first: str, last: str, preferred: str, shown: str) -> None:
    client = Client(id="c", agency_id="a", first_name=first, last_name=last, preferred_name=preferred)

    assert client.display_name == shown
