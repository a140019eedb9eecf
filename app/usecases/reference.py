"""Reference lists for the forms' pickers: sites, workers, languages and types of service location."""

from dataclasses import dataclass

from app.domain.text import fold
from app.usecases.context import UnitsOfWork


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


def load_reference_lists(db: UnitsOfWork, *, french: bool = False) -> ReferenceLists:
    """Active sites and workers, all languages and location types, sorted for display; with ``french``, languages
    and location types named in French where the server gave a French name (else in English)."""
    with db.reading() as uow:
        rows = uow.reference.lists(french=french)
    return ReferenceLists(
        sites=[SiteOption(*site) for site in rows.sites],
        workers=[Option(*worker) for worker in rows.workers],
        languages=[Option(*language) for language in rows.languages],
        location_types=[Option(*location) for location in rows.location_types],
    )


def find_sites(db: UnitsOfWork, text: str, *, limit: int = 100) -> list[SiteOption]:
    """The "Find..." dialog's filter: sites whose code, name or address contains every typed word."""
    words = fold(text).split()
    sites = load_reference_lists(db).sites
    matches = [s for s in sites if all(word in fold(f"{s.code} {s.name} {s.address}") for word in words)]
    return matches[:limit]
