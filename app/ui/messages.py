"""Problems and vocabularies in the worker's language: domain errors, choice labels, Yes/No.

The domain and the server describe a problem by field and message; the message is an English template marked for
the catalog, so the screens look it up and fill it in here rather than showing the English words.
"""

from collections.abc import Iterable, Mapping

import app.domain.clients
import app.domain.sessions
import protocol.problems
from app.domain.errors import PROBLEMS, FieldError
from app.i18n import Translator
from app.usecases.device import SYNC_PROBLEM_MODULES

DECLARING_PROBLEMS = (app.domain.sessions, app.domain.clients, protocol.problems, *SYNC_PROBLEM_MODULES)
"""The modules that declare every problem a device can be told about (so their codes are known here), a failed
sync's included."""


def error_text(error: FieldError, tr: Translator) -> str:
    """``error``'s message in the worker's language: its problem's template translated and filled in; the message as
    it came when its code is unknown here (a newer server's) or it has none (an older server's)."""
    problem = PROBLEMS.get(error.code)
    if problem is None:
        return tr(error.message)
    if not problem.names <= error.params.keys():  # values missing for the template: the English words still do
        return error.message
    return tr(problem.template, **error.params)


def first_messages(errors: Iterable[FieldError], tr: Translator) -> dict[str, str]:
    """The message each field shows beside it, in the worker's language: the first one reported for that field."""
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.field, error_text(error, tr))
    return found


def choice_labels(choices: Mapping[str, str], tr: Translator) -> dict[str, str]:
    """A vocabulary's labels (code → English words marked for the catalog) in the worker's language."""
    return {code: tr(label) for code, label in choices.items()}


def choice_label(choices: Mapping[str, str], code: str | None, tr: Translator) -> str:
    """One code's label in the worker's language; an unknown code is shown as it is, nothing as empty."""
    if not code:
        return ""
    return tr(choices[code]) if code in choices else code


def yes_no(value: bool, tr: Translator) -> str:
    return tr("Yes") if value else tr("No")
