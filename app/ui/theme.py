"""Colours, sizes and the Material theme shared by every screen.

Field workers use the app on phones and tablets, often standing up: every tappable thing is at least
``TOUCH_TARGET`` pixels tall, and the complete/incomplete colours follow the agency system (green/pink) but always
come with a word, so nobody has to rely on colour alone.
"""

import flet as ft

from app.ui.fonts import FALLBACK_FONTS, fallback_text_theme

TOUCH_TARGET = 48
NARROW_BREAKPOINT = 640
"""Below this width (logical pixels) the app uses a bottom NavigationBar; from it on, a NavigationRail."""
MAX_CONTENT_WIDTH = 880
"""Forms and lists stop growing here, so a tablet in landscape does not stretch a name field across the screen."""

SEED_COLOR = ft.Colors.TEAL
COMPLETE_TEXT = ft.Colors.GREEN_900
COMPLETE_BACKGROUND = ft.Colors.GREEN_100
INCOMPLETE_TEXT = ft.Colors.PINK_900
INCOMPLETE_BACKGROUND = ft.Colors.PINK_100
COMPLETE_ROW = ft.Colors.GREEN_50  # a list row, lighter than its badge so the badge still stands out
INCOMPLETE_ROW = ft.Colors.PINK_50
WAITING_TEXT = ft.Colors.BLUE_GREY_800
WAITING_BACKGROUND = ft.Colors.BLUE_GREY_50
ATTENTION_TEXT = ft.Colors.DEEP_ORANGE_900
ATTENTION_BACKGROUND = ft.Colors.DEEP_ORANGE_50
OK_BACKGROUND = ft.Colors.TEAL_50
READ_ONLY_BACKGROUND = ft.Colors.GREY_200
ERROR_TEXT = ft.Colors.RED_900

# Padding that lifts Material 3's 40 px buttons to a 48 px touch target without changing their look otherwise.
_BUTTON_PADDING = ft.Padding.symmetric(horizontal=20, vertical=14)
_ICON_BUTTON_PADDING = ft.Padding.all(12)


def build_theme() -> ft.Theme:
    button_style = ft.ButtonStyle(padding=_BUTTON_PADDING)
    return ft.Theme(
        color_scheme_seed=SEED_COLOR,
        visual_density=ft.VisualDensity.STANDARD,
        button_theme=ft.ButtonTheme(style=button_style),
        filled_button_theme=ft.FilledButtonTheme(style=button_style),
        outlined_button_theme=ft.OutlinedButtonTheme(style=button_style),
        text_button_theme=ft.TextButtonTheme(style=button_style),
        icon_button_theme=ft.IconButtonTheme(style=ft.ButtonStyle(padding=_ICON_BUTTON_PADDING)),
        text_theme=fallback_text_theme(),
        primary_text_theme=fallback_text_theme(),
    )


def apply_theme(page: ft.Page) -> None:
    page.theme = build_theme()
    page.theme_mode = ft.ThemeMode.LIGHT


def load_fonts(page: ft.Page) -> None:
    """Register the bundled fonts once the first screen is up: fetching and reading their 4 MB before it would
    hold the first paint back by most of a second, and the screen a worker starts on rarely holds a name."""
    page.fonts = FALLBACK_FONTS
    page.update()
