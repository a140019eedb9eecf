"""Whether two written names may be the same name: "Olena" and "Олена", "Yuliia" and "Юлія", "Fatima" and "فاطمة".

A duplicate warning compares names only among clients born on the same day, so a loose rule costs a worker a
glance at a list, while a strict one lets a second profile of the same person through. Names are compared
three ways, the first that holds wins:

1. folded alike: "José" and "JOSE";
2. romanised alike after the usual spelling variants of romanisations ("kh"/"h", "y"/"i"/"j", "w"/"v",
   "c"/"k"/"q", doubled letters): "Yuliia" and "Юлія" (romanised "yuliya"), "Shevchenko" and "Ševčenko";
3. when either is in Arabic or Hebrew script, which leave short vowels unwritten, the same consonants: "محمد"
   ("mhmd") and "Mohammed", "فاطمة" ("ftmh") and "Fatima", with the article "al-" set aside ("الحسن", "Hassan").
"""

import re
from functools import lru_cache

from app.domain.text import fold, is_abjad, latin_fold

_H_AFTER_CONSONANT = re.compile(r"([bcdfgjklmnpqrstvwxz])h")
_SPELLING_VARIANTS = str.maketrans({"y": "i", "j": "i", "w": "v", "c": "k", "q": "k", "x": "ks"})
_CONSONANT_VARIANTS = str.maketrans({"c": "k", "q": "k", "x": "ks", "z": "d"})  # Persian ض, ذ, ظ are read "z"
_DOUBLED = re.compile(r"(.)\1+")
_NOT_CONSONANT = re.compile(r"[aeiouywv]")  # w and v: Arabic waw and Hebrew vav are vowels as often as not
_ARTICLES = frozenset({"al", "el", "ال"})


def same_name(first: str, second: str) -> bool:
    """Whether ``first`` and ``second`` may be the same name written two ways (see the module's docstring)."""
    folded = fold(first), fold(second)
    if not all(folded):
        return False
    if folded[0] == folded[1]:
        return True
    if _spelling_key(folded[0]) == _spelling_key(folded[1]):
        return True
    return (is_abjad(folded[0]) or is_abjad(folded[1])) and _consonants(folded[0]) == _consonants(folded[1])


@lru_cache(maxsize=4_096)
def _spelling_key(folded: str) -> str:
    """The name romanised, without spaces, with the spelling variants of romanisations made one."""
    # Cyrillic г is "g" in Russian and "h" in Ukrainian romanisations ("Богдан": Bogdan, Bohdan).
    latin = _H_AFTER_CONSONANT.sub(r"\1", latin_fold(folded).replace(" ", "").replace("g", "h"))
    return _DOUBLED.sub(r"\1", latin.translate(_SPELLING_VARIANTS))


@lru_cache(maxsize=4_096)
def _consonants(folded: str) -> str:
    """The consonants of the name's romanisation, without an Arabic article: what an abjad writes for sure."""
    words = [word.removeprefix("ال") if len(word) > 3 else word for word in folded.split() if word not in _ARTICLES]
    latin = _NOT_CONSONANT.sub("", latin_fold(" ".join(words)).replace(" ", ""))
    # A final teh marbuta or heh is written "h" and read "a": "فاطمة" is "ftmh", "Fatima" is "ftm".
    return _DOUBLED.sub(r"\1", latin.translate(_CONSONANT_VARIANTS)).removesuffix("h")
