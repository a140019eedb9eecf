"""Any saved name is found by the start of any of its words, typed in its own script in any case, and typed in
Latin letters where the script has a romanisation: property tests through the device's real search index."""

import unicodedata
import uuid
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.clients import Client
from app.domain.text import fold, is_abjad, romanize
from app.store import repository
from app.store.db import DB_FILENAME, DeviceDatabase

_LETTERS = {"Lu", "Ll", "Lt", "Lo"}
TATWEEL = "\u0640"


def _letters(*ranges: tuple[int, int]) -> str:
    """The letters in ``ranges``, without modifier letters: Arabic tatweel is one, and it is no letter of a name
    but a stretch drawn after one (``TATWEEL``)."""
    return "".join(
        chr(c) for low, high in ranges for c in range(low, high + 1) if unicodedata.category(chr(c)) in _LETTERS
    )


def _marks(*ranges: tuple[int, int]) -> str:
    return "".join(
        chr(c) for low, high in ranges for c in range(low, high + 1) if unicodedata.category(chr(c))[0] == "M"
    )


# Each script's letters, and the marks written on them (accents, harakat, points, vowel signs; in Arabic, the
# tatweel that stretches a joined letter, "فـاطمة").
SCRIPTS: dict[str, tuple[str, str]] = {
    "Latin": (_letters((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x17F)),
              _marks((0x300, 0x304), (0x308, 0x308), (0x323, 0x323))),
    "Greek": (_letters((0x386, 0x3CE)), _marks((0x301, 0x301), (0x308, 0x308))),
    "Cyrillic": (_letters((0x400, 0x45F), (0x490, 0x491)), _marks((0x306, 0x306), (0x308, 0x308))),
    "Arabic": (_letters((0x621, 0x64A), (0x67E, 0x67E), (0x686, 0x686), (0x6A9, 0x6A9), (0x6AF, 0x6AF), (0x6CC, 0x6CC)),
               _marks((0x64B, 0x652)) + TATWEEL),
    "Hebrew": (_letters((0x5D0, 0x5EA)), _marks((0x5B0, 0x5BC))),
    "Ge'ez": (_letters((0x1200, 0x135A)), ""),
    "Devanagari": (_letters((0x905, 0x939)), _marks((0x93E, 0x94D))),
    "Gurmukhi": (_letters((0xA05, 0xA39)), _marks((0xA3E, 0xA4D))),
    "Bengali": (_letters((0x985, 0x9B9)), _marks((0x9BE, 0x9CD))),
    "Tamil": (_letters((0xB85, 0xBB9)), _marks((0xBBE, 0xBCD))),
    "Thai": (_letters((0xE01, 0xE2E), (0xE40, 0xE44)), _marks((0xE31, 0xE31), (0xE34, 0xE3A), (0xE48, 0xE4B))),
    "Han": (_letters((0x4E00, 0x9FFF)), ""),
    "Hangul": (_letters((0xAC00, 0xD7A3)), ""),
    "kana": (_letters((0x3041, 0x3096), (0x30A1, 0x30FA)), ""),
}  # fmt: skip


@st.composite
def names(draw: st.DrawFn) -> str:
    """One to three words of one script; each letter may carry one of the script's marks."""
    letters, marks = SCRIPTS[draw(st.sampled_from(sorted(SCRIPTS)))]
    letter = st.sampled_from(letters)
    written = st.tuples(letter, st.sampled_from(marks) if marks else st.just(""), st.booleans())
    words = draw(st.lists(st.lists(written, min_size=1, max_size=6), min_size=1, max_size=3))
    return " ".join("".join(base + (mark if marked else "") for base, mark, marked in word) for word in words)


def typed_prefixes(word: str) -> Iterator[str]:
    """Every start of ``word`` a keyboard can leave on screen: whole letters, each with its marks."""
    for end in range(1, len(word) + 1):
        if end == len(word) or unicodedata.category(word[end])[0] != "M":
            yield word[:end]


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeviceDatabase]:
    database = DeviceDatabase(tmp_path_factory.mktemp("every-script") / DB_FILENAME)
    yield database
    database.close()


def save(database: DeviceDatabase, first_name: str, last_name: str) -> str:
    client = Client(id=str(uuid.uuid4()), agency_id="agency-north", first_name=first_name, last_name=last_name,
                    date_of_birth=date(1985, 3, 2), consent=True)  # fmt: skip
    with database.sessions.begin() as tx:
        repository.put_client(tx, client)
    return client.id


def found_by(database: DeviceDatabase, query: str) -> set[str]:
    with database.reads() as tx:
        return {row.id for row in repository.search_clients(tx, query, limit=100_000)}


