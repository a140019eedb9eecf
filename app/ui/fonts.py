"""The fonts that draw every client's name, bundled with the app so they work without a network.

Clients' names come in Arabic, Ge'ez, Gurmukhi, Han and more. A browser on a device without internet cannot fetch
fonts for them (Flutter's web engine otherwise asks Google Fonts and draws empty boxes meanwhile), and a phone or
desktop may not have them either. The Noto fonts for those scripts ship in ``app/assets/fonts`` (made by
``tools/build_fonts.py``; SIL Open Font License in ``OFL.txt`` beside them) and every text style of the theme
lists them as fallback families: text is drawn in Roboto (Material's font, served by Flet on the web), and each
letter Roboto lacks in the first of these that has it.
"""

from importlib.resources import files
from pathlib import Path

import flet as ft

ASSETS_DIR = Path(str(files("app").joinpath("assets")))
"""Flet's assets folder: served to browsers, packaged into desktop and mobile builds. Flet wants a folder on disk;
pip and ``flet build`` both unpack the ``app`` package (its fonts are package data), so the package's folder is
one."""

_FONT_FILES = (
    "fonts/NotoSans-Regular.ttf",  # Latin, Greek, Cyrillic, Vietnamese
    "fonts/NotoSansArabic-Regular.ttf",  # Arabic, Persian, Urdu, Pashto
    "fonts/NotoSansHebrew-Regular.ttf",
    "fonts/NotoSansEthiopic-Regular.ttf",  # Ge'ez: Tigrinya, Amharic
    "fonts/NotoSansDevanagari-Regular.ttf",
    "fonts/NotoSansGurmukhi-Regular.ttf",
    "fonts/NotoSansBengali-Regular.ttf",
    "fonts/NotoSansTamil-Regular.ttf",
    "fonts/NotoSansThai-Regular.ttf",
    "fonts/NotoSansCJK-Regular.otf",  # Han (Simplified and Traditional), kana, Hangul
)
FALLBACK_FONTS: dict[str, str] = {Path(path).stem: path for path in _FONT_FILES}
"""Font family (the file's name) -> file in ``ASSETS_DIR``, in the order a missing letter is looked for."""

PLATFORM_FONT = "Roboto"
"""The font Material draws with, which Flet serves to browsers and Android has. A text style that names fallback
families but no family of its own would draw everything in the first fallback, so it leads the list."""

_TEXT_THEME_STYLES = (
    "display_large", "display_medium", "display_small", "headline_large", "headline_medium", "headline_small",
    "title_large", "title_medium", "title_small", "body_large", "body_medium", "body_small",
    "label_large", "label_medium", "label_small",
)  # fmt: skip


def fallback_text_theme() -> ft.TextTheme:
    """A text theme whose every style falls back on the bundled fonts (sizes and weights stay Material's own)."""
    style = ft.TextStyle(font_family_fallback=[PLATFORM_FONT, *FALLBACK_FONTS])
    return ft.TextTheme(**dict.fromkeys(_TEXT_THEME_STYLES, style))
