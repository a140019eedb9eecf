"""Names and typed text are laid out in their own writing direction inside a screen laid out left to right."""

import asyncio

import flet as ft
import pytest

from app.ui import widgets


@pytest.mark.parametrize(("value", "rtl"), [("فاطمة", True), ("יוסף", True), ("Fatima", False), ("", False)])
def test_a_text_box_opens_in_the_direction_of_what_it_holds(value: str, rtl: bool) -> None:
    assert widgets.text_input("Name in own script", value).rtl is rtl


@pytest.mark.parametrize(
    ("name", "rtl"), [("فاطمة الزهراء (Fatima)", True), ("Олена Шевченко", False), ("王芳", False)]
)
def test_names_in_lists_and_profiles_read_in_their_own_direction(name: str, rtl: bool) -> None:
    assert widgets.directed_text(name).rtl is rtl
    assert widgets.heading(name).rtl is rtl


def _typed_into(box: ft.TextField, *values: str) -> list[tuple[bool | None, ft.TextAlign | None]]:
    """Type ``values`` into ``box`` one change at a time, then leave it; what the box looked like at each redraw."""
    redraws: list[tuple[bool | None, ft.TextAlign | None]] = []
    box.update = lambda: redraws.append((box.rtl, box.text_align))  # type: ignore[method-assign]
    for value in values:
        box.value = value
        asyncio.run(box.on_change(ft.ControlEvent(name="change", data=value, control=box)))
    asyncio.run(box.on_blur(ft.ControlEvent(name="blur", data=None, control=box)))
    return redraws


def test_a_name_typed_right_to_left_moves_right_at_its_first_letter_and_turns_the_box_when_left() -> None:
    """Only the alignment follows the keys (turning the box itself drops the keyboard in the browser): one redraw at
    the first Arabic letter, none for the next ones, and the box turns right to left once the worker leaves it."""
    box = widgets.follow_writing_direction(widgets.text_input("First name"))
    assert _typed_into(box, "ف", "فا", "فاط") == [(False, ft.TextAlign.RIGHT), (True, None)]
    assert _typed_into(box, "فاط") == []


def test_a_latin_name_typed_over_an_arabic_one_moves_left() -> None:
    box = widgets.follow_writing_direction(widgets.text_input("First name", "فاطمة"))
    assert _typed_into(box, "", "F", "Fa") == [(True, ft.TextAlign.LEFT), (False, None)]


def test_a_box_that_follows_the_writing_direction_still_runs_its_own_handlers() -> None:
    typed: list[str] = []
    box = widgets.follow_writing_direction(
        ft.TextField(label="Search clients", on_change=lambda e: typed.append(e.data))
    )
    _typed_into(box, "ف", "فا")
    assert typed == ["ف", "فا"]
