"""The shape every validation problem takes: which field, which problem (a stable code with its values), and what is
wrong in plain English words.

Each kind of problem is declared once as a ``Problem``: a code that never changes ("session.service_date.future")
and an English message template marked for the catalogs. The rule that finds it says ``PROBLEM.at(field, limit=...)``.
The English message still travels (protocol v1 clients read it); the code and its values travel beside it, so a
device shows the problem in its worker's language whatever language the server speaks, and a server's refusal reads
as well as the device's own check.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from string import Formatter
from typing import Any

Params = Mapping[str, str | int]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field. ``field`` uses the wire name (``service_forms[0].services`` for nested ones).

    ``code`` and ``params`` name the problem for translation; a message from elsewhere (an older server) has no code
    and is shown as it came."""

    field: str
    message: str
    code: str = ""
    params: Params = dataclasses.field(default_factory=dict, hash=False)

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.code:
            found["code"] = self.code
            found["params"] = dict(self.params)
        return found

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "FieldError":
        """A problem as the server sent it; what is missing or of the wrong type is left out."""
        sent = data.get("params")
        params = sent if isinstance(sent, dict) else {}
        return cls(
            field=str(data.get("field", "")),
            message=str(data.get("message", "")),
            code=str(data.get("code") or ""),
            params={str(k): v for k, v in params.items() if isinstance(v, str | int) and not isinstance(v, bool)},
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """A kind of problem: its stable ``code`` and the English ``template`` of its message (``{limit}`` etc.)."""

    code: str
    template: str

    @property
    def names(self) -> frozenset[str]:
        """The values the template names (``limit`` in "at most {limit} characters")."""
        return frozenset(name for _text, name, _spec, _conv in Formatter().parse(self.template) if name)

    def at(self, field: str, **params: str | int) -> FieldError:
        return FieldError(field, _english(self.template, params), self.code, params)


PROBLEMS: dict[str, Problem] = {}
"""Every declared problem by code: what a device looks a server's code up in."""


def problem(code: str, template: str) -> Problem:
    """Declare a kind of problem (once per code)."""
    if code in PROBLEMS:
        raise ValueError(f"problem code {code!r} is declared twice")
    declared = PROBLEMS[code] = Problem(code, template)
    return declared


def _english(template: str, params: Params) -> str:
    """The English message: numbers with thousands separators, as the English screens write them."""
    return template.format(**{k: f"{v:,}" if isinstance(v, int) else v for k, v in params.items()})


class ValidationFailed(Exception):
    """Raised by use cases when a record cannot be saved; carries every problem at once."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, str]:
        """First message per field, which is what a form shows beside each control."""
        found: dict[str, str] = {}
        for error in self.errors:
            found.setdefault(error.field, error.message)
        return found