@settings(max_examples=40)
@given(first=names(), last=names(), case=st.sampled_from([str.lower, str.upper, str.title]))
def test_a_saved_name_is_found_by_the_start_of_any_of_its_words_in_any_case(
    shared_db: DeviceDatabase, first: str, last: str, case: Callable[[str], str]
) -> None:
    client_id = save(shared_db, first, last)

    for word in f"{first} {last}".split():
        for prefix in typed_prefixes(word):
            assert client_id in found_by(shared_db, case(prefix)), f"{case(prefix)!r} should find {first} {last}"


@settings(max_examples=40)
@given(first=names(), last=names())
def test_a_saved_name_is_found_by_the_start_of_its_romanisation(
    shared_db: DeviceDatabase, first: str, last: str
) -> None:
    client_id = save(shared_db, first, last)

    for word in fold(f"{first} {last}").split():
        latin = "" if is_abjad(word) else romanize(word)
        for end in range(1, len(latin) + 1):
            assert client_id in found_by(shared_db, latin[:end]), f"{latin[:end]!r} should find {first} {last}"


@pytest.mark.parametrize(
    ("first", "last", "typed"),
    [
        ("Олена", "Шевченко", ["олена", "ОЛЕ", "шевч", "olena", "shevch", "olena shev"]),
        ("芳", "王", ["王", "芳", "王芳", "wang", "fang", "wang fang"]),
        ("Αλέξης", "Παπαδόπουλος", ["αλεξ", "Αλέξ", "alex", "papad"]),
        ("فاطمة", "الزهراء", ["فاطمة", "فاط", "فاطمه", "الزه"]),
        ("민준", "김", ["김", "민", "민준", "김민준", "minj", "gim"]),
        ("ሰላም", "ተስፋማርያም", ["ሰላ", "selam", "tesfa"]),
        ("Tèmítọ́pẹ́", "Ọláníyan", ["temi", "olan", "Tèmí"]),
    ],
)
def test_names_from_the_field_are_found_as_workers_type_them(
    device_db: DeviceDatabase, first: str, last: str, typed: list[str]
) -> None:
    client_id = save(device_db, first, last)

    assert {query: client_id in found_by(device_db, query) for query in typed} == dict.fromkeys(typed, True)


@pytest.mark.parametrize(
    ("first", "last", "latin", "own", "typed"),
    [
        ("فاطمة", "الزهراء", "Fatima Al-Zahraa", "", ["fatima", "zahr", "al-zahraa"]),  # Arabic has no romanised terms
        ("ਹਰਪ੍ਰੀਤ", "ਸਿੰਘ", "Harpreet Singh", "", ["harp", "singh"]),  # nor the vowels Gurmukhi leaves unwritten
        ("Harpreet", "Singh", "", "ਹਰਪ੍ਰੀਤ ਸਿੰਘ", ["ਹਰਪ੍ਰੀ", "ਸਿੰ"]),
    ],
)
def test_a_name_in_latin_letters_or_in_own_script_finds_the_client(
    device_db: DeviceDatabase, first: str, last: str, latin: str, own: str, typed: list[str]
) -> None:
    client = Client(id=str(uuid.uuid4()), agency_id="agency-north", first_name=first, last_name=last,
                    latin_name=latin, own_script_name=own, date_of_birth=date(1985, 3, 2), consent=True)  # fmt: skip
    with device_db.sessions.begin() as tx:
        repository.put_client(tx, client)

    assert {query: client.id in found_by(device_db, query) for query in typed} == dict.fromkeys(typed, True)


def test_letters_of_a_script_find_that_script_and_latin_letters_find_romanised_names_too(
    device_db: DeviceDatabase,
) -> None:
    olena = save(device_db, "Олена", "Шевченко")
    olga = save(device_db, "Olga", "Wang")

    assert found_by(device_db, "ол") == {olena}
    assert found_by(device_db, "ol") == {olena, olga}


def test_stretched_arabic_is_found_typed_plain_and_a_stretch_alone_searches_for_nothing(
    device_db: DeviceDatabase,
) -> None:
    fatima = save(device_db, "فـــاطمة", "الزهراء")
    save(device_db, "Olena", "Shevchenko")

    assert found_by(device_db, "فاط") == found_by(device_db, "فـا") == {fatima}
    # Tatweel only stretches the letter before it: typed alone it is an empty box, not a search matching everyone.
    assert found_by(device_db, TATWEEL) == found_by(device_db, f"{TATWEEL} {TATWEEL}") == set()
