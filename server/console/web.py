"""Rendering console pages: one Jinja2 environment per language, and the headers every page carries.

Templates and static files load from the installed package (``PackageLoader``, importlib.resources), never from a
path beside the source. Pages hold personal data, so none is cached or framed, and the only scripts and styles
they run are the console's own (no CDN).
"""

import functools
from datetime import date, datetime
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from app.domain import codes
from server.audit import CHANNELS
from server.console.i18n import LANGUAGES, LOCALES, translate, translations
from server.core.messages import N_, Message

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
# The labels of the fixed vocabularies, by name, for templates (translated where shown).
VOCABULARIES = {
    "session_types": codes.SESSION_TYPES,
    "service_types": codes.SERVICE_TYPES,
    "delivery_methods": codes.DELIVERY_METHODS,
    "statuses": codes.SERVICE_STATUSES,
    "roles": codes.ROLES,
    "genders": codes.GENDERS,
    "marital_statuses": codes.MARITAL_STATUSES,
    "official_languages": codes.OFFICIAL_LANGUAGES,
    "immigration_categories": codes.IMMIGRATION_CATEGORIES,
    "services": {code: label for services in codes.SERVICES_BY_TYPE.values() for code, label in services.items()},
}


# A client's profile fields as the console shows them, in order, with the vocabulary of the coded ones.
CLIENT_FIELDS = (
    ("first_name", N_("First name"), None),
    ("last_name", N_("Last name"), None),
    ("preferred_name", N_("Preferred name"), None),
    ("latin_name", N_("Name in Latin letters"), None),
    ("own_script_name", N_("Name in own script"), None),
    ("date_of_birth", N_("Date of birth"), "date"),
    ("gender", N_("Gender"), "genders"),
    ("marital_status", N_("Marital status"), "marital_statuses"),
    ("official_language", N_("Preferred official language"), "official_languages"),
    ("country_of_origin", N_("Country of origin"), None),
    ("arrival_date", N_("Arrival date"), "date"),
    ("immigration_category", N_("Immigration category"), "immigration_categories"),
    ("phone", N_("Phone"), None),
    ("email", N_("Email"), None),
    ("address", N_("Address"), None),
    ("client_identifier", N_("Client identifier"), None),
    ("family_code", N_("Family code"), None),
)


@functools.cache
def environment(language: str) -> Environment:
    """The templates, speaking ``language``."""
    locale = LOCALES[language]
    gettext_ = translations(language).gettext
    env = Environment(
        loader=PackageLoader("server.console", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Jinja2's i18n extension adds this method to the environment when it loads, so type checkers cannot see it.
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["day"] = lambda value: format_date(_as_date(value), "medium", locale=locale) if value else ""
    env.filters["moment"] = lambda value: format_datetime(value, _to_the_minute(locale), locale=locale) if value else ""
    env.filters["number"] = lambda value: format_decimal(value, locale=locale)
    env.filters["label"] = lambda code, vocabulary: _label(gettext_, vocabulary, code)
    env.filters["message"] = lambda message: translate(message, gettext_)
    env.filters["report_gap"] = lambda gap: gap.said(gettext_)
    env.filters["hours"] = lambda minutes: f"{minutes // 60}:{minutes % 60:02d}"
    env.globals.update(language=language, languages=LANGUAGES, vocabularies=VOCABULARIES)
    env.globals["options"] = lambda vocabulary: [
        (code, gettext_(label)) for code, label in VOCABULARIES[vocabulary].items()
    ]
    env.globals["client_fields"] = CLIENT_FIELDS
    env.filters["client_value"] = lambda value, kind: _client_value(gettext_, locale, value, kind)
    env.filters["detail_value"] = lambda value, key: _detail_value(gettext_, locale, value, key)
    return env


def _to_the_minute(locale: Locale) -> str:
    """The locale's medium date and short time: the seconds of a sign-in or a sync only made French times long
    ("14 h 12 min 36 s") and wrapped table cells."""
    joined: str = locale.datetime_formats["medium"]
    return joined.replace("{1}", locale.date_formats["medium"].pattern).replace(
        "{0}", locale.time_formats["short"].pattern
    )


def _as_date(value: date | datetime | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _detail_value(gettext_: Any, locale: Locale, value: Any, key: str = "") -> str:
    """An audit event's detail as a reader would say it: yes or no, a number in their locale, how someone signed in
    in words; names and codes as they were recorded."""
    if isinstance(value, bool):
        return str(gettext_(N_("Yes")) if value else gettext_(N_("No")))
    if isinstance(value, int | float):
        return str(format_decimal(value, locale=locale))
    if isinstance(value, list):
        return ", ".join(_detail_value(gettext_, locale, item) for item in value)
    if key == "channel" and value in CHANNELS:
        return str(gettext_(CHANNELS[value]))
    return "" if value is None else str(value)


def _client_value(gettext_: Any, locale: Any, value: Any, kind: str | None) -> str:
    if value is None or value == "":
        return ""
    if kind == "date":
        return format_date(_as_date(value), "medium", locale=locale)
    return _label(gettext_, kind, value) if kind else str(value)


def _label(gettext_: Any, vocabulary: str, code: str | None) -> str:
    """The translated label of ``code`` in one of the fixed vocabularies; an unknown code shows as it is."""
    if not code:
        return ""
    label = VOCABULARIES[vocabulary].get(code)
    return gettext_(label) if label else code


def page(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    """The page ``template`` in the reader's language (``request.state.language``)."""
    language = request.state.language
    html = environment(language).get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def redirect(url: str) -> RedirectResponse:
    """After a form: see the result with a GET (a reload does not send the form again)."""
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def say(request: Request, message: Message) -> str:
    """A server message in the reader's language."""
    return translate(message, translations(request.state.language).gettext)
