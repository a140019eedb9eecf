"""English and Canadian French: the app's message catalogs, and a translator for one worker's screens.

Every word a worker reads is a message of the ``outpost`` catalog (``app/locale/<locale>/LC_MESSAGES/outpost.po``):
screens call a ``Translator`` (``tr("Save Session")``, ``tr.ngettext(...)``), and tables built at import time (field
labels, vocabularies, domain error messages) mark their words with ``N_`` and are translated where they are shown.
``make catalogs`` extracts the messages and merges them into both catalogs; the unit tests fail while a French entry
is missing or fuzzy (see docs/translation.md).

The language belongs to a Flet session, never to the process: in web mode every browser tab is a session of the
same process, and two workers at two tablets may read two languages. So there is no "current language" here, only a
``Translator`` per language, which each session's ``AppContext`` holds and replaces when its worker switches.
Dates and numbers go through Babel for the language's Canadian locale ("2 déc. 2026", "1 234").
"""

import functools
import gettext
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from app.domain.words import N_

ENGLISH = "en"
FRENCH = "fr"
LANGUAGES = {ENGLISH: "English", FRENCH: "Français"}
"""The languages a worker can choose, each named in itself (the switch to French reads "Français" in English too)."""
DEFAULT_LANGUAGE = ENGLISH
DOMAIN = "outpost"
LOCALE_DIR = Path(__file__).parent / "locale"
CATALOG_LOCALES = {ENGLISH: "en", FRENCH: "fr_CA"}
"""The folder of each language's catalog under ``LOCALE_DIR``."""
_FORMAT_LOCALES = {ENGLISH: Locale.parse("en_CA"), FRENCH: Locale.parse("fr_CA")}
__all__ = ["LANGUAGES", "N_", "Translator", "supported_language", "translator"]


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / CATALOG_LOCALES[language] / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _catalog(language: str) -> gettext.NullTranslations:
    """The language's catalog, compiled in memory from its ``.po`` file once per process (no compiled file can lag
    behind it). Untranslated and fuzzy entries fall back to the English message."""
    with catalog_path(language).open("rb") as source:
        catalog = read_po(source, locale=CATALOG_LOCALES[language], domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def supported_language(tags: Iterable[str | None]) -> str | None:
    """The first of ``tags`` (locale tags in order of preference: "fr-CA", "fr_FR", "en") that the app speaks."""
    for tag in tags:
        language = (tag or "").replace("_", "-").split("-")[0].lower()
        if language in LANGUAGES:
            return language
    return None


@dataclass(frozen=True, slots=True)
class Translator:
    """The words, dates and numbers of one language. Call it like ``gettext``; named ``{placeholders}`` are filled
    in after translation, numbers and dates among them written the language's way."""

    language: str

    @property
    def locale(self) -> Locale:
        return _FORMAT_LOCALES[self.language]

    @property
    def name(self) -> str:
        """This language, named in itself ("Français")."""
        return LANGUAGES[self.language]

    def __call__(self, message: str, /, **params: Any) -> str:
        return self._fill(_catalog(self.language).gettext(message), params)

    def ngettext(self, singular: str, plural: str, count: int, /, **params: Any) -> str:
        """The form of the message for ``count`` (French and English count 0 and 1 differently); ``{num}`` in it
        is ``count`` written the language's way."""
        return self._fill(_catalog(self.language).ngettext(singular, plural, count), {"num": count, **params})

    def pgettext(self, context: str, message: str, /, **params: Any) -> str:
        """A message whose translation depends on where it is shown (``context``), e.g. a button and a heading
        that are the same word in English."""
        return self._fill(_catalog(self.language).pgettext(context, message), params)

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value: date | None, *, weekday: bool = False) -> str:
        """A day as people write it ("2 déc. 2026"; with ``weekday``, "mer. 2 déc. 2026"); "—" for none."""
        if value is None:
            return "—"
        if weekday:
            return format_skeleton("yMMMEd", value, locale=self.locale)
        return format_date(value, "medium", locale=self.locale)

    def datetime(self, value: datetime | None) -> str:
        """A moment in the device's time zone, short ("2026-12-02 14 h 05"); "—" for none."""
        if value is None:
            return "—"
        return format_datetime(value.astimezone(), "short", tzinfo=value.astimezone().tzinfo, locale=self.locale)

    def _fill(self, text: str, params: dict[str, Any]) -> str:
        if not params:
            return text
        return text.format(**{name: self._shown(value) for name, value in params.items()})

    def _shown(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return self.number(value)
        if isinstance(value, datetime):
            return self.datetime(value)
        if isinstance(value, date):
            return self.date(value)
        return value


@functools.cache
def translator(language: str) -> Translator:
    """The translator for ``language``, or for English when the app does not speak it."""
    return Translator(language if language in LANGUAGES else DEFAULT_LANGUAGE)
