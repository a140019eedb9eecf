"""The export log: which records each funder export wrote, with the facts it reported about them.

An export records, for every client profile and service form it writes, the facts the funder was told (the fields
below, never notes). A later export compares a record's facts now with the latest logged ones to say what changed
since; a record the log holds that is no longer on the server gets a "removed" item, so it is reported gone once.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm import Session as DbSession

from app.domain.clients import Client
from app.domain.codes import (
    CLIENT_IDENTIFIER_KINDS,
    DELIVERY_METHODS,
    SERVICE_STATUSES,
    SERVICE_TYPES,
    SERVICES_BY_TYPE,
    SESSION_TYPES,
)
from app.domain.sessions import ServiceForm, Session
from protocol.records import client_to_wire, service_form_to_wire, session_to_wire
from server.models import ClientRecord, ExportItem, ExportRun, SessionRecord
from server.reports.judging import CLIENT, SERVICE_FORM
from server.reports.reading import in_chunks

EXPORTED = "exported"
REMOVED = "removed"

SESSION_FACTS = (
    "service_date", "site_code", "session_type", "delivery_methods", "service_location_type", "languages",
    "service_minutes", "interpreter_present", "interpreters", "staff", "activity_name",
)  # fmt: skip
FORM_FACTS = ("client_id", "service_type", "services", "referrals", "client_attended", "status")
CLIENT_FACTS = (
    "first_name", "last_name", "date_of_birth", "gender", "official_language", "client_identifier",
    "client_identifier_kind", "country_of_origin", "arrival_date", "immigration_category",
)  # fmt: skip
FACT_LABELS = {
    "service_date": "Service Date", "site_code": "Site", "session_type": "Session Type",
    "delivery_methods": "Delivery Method", "service_location_type": "Type of Service Location",
    "languages": "Delivery Language", "service_minutes": "Service Time (minutes)",
    "interpreter_present": "Interpreter Present", "interpreters": "Interpreters (#)", "staff": "Staff Involved",
    "activity_name": "Activity", "client_id": "Client", "service_type": "Service Type",
    "services": "Services Received", "referrals": "Referrals", "client_attended": "Client Attended",
    "status": "Status of Service", "first_name": "First name", "last_name": "Last name",
    "date_of_birth": "Date of birth", "gender": "Gender", "official_language": "Preferred official language",
    "client_identifier": "Client identifier", "client_identifier_kind": "Kind of client identifier",
    "country_of_origin": "Country of origin",
    "arrival_date": "Arrival date", "immigration_category": "Immigration category",
}  # fmt: skip
_ALL_SERVICES = {code: label for services in SERVICES_BY_TYPE.values() for code, label in services.items()}
_WORDS = {
    "session_type": SESSION_TYPES, "delivery_methods": DELIVERY_METHODS, "service_type": SERVICE_TYPES,
    "services": _ALL_SERVICES, "status": SERVICE_STATUSES, "client_identifier_kind": CLIENT_IDENTIFIER_KINDS,
}  # fmt: skip


def service_facts(session: Session, form: ServiceForm, *, record: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a service row tells the funder, in wire form (so it is stored and compared as JSON). ``record`` is the
    session's wire form when the caller has it already (one per session, not one per form)."""
    record = record or session_to_wire(session)
    form_record = service_form_to_wire(form)
    return {name: record[name] for name in SESSION_FACTS} | {name: form_record[name] for name in FORM_FACTS}


def client_facts(client: Client) -> dict[str, Any]:
    record = client_to_wire(client)
    return {name: record[name] for name in CLIENT_FACTS}


def describe_changes(
    before: dict[str, Any], after: dict[str, Any], *, client_names: Mapping[str, str] | None = None
) -> str:
    """``Service Date: 2025-03-10 → 2025-02-27; Status of Service: Complete → Ongoing``; a service that now names
    another client (after a merge) says who, by ``client_names`` (client id → name), rather than by id."""
    changed = [name for name in after if before.get(name) != after[name]]
    names = client_names or {}
    return "; ".join(
        f"{FACT_LABELS.get(n, n)}: {_words(n, before.get(n), names)} → {_words(n, after[n], names)}" for n in changed
    )


