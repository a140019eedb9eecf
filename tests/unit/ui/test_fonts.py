"""Every name the app may show has a bundled font to draw it, offline, with its licence beside it."""

import pytest
from fontTools.ttLib import TTFont

from app.ui.fonts import ASSETS_DIR, FALLBACK_FONTS
from seed_data.names import ORIGINS, PREFERRED_ANY, PREFERRED_FEMALE, PREFERRED_MALE
from seed_data.native_names import NATIVE_NAMES

SIZE_BUDGET_MB = 6.0


@pytest.fixture(scope="module")
def covered() -> set[int]:
    """Every character some bundled font has a glyph for."""
    characters: set[int] = set()
    for path in FALLBACK_FONTS.values():
        font = TTFont(ASSETS_DIR / path, lazy=True)
        characters.update(font.getBestCmap())
        font.close()
    return characters


def every_demo_name() -> set[str]:
    pools = [*ORIGINS, *NATIVE_NAMES.values()]
    names = {name for pool in pools for name in (*pool.family_names, *pool.female_names, *pool.male_names)}
    return names | {*PREFERRED_ANY, *PREFERRED_FEMALE, *PREFERRED_MALE}


def test_every_letter_of_every_demo_name_has_a_bundled_glyph(covered: set[int]) -> None:
    missing = {name: [ch for ch in name if ord(ch) not in covered] for name in every_demo_name()}
    assert {name: letters for name, letters in missing.items() if letters} == {}


@pytest.mark.parametrize(
    "sample",
    ["王芳 张伟 陳家明 黃詠詩", "山田太郎 さくら タクミ", "김민준 박서연", "Олена Їжак Ґалаґан", "Αλέξης Ιωάννου",
     "فاطمة گلناز پلوشه ڈاکٹر", "יוסף כהן", "ሰላም ዮሐንስ", "हरप्रीत", "ਹਰਪ੍ਰੀਤ", "রহমান", "துளசி", "สมชาย",
     "Nguyễn Đặng Tèmítọ́pẹ́"],
)  # fmt: skip
def test_common_names_in_each_script_have_glyphs(covered: set[int], sample: str) -> None:
    assert [ch for ch in sample.replace(" ", "") if ord(ch) not in covered] == []


def test_the_fonts_ship_with_their_licence_and_stay_small() -> None:
    files = [ASSETS_DIR / path for path in FALLBACK_FONTS.values()]
    assert all(path.is_file() for path in files)
    assert "SIL OPEN FONT LICENSE Version 1.1" in (ASSETS_DIR / "fonts" / "OFL.txt").read_text(encoding="utf-8")
    assert sum(path.stat().st_size for path in files) / 1e6 <= SIZE_BUDGET_MB
