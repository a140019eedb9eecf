"""The funder export's column layout, read from a mapping file (TOML) so an agency can follow a new template.

A mapping file names the template, then lists its sheets in upload order. A ``clients`` sheet has one row per client
profile; a ``services`` sheet one row per service form of the ``service_types`` it lists. Each column has a
``header`` and either a ``value`` (one of ``VALUES`` below: what Outpost puts there) or a ``fixed`` text; ``codes``
turns Outpost's codes into the funder's words, ``join`` writes a list in one cell and ``first`` keeps its first
item. docs/reports.md describes the format; server/reports/icare-bulk-upload.toml is the one that ships.
"""

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

from app.domain.clients import Client
from app.domain.codes import SERVICE_TYPES
from app.domain.sessions import ServiceForm, Session, split_service_time
from server.reports.labels import Labels

CLIENTS = "clients"
SERVICES = "services"
SHIPPED = "icare-bulk-upload.toml"
MAX_SHEET_NAME = 31  # Excel's limit
_FORBIDDEN_IN_SHEET_NAMES = set("[]:*?/\\")

Cell = str | int | float | date | bool | list[str] | None


class TemplateError(ValueError):
    """The mapping file cannot be used; the message names the sheet and column at fault."""


@dataclass(frozen=True, slots=True)
class RowSource:
    """What one row is made from: a client profile, and for a service row also the session and its form."""

    client: Client
    labels: Labels
    session: Session | None = None
    form: ServiceForm | None = None

    @property
    def of_session(self) -> Session:
        assert self.session is not None, "a services sheet row"
        return self.session

    @property
    def of_form(self) -> ServiceForm:
        assert self.form is not None, "a services sheet row"
        return self.form


Getter = Callable[[RowSource], Cell]


def _client(name: str) -> Getter:
    return lambda row: getattr(row.client, name)


def _session(name: str) -> Getter:
    return lambda row: getattr(row.of_session, name)


def _form(name: str) -> Getter:
    return lambda row: getattr(row.of_form, name)


CLIENT_VALUES: Mapping[str, Getter] = {
    f"client.{name}": _client(name)
    for name in (
        "id", "first_name", "last_name", "preferred_name", "latin_name", "own_script_name", "date_of_birth", "gender",
        "marital_status", "official_language", "country_of_origin", "arrival_date", "immigration_category", "phone",
        "email", "address", "client_identifier", "client_identifier_kind", "family_code",
    )
}  # fmt: skip
SERVICE_VALUES: Mapping[str, Getter] = {
    **{
        f"session.{name}": _session(name)
        for name in (
            "id",
            "service_date",
            "site_code",
            "session_type",
            "delivery_methods",
            "service_location_type",
            "interpreter_present",
            "interpreters",
            "service_minutes",
            "languages",
            "staff",
            "activity_name",
            "activity_topic",
        )
    },
    "session.site_name": lambda row: row.labels.sites.get(row.of_session.site_code or "", ""),
    "session.language_names": lambda row: [row.labels.languages.get(code, code) for code in row.of_session.languages],
    "session.service_location_label": lambda row: row.labels.location_types.get(
        row.of_session.service_location_type or "", ""
    ),
    "session.staff_names": lambda row: [row.labels.workers.get(user, user) for user in row.of_session.staff],
    "session.hours": lambda row: split_service_time(row.of_session.service_minutes)[0],
    "session.minutes": lambda row: split_service_time(row.of_session.service_minutes)[1],
    "session.clients_in_session": lambda row: len(row.of_session.service_forms),
    **{f"form.{name}": _form(name) for name in ("id", "service_type", "services", "client_attended", "status")},
    "form.referral_count": lambda row: len(row.of_form.referrals),
    "form.referred_to": lambda row: [referral.to for referral in row.of_form.referrals],
}
"""Every ``value`` a column may name; ``form.service:CODE`` (is that service ticked?) comes on top."""
_TICKED = "form.service:"


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    get: Getter
    codes: Mapping[str, str] = field(default_factory=dict)
    join: str = "; "
    first: bool = False


@dataclass(frozen=True, slots=True)
class SheetLayout:
    name: str
    records: str
    columns: tuple[Column, ...]
    service_types: frozenset[str] = frozenset()

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]


