"""Naming every problem of a malformed record, field by field, from the record's own struct definition.

msgspec stops at the first wrong field; a worker (and a server log) needs all of them at once. So a record that fails
the fast path is walked here against its struct's type information, and each problem becomes a ``FieldError`` with
the wire name (``service_forms[1].referrals[0].to``), a code with its values and a plain English message; a device
shows it in its worker's language from the code (``app.domain.errors.Problem``).

The server's other refusals of a pushed change (not allowed, not found) are declared here too, so the device knows
their codes.
"""

from datetime import date
from functools import cache
from typing import Any

import msgspec
import msgspec.inspect as types

from app.domain.errors import FieldError
from app.domain.errors import problem as declare
from app.domain.words import N_

_WIRE = {
    name: declare(f"wire.{name}", template)
    for name, template in {
        "required": N_("This field is required."),
        "expected_object": N_("Expected an object."),
        "expected_text": N_("Expected text."),
        "too_long": N_("At most {limit} characters."),
        "nul": N_("Text cannot contain the NUL character."),
        "expected_integer": N_("Expected a whole number."),
        "expected_boolean": N_("Expected true or false."),
        "expected_date": N_("Expected a date as YYYY-MM-DD."),
        "expected_codes": N_("Expected a list of codes."),
        "code_too_long": N_("Each code can be at most {limit} characters."),
        "expected_list": N_("Expected a list."),
    }.items()
}

# Why the server refuses a pushed change besides the record's own rules.
OP_ID_TAKEN = declare("push.op_id.taken", N_("This op_id was already used for another worker's change."))
ID_NOT_UUID = declare("push.id.not_uuid", N_("The record id must be a UUID written in lower case with hyphens."))
ENTITY_NOT_PUSHED = declare("push.entity.not_pushed", N_("Only client and session records can be pushed."))
SESSION_OF_OTHER_AGENCY = declare("push.session.other_agency", N_("This session belongs to another agency."))
SESSION_FOR_OTHER_AGENCY = declare(
    "push.session.for_other_agency", N_("You can only save sessions of your own agency.")
)
SESSION_NOT_ON_SERVER = declare(
    "push.session.not_on_server", N_("This session is not on the server, so it cannot be updated.")
)
SESSION_CREATOR_NOT_SIGNED_IN = declare(
    "push.session.creator", N_("A new session must be created by the worker signed in.")
)
SESSION_NOT_YOURS = declare(
    "push.session.not_allowed", N_("Only the session's creator, its staff or a supervisor can change it.")
)
SESSION_CREATOR_CHANGED = declare("push.session.creator_changed", N_("Who created a session cannot be changed."))
CLIENT_OF_OTHER_AGENCY = declare("push.client.other_agency", N_("This client belongs to another agency."))
CLIENT_FOR_OTHER_AGENCY = declare("push.client.for_other_agency", N_("You can only save clients of your own agency."))
CLIENT_NOT_ON_SERVER = declare(
    "push.client.not_on_server", N_("This client is not on the server, so it cannot be updated.")
)
CLIENT_REGISTRAR_NOT_SIGNED_IN = declare(
    "push.client.registrar", N_("A new client must be registered by the worker signed in.")
)
CLIENT_REGISTRAR_CHANGED = declare("push.client.registrar_changed", N_("Who registered a client cannot be changed."))
# Found by the device itself: the server answered 413 to a push of this change alone.
CHANGE_TOO_LARGE = declare(
    "push.change.too_large",
    N_("This change is too large to send: the server takes at most {limit} MB at once. Shorten its longest text."),
)


