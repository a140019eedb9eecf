"""Text folding shared by search, duplicate detection and the server, so "jose" finds "José" everywhere."""

import re
import unicodedata

_SPECIAL_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "ı": "i",
        "þ": "th",
        "ð": "d",
    }
)
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str | None) -> str:
    """Lower-case, accent-free, punctuation-free form of ``text`` ("Nguyễn-Văn" -> "nguyen van")."""
    if not text:
        return ""
    if text.isascii():  # most names; nothing to translate or decompose, and casefold() is lower() here
        return _NON_WORD.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.casefold()).strip()


def name_words(*names: str | None) -> list[str]:
    """Every folded word of the given names, in order, without repeats."""
    words: list[str] = []
    for name in names:
        for word in fold(name).split():
            if word not in words:
                words.append(word)
    return words


def phone_digits(phone: str | None) -> str:
    """Digits of a phone number, without a leading North American ``1`` so "+1 (416) 555-0100" matches "4165550100"."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits
