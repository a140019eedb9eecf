"""What a client can be found by, and how a search box is read.

The device keeps each client's terms in an index, and a search is every typed word matched as the start of one of
them. Building the terms is a pure function of the client, so a save, a first sync and a migration that rebuilds
the index all agree, and so do the query rules below, which must cut a search box the way the terms were cut.

A name gives, for each of its words: the word folded in its own script ("олена"); for scripts written without
spaces, each ending a worker may type as a start ("王芳", "芳"); the word romanised ("olena", "wangfang", "fang"),
except in Arabic and Hebrew script; and a word with an inner mark also whole ("O'Brien": "o", "brien", "obrien").
"""

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from app.domain.clients import Client
from app.domain.text import fold, is_abjad, is_unspaced, phone_digits, romanize, starts_within


def client_search_terms(client: Client) -> set[str]:
    """Words a search for ``client`` can start with."""
    return search_terms(
        first_name=client.first_name,
        last_name=client.last_name,
        other_names=(client.preferred_name, client.latin_name, client.own_script_name),
        date_of_birth=client.date_of_birth,
        phone=client.phone,
        client_identifier=client.client_identifier,
    )


def search_terms(
    *,
    first_name: str | None,
    last_name: str | None,
    other_names: Iterable[str | None],
    date_of_birth: date | None,
    phone: str | None,
    client_identifier: str | None,
) -> set[str]:
    """Name terms, date of birth, phone digits and client identifier: from plain values, so a migration that
    rebuilds the index from the columns of its day builds what a save builds."""
    terms = name_terms(first_name, last_name, *other_names, *_whole_unspaced_names(first_name, last_name))
    if date_of_birth:
        terms.add(date_of_birth.isoformat())
    digits = phone_digits(phone)
    if digits:
        terms.add(digits)
    identifier_parts = fold(client_identifier).split()
    # The parts, and the whole number without its dashes or spaces, which is how a box without letters is read.
    terms.update(identifier_parts)
    if identifier_parts:
        terms.add("".join(identifier_parts))
    return terms


def _whole_unspaced_names(first_name: str | None, last_name: str | None) -> list[str]:
    """A Chinese, Japanese or Korean name as it is written whole, family name first ("王芳"), and the other way
    round (as a form with the fields in Western order may have been read)."""
    if not (is_unspaced(first_name or "") and is_unspaced(last_name or "")):
        return []
    first, last = fold(first_name).replace(" ", ""), fold(last_name).replace(" ", "")
    if first and last:
        return [last + first, first + last]
    return []


def sort_key(first_name: str | None, last_name: str | None) -> str:
    """The order clients are listed in: folded last name, then first name."""
    return f"{fold(last_name)} {fold(first_name)}"


def name_terms(*names: str | None) -> set[str]:
    """The search terms of the given names (see the module's docstring)."""
    terms: set[str] = set()
    for name in names:
        for token in (name or "").split():
            terms.update(_token_terms(token))
    return terms


@lru_cache(maxsize=16_384)  # names repeat across an agency's clients; a first sync builds terms for all of them
def _token_terms(token: str) -> tuple[str, ...]:
    words = fold(token).split()
    if len(words) > 1:  # "Al-Hassan", "Мар'яна": the parts, and the whole typed without its hyphen or apostrophe
        words.append("".join(words))
    terms: dict[str, None] = {}
    for word in words:
        starts = starts_within(word) if is_unspaced(word) else [word]
        terms.update(dict.fromkeys(starts))
        if not word.isascii() and not is_abjad(word):
            terms.update(dict.fromkeys(romanize(start) for start in starts))
    terms.pop("", None)
    return tuple(terms)


def query_words(query: str) -> list[str]:
    """Split a search box into terms the index holds: dates stay whole, phone numbers become digits.

    A box with no letters but several digits is one number however it is spaced ("(416) 555-0100").
    """
    text = query.strip()
    if not _is_date(text) and not any(ch.isalpha() for ch in text) and len(phone_digits(text)) >= 3:
        return [phone_digits(text)]
    words: list[str] = []
    for raw in text.split():
        stripped = raw.strip(",;")
        if _is_date(stripped):
            words.append(stripped)
        else:
            words.extend(fold(stripped).split())
    return [word for word in dict.fromkeys(words) if word]


def _is_date(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-"
