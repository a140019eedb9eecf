"""Reference lists for the forms' pickers: sites, workers, languages and types of service location."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, Select, bindparam, exists, literal, null, select, union_all
from sqlalchemy.orm import Session as DbSession

from app.domain.sessions import KnownCodes, Session
from app.domain.text import fold
from app.store.db import DeviceDatabase
from app.store.models import LanguageRow, LocationTypeRow, SiteRow, WorkerRow


@dataclass(frozen=True, slots=True)
class SiteOption:
    code: str
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class ReferenceLists:
    sites: list[SiteOption]
    workers: list[Option]
    languages: list[Option]
    location_types: list[Option]

    def worker_name(self, user_id: str) -> str:
        return next((w.label for w in self.workers if w.code == user_id), user_id)

    def language_name(self, code: str) -> str:
        return next((lang.label for lang in self.languages if lang.code == code), code)


def load_reference_lists(db: DeviceDatabase) -> ReferenceLists:
    """Active sites and workers, all languages and location types, sorted for display."""
    with db.reads() as tx:
        sites = tx.scalars(select(SiteRow).where(SiteRow.active).order_by(SiteRow.code))
        workers = tx.scalars(select(WorkerRow).where(WorkerRow.active).order_by(WorkerRow.name))
        languages = tx.scalars(select(LanguageRow).order_by(LanguageRow.name))
        locations = tx.scalars(select(LocationTypeRow).order_by(LocationTypeRow.label))
        return ReferenceLists(
            sites=[SiteOption(s.code, s.name, s.address) for s in sites],
            workers=[Option(w.user_id, w.name) for w in workers],
            languages=[Option(lang.code, lang.name) for lang in languages],
            location_types=[Option(loc.code, loc.label) for loc in locations],
        )


def find_sites(db: DeviceDatabase, text: str, *, limit: int = 100) -> list[SiteOption]:
    """The "Find..." dialog's filter: sites whose code, name or address contains every typed word."""
    words = fold(text).split()
    sites = load_reference_lists(db).sites
    matches = [s for s in sites if all(word in fold(f"{s.code} {s.name} {s.address}") for word in words)]
    return matches[:limit]


def known_codes(tx: DbSession, session: Session) -> KnownCodes:
    """Of the codes ``session`` uses, those a saved session may use, list by list. A list not yet synced (empty)
    is ``None``: it is not checked, so offline work can go on.

    Validation only asks about the session's own codes, so looking up just those answers exactly as the whole
    lists would. Every save calls this, and an agency may have thousands of sites: it is one statement of a few
    primary-key reads, plus a "has the list any usable row" probe for each list.
    """
    used = {
        "sites": [session.site_code] if session.site_code else [],
        "service_location_types": [session.service_location_type] if session.service_location_type else [],
        "languages": list(session.languages),
        "workers": list(session.staff),
    }
    found: dict[str, set[str]] = {name: set() for name in used}
    synced: set[str] = set()
    for name, code in tx.connection().execute(_KNOWN_CODES, used):
        if code is None:
            synced.add(name)
        else:
            found[name].add(code)
    return KnownCodes(**{name: found[name] if name in synced else None for name in used})


def _usable(name: str, code: Column[str], *conditions: ColumnElement[bool]) -> list[Select[Any]]:
    """For the list ``name``: the usable rows among the codes bound to ``name``, and one NULL row if it has any."""
    table = code.table
    return [
        select(literal(name), code).where(code.in_(bindparam(name, expanding=True)), *conditions),
        select(literal(name), null()).where(exists(select(literal(1)).select_from(table).where(*conditions))),
    ]


_KNOWN_CODES = union_all(
    *_usable("sites", SiteRow.__table__.c.code, SiteRow.__table__.c.active),
    *_usable("service_location_types", LocationTypeRow.__table__.c.code),
    *_usable("languages", LanguageRow.__table__.c.code),
    *_usable("workers", WorkerRow.__table__.c.user_id, WorkerRow.__table__.c.active),
)
