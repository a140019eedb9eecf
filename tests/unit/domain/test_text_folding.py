"""Folding: what a worker types must match names written with accents, in other cases and in other scripts."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.text import fold, latin_fold, name_words, phone_digits, reads_right_to_left, romanize


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("Nguyễn", "nguyen"),
        ("José", "jose"),
        ("Łukasz", "lukasz"),
        ("ÉLODIE", "elodie"),
        ("Đặng", "dang"),
        ("Straße", "strasse"),
        ("Søren", "soren"),
        ("Nguyễn-Văn", "nguyen van"),
        ("  O'Brien  ", "o brien"),
        ("Zoë\tAnn", "zoe ann"),
        ("ОЛЁНА Шевченко", "олена шевченко"),
        ("Αλέξης", "αλεξησ"),
        ("Ｌｉ　Ｗｅｉ", "li wei"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_removes_accents_case_and_punctuation(written: str | None, folded: str) -> None:
    assert fold(written) == folded


def test_composed_and_decomposed_accents_fold_the_same() -> None:
    composed = unicodedata.normalize("NFC", "Nguyễn")
    decomposed = unicodedata.normalize("NFD", "Nguyễn")

    assert composed != decomposed
    assert fold(composed) == fold(decomposed) == "nguyen"


@given(st.text())
def test_folding_twice_changes_nothing(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_folded_text_is_lowercase_letters_and_digits_separated_by_single_spaces(text: str) -> None:
    folded = fold(text)

    assert all(unicodedata.category(ch)[0] in "LM" or ch in "0123456789" for ch in folded.replace(" ", ""))
    assert folded.casefold() == folded
    assert "  " not in folded
    assert folded == folded.strip()


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("فاطِمَة", "فاطمة"),  # harakat are optional vowel signs
        ("أحمد", "احمد"),  # alef with hamza above
        ("إبراهيم", "ابراهيم"),  # alef with hamza below
        ("آمنة", "امنه"),  # alef with madda; teh marbuta written as heh
        ("عـــلي", "علي"),  # tatweel only stretches the word
        ("مصطفى", "مصطفي"),  # alef maksura and yeh
        ("کریمی", "كريمي"),  # Persian keheh and yeh, as an Arabic keyboard types them
        ("عائشہ", "عائشه"),  # Urdu heh goal
        ("ﻓﺎﻃﻤﺔ", "فاطمة"),  # Arabic presentation forms, as some old systems store them
        ("יוֹסֵף", "יוסף"),  # Hebrew points
        ("ヤマダ", "やまだ"),  # katakana and hiragana
        ("ﾔﾏﾀﾞ", "やまだ"),  # half-width katakana
        ("ＷＡＮＧ", "wang"),  # full-width Latin
    ],
)
def test_letters_written_several_ways_fold_to_one_form(written: str, typed: str) -> None:
    assert fold(written) == fold(typed)


@pytest.mark.parametrize("word", ["हरप्रीत", "ਸਿੰਘ", "துளசி", "রহমান", "สมชาย", "ሰላም"])
def test_vowel_signs_that_are_letters_are_kept(word: str) -> None:
    """In Indic, Thai and Ge'ez scripts a mark is a vowel, not an accent: dropping it would make another name."""
    assert fold(word) == unicodedata.normalize("NFKD", word)


def test_a_hangul_syllable_typed_halfway_is_already_a_prefix() -> None:
    """Korean keyboards compose a syllable letter by letter: "미" is on screen on the way to "민"."""
    assert fold("민준").startswith(fold("미"))


@pytest.mark.parametrize(
    ("written", "latin"),
    [
        ("Олена Шевченко", "olena shevchenko"),
        ("王芳", "wangfang"),
        ("Αλέξης", "alexis"),
        ("ሰላም", "selam"),
        ("Nguyễn", "nguyen"),
    ],
)
def test_latin_fold_writes_other_scripts_in_ascii_letters(written: str, latin: str) -> None:
    assert latin_fold(written) == latin


@given(st.text())
def test_romanized_words_are_ascii_letters_and_digits(text: str) -> None:
    for word in fold(text).split():
        assert set(romanize(word)) <= set("abcdefghijklmnopqrstuvwxyz0123456789")


_COMBINING_MARKS = st.sampled_from(["\u0300", "\u0301", "\u0302", "\u0303", "\u0308", "\u0323", "\u030c"])


@given(st.lists(st.tuples(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), _COMBINING_MARKS)))
def test_accented_letters_fold_to_the_plain_letters_a_keyboard_types(pairs: list[tuple[str, str]]) -> None:
    plain = "".join(letter for letter, _ in pairs)
    accented = unicodedata.normalize("NFC", "".join(letter + mark for letter, mark in pairs))

    assert fold(accented) == plain.lower()


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        ("+1 (416) 555-0100", "4165550100"),
        ("416.555.0100", "4165550100"),
        ("1-416-555-0100", "4165550100"),
        ("(613) 555 0199 ext", "6135550199"),
        ("44 20 7946 0958", "442079460958"),
        ("15550100", "15550100"),
        ("٤١٦-٥٥٥-٠١٠٠", "4165550100"),  # Arabic-Indic digits
        ("۴۱۶ ۵۵۵ ۰۱۰۰", "4165550100"),  # Persian digits
        ("", ""),
        (None, ""),
    ],
)
def test_phone_digits_ignore_formatting_and_the_north_american_1(written: str | None, digits: str) -> None:
    assert phone_digits(written) == digits


def test_name_words_lists_each_folded_word_once_in_order() -> None:
    assert name_words("Thi Lan", "Nguyễn", "Lan") == ["thi", "lan", "nguyen"]


@pytest.mark.parametrize(
    ("written", "right_to_left"),
    [
        ("فاطمة الزهراء", True),
        ("فاطمة (Fatima)", True),  # the first letter decides, as for a paragraph
        ("Fatima (فاطمة)", False),
        ("יוסף כהן", True),
        ("۱۹۸۵ کریمی", True),  # digits have no direction of their own
        ("Олена Шевченко", False),
        ("王芳", False),
        ("1985-03-02", False),
        ("", False),
    ],
)
def test_text_reads_right_to_left_when_its_first_letter_is_in_a_right_to_left_script(
    written: str, right_to_left: bool
) -> None:
    assert reads_right_to_left(written) is right_to_left
