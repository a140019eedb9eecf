"""Names and typed text are laid out in their own writing direction inside a screen laid out left to right."""

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
