"""Names for the codes reports show: the agency's sites and workers, the shared lists, the fixed vocabularies."""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from app.domain import codes
from server.models import Language, ServiceLocationType, Site, Worker
from server.reports.statistics import NO_SERVICE_TYPE


@dataclass(frozen=True, slots=True)
class Labels:
    sites: Mapping[str, str]
    workers: Mapping[str, str]
    languages: Mapping[str, str]
    location_types: Mapping[str, str]

    @classmethod
    def load(cls, db: DbSession, *, agency_id: str) -> "Labels":
        """Closed sites and deactivated workers keep their names: old sessions still refer to them."""
        return cls(
            sites=dict(db.execute(select(Site.code, Site.name).where(Site.agency_id == agency_id)).all()),
            workers=dict(db.execute(select(Worker.user_id, Worker.name).where(Worker.agency_id == agency_id)).all()),
            languages=dict(db.execute(select(Language.code, Language.name)).all()),
            location_types=dict(db.execute(select(ServiceLocationType.code, ServiceLocationType.label)).all()),
        )

    def of(self, dimension: str, key: str) -> str:
        """The words for ``key`` of a breakdown (``site``, ``worker``, ``service_type``, ``delivery_method``)."""
        if dimension == "service_type" and key == NO_SERVICE_TYPE:
            return "No Service Type chosen"
        table: Mapping[str, str] = {
            "site": self.sites,
            "worker": self.workers,
            "service_type": codes.SERVICE_TYPES,
            "delivery_method": codes.DELIVERY_METHODS,
            "language": self.languages,
        }[dimension]
        return table.get(key, key)
