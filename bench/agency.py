"""The synthetic agency every figure works in: one seed gives the same sites, workers and clients everywhere."""

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.clients import Client
from app.domain.sessions import Session
from app.store.db import DeviceDatabase
from app.usecases.context import Actor
from bench.device import store_reference
from bench.server_seed import AgencySeed
from seed_data.reference import DemoWorker, Site, load_languages, load_location_types
from seed_data.synthetic import synthetic_clients, synthetic_sites, synthetic_workers

AGENCY_ID = "agency-bench"
AGENCY_NAME = "Benchmark Settlement Services"


@dataclass(frozen=True, slots=True)
class Agency:
    sites: list[Site]
    workers: list[DemoWorker]
    clients: list[Client]

    @property
    def field_workers(self) -> list[DemoWorker]:
        return [worker for worker in self.workers if worker.role == "worker"]

    def seed(self, sessions: Sequence[Session] = ()) -> AgencySeed:
        """What the central database holds for this agency: everything here, plus ``sessions``."""
        return AgencySeed(AGENCY_ID, AGENCY_NAME, self.sites, self.workers, self.clients, sessions)


def make_agency(*, sites: int, workers: int, clients: int, seed: int) -> Agency:
    """``workers`` includes every tenth as a supervisor (the generator's rule); clients are registered by the first."""
    staff = list(synthetic_workers(workers, seed=seed))
    return Agency(
        sites=list(synthetic_sites(sites, seed=seed)),
        workers=staff,
        clients=list(synthetic_clients(clients, agency_id=AGENCY_ID, created_by=staff[0].user_id, seed=seed)),
    )


def store_agency_reference(db: DeviceDatabase, agency: Agency) -> None:
    """The agency's sites and workers and the shared lists on a device, as its first pull leaves them."""
    store_reference(
        db,
        actor_for(agency.field_workers[0]),
        sites=((s.code, s.name, s.address) for s in agency.sites),
        workers=((w.user_id, w.name, w.role) for w in agency.workers),
        languages=((language.code, language.name) for language in load_languages()),
        location_types=((location.code, location.label) for location in load_location_types()),
    )


def actor_for(worker: DemoWorker) -> Actor:
    return Actor(user_id=worker.user_id, name=worker.name, role=worker.role, agency_id=AGENCY_ID,
                 agency_name=AGENCY_NAME)  # fmt: skip


def language_codes() -> list[str]:
    return [language.code for language in load_languages()]


def location_codes() -> list[str]:
    return [location.code for location in load_location_types()]
