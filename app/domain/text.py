"""Text folding shared by search, duplicate detection and the server, so "jose" finds "José" and "олена" finds
"Олена" everywhere.

``fold`` keeps every script: it lower-cases (Unicode case folding), applies compatibility normalisation (full-width
"Ｌｉ" is "li", half-width katakana is katakana), strips the marks that are accents or optional vowel signs (Latin,
Greek, Cyrillic and Vietnamese accents, Arabic harakat, Hebrew points) and gives letters with several written forms
one form (Arabic alef, yeh, kaf, heh and teh marbuta variants, Persian and Urdu letters, Hebrew final letters,
katakana as hiragana). Marks that are letters' vowels (Devanagari, Gurmukhi, Bengali, Tamil, Thai, Ge'ez) stay.
The folded text is decomposed (NFKD) and never shown: Hangul syllables become their letters, so "미" typed on the
way to "민" is already a prefix of it.

``romanize`` writes a word in plain ASCII letters (anyascii's romanisation: "олена" -> "olena", "王芳" -> "wangfang"),
so a worker with a Latin keyboard finds names written in other alphabets.
"""

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_NON_WORD = re.compile(r"[^0-9a-z]+")

# Marks that are accents or optional vowel signs: dropped, so "Олёна" matches "олена" and "فاطِمة" matches "فاطمة".
# Every other mark (an Indic or Thai vowel sign, a kana voicing mark) is part of the letter and stays.
_DROPPED_MARKS = (
    (0x0300, 0x036F),  # combining diacritics: Latin, Greek, Cyrillic, Vietnamese accents
    (0x0483, 0x0489),  # Cyrillic titlo and other combining signs
    (0x0591, 0x05C7),  # Hebrew points (niqqud) and cantillation
    (0x0610, 0x061A),  # Arabic honorific signs
    (0x064B, 0x065F),  # Arabic harakat, shadda, sukun, hamza above and below (so أ إ آ are ا)
    (0x0670, 0x0670),  # Arabic superscript alef
    (0x06D6, 0x06ED),  # Quranic annotation marks
    (0x08D3, 0x08FF),  # Arabic Extended-A marks
    (0x1AB0, 0x1AFF),  # combining diacritics, extended
    (0x1DC0, 0x1DFF),  # combining diacritics, supplement
    (0x20D0, 0x20FF),  # combining marks for symbols
    (0xFE20, 0xFE2F),  # combining half marks
)

# Letters written several ways that a worker may type either way; after NFKD and case folding.
_ONE_FORM = {
    # Latin letters with no decomposition
    "đ": "d", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th", "ð": "d",
    # Arabic: alef wasla, alef maksura; Persian, Urdu and Pashto yeh, keheh and heh; teh marbuta
    "ٱ": "ا", "ى": "ي", "ی": "ي", "ې": "ي", "ۍ": "ي", "ے": "ي", "ک": "ك",
    "ہ": "ه", "ھ": "ه", "ە": "ه", "ة": "ه", "ۃ": "ه",
    # Hebrew final letters
    "ך": "כ", "ם": "מ", "ן": "נ", "ף": "פ", "ץ": "צ",
}  # fmt: skip
_REMOVED = {
    "\u0640",  # Arabic tatweel, which only stretches a word
    "\u00ad",  # soft hyphen
}
_KATAKANA = (0x30A1, 0x30F6)
_KATAKANA_TO_HIRAGANA = 0x60

# Scripts written without spaces between a name's parts (and Korean, whose names are written as one word): a
# search may start at any of their letters, not only at a word's start.
_UNSPACED = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul letters (syllables decompose into these)
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3130, 0x318F),  # Hangul compatibility letters
    (0x31F0, 0x31FF),  # katakana extensions
    (0x3400, 0x4DBF),  # Han, extension A
    (0x4E00, 0x9FFF),  # Han
    (0xA960, 0xA97F),  # Hangul letters, extended A
    (0xAC00, 0xD7FF),  # Hangul syllables and extended B
    (0xF900, 0xFAFF),  # Han compatibility
    (0x20000, 0x3FFFF),  # Han, supplementary planes
)
# Han, kana and Hangul: scripts whose names are written family name first, with no space.
_FAMILY_NAME_FIRST = ((0x1100, 0x11FF), (0x3040, 0x30FF), (0x3130, 0x318F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
                      (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))  # fmt: skip
# Hangul vowels and final consonants: a syllable, hence a typed search, never starts with one.
_HANGUL_INNER = ((0x1160, 0x11FF), (0xD7B0, 0xD7FF))
# Scripts that leave short vowels unwritten (abjads): their romanisation ("فاطمة" -> "ftmh") is not what anyone
# types, so they get no Latin search terms (the profile's name in Latin letters covers them).
_ABJADS = ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))
# Unicode's strong right-to-left directions: Hebrew and the like ("R"), Arabic script ("AL").
_RIGHT_TO_LEFT = {"R", "AL"}


def _within(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= code <= high for low, high in ranges)


def _any_of(ranges: tuple[tuple[int, int], ...]) -> re.Pattern[str]:
    """A pattern matching one character from any of ``ranges``."""
    return re.compile("[" + "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in ranges) + "]")


