"""The console in English and Canadian French: which language a reader gets, and the catalog that says it.

The catalog is the ``console`` domain under ``server/console/locale`` (its own, apart from the app's, as the server
installs without the app). It is read from the ``.po`` file when first needed, so no compiled file has to be kept
in step; the translations are fixed data, the same in every server process. A reader's language is their choice
(a cookie, set by the language button), else their browser's preference, else English.
"""

import functools
import gettext
from collections.abc import Callable
from importlib import resources
from io import BytesIO
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from server.core.messages import Message

DOMAIN = "console"
ENGLISH = "en"
FRENCH = "fr"
LANGUAGES = {ENGLISH: "English", FRENCH: "Français"}
LOCALES = {ENGLISH: Locale.parse("en_CA"), FRENCH: Locale.parse("fr_CA")}
_CATALOG_LOCALE = {FRENCH: "fr_CA"}


def catalog_path(language: str = FRENCH) -> Any:
    """Where the language's catalog lives inside the installed package."""
    return resources.files("server.console") / "locale" / _CATALOG_LOCALE[language] / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The console's words in ``language``; untranslated and fuzzy entries fall back to English."""
    if language not in _CATALOG_LOCALE:
        return gettext.NullTranslations()
    with catalog_path(language).open("rb") as source:
        catalog = read_po(source, locale=_CATALOG_LOCALE[language], domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def choose_language(chosen: str | None, accept_language: str | None) -> str:
    """The reader's choice if it is one we speak, else the first of their browser's languages we speak."""
    if chosen in LANGUAGES:
        return chosen
    preferences = []
    for part in (accept_language or "").split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            preferences.append((float(quality or 1), tag.split("-")[0].lower()))
        except ValueError:
            continue
    for _quality, tag in sorted(preferences, key=lambda item: -item[0]):
        if tag in LANGUAGES:
            return tag
    return ENGLISH


def translate(message: Message, gettext_: Callable[[str], str]) -> str:
    """A server message in the reader's language, with any messages among its values translated too."""
    params = {
        name: translate(value, gettext_) if isinstance(value, Message) else value
        for name, value in message.params.items()
    }
    return gettext_(message.text).format(**params)
