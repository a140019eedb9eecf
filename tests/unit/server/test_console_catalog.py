"""The console's words all go through its catalog (domain "console"), and the French catalog says every one.

Like the app's check (tests/unit/i18n/test_catalogs.py), these fail while the code or a template holds a message the
catalog lacks (run ``make catalogs`` and translate the new entries), while a French entry is empty or fuzzy or drops
a placeholder, and while a template or a console module shows words that bypass the catalog.
"""

import ast
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from unit.i18n.test_catalogs import _words_in

from server.console.catalog import text_outside_catalog
from server.console.i18n import FRENCH, catalog_path

ROOT = Path(__file__).resolve().parents[3]
CONSOLE = ROOT / "server" / "console"
NOT_SHOWN = {
    ("auth.py", "Sign in first."): "an exception's text; the reader is sent to the sign-in page instead",
    ("i18n.py", "English"): "each language's button is named in that language, the same on every page",
    ("i18n.py", "Français"): "each language's button is named in that language, the same on every page",
    **{("web.py", header): "an HTTP header's name" for header in (
        "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control", "X-Frame-Options")},
}  # fmt: skip
"""Literal words in the console's modules that no reader sees in a sentence, with the reason."""
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None}


def _extracted() -> set[tuple[object, str | None]]:
    """Every message of the console, found as ``make catalogs`` finds it (server code, templates, vocabularies)."""
    with (CONSOLE / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {
        (message, context)
        for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map=method_map, options_map=options_map, keywords=KEYWORDS
        )
    }


@pytest.fixture(scope="module")
def french():
    with catalog_path(FRENCH).open("rb") as source:
        return read_po(source, locale="fr_CA")


def test_the_catalog_holds_exactly_the_consoles_messages(french) -> None:
    held = {(message.id, message.context) for message in french if message.id}
    extracted = _extracted()
    assert not extracted - held, f"not in the console's catalog (run `make catalogs`): {extracted - held}"
    assert not held - extracted, f"no longer used (run `make catalogs`): {held - extracted}"


def test_every_french_entry_is_translated_settled_and_keeps_its_placeholders(french) -> None:
    wrong = []
    for message in french:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        source = message.id if isinstance(message.id, str) else message.id[1]
        if "fuzzy" in message.flags or not all(forms) or any(_placeholders(form) != _placeholders(source)
                                                            for form in forms):  # fmt: skip
            wrong.append(message.id)
    assert not wrong


def _placeholders(text: str) -> set[str]:
    braces = {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name}
    return braces | {part.split(")")[0] for part in text.split("%(")[1:]}


def test_no_template_shows_words_outside_the_catalog() -> None:
    found = {
        path.name: words
        for path in sorted((CONSOLE / "templates").glob("*.html"))
        if (words := text_outside_catalog(path.read_text(encoding="utf-8")))
    }
    assert not found


def test_no_console_module_hands_a_page_words_outside_the_catalog() -> None:
    found = [
        f"{path.name}:{line}: {text!r}"
        for path in sorted(CONSOLE.rglob("*.py"))
        for line, text in _words_in(ast.parse(path.read_text(encoding="utf-8")))
        if (path.name, text) not in NOT_SHOWN and not text.startswith("default-src")  # the CSP's value
    ]
    assert not found


def test_the_template_check_can_fail() -> None:
    assert text_outside_catalog('<p title="Delete it">Save {{ _("Session") }}</p><p>{{ name }}</p>') == [
        "Delete it",
        "Save",
    ]
