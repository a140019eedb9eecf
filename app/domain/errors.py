"""The shape every validation problem takes: which field, and what is wrong in plain words."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field. ``field`` uses the wire name (``service_forms[0].services`` for nested ones)."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


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
