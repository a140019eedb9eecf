"""Reference lists for the forms' pickers: sites, workers, languages and types of service location."""

from dataclasses import dataclass

from sqlalchemy import Select, select

from app.domain.sessions import KnownCodes
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


def known_codes(db: DeviceDatabase) -> KnownCodes:
    """Codes a saved session may use. A list not yet synced (empty) is not checked, so offline work can go on.

    Reads only the code columns into sets: every save calls this, and an agency may have thousands of sites.
    """
    with db.reads() as tx:

        def codes(statement: Select[tuple[str]]) -> set[str] | None:
            return set(tx.scalars(statement)) or None

        return KnownCodes(
            sites=codes(select(SiteRow.code).where(SiteRow.active)),
            service_location_types=codes(select(LocationTypeRow.code)),
            languages=codes(select(LanguageRow.code)),
            workers=codes(select(WorkerRow.user_id).where(WorkerRow.active)),
        )
