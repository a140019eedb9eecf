"""What every console page's template receives, and how a form's problems are shown.

Problems are listed in an error summary at the top of the page (each linking to its field) and again at the field,
so a screen reader user hears them on arrival and finds each one where it is.
"""

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from server.console.auth import Viewer
from server.console.web import say
from server.core.messages import Message, Refused


@dataclass(slots=True)
class Problems:
    """A form's problems, by field id ("" for the form as a whole)."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, field_id: str, text: str) -> None:
        self.by_field.setdefault(field_id, []).append(text)

    def refused(self, request: Request, refusal: Refused, *, default_field: str = "") -> None:
        self.add(refusal.field or default_field, say(request, refusal.message))

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def summary(self) -> list[tuple[str, str]]:
        return [(field_id, text) for field_id, texts in self.by_field.items() for text in texts]


def context(viewer: Viewer | None, **values: Any) -> dict[str, Any]:
    """The values every page's layout needs, plus the page's own."""
    base: dict[str, Any] = {"viewer": viewer, "csrf_token": viewer.csrf_token if viewer else "", "problems": Problems()}
    return base | values


def text(request: Request, message: str, **params: Any) -> str:
    """``message`` (an ``N_`` message id) in the reader's language."""
    return say(request, Message(message, params))