_UNSPACED_LETTER = _any_of(_UNSPACED)
_FAMILY_NAME_FIRST_LETTER = _any_of(_FAMILY_NAME_FIRST)
_ABJAD_LETTER = _any_of(_ABJADS)


class _FoldTable(dict[int, str | None]):
    """``str.translate`` table over all of Unicode, each character's entry worked out the first time it is seen.

    Letters and the marks that belong to them stay; digits of any script become ASCII digits (phone numbers typed
    in Arabic-Indic digits); accents, joiners and direction marks go; everything else separates words.
    """

    def __missing__(self, code: int) -> str | None:
        entry = self._entry(chr(code))
        self[code] = entry
        return entry

    @staticmethod
    def _entry(char: str) -> str | None:
        code = ord(char)
        category = unicodedata.category(char)
        if char in _ONE_FORM:
            return _ONE_FORM[char]
        if char in _REMOVED or category == "Cf" or (category[0] == "M" and _within(code, _DROPPED_MARKS)):
            return None
        if _KATAKANA[0] <= code <= _KATAKANA[1]:
            return chr(code - _KATAKANA_TO_HIRAGANA)
        if category == "Nd":
            return str(unicodedata.decimal(char))
        if category[0] in "LM":
            return char
        return " "


_FOLD_TABLE = _FoldTable()


def fold(text: str | None) -> str:
    """Lower-case, accent-free, punctuation-free words of ``text`` in their own script, one space apart.

    "Nguyễn-Văn" -> "nguyen van", "ОЛЁНА" -> "олена", "فاطِمة" -> "فاطمه", "ｶﾀｶﾅ" -> "かたかな".
    """
    if not text:
        return ""
    if text.isascii():  # most names; nothing to translate or decompose, and casefold() is lower() here
        return _NON_WORD.sub(" ", text.lower()).strip()
    return _fold_words(text)


@lru_cache(maxsize=16_384)  # names repeat (common given and family names); folding is pure
def _fold_words(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return " ".join(decomposed.translate(_FOLD_TABLE).split())


def name_words(*names: str | None) -> list[str]:
    """Every folded word of the given names, in order, without repeats."""
    words: list[str] = []
    for name in names:
        for word in fold(name).split():
            if word not in words:
                words.append(word)
    return words


def is_unspaced(word: str) -> bool:
    """Whether ``word`` (folded) is written in a script that puts no spaces between a name's parts."""
    return not word.isascii() and _UNSPACED_LETTER.search(word) is not None


def writes_family_name_first(name: str) -> bool:
    """Whether ``name`` is in Han, kana or Hangul, whose names put the family name first ("王芳", "김민준")."""
    return not name.isascii() and _FAMILY_NAME_FIRST_LETTER.search(name) is not None


def is_latin_letters(text: str) -> bool:
    """Whether every letter of ``text`` is a Latin letter ("Nguyễn Văn" is; "Олена" is not)."""
    return text.isascii() or all(
        unicodedata.name(char, "").startswith("LATIN") for char in unicodedata.normalize("NFC", text) if char.isalpha()
    )


def reads_right_to_left(text: str | None) -> bool:
    """Whether ``text`` is a right-to-left paragraph by Unicode's rule: its first letter with a strong direction is
    in a right-to-left script ("فاطمة (Fatima)" is, "Fatima (فاطمة)" is not; digits and punctuation do not count)."""
    if not text or text.isascii():
        return False
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction == "L":
            return False
        if direction in _RIGHT_TO_LEFT:
            return True
    return False


def is_abjad(word: str) -> bool:
    """Whether ``word`` is written in Arabic or Hebrew script, which leave short vowels out."""
    return not word.isascii() and _ABJAD_LETTER.search(word) is not None


def starts_within(word: str) -> list[str]:
    """The endings of an unspaced ``word`` a search may start with: from each letter that can begin a syllable.

    "王芳" -> ["王芳", "芳"]: a worker looking for 芳 types it alone.
    """
    return [
        word[start:]
        for start, char in enumerate(word)
        if unicodedata.category(char)[0] != "M" and not _within(ord(char), _HANGUL_INNER)
    ]


@lru_cache(maxsize=16_384)
def romanize(word: str) -> str:
    """``word`` (folded) in ASCII letters and digits: "олена" -> "olena", "王芳" -> "wangfang", "محمد" -> "mhmd"."""
    if word.isascii():
        return word
    # anyascii writes letter by letter; Greek "ου" is one sound, "ou" in every romanisation ("Ιωάννου": Ioannou).
    composed = unicodedata.normalize("NFC", word).replace("ου", "ou")
    return _NON_WORD.sub("", anyascii(composed).lower())


def latin_fold(text: str | None) -> str:
    """``text`` folded and romanised, for what must be ASCII (an e-mail name, a user id) and for comparing names
    written in different scripts."""
    return " ".join(filter(None, (romanize(word) for word in fold(text).split())))


def phone_digits(phone: str | None) -> str:
    """Digits of a phone number, without a leading North American ``1`` so "+1 (416) 555-0100" matches "4165550100".

    Digits of any script count ("٤١٦" is 416).
    """
    if not phone:
        return ""
    if phone.isascii():
        digits = "".join(ch for ch in phone if ch.isdigit())
    else:
        digits = "".join(str(unicodedata.decimal(ch)) for ch in phone if unicodedata.category(ch) == "Nd")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits
