"""Naming every problem of a malformed record, field by field, from the record's own struct definition.

msgspec stops at the first wrong field; a worker (and a server log) needs all of them at once. So a record that fails
the fast path is walked here against its struct's type information, and each problem becomes a ``FieldError`` with
the wire name (``service_forms[1].referrals[0].to``) and a plain message. Problems are chosen by a code with
parameters and the message is looked up from the code, so the words can later be translated without touching the
walk.
"""

from datetime import date
from functools import cache
from typing import Any

import msgspec
import msgspec.inspect as types

from app.domain.errors import FieldError

_MESSAGES = {
    "required": "This field is required.",
    "expected_object": "Expected an object.",
    "expected_text": "Expected text.",
    "too_long": "At most {limit:,} characters.",
    "nul": "Text cannot contain the NUL character.",
    "expected_integer": "Expected a whole number.",
    "expected_boolean": "Expected true or false.",
    "expected_date": "Expected a date as YYYY-MM-DD.",
    "expected_codes": "Expected a list of codes.",
    "code_too_long": "Each code can be at most {limit:,} characters.",
    "expected_list": "Expected a list.",
}


class WireErrors(Exception):
    """A record that cannot be read, with every reason."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def problem(field: str, code: str, **params: Any) -> FieldError:
    return FieldError(field, _MESSAGES[code].format(**params))


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
