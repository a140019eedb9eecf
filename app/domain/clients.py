"""Named client profiles: what a registration needs, and which existing clients look like the same person."""

import re
from dataclasses import dataclass
from datetime import date

from app.domain.codes import (
    CLIENT_IDENTIFIER_KINDS,
    GENDERS,
    IMMIGRATION_CATEGORIES,
    MARITAL_STATUSES,
    OFFICIAL_LANGUAGES,
)
from app.domain.errors import FieldError, problem
from app.domain.name_match import same_name
from app.domain.text import is_latin_letters, phone_digits, writes_family_name_first
from app.domain.words import N_

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME = 100
MAX_WHOLE_NAME = 200
OLDEST_BIRTH_YEAR = 1900

NAME_MISSING = {
    "first_name": problem("client.first_name.missing", N_("First name is required.")),
    "last_name": problem("client.last_name.missing", N_("Last name is required.")),
}
NAME_TOO_LONG = {
    "first_name": problem("client.first_name.too_long", N_("First name can be at most {limit} characters.")),
    "last_name": problem("client.last_name.too_long", N_("Last name can be at most {limit} characters.")),
}
WHOLE_NAME_TOO_LONG = {
    "latin_name": problem(
        "client.latin_name.too_long", N_("The name in Latin letters can be at most {limit} characters.")
    ),
    "own_script_name": problem(
        "client.own_script_name.too_long", N_("The name in own script can be at most {limit} characters.")
    ),
}
NOT_LATIN_LETTERS = problem(
    "client.latin_name.not_latin", N_("Write this name in Latin letters, as in a passport (accents are fine).")
)
ARRIVAL_IN_FUTURE = problem("client.arrival_date.future", N_("The arrival date cannot be in the future."))
ARRIVAL_BEFORE_BIRTH = problem(
    "client.arrival_date.before_birth", N_("The arrival date cannot be before the date of birth.")
)
PHONE_TOO_SHORT = problem("client.phone.too_short", N_("Enter a phone number with at least 7 digits."))
EMAIL_MALFORMED = problem("client.email.malformed", N_("Enter an email address like name@example.org."))
NO_CONSENT = problem("client.consent.missing", N_("The client must acknowledge the privacy statement."))
NO_BIRTH_DATE = problem("client.date_of_birth.missing", N_("Date of birth is required."))
BIRTH_IN_FUTURE = problem("client.date_of_birth.future", N_("The date of birth cannot be in the future."))
BIRTH_TOO_EARLY = problem("client.date_of_birth.too_early", N_("The date of birth must be after {year}."))
CHOICE_UNKNOWN = {
    "gender": problem("client.gender.unknown", N_("Choose a gender from the list.")),
    "marital_status": problem("client.marital_status.unknown", N_("Choose a marital status from the list.")),
    "official_language": problem(
        "client.official_language.unknown", N_("Choose a preferred official language from the list.")
    ),
    "immigration_category": problem(
        "client.immigration_category.unknown", N_("Choose an immigration category from the list.")
    ),
    "client_identifier_kind": problem(
        "client.client_identifier_kind.unknown", N_("Choose a kind of client identifier from the list.")
    ),
}


@dataclass(slots=True)
class Client:
    id: str
    agency_id: str
    first_name: str = ""
    last_name: str = ""
    preferred_name: str = ""
    # The whole name as documents write it in Latin letters, and as the client writes it in their own script: many
    # names are registered in one and looked up in the other ("Fatima Al-Hassan", "فاطمة الحسن").
    latin_name: str = ""
    own_script_name: str = ""
    date_of_birth: date | None = None
    gender: str | None = None
    marital_status: str | None = None
    official_language: str | None = None
    country_of_origin: str = ""
    arrival_date: date | None = None
    immigration_category: str | None = None
    phone: str = ""
    email: str = ""
    address: str = ""
    consent: bool = False
    client_identifier: str = ""
    client_identifier_kind: str | None = None
    family_code: str = ""
    created_by: str = ""
    created_at: str = ""
    updated_at: str = ""
    version: int = 0

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name, self.preferred_name)


def display_name(first_name: str, last_name: str, preferred_name: str) -> str:
    """How a client is named in lists: "Thi Lan Nguyen (Lan)". Also used on search results, which carry no Client.

    A Chinese, Japanese or Korean name is written as its own script writes it, family name first and no space
    between: "王芳", "김민준".
    """
    preferred = f" ({preferred_name})" if preferred_name else ""
    if writes_family_name_first(first_name) and writes_family_name_first(last_name):
        return f"{last_name.strip()}{first_name.strip()}{preferred}"
    return f"{first_name} {last_name}{preferred}".strip()


