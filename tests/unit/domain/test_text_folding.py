"""Accent-free matching: what a worker types on a plain keyboard must find names written with accents."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.text import fold, name_words, phone_digits


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
def test_folded_text_is_plain_lowercase_words_separated_by_single_spaces(text: str) -> None:
    folded = fold(text)

    assert set(folded) <= set("abcdefghijklmnopqrstuvwxyz0123456789 ")
    assert "  " not in folded
    assert folded == folded.strip()


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
        ("", ""),
        (None, ""),
    ],
)
def test_phone_digits_ignore_formatting_and_the_north_american_1(written: str | None, digits: str) -> None:
    assert phone_digits(written) == digits


def test_name_words_lists_each_folded_word_once_in_order() -> None:
    assert name_words("Thi Lan", "Nguyễn", "Lan") == ["thi", "lan", "nguyen"]