def _words(name: str, value: Any, client_names: Mapping[str, str]) -> str:
    if value is None or value == "" or value == []:
        return "(blank)"
    if name == "client_id":
        return client_names.get(value) or value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "referrals":
        return f"{len(value)} referral{'s' if len(value) != 1 else ''}"
    words = _WORDS.get(name, {})
    if isinstance(value, list):
        return ", ".join(words.get(item, item) for item in value)
    return str(words.get(value, value))


@dataclass(frozen=True, slots=True)
class LoggedItem:
    export_id: int
    entity: str
    record_id: str
    session_id: str | None
    month: str
    action: str
    facts: dict[str, Any]


_ITEM_COLUMNS = (
    ExportItem.export_id, ExportItem.entity, ExportItem.record_id, ExportItem.session_id, ExportItem.month,
    ExportItem.action, ExportItem.facts,
)  # fmt: skip
"""A logged item's columns, read as plain rows: an export looks up every record it meets."""


class ExportLog:
    """What an agency's earlier exports wrote, read inside the export's own reading transaction."""

    def __init__(self, db: DbSession, agency_id: str):
        self.db = db
        self.agency_id = agency_id

    def runs(self, *, month: str | None = None) -> list[ExportRun]:
        query = select(ExportRun).where(ExportRun.agency_id == self.agency_id)
        if month is not None:
            query = query.where(ExportRun.month == month)
        return list(self.db.scalars(query.order_by(ExportRun.id)))

    def latest(self, record_ids: Iterable[str]) -> dict[str, LoggedItem]:
        """The latest logged item of each of these records that has one."""
        return self._latest_by_record(ExportItem.record_id, record_ids)

    def latest_actions(self, record_ids: Iterable[str]) -> dict[str, str]:
        """The action of the latest logged item of each of these records that has one; without the facts, which an
        export looks up for every record it meets but needs only for the changes since."""
        actions: dict[str, str] = {}
        for chunk in in_chunks(sorted(set(record_ids))):
            query = select(ExportItem.record_id, ExportItem.action).where(
                ExportItem.agency_id == self.agency_id, ExportItem.record_id.in_(chunk)
            )
            for record_id, action in self.db.execute(query.order_by(ExportItem.id)):
                actions[record_id] = action
        return actions

    def latest_in_sessions(self, session_ids: Iterable[str]) -> dict[str, LoggedItem]:
        """The latest logged item of every service form ever exported from these sessions, by form id."""
        return self._latest_by_record(ExportItem.session_id, session_ids)

    def _latest_by_record(self, key: InstrumentedAttribute[Any], values: Iterable[str]) -> dict[str, LoggedItem]:
        """The latest item of each record among the items whose ``key`` is one of ``values``."""
        found: dict[str, LoggedItem] = {}
        for chunk in in_chunks(sorted(set(values))):
            query = select(*_ITEM_COLUMNS).where(ExportItem.agency_id == self.agency_id, key.in_(chunk))
            for row in self.db.execute(query.order_by(ExportItem.id)):
                found[row.record_id] = LoggedItem(*row)
        return found

    def gone(self) -> Iterator[LoggedItem]:
        """Exported records no longer on the server (their session deleted, their client deleted or merged into
        another), once each."""
        gone_session = ~exists().where(SessionRecord.id == ExportItem.session_id)
        gone_client = ~exists().where(ClientRecord.id == ExportItem.record_id, ClientRecord.merged_into.is_(None))
        query = select(ExportItem.record_id).where(
            ExportItem.agency_id == self.agency_id,
            ExportItem.action == EXPORTED,
            ((ExportItem.entity == SERVICE_FORM) & gone_session) | ((ExportItem.entity == CLIENT) & gone_client),
        )
        candidates = set(self.db.scalars(query))
        for item in self.latest(candidates).values():
            if item.action == EXPORTED:
                yield item
