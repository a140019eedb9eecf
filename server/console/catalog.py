"""Keeping the console's catalog whole: extracting its messages, and finding what would bypass it.

``make console-catalog`` extracts every message (``pybabel extract`` with ``babel.cfg``) into ``console.pot`` and
merges it into the French catalog; a translator then fills in the new entries. The unit tests fail while the
template holds a message the catalog lacks, while a French entry is missing or fuzzy, and while a template shows
text that does not go through the catalog.
"""

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

from app.domain import codes

# Labels of the fixed vocabularies are plain dictionaries in app.domain.codes (shared with the app, which has its
# own catalog); the console translates them where it shows them.
_VOCABULARIES = (
    codes.SESSION_TYPES,
    codes.DELIVERY_METHODS,
    codes.SERVICE_STATUSES,
    codes.OFFICIAL_LANGUAGES,
    codes.SERVICE_TYPES,
    *codes.SERVICES_BY_TYPE.values(),
    codes.GENDERS,
    codes.MARITAL_STATUSES,
    codes.IMMIGRATION_CATEGORIES,
    codes.ROLES,
)


def extract_vocabularies(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """A Babel extraction method: every label of the fixed vocabularies, as a message of the console."""
    for vocabulary in _VOCABULARIES:
        for label in vocabulary.values():
            yield 0, "gettext", label, []


# Attributes whose text people read or hear.
_READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
_JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.DOTALL)
_LETTERS = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
_ATTRIBUTES_ONLY = re.compile(r'^(\s*[\w-]+="[^"]*")+\s*$')  # a macro that writes attributes, not text


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.found += [value for name, value in attrs if name in _READ_ATTRIBUTES and value and _LETTERS.search(value)]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and _LETTERS.search(data) and not _ATTRIBUTES_ONLY.match(data):
            self.found.append(data.strip())


def text_outside_catalog(template_source: str) -> list[str]:
    """Words a template shows that do not come from an expression (so not through ``_()``/``{% trans %}``)."""
    finder = _TextFinder()
    finder.feed(_JINJA.sub(" ", template_source))
    return finder.found
