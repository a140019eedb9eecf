"""The shipped reference lists and the demo agency, read from the CSV files under ``seed_data/data/``.

The languages and types of service location are the lists every agency's server offers; the demo agency, its sites
and workers let someone try the app (and the tests drive it) without real data. Files are checked as they are read,
so a hand-edited CSV with a repeated code fails at once with the file and line instead of surfacing later as a
primary-key error deep in a sync.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import NamedTuple

from app.domain.codes import ROLES

DEMO_PASSWORD = "outpost-demo"
"""Shared by every demo worker. Demo data only: never load the demo accounts next to real client records."""


class SignIn(NamedTuple):
    user_id: str
    password: str


DEMO_SIGN_IN = SignIn(user_id="mhernandez", password=DEMO_PASSWORD)
"""A field worker (not a supervisor) of the demo agency, for a quick first sign-in and for end-to-end tests."""
DEMO_ADMINISTRATOR = SignIn(user_id="souellet", password=DEMO_PASSWORD)
"""The demo agency's administrator, who runs its console (workers, sites, devices, settings)."""
DEMO_SUPERVISOR = SignIn(user_id="ayusuf", password=DEMO_PASSWORD)
"""A supervisor of the demo agency: every session, reports and duplicate clients on the console."""


@dataclass(frozen=True, slots=True)
class Agency:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Site:
    code: str
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class DemoWorker:
    user_id: str
    name: str
    role: str
    password: str


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    name: str
    name_fr: str = ""  # empty: no French name, the English one is shown


@dataclass(frozen=True, slots=True)
class LocationType:
    code: str
    label: str
    label_fr: str = ""


@dataclass(frozen=True, slots=True)
class DemoReference:
    agency: Agency
    sites: list[Site]
    workers: list[DemoWorker]
    languages: list[Language]
    location_types: list[LocationType]


class ReferenceDataError(ValueError):
    """A reference CSV that cannot be used as it is; the message names the file and line to fix."""


CsvFile = Path | Traversable
"""A CSV to read: a file an administrator names, or one shipped inside this package."""


def shipped(folder: str, name: str) -> Traversable:
    """A CSV shipped in ``seed_data/data/<folder>``, found through the package (importlib.resources), so it is
    found the same way from a checkout, an installed wheel or a zipped app bundle."""
    return files("seed_data").joinpath("data", folder, name)


def load_demo_reference() -> DemoReference:
    """The demo agency with its sites and workers, plus the shared language and location-type lists."""
    return DemoReference(
        agency=_load_agency(shipped("demo", "agency.csv")),
        sites=load_sites(shipped("demo", "sites.csv")),
        workers=_load_demo_workers(shipped("demo", "workers.csv")),
        languages=load_languages(),
        location_types=load_location_types(),
    )


def load_languages(path: Path | None = None) -> list[Language]:
    """Languages a session can be delivered in, in file order; the shipped list unless ``path`` is given. The
    French name (``name_fr``) may be blank, or its column absent from a file written before it was added."""
    columns = ("code", "name", "name_fr")
    rows = _read_unique(path or shipped("reference", "languages.csv"), columns, optional=columns[2:], added=columns[2:])
    return [Language(code=row["code"], name=row["name"], name_fr=row["name_fr"]) for row in rows]


def load_location_types(path: Path | None = None) -> list[LocationType]:
    """Types of service location, in file order; the shipped list unless ``path`` is given. The French name
    (``label_fr``) is optional, as for languages."""
    columns = ("code", "label", "label_fr")
    shipped_file = shipped("reference", "service_location_types.csv")
    rows = _read_unique(path or shipped_file, columns, optional=columns[2:], added=columns[2:])
    return [LocationType(code=row["code"], label=row["label"], label_fr=row["label_fr"]) for row in rows]


def load_sites(path: CsvFile) -> list[Site]:
    """Sites from a ``code,name,address`` CSV (the address may be blank)."""
    rows = _read_unique(path, ("code", "name", "address"), optional=("address",))
    return [Site(code=row["code"], name=row["name"], address=row["address"]) for row in rows]


def _load_agency(path: CsvFile) -> Agency:
    rows = _read_unique(path, ("id", "name"))
    if len(rows) != 1:
        raise ReferenceDataError(f"{path}: expected exactly one agency, found {len(rows)}")
    return Agency(id=rows[0]["id"], name=rows[0]["name"])


def _load_demo_workers(path: CsvFile) -> list[DemoWorker]:
    numbered = list(_numbered_rows(path, ("user_id", "name", "role"), optional=()))
    for line, row in numbered:
        if row["role"] not in ROLES:
            raise ReferenceDataError(f"{path} line {line}: role {row['role']!r} is not one of {', '.join(ROLES)}")
    _check_unique(path, ((line, row["user_id"]) for line, row in numbered))
    return [DemoWorker(row["user_id"], row["name"], row["role"], DEMO_PASSWORD) for _, row in numbered]


def _read_unique(
    path: CsvFile, columns: tuple[str, ...], optional: tuple[str, ...] = (), added: tuple[str, ...] = ()
) -> list[dict[str, str]]:
    """Rows of ``path`` whose first column is a key that must not repeat."""
    numbered = list(_numbered_rows(path, columns, optional, added))
    _check_unique(path, ((line, row[columns[0]]) for line, row in numbered))
    return [row for _, row in numbered]


def _numbered_rows(
    path: CsvFile, columns: tuple[str, ...], optional: tuple[str, ...], added: tuple[str, ...] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row with its line number, values trimmed; every column not in ``optional`` must have a value.
    The last ``added`` columns may be missing from the file altogether (one written before they were added): they
    read as blank."""
    older = columns[: len(columns) - len(added)]
    with path.open("r", encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file)
        header = next(reader, None)
        found = tuple(name.strip() for name in header) if header is not None else None
        if found not in (columns, older):
            raise ReferenceDataError(f"{path} line 1: expected the header {','.join(columns)}, found {header}")
        missing_columns = len(columns) - len(found or ())
        for values in reader:
            values = values + [""] * missing_columns if missing_columns and len(values) == len(older) else values
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(columns):
                raise ReferenceDataError(
                    f"{path} line {reader.line_num}: expected {len(columns)} values, found {len(values)}"
                )
            row = dict(zip(columns, (value.strip() for value in values), strict=True))
            missing = [name for name in columns if not row[name] and name not in optional]
            if missing:
                raise ReferenceDataError(f"{path} line {reader.line_num}: no value for {', '.join(missing)}")
            yield reader.line_num, row


def _check_unique(path: CsvFile, keys: Iterable[tuple[int, str]]) -> None:
    first_seen: dict[str, int] = {}
    for line, key in keys:
        if key in first_seen:
            raise ReferenceDataError(f"{path} line {line}: {key!r} repeats line {first_seen[key]}")
        first_seen[key] = line
