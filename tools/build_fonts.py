"""Rebuild ``app/assets/fonts`` from Debian's Noto packages: ``python tools/build_fonts.py``.

Needs ``apt-get install fonts-noto-core fonts-noto-cjk`` and fontTools. The fonts it writes are committed, so
neither is needed to run or build the app; this script only says how they were made, and remakes them after a
Debian font update or a change to the character sets below.

- The script fonts (Arabic, Hebrew, Ge'ez, Devanagari, Gurmukhi, Bengali, Tamil, Thai) are copied whole: they are
  small, and their shaping tables are what draws joined Arabic and Indic letters.
- Noto Sans is cut to Latin, Greek, Cyrillic and Vietnamese, for platforms whose own font lacks them.
- Noto Sans CJK (the Simplified Chinese face, which holds every unified ideograph) is cut to the characters of the
  national standards names are written with: GB 2312 (6,763 hanzi), Big5 level 1 (5,401 common traditional
  characters), JIS X 0208 (6,355 kanji), KS X 1001 (2,350 Hangul syllables), all kana, CJK punctuation and
  full-width forms. That is about 13,000 glyphs and 2.7 MB instead of 65,000 and 16 MB.
"""

import shutil
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

NOTO = Path("/usr/share/fonts/truetype/noto")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_SIMPLIFIED_FACE = 2  # the collection holds JP, KR, SC, TC, HK faces in this order
OUT = Path(__file__).resolve().parents[1] / "app" / "assets" / "fonts"

WHOLE = ("Arabic", "Hebrew", "Ethiopic", "Devanagari", "Gurmukhi", "Bengali", "Tamil", "Thai")
LATIN_GREEK_CYRILLIC = [
    (0x0000, 0x024F), (0x0250, 0x02FF), (0x0300, 0x036F), (0x0370, 0x03FF), (0x0400, 0x052F), (0x1E00, 0x1EFF),
    (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2100, 0x214F),
]  # fmt: skip
HAN = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)]
HANGUL = [(0xAC00, 0xD7A3)]
CJK_ALWAYS = [(0x3000, 0x30FF), (0x31F0, 0x31FF), (0xFF00, 0xFFEF)]  # punctuation, kana, full/half-width forms
BIG5_LEVEL_1 = (0xA440, 0xC67E)


def in_standard(codec: str, ranges: list[tuple[int, int]], within: tuple[int, int] | None = None) -> set[int]:
    """The characters of ``ranges`` a two-byte ``codec`` can write (inside the ``within`` byte range, if given)."""
    found = set()
    for low, high in ranges:
        for code in range(low, high + 1):
            try:
                encoded = chr(code).encode(codec)
            except UnicodeEncodeError:
                continue
            if len(encoded) == 2 and (within is None or within[0] <= int.from_bytes(encoded, "big") <= within[1]):
                found.add(code)
    return found


def cjk_characters() -> set[int]:
    han = in_standard("gb2312", HAN) | in_standard("big5", HAN, BIG5_LEVEL_1) | in_standard("shift_jis", HAN)
    return han | in_standard("euc_kr", HANGUL) | _all(CJK_ALWAYS)


def _all(ranges: list[tuple[int, int]]) -> set[int]:
    return {code for low, high in ranges for code in range(low, high + 1)}


def cut(font: TTFont, characters: set[int], features: list[str], destination: Path) -> None:
    options = subset.Options()
    options.layout_features = features
    options.hinting = False
    options.name_IDs = ["*"]  # keep the copyright, licence and font names
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=sorted(characters))
    subsetter.subset(font)
    font.save(destination)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for script in WHOLE:
        shutil.copyfile(NOTO / f"NotoSans{script}-Regular.ttf", OUT / f"NotoSans{script}-Regular.ttf")
    cut(TTFont(NOTO / "NotoSans-Regular.ttf"), _all(LATIN_GREEK_CYRILLIC), ["*"], OUT / "NotoSans-Regular.ttf")
    cjk = TTFont(NOTO_CJK, fontNumber=CJK_SIMPLIFIED_FACE)
    cut(cjk, cjk_characters(), ["ccmp", "kern", "palt", "vert"], OUT / "NotoSansCJK-Regular.otf")
    for path in sorted(OUT.glob("*.[ot]tf")):
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
