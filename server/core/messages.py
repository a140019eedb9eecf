"""Words the server says to people, kept translatable: a catalog message id and its values, not a finished string.

The command line prints a message in English (``str(message)``); the console looks its ``text`` up in the reader's
language first (``server.console.i18n``). ``N_`` marks a literal as a message id for extraction without translating
it where it is written, since the language is only known when it is shown.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(text: str) -> str:
    return text


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text.format(**self.params)


class Refused(Exception):
    """An action refused for a reason the person can fix; ``message`` says it in words they can be shown, and
    ``field`` names the form field to fix, when there is one."""

    def __init__(self, text: str, *, field: str = "", **params: Any):
        self.message = Message(text, params)
        self.field = field
        super().__init__(str(self.message))