@dataclass(frozen=True, slots=True)
class ExportTemplate:
    name: str
    version: str
    yes: str
    no: str
    date_format: str
    sheets: tuple[SheetLayout, ...]

    def sheet_for(self, service_type: str | None) -> SheetLayout | None:
        return next((sheet for sheet in self.sheets if service_type in sheet.service_types), None)

    def cells(self, sheet: SheetLayout, row: RowSource) -> list[str | int | float | date | None]:
        """The sheet's row for ``row``, as the funder wants to read it."""
        return [self._cell(column, column.get(row)) for column in sheet.columns]

    def _cell(self, column: Column, value: Cell) -> str | int | float | date | None:
        if isinstance(value, list):
            words = [column.codes.get(item, item) for item in value]
            return (words[0] if words else "") if column.first else column.join.join(words)
        if isinstance(value, bool):
            return self.yes if value else self.no
        if isinstance(value, str):
            return column.codes.get(value, value)
        return value


def template_at(mapping: str) -> ExportTemplate:
    """The mapping file named by a setting (``Settings.export_mapping``), or the shipped one when it is empty."""
    return load_template(Path(mapping) if mapping else None)


def load_template(path: Path | None = None) -> ExportTemplate:
    """The mapping file at ``path``, or the one that ships; TemplateError says what is wrong with it."""
    if path is None:
        text = files("server.reports").joinpath(SHIPPED).read_text(encoding="utf-8")
        where = SHIPPED
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as problem:
            raise TemplateError(f"Cannot read the mapping file {path}: {problem.strerror}.") from problem
        where = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise TemplateError(f"{where} is not valid TOML: {problem}.") from problem
    return _template(data, where)


def _template(data: dict[str, Any], where: str) -> ExportTemplate:
    about = data.get("template", {})
    sheets = tuple(_sheet(raw, where) for raw in data.get("sheets", []))
    if not sheets or sheets[0].records != CLIENTS:
        raise TemplateError(f'{where}: the first sheet must be the client profiles (records = "clients").')
    names = [sheet.name.casefold() for sheet in sheets]
    if len(set(names)) != len(names):
        raise TemplateError(f"{where}: two sheets have the same name.")
    claimed = [service_type for sheet in sheets for service_type in sheet.service_types]
    if len(set(claimed)) != len(claimed):
        raise TemplateError(f"{where}: a service type is listed on more than one sheet.")
    return ExportTemplate(
        name=str(about.get("name", where)),
        version=str(about.get("version", "")),
        yes=str(about.get("yes", "Yes")),
        no=str(about.get("no", "No")),
        date_format=str(about.get("date_format", "yyyy-mm-dd")),
        sheets=sheets,
    )


def _sheet(raw: dict[str, Any], where: str) -> SheetLayout:
    name = str(raw.get("name", ""))
    if not name or len(name) > MAX_SHEET_NAME or set(name) & _FORBIDDEN_IN_SHEET_NAMES:
        raise TemplateError(f"{where}: sheet name {name!r} must be 1 to 31 characters, without []:*?/\\.")
    records = raw.get("records")
    if records not in (CLIENTS, SERVICES):
        raise TemplateError(f'{where}: sheet {name!r} needs records = "clients" or "services".')
    service_types = frozenset(raw.get("service_types", []))
    unknown = sorted(service_types - SERVICE_TYPES.keys())
    if unknown or (records == SERVICES) != bool(service_types):
        raise TemplateError(
            f"{where}: sheet {name!r}: a services sheet lists service_types from {', '.join(SERVICE_TYPES)}"
            f" (and a clients sheet none){'; unknown: ' + ', '.join(unknown) if unknown else ''}."
        )
    columns = tuple(_column(column, f"{where}: sheet {name!r}", records) for column in raw.get("columns", []))
    if not columns:
        raise TemplateError(f"{where}: sheet {name!r} has no columns.")
    return SheetLayout(name=name, records=records, columns=columns, service_types=service_types)


def _column(raw: dict[str, Any], where: str, records: str) -> Column:
    header = str(raw.get("header", ""))
    if not header:
        raise TemplateError(f"{where}: every column needs a header.")
    codes = {str(key): str(value) for key, value in raw.get("codes", {}).items()}
    join, first = str(raw.get("join", "; ")), bool(raw.get("first", False))
    if "fixed" in raw:
        fixed = str(raw["fixed"])
        return Column(header, lambda _row: fixed, codes=codes, join=join, first=first)
    value = str(raw.get("value", ""))
    allowed = CLIENT_VALUES if records == CLIENTS else {**CLIENT_VALUES, **SERVICE_VALUES}
    if value in allowed:
        return Column(header, allowed[value], codes=codes, join=join, first=first)
    if records == SERVICES and value.startswith(_TICKED):
        code = value.removeprefix(_TICKED)
        return Column(header, lambda row: code in row.of_form.services, codes=codes, join=join, first=first)
    raise TemplateError(f"{where}: column {header!r} has value {value!r}, which is not one Outpost can fill in.")