class WireErrors(Exception):
    """A record that cannot be read, with every reason."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def problem(field: str, code: str, **params: Any) -> FieldError:
    """The wire-shape problem ``code`` ("too_long") at ``field``."""
    return _WIRE[code].at(field, **params)


def required(field: str) -> FieldError:
    return problem(field, "required")


def field_problems(data: Any, record_type: type[msgspec.Struct], prefix: str = "") -> tuple[list[FieldError], Any]:
    """Every problem of ``data`` read as ``record_type``, and ``data`` with each ``null`` that stands for a default
    (and each empty date) dropped, which reads once there are no problems."""
    if not isinstance(data, dict):
        return [problem(prefix.rstrip(".") or "data", "expected_object")], data
    errors: list[FieldError] = []
    cleaned = dict(data)
    for field in _fields(record_type):
        path = prefix + field.encode_name
        value = data.get(field.encode_name)
        if value is None and not _nullable(field.type):
            cleaned.pop(field.encode_name, None)
            if field.required:
                errors.append(required(path))
            continue
        found, cleaned[field.encode_name] = _value_problems(value, _bare(field.type), path)
        errors += found
    return errors, cleaned


def _value_problems(value: Any, kind: types.Type, path: str) -> tuple[list[FieldError], Any]:
    if isinstance(kind, types.UnionType):  # ``X | None``: the only unions a record holds
        if value is None:
            return [], None
        kind = _bare(next(member for member in kind.types if not isinstance(member, types.NoneType)))
    if isinstance(kind, types.StrType):
        return _text_problems(value, kind, path), value
    if isinstance(kind, types.IntType):
        wrong = isinstance(value, bool) or not isinstance(value, int)
        return ([problem(path, "expected_integer")] if wrong else []), value
    if isinstance(kind, types.BoolType):
        return ([] if isinstance(value, bool) else [problem(path, "expected_boolean")]), value
    if isinstance(kind, types.DateType):
        return _date_problems(value, path)
    if isinstance(kind, types.ListType):
        return _list_problems(value, _bare(kind.item_type), path)
    if isinstance(kind, types.StructType):
        return field_problems(value, kind.cls, path + ".")
    raise TypeError(f"records hold no {kind!r}")  # a new kind of field needs its message here


def _text_problems(value: Any, kind: types.StrType, path: str) -> list[FieldError]:
    if not isinstance(value, str):
        return [problem(path, "expected_text")]
    if kind.max_length is not None and len(value) > kind.max_length:
        return [problem(path, "too_long", limit=kind.max_length)]
    return []


def _date_problems(value: Any, path: str) -> tuple[list[FieldError], Any]:
    if value == "":
        return [], None  # an empty date reads as no date
    try:
        return [], msgspec.convert(value, date)
    except msgspec.ValidationError:
        return [problem(path, "expected_date")], value


def _list_problems(value: Any, item: types.Type, path: str) -> tuple[list[FieldError], Any]:
    if isinstance(item, types.StructType):
        if not isinstance(value, list):
            return [problem(path, "expected_list")], value
        errors: list[FieldError] = []
        cleaned = []
        for index, element in enumerate(value):
            found, element = field_problems(element, item.cls, f"{path}[{index}].")
            errors += found
            cleaned.append(element)
        return errors, cleaned
    if not isinstance(value, list) or not all(isinstance(element, str) for element in value):
        return [problem(path, "expected_codes")], value
    limit = item.max_length if isinstance(item, types.StrType) else None
    if limit is not None and any(len(element) > limit for element in value):
        return [problem(path, "code_too_long", limit=limit)], value
    return [], value


def nul_problems(record: msgspec.Struct, prefix: str = "") -> list[FieldError]:
    """Text fields of a decoded record that hold the NUL character, which no keyboard types and PostgreSQL cannot
    store. Checked on every record read, so it is a few ``in`` tests per text field."""
    errors: list[FieldError] = []
    texts, code_lists, nested = _text_fields(type(record))
    for name in texts:
        value = getattr(record, name)
        if value and "\x00" in value:
            errors.append(problem(prefix + name, "nul"))
    for name in code_lists:
        if any("\x00" in code for code in getattr(record, name)):
            errors.append(problem(prefix + name, "nul"))
    for name in nested:
        for index, element in enumerate(getattr(record, name)):
            errors += nul_problems(element, f"{prefix}{name}[{index}].")
    return errors


@cache
def _fields(record_type: type[msgspec.Struct]) -> tuple[types.Field, ...]:
    info = types.type_info(record_type)
    assert isinstance(info, types.StructType)
    return info.fields


@cache
def _text_fields(record_type: type[msgspec.Struct]) -> tuple[list[str], list[str], list[str]]:
    """The attribute names of ``record_type`` holding text, lists of codes, and lists of nested records."""
    texts: list[str] = []
    code_lists: list[str] = []
    nested: list[str] = []
    for field in _fields(record_type):
        kind = _bare(field.type)
        if isinstance(kind, types.UnionType):
            kind = _bare(next(member for member in kind.types if not isinstance(member, types.NoneType)))
        if isinstance(kind, types.StrType):
            texts.append(field.name)
        elif isinstance(kind, types.ListType):
            (nested if isinstance(_bare(kind.item_type), types.StructType) else code_lists).append(field.name)
    return texts, code_lists, nested


def _bare(kind: types.Type) -> types.Type:
    """The type under a description or other metadata."""
    return kind.type if isinstance(kind, types.Metadata) else kind


def _nullable(kind: types.Type) -> bool:
    kind = _bare(kind)
    return isinstance(kind, types.UnionType) and any(isinstance(m, types.NoneType) for m in kind.types)
