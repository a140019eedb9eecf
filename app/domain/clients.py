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
from app.domain.errors import FieldError
from app.domain.name_match import same_name
from app.domain.text import phone_digits

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME = 100
OLDEST_BIRTH_YEAR = 1900


@dataclass(slots=True)
class Client:
    id: str
    agency_id: str
    first_name: str = ""
    last_name: str = ""
    preferred_name: str = ""
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
    """How a client is named in lists: "Thi Lan Nguyen (Lan)". Also used on search results, which carry no Client."""
    preferred = f" ({preferred_name})" if preferred_name else ""
    return f"{first_name} {last_name}{preferred}".strip()


def validate_client(client: Client, *, today: date) -> list[FieldError]:
    """Every reason this profile cannot be saved; empty when it can."""
    errors: list[FieldError] = []
    for name, label in (("first_name", "First name"), ("last_name", "Last name")):
        value = getattr(client, name).strip()
        if not value:
            errors.append(FieldError(name, f"{label} is required."))
        elif len(value) > MAX_NAME:
            errors.append(FieldError(name, f"{label} can be at most {MAX_NAME} characters."))
    errors += _birth_date_errors(client.date_of_birth, today)
    if client.arrival_date is not None:
        if client.arrival_date > today:
            errors.append(FieldError("arrival_date", "The arrival date cannot be in the future."))
        elif client.date_of_birth and client.arrival_date < client.date_of_birth:
            errors.append(FieldError("arrival_date", "The arrival date cannot be before the date of birth."))
    errors += _choice_errors(client)
    if client.phone and len(phone_digits(client.phone)) < 7:
        errors.append(FieldError("phone", "Enter a phone number with at least 7 digits."))
    if client.email and not _EMAIL.match(client.email.strip()):
        errors.append(FieldError("email", "Enter an email address like name@example.org."))
    if not client.consent:
        errors.append(FieldError("consent", "The client must acknowledge the privacy statement."))
    return errors


def is_possible_duplicate(candidate: Client, existing: Client) -> bool:
    """Same date of birth and the same first and last name, or the same phone number.

    Names are the same ignoring accents and case, and across scripts and romanisations ("Olena Shevchenko" and
    "Олена Шевченко", see ``same_name``); first and last name may be the wrong way round, as happens with names
    whose family name is written first.
    """
    if candidate.id == existing.id:
        return False
    same_person = (
        candidate.date_of_birth is not None
        and candidate.date_of_birth == existing.date_of_birth
        and _same_full_name(candidate, existing)
    )
    digits = phone_digits(candidate.phone)
    same_phone = len(digits) >= 7 and digits == phone_digits(existing.phone)
    return same_person or same_phone


def _same_full_name(one: Client, other: Client) -> bool:
    first, last = one.first_name, one.last_name
    return (same_name(first, other.first_name) and same_name(last, other.last_name)) or (
        same_name(first, other.last_name) and same_name(last, other.first_name)
    )


def _birth_date_errors(born: date | None, today: date) -> list[FieldError]:
    if born is None:
        return [FieldError("date_of_birth", "Date of birth is required.")]
    if born > today:
        return [FieldError("date_of_birth", "The date of birth cannot be in the future.")]
    if born.year < OLDEST_BIRTH_YEAR:
        return [FieldError("date_of_birth", f"The date of birth must be after {OLDEST_BIRTH_YEAR}.")]
    return []


def _choice_errors(client: Client) -> list[FieldError]:
    choices = (
        ("gender", GENDERS, "Gender"),
        ("marital_status", MARITAL_STATUSES, "Marital status"),
        ("official_language", OFFICIAL_LANGUAGES, "Preferred official language"),
        ("immigration_category", IMMIGRATION_CATEGORIES, "Immigration category"),
        ("client_identifier_kind", CLIENT_IDENTIFIER_KINDS, "Kind of client identifier"),
    )
    return [
        FieldError(name, f"Choose a {label.lower()} from the list.")
        for name, allowed, label in choices
        if getattr(client, name) is not None and getattr(client, name) not in allowed
    ]
