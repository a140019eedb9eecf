"""What changed since earlier exports: the export's "Changed since exported" list.

Each export reads up to a change sequence number and keeps it (``ExportRun.seq_at_export``). The next export of the
agency looks at the sessions and clients changed after that number (an indexed range, never the change history,
which the server may prune) and compares each record it exported before with what it told the funder then:
- changed: an exported record now differs (a late edit, a date moved to another month, no longer reportable);
- removed: an exported service form left its session, or its session or client is no longer on the server;
- new in an exported month: a reportable service form never exported, dated in a month exported before (it
  arrived or became reportable late); exporting that month again adds it.
Every change is listed by the first export after it happened, once.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy.orm import Session as DbSession

from app.domain.clients import Client
from app.domain.reporting import client_report_gaps, session_report_gaps
from app.domain.sessions import Session
from server.reports.export_log import (
    REMOVED,
    ExportLog,
    LoggedItem,
    client_facts,
    describe_changes,
    service_facts,
)
from server.reports.judging import CLIENT, SERVICE_FORM
from server.reports.period import month_of
from server.reports.reading import ClientBook, clients_changed_after, merged_into, paged, sessions_changed_after

CHANGED = "Changed"
GONE = "Removed"
LATE = "New in an exported month"


@dataclass(frozen=True, slots=True)
class ChangeSinceExport:
    kind: str
    entity: str
    record_id: str
    session_id: str
    client_name: str
    month_exported: str
    month_now: str
    what_changed: str
    reasons_not_reportable: str = ""
    removed: LoggedItem | None = field(default=None, compare=False)

    @property
    def what_to_do(self) -> str:
        if self.kind == LATE:
            return f"Export {self.month_now} again to add it."
        if self.kind == GONE:
            return "Delete the uploaded record in the funder's system."
        return "Correct the uploaded record in the funder's system by hand."


@dataclass(slots=True)
class ChangeFinder:
    """Finds the changes after ``after_seq`` of records the log holds; ``skip`` are forms this export writes."""

    db: DbSession
    agency_id: str
    log: ExportLog
    after_seq: int
    skip: set[str]
    exported_months: set[str]
    this_month: str
    clients: ClientBook = field(init=False)

    def __post_init__(self) -> None:
        self.clients = ClientBook(self.db, self.agency_id)

    def all(self) -> Iterator[ChangeSinceExport]:
        yield from self._sessions()
        yield from self._clients()
        yield from self._gone()

    def _sessions(self) -> Iterator[ChangeSinceExport]:
        stored = (
            item.session for item in sessions_changed_after(self.db, agency_id=self.agency_id, seq=self.after_seq)
        )
        for page in paged(stored):
            self.clients.fetch_for(page)
            logged = self.log.latest_in_sessions(session.id for session in page)
            self.clients.fetch(item.facts["client_id"] for item in logged.values())  # as exported (merged since?)
            for session in page:
                yield from self._session(session, logged)

    def _session(self, session: Session, logged: dict[str, LoggedItem]) -> Iterator[ChangeSinceExport]:
        clients = {f.client_id: client for f in session.service_forms if (client := self.clients.get(f.client_id))}
        gaps = session_report_gaps(session, clients)
        month_now = month_of(session.service_date) if session.service_date else ""
        forms = {form.id: form for form in session.service_forms}
        for form_id, item in logged.items():
            if item.session_id != session.id or form_id in self.skip or item.action == REMOVED:
                continue
            name = _name(self.clients.get(item.facts["client_id"]))  # the client as exported
            if form_id not in forms:
                yield ChangeSinceExport(GONE, SERVICE_FORM, form_id, session.id, name, item.month, "",
                                        "No longer in its session.", removed=item)  # fmt: skip
                continue
            now = service_facts(session, forms[form_id])
            if now != item.facts or gaps[form_id]:
                reasons = "; ".join(gap.message for gap in gaps[form_id])
                names = {
                    cid: _identified(self.clients.get(cid))
                    for cid in (item.facts["client_id"], forms[form_id].client_id)
                }
                what = describe_changes(item.facts, now, client_names=names) or (
                    "Nothing it reported; it is no longer reportable."
                )
                yield ChangeSinceExport(CHANGED, SERVICE_FORM, form_id, session.id, name, item.month, month_now,
                                        what, reasons)  # fmt: skip
        if month_now in self.exported_months and month_now != self.this_month:
            for form in session.service_forms:
                if form.id not in logged and not gaps[form.id]:
                    name = _name(clients.get(form.client_id))
                    yield ChangeSinceExport(LATE, SERVICE_FORM, form.id, session.id, name, "", month_now,
                                            "Not in the earlier export of its month.")  # fmt: skip

    def _clients(self) -> Iterator[ChangeSinceExport]:
        changed = clients_changed_after(self.db, agency_id=self.agency_id, seq=self.after_seq)
        for page in paged(changed):
            logged = self.log.latest(client.id for client in page)
            for client in page:
                item = logged.get(client.id)
                if item is None or item.action == REMOVED:
                    continue
                now = client_facts(client)
                if now != item.facts:
                    reasons = "; ".join(gap.message for gap in client_report_gaps(client))
                    yield ChangeSinceExport(CHANGED, CLIENT, client.id, "", _name(client), item.month, "",
                                            describe_changes(item.facts, now), reasons)  # fmt: skip

    def _gone(self) -> Iterator[ChangeSinceExport]:
        gone = list(self.log.gone())
        survivors = merged_into(self.db, (item.record_id for item in gone if item.entity == CLIENT))
        self.clients.fetch(survivors.values())
        for item in gone:
            if item.entity == SERVICE_FORM:
                what = "Its session is no longer on the server."
            elif item.record_id in survivors:
                survivor = _name(self.clients.get(survivors[item.record_id]))
                what = f"Merged into {survivor}'s profile, which holds its services now."
            else:
                what = "No longer on the server."
            name = f"{item.facts.get('first_name', '')} {item.facts.get('last_name', '')}".strip()
            yield ChangeSinceExport(GONE, item.entity, item.record_id, item.session_id or "", name, item.month, "",
                                    what, removed=item)  # fmt: skip


def _name(client: Client | None) -> str:
    return client.display_name if client is not None else ""


def _identified(client: Client | None) -> str:
    """The client's name and identifier, as a row that now names another client says who: the funder knows the
    client by the identifier."""
    if client is None:
        return ""
    identifier = client.client_identifier.strip()
    return f"{client.display_name} ({identifier})" if identifier else client.display_name
