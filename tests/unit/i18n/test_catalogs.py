"""The app's words all go through the catalogs, and the French catalog says every one of them.

These tests are the CI check of docs/translation.md: they fail while the code holds a message the catalogs lack (run
``make catalogs`` and translate the new entries), while a French entry is empty or fuzzy, while a translation drops
or renames a ``{placeholder}``, and while a screen shows words that bypass the catalogs.
"""

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.i18n import CATALOG_LOCALES, LANGUAGES, catalog_path
from server.console.i18n import catalog_path as console_catalog_path

ROOT = Path(__file__).resolve().parents[3]
KEYWORDS = {**DEFAULT_KEYWORDS, "tr": None, "N_": None}
"""As ``make catalogs-extract`` calls them: ``tr(...)`` on screens, ``N_(...)`` in tables."""
TRANSLATING_CALLS = {"tr", "N_", "ngettext", "pgettext"}
UNSHOWN_CALLS = {
    *("debug", "info", "warning", "error", "exception", "TypeVar", "ParamSpec"),
    *("NotFound", "NotSignedIn", "SyncBusy"),
}
"""Log lines, type variables, and exceptions caught before any worker reads them."""
SCANNED = ("app/ui", "app/usecases", "sync")
"""Where words shown to a worker are written: screens, what use cases hand them (e.g. a refused sign-in), and why a
sync failed (the Sync screen's last problem)."""
HTTP_HEADERS = ("Content-Type", "Content-Encoding", "Authorization", "Bearer {}", "Retry-After")
NOT_SHOWN = {
    ("app/ui/screens/sign_in.py", "Outpost"): "the app's name, the same in every language",
    ("app/ui/screens/sign_in.py", "Outpost{} ({})"): "the device's name: the app's, the platform's (see device_name)",
    ("app/ui/fonts.py", "Roboto"): "a font's name, which the text theme refers to",
    **{("sync/transport.py", header): "an HTTP header's name or value" for header in HTTP_HEADERS},
}
"""Literal words in the scanned folders that no worker reads in a sentence, with the reason."""
_LETTERS = re.compile(r"[^\W\d_]{2,}")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
Message = str | tuple[str, str]


def _extracted() -> dict[tuple[Message, str | None], str]:
    """Every message in the code (as ``make catalogs-extract`` finds it, with the same babel.cfg), and where."""
    with (ROOT / "app" / "locale" / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map=method_map, options_map=options_map, keywords=KEYWORDS
    ):
        found.setdefault((message, context), f"{filename}:{lineno}")
    return found


def _catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as source:
        return read_po(source, locale=CATALOG_LOCALES[language])


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[Message, str | None], str]:
    return _extracted()


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_each_catalog_holds_exactly_the_messages_of_the_code(language: str, extracted) -> None:
    catalog = _catalog(language)
    held = {(message.id, message.context) for message in catalog if message.id}
    missing = [f"{where}: {key[0]!r}" for key, where in extracted.items() if key not in held]
    stale = [repr(key[0]) for key in held - extracted.keys()]
    assert not missing, f"not in the {language} catalog (run `make catalogs`): {missing}"
    assert not stale, f"no longer in the code (run `make catalogs`): {stale}"


def test_every_french_entry_is_translated_and_settled() -> None:
    untranslated = [
        message.id
        for message in _catalog("fr")
        if message.id and ("fuzzy" in message.flags or not all(_forms(message.string)))
    ]
    assert not untranslated, f"French entries empty or fuzzy: {untranslated}"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_translations_keep_every_placeholder(language: str) -> None:
    """A translation that renames ``{name}`` would fail at run time; one that drops it would lose the value."""
    wrong = []
    for message in _catalog(language):
        expected = _placeholders(message.id if isinstance(message.id, str) else message.id[1])
        for form in _forms(message.string):
            if form and _placeholders(form) != expected:
                wrong.append((message.id, form))
    assert not wrong


@pytest.mark.parametrize("catalog_file", [*sorted(CATALOG_LOCALES.values()), "console"])
def test_each_catalog_passes_babels_compile_checks(catalog_file: str) -> None:
    """What ``pybabel compile`` refuses or warns about (a plural entry with the wrong number of forms for its
    locale, a format flag its translation breaks), and a header whose plural rule is not the locale's. The app and
    the console compile their catalogs in memory at start; this is the check a compiled file would have had."""
    path, locale = _catalog_file(catalog_file)
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale)
    problems = [f"{message.id!r}: {'; '.join(map(str, errors))}" for message, errors in catalog.check()]
    expected_plural_forms = Catalog(locale=locale).plural_forms
    assert catalog.plural_forms == expected_plural_forms, (
        f"{path}: Plural-Forms {catalog.plural_forms!r}, not {locale}'s {expected_plural_forms!r} (run `make catalogs`)"
    )
    assert not problems, f"{path} does not compile cleanly: " + "; ".join(problems)


def _catalog_file(name: str) -> tuple[Path, str]:
    if name == "console":
        return Path(str(console_catalog_path())), "fr_CA"
    language = next(language for language, locale in CATALOG_LOCALES.items() if locale == name)
    return catalog_path(language), name


def test_no_words_shown_to_a_worker_bypass_the_catalogs() -> None:
    found = [f"{path}:{line}: {text!r}" for path, line, text in _words_outside_catalog()]
    assert not found, "translate these with tr(...) (or N_ in a table): " + "; ".join(found)


def test_the_scan_finds_words_in_literals_and_f_strings() -> None:
    """The check above can fail: plain and formatted literals with words are caught, codes and routes are not."""
    source = """
label = "Save Session"
note = f"{count} waiting to sync"
ok = tr("Save Session"), N_("Site"), f"/sessions/{session_id}", "save-session", "xs", f"{a} · {b}"
"""
    assert [text for _line, text in _words_in(ast.parse(source))] == ["Save Session", "{} waiting to sync"]


def _forms(translation: str | tuple[str, ...]) -> tuple[str, ...]:
    return translation if isinstance(translation, tuple) else (translation,)


def _placeholders(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}


def _words_outside_catalog() -> Iterator[tuple[str, int, str]]:
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for line, text in _words_in(ast.parse(path.read_text(encoding="utf-8"))):
                if (relative, text) not in NOT_SHOWN:
                    yield relative, line, text


def _words_in(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """String literals that read as words (letters and a space, or a capitalised word), outside docstrings,
    translating calls and logging."""
    skipped = _skipped_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if _reads_as_words(text):
            yield node.lineno, text


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """Docstrings (of modules, classes, functions and attributes), the messages handed to ``tr``/``N_``/…, what
    ``UNSHOWN_CALLS`` are given, and every literal inside an f-string (the f-string is judged whole)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skipped.add(id(node.value))
        if isinstance(node, ast.Call) and _call_name(node) in TRANSLATING_CALLS | UNSHOWN_CALLS:
            skipped.update(id(child) for arg in node.args for child in ast.walk(arg))
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(part) for part in node.values)
    return skipped


def _call_name(call: ast.Call) -> str:
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def _reads_as_words(text: str) -> bool:
    if text.startswith("/"):
        return False  # a route
    bare = _PLACEHOLDER.sub("", text).strip()
    if not _LETTERS.search(bare):
        return False
    return " " in bare or (bare[:1].isupper() and not bare.isupper())