def validate_client(client: Client, *, today: date) -> list[FieldError]:
    """Every reason this profile cannot be saved; empty when it can."""
    errors: list[FieldError] = []
    for name in ("first_name", "last_name"):
        value = getattr(client, name).strip()
        if not value:
            errors.append(NAME_MISSING[name].at(name))
        elif len(value) > MAX_NAME:
            errors.append(NAME_TOO_LONG[name].at(name, limit=MAX_NAME))
    for name in ("latin_name", "own_script_name"):
        if len(getattr(client, name).strip()) > MAX_WHOLE_NAME:
            errors.append(WHOLE_NAME_TOO_LONG[name].at(name, limit=MAX_WHOLE_NAME))
    if not is_latin_letters(client.latin_name):
        errors.append(NOT_LATIN_LETTERS.at("latin_name"))
    errors += _birth_date_errors(client.date_of_birth, today)
    if client.arrival_date is not None:
        if client.arrival_date > today:
            errors.append(ARRIVAL_IN_FUTURE.at("arrival_date"))
        elif client.date_of_birth and client.arrival_date < client.date_of_birth:
            errors.append(ARRIVAL_BEFORE_BIRTH.at("arrival_date"))
    errors += _choice_errors(client)
    if client.phone and len(phone_digits(client.phone)) < 7:
        errors.append(PHONE_TOO_SHORT.at("phone"))
    if client.email and not _EMAIL.match(client.email.strip()):
        errors.append(EMAIL_MALFORMED.at("email"))
    if not client.consent:
        errors.append(NO_CONSENT.at("consent"))
    return errors


def is_possible_duplicate(candidate: Client, existing: Client) -> bool:
    """Same date of birth and the same first and last name, or the same phone number outside one family.

    Names are the same ignoring accents and case, and across scripts and romanisations ("Olena Shevchenko" and
    "Олена Шевченко", see ``same_name``); first and last name may be the wrong way round, as happens with names
    whose family name is written first. Members of one family often share a phone, so among them only the name
    and date of birth count.
    """
    if candidate.id == existing.id:
        return False
    same_person = (
        candidate.date_of_birth is not None
        and candidate.date_of_birth == existing.date_of_birth
        and _same_full_name(candidate, existing)
    )
    digits = phone_digits(candidate.phone)
    one_family = bool(candidate.family_code) and candidate.family_code == existing.family_code
    same_phone = len(digits) >= 7 and digits == phone_digits(existing.phone) and not one_family
    return same_person or same_phone


def _same_full_name(one: Client, other: Client) -> bool:
    """The same first and last name (either way round), or the same name in any of the forms either profile holds
    (its first and last name, its name in Latin letters, its name in its own script)."""
    first, last = one.first_name, one.last_name
    if (same_name(first, other.first_name) and same_name(last, other.last_name)) or (
        same_name(first, other.last_name) and same_name(last, other.first_name)
    ):
        return True
    return any(same_name(mine, theirs) for mine in _written_names(one) for theirs in _written_names(other))


def _written_names(client: Client) -> list[str]:
    """The whole names a profile holds; first and last name either way round, as passports write "KIM Minjun"."""
    first, last = client.first_name, client.last_name
    whole = (f"{first} {last}", f"{last} {first}", client.latin_name, client.own_script_name)
    return [name for name in whole if name.strip()]


def _birth_date_errors(born: date | None, today: date) -> list[FieldError]:
    if born is None:
        return [NO_BIRTH_DATE.at("date_of_birth")]
    if born > today:
        return [BIRTH_IN_FUTURE.at("date_of_birth")]
    if born.year < OLDEST_BIRTH_YEAR:
        return [BIRTH_TOO_EARLY.at("date_of_birth", year=str(OLDEST_BIRTH_YEAR))]
    return []


def _choice_errors(client: Client) -> list[FieldError]:
    choices = (
        ("gender", GENDERS),
        ("marital_status", MARITAL_STATUSES),
        ("official_language", OFFICIAL_LANGUAGES),
        ("immigration_category", IMMIGRATION_CATEGORIES),
        ("client_identifier_kind", CLIENT_IDENTIFIER_KINDS),
    )
    return [
        CHOICE_UNKNOWN[name].at(name)
        for name, allowed in choices
        if getattr(client, name) is not None and getattr(client, name) not in allowed
    ]
