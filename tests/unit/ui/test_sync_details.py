"""The Sync screen shows both versions of a conflicting record the way the worker writes numbers and days."""

import pytest

from app.i18n import translator
from app.ui.screens.sync_details import field_value

EN, FR = translator("en"), translator("fr")


@pytest.mark.parametrize(
    ("entity", "name", "value", "english", "french"),
    [
        ("session", "service_minutes", 1234, "1,234", "1\u00a0234"),
        ("session", "service_date", "2026-12-02", "Dec 2, 2026", "2 déc. 2026"),
        ("client", "date_of_birth", "1990-03-10", "Mar 10, 1990", "10 mars 1990"),
        ("session", "interpreter_present", True, "Yes", "Oui"),
        ("session", "service_forms", [{"id": "f1"}, {"id": "f2"}], "2 items", "2 éléments"),
        ("session", "notes", "2026-12-02", "2026-12-02", "2026-12-02"),  # text that looks like a day stays text
        ("session", "site_code", None, "—", "—"),
    ],
)
def test_a_conflicting_value_is_written_the_workers_way(entity, name, value, english, french) -> None:
    assert (field_value(entity, name, value, EN), field_value(entity, name, value, FR)) == (english, french)
