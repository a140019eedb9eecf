"""The funder export: one workbook for an agency's month, each record the funder has not been sent yet, once.

``run_export`` reads the month in one reading transaction (one snapshot), writing rows as it goes: a sheet per module
as the mapping file lays them out (client profiles first), then "Not reported" (each left-out record and why),
"Changed since exported" (see ``changes``) and "About this export". The file is written beside its destination and
moved there only after the export log is committed, so a failed export leaves neither a file nor a log entry. Two
exports of one agency never both write the same records: the second to commit finds the first and gives up.
"""

import gc
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session as DbSession

from app.domain.codes import SERVICE_TYPES
from app.domain.reporting import ReportGap
from app.domain.sessions import Session
from protocol.records import session_to_wire
from server import audit, crud
from server.audit import Actor
from server.db import Database
from server.models import Agency, ExportItem, ExportRun
from server.reports.changes import ChangeFinder, ChangeSinceExport
from server.reports.export_log import EXPORTED, REMOVED, ExportLog, client_facts, service_facts
from server.reports.judging import (
    CLIENT,
    SERVICE_FORM,
    JudgedForm,
    UnreportableLister,
    UnreportableRecord,
    judged_pages,
)
from server.reports.labels import Labels
from server.reports.period import Period, month_of
from server.reports.template import CLIENTS, ExportTemplate, RowSource, SheetLayout, load_template
from server.reports.workbook import FORMATS, BookWriter, SheetWriter, open_book

NOT_REPORTED = "Not reported"
CHANGED = "Changed since exported"
ABOUT = "About this export"
NOT_REPORTED_HEADERS = (
    "Record", "Client", "Service Date", "Site", "Staff Involved", "Service Type", "Fields", "Why", "Codes",
    "Outpost session ID", "Outpost record ID",
)  # fmt: skip
CHANGED_HEADERS = (
    "Change", "Record", "Client", "Month exported", "Month now", "What changed", "Not reportable because",
    "What to do", "Outpost session ID", "Outpost record ID",
)  # fmt: skip
RECORD_WORDS = {CLIENT: "Client profile", SERVICE_FORM: "Service"}
NO_SHEET_CODE = "report.template.no_sheet"
_LOG_CHUNK = 1000
_KEPT_WORDS = 1000


class ExportError(Exception):
    """The export cannot be made as asked; nothing was written or logged. The message says why."""


COMMAND_LINE_EXPORTER = "command line"
"""Who ``exported_by`` names for an export made with ``outpost-server export``."""


@dataclass(frozen=True, slots=True)
class ExportOrder:
    agency_id: str
    month: str
    out: Path
    file_format: str = "xlsx"
    again: bool = False
    exported_by: str = COMMAND_LINE_EXPORTER
    template: ExportTemplate | None = None


@dataclass(slots=True)
class ExportOutcome:
    """What an export wrote; ``earlier`` are the month's earlier exports (oldest first)."""

    path: Path
    month: str
    again: bool
    export_id: int = 0
    clients: int = 0
    services: int = 0
    not_reported: int = 0
    changed: int = 0
    already_exported: int = 0
    re_exported: int = 0
    earlier: list[ExportRun] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [
            f"Export {self.export_id} of {self.month} written to {self.path}:",
            f"  {self.clients} client profiles and {self.services} services never exported before",
            f'  {self.not_reported} records not reported (see the "{NOT_REPORTED}" sheet)',
            f'  {self.changed} records changed since exported (see "{CHANGED}")',
        ]
        if self.already_exported:
            lines.append(f"  {self.already_exported} services left out: an earlier export had them")
        lines += [f"  Earlier: {describe_run(run)}" for run in self.earlier]
        if self.again and self.re_exported:
            lines.append(
                f"  Exported again on purpose: {self.re_exported} services were in an earlier export; remove that "
                "upload in the funder's system first, or they will be counted twice."
            )
        return lines


def describe_run(run: ExportRun) -> str:
    again = " (again)" if run.again else ""
    when = run.exported_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"export {run.id}{again} on {when} by {run.exported_by}: {run.clients} client profiles, {run.services} services"
    )


def run_export(db: Database, order: ExportOrder, *, now: datetime) -> ExportOutcome:
    """Write the month's export to ``order.out`` and log it; ExportError (nothing written) when it cannot."""
    period = _month(order.month)
    if order.file_format not in FORMATS:
        raise ExportError(f"The format must be one of: {', '.join(FORMATS)}.")
    if order.out.exists():
        raise ExportError(f"{order.out} already exists; choose another name (an earlier export may not be uploaded).")
    partial = order.out.with_name(order.out.name + ".partial")
    _remove(partial)
    template = order.template or load_template()
    try:
        with collector_paused():
            with db.reading() as session:
                writer, previous = _write_month(session, order, period, template, partial, now)
            outcome = _log(db, order, writer, previous, now)
        os.replace(partial, order.out)
    except BaseException:
        _remove(partial)
        raise
    return outcome


_pause_lock = threading.Lock()
_pauses = 0
_collecting_before = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while an export runs, and restored as it was when the last one ends.

    An export decodes a page of sessions at a time while it keeps the month's clients and log items, so many objects
    outlive the young generations and each full collection walks everything held: a third of a large export's
    processor time went to collections that found almost nothing (the export makes few reference cycles; reference
    counting frees its pages). Memory stays as it was. Exports may run side by side (console downloads), so the
    last one to end turns the collector back on.
    """
    global _pauses, _collecting_before
    with _pause_lock:
        if _pauses == 0:
            _collecting_before = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _collecting_before:
                gc.enable()


def _month(text: str) -> Period:
    try:
        return Period.month(text)
    except ValueError as problem:
        raise ExportError(str(problem)) from problem


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _write_month(
    session: DbSession, order: ExportOrder, period: Period, template: ExportTemplate, path: Path, now: datetime
) -> tuple["MonthWriter", ExportRun | None]:
    try:
        agency = crud.get_agency(session, agency_id=order.agency_id)
    except crud.NotFound as problem:
        raise ExportError(str(problem)) from problem
    log = ExportLog(session, order.agency_id)
    runs = log.runs()
    previous = runs[-1] if runs else None
    book = open_book(order.file_format, path, date_format=template.date_format)
    writer = MonthWriter(template, book, Labels.load(session, agency_id=order.agency_id), log, order)
    writer.seq_at_export = crud.server_state(session).last_seq
    try:
        for forms in judged_pages(session, agency_id=order.agency_id, period=period):
            writer.add_page(forms)
        if previous is not None:
            finder = ChangeFinder(session, order.agency_id, log, previous.seq_at_export, writer.exported_forms,
                                  {run.month for run in runs}, order.month)  # fmt: skip
            for change in finder.all():
                writer.add_change(change)
        writer.earlier = [run for run in runs if run.month == order.month]
        writer.write_about(agency, now)
    finally:
        book.close()
    return writer, previous


class MonthWriter:
    """Writes one month's rows to the book's sheets and notes what the export log must remember."""

    def __init__(self, template: ExportTemplate, book: BookWriter, labels: Labels, log: ExportLog, order: ExportOrder):
        self.template = template
        self.labels = labels
        self.log = log
        self.order = order
        self.sheets: dict[str, SheetWriter] = {s.name: book.add_sheet(s.name, s.headers) for s in template.sheets}
        self.not_reported_sheet = book.add_sheet(NOT_REPORTED, NOT_REPORTED_HEADERS)
        self.changed_sheet = book.add_sheet(CHANGED, CHANGED_HEADERS)
        self.about_sheet = book.add_sheet(ABOUT, ("Item", "Value"))
        self.lister = UnreportableLister()
        self.items: list[dict[str, Any]] = []
        self.exported_forms: set[str] = set()
        self.exported_clients: set[str] = set()
        self.rows_by_sheet: dict[str, int] = {s.name: 0 for s in template.sheets if s.records != CLIENTS}
        self.outcome = ExportOutcome(path=order.out, month=order.month, again=order.again)
        self.seq_at_export = 0
        self.earlier: list[ExportRun] = []
        self._last_wire: tuple[str, dict[str, Any]] = ("", {})
        self._gap_words: dict[tuple[ReportGap, ...], tuple[str, str, str]] = {}
        self._staff_names: dict[tuple[str, ...], str] = {}

    def add_page(self, forms: list[JudgedForm]) -> None:
        record_ids = [judged.form.id for judged in forms] + [judged.form.client_id for judged in forms]
        logged = self.log.latest_actions(record_ids)
        for judged in forms:
            sheet = self.template.sheet_for(judged.form.service_type)
            extra = () if sheet is not None or judged.gaps else (self._no_sheet(judged),)
            for record in self.lister.records_for(judged, extra):
                self._not_reported(record)
            if sheet is None or judged.gaps:
                continue
            if logged.get(judged.form.id) == EXPORTED:
                if not self.order.again:
                    self.outcome.already_exported += 1
                    continue
                self.outcome.re_exported += 1
            self._export(judged, sheet, logged)

    def _no_sheet(self, judged: JudgedForm) -> ReportGap:
        service_type = SERVICE_TYPES.get(judged.form.service_type or "", judged.form.service_type)
        return ReportGap("service_type", NO_SHEET_CODE, f"The export template has no sheet for {service_type}.")

    def _export(self, judged: JudgedForm, sheet: SheetLayout, logged: dict[str, str]) -> None:
        client, session, form = judged.client, judged.session, judged.form
        assert client is not None and session.service_date is not None  # a reportable form has both
        month = month_of(session.service_date)
        earlier_client = logged.get(client.id)
        client_sent = earlier_client is not None and earlier_client != REMOVED and not self.order.again
        if client.id not in self.exported_clients and not client_sent:
            self.exported_clients.add(client.id)
            client_sheet = next(s for s in self.template.sheets if s.records == CLIENTS)
            self.sheets[client_sheet.name].write(self.template.cells(client_sheet, RowSource(client, self.labels)))
            self.outcome.clients += 1
            self._remember(CLIENT, client.id, None, month, client_facts(client))
        source = RowSource(client, self.labels, session, form)
        self.sheets[sheet.name].write(self.template.cells(sheet, source))
        self.rows_by_sheet[sheet.name] += 1
        self.outcome.services += 1
        self.exported_forms.add(form.id)
        self._remember(
            SERVICE_FORM, form.id, session.id, month, service_facts(session, form, record=self._wire(session))
        )

    def _wire(self, session: Session) -> dict[str, Any]:
        """The session's wire form, made once however many of its forms are exported."""
        if self._last_wire[0] != session.id:
            self._last_wire = (session.id, session_to_wire(session))
        return self._last_wire[1]

    def _remember(self, entity: str, record_id: str, session_id: str | None, month: str, facts: dict) -> None:
        self.items.append({"entity": entity, "record_id": record_id, "session_id": session_id, "month": month,
                           "action": EXPORTED, "facts": facts})  # fmt: skip

    def _not_reported(self, record: UnreportableRecord) -> None:
        self.outcome.not_reported += 1
        fields, why, codes = self._gap_words.get(record.gaps) or self._say_gaps(record.gaps)
        self.not_reported_sheet.write(
            [
                RECORD_WORDS[record.entity],
                record.client_name,
                record.service_date,
                record.site_code,
                self._staff_names.get(record.staff) or self._name_staff(record.staff),
                SERVICE_TYPES.get(record.service_type or "", record.service_type or ""),
                fields,
                why,
                codes,
                record.session_id,
                record.record_id,
            ]
        )

    def _say_gaps(self, gaps: tuple[ReportGap, ...]) -> tuple[str, str, str]:
        """The "Fields", "Why" and "Codes" cells for these gaps, kept: a month repeats a few dozen combinations."""
        words = (
            ", ".join(dict.fromkeys(gap.field for gap in gaps)),
            "\n".join(gap.message for gap in gaps),
            ", ".join(gap.code for gap in gaps),
        )
        if len(self._gap_words) >= _KEPT_WORDS:
            self._gap_words.clear()
        self._gap_words[gaps] = words
        return words

    def _name_staff(self, staff: tuple[str, ...]) -> str:
        names = ", ".join(self.labels.workers.get(user, user) for user in staff)
        if len(self._staff_names) >= _KEPT_WORDS:
            self._staff_names.clear()
        self._staff_names[staff] = names
        return names

    def add_change(self, change: ChangeSinceExport) -> None:
        self.outcome.changed += 1
        self.changed_sheet.write(
            [change.kind, RECORD_WORDS[change.entity], change.client_name, change.month_exported, change.month_now,
             change.what_changed, change.reasons_not_reportable, change.what_to_do, change.session_id,
             change.record_id]
        )  # fmt: skip
        if change.removed is not None:
            removed = change.removed
            self.items.append({"entity": removed.entity, "record_id": removed.record_id,
                               "session_id": removed.session_id, "month": removed.month, "action": REMOVED,
                               "facts": removed.facts})  # fmt: skip

    def write_about(self, agency: Agency, now: datetime) -> None:
        outcome = self.outcome
        rows: list[Sequence[str | int]] = [
            ("Agency", f"{agency.name} ({agency.id})"),
            ("Month", self.order.month),
            ("Exported at", now.strftime("%Y-%m-%d %H:%M UTC")),
            ("Exported by", self.order.exported_by),
            ("Template", f"{self.template.name} {self.template.version}".strip()),
            ("Exported again on purpose", "Yes" if self.order.again else "No"),
            ("Client profiles never exported before", outcome.clients),
            *((f"Services: {name}", count) for name, count in self.rows_by_sheet.items()),
            ("Services an earlier export already had (left out)", outcome.already_exported),
            ("Services exported again (in an earlier export too)", outcome.re_exported),
            ("Records not reported", outcome.not_reported),
            ("Records changed since exported", outcome.changed),
        ]
        rows += [("Earlier export of this month", describe_run(run)) for run in self.earlier] or [
            ("Earlier export of this month", "None")
        ]
        for row in rows:
            self.about_sheet.write(row)


def _log(
    db: Database, order: ExportOrder, writer: MonthWriter, previous: ExportRun | None, now: datetime
) -> ExportOutcome:
    """Commit the run and its items, unless another export of the agency committed since this one began."""
    outcome = writer.outcome
    with db.writing() as session:
        crud.lock_sequence(session)  # as every writer does first; it also keeps other exports out until commit
        latest = session.scalar(select(ExportRun.id).where(ExportRun.agency_id == order.agency_id).order_by(
            ExportRun.id.desc()).limit(1))  # fmt: skip
        if latest != (previous.id if previous else None):
            raise ExportError("Another export of this agency finished while this one ran; run the export again.")
        run = ExportRun(
            agency_id=order.agency_id, month=order.month, again=order.again, file_format=order.file_format,
            seq_at_export=writer.seq_at_export, exported_by=order.exported_by, exported_at=now,
            clients=outcome.clients, services=outcome.services, not_reported=outcome.not_reported,
            changed=outcome.changed,
        )  # fmt: skip
        session.add(run)
        session.flush()
        rows = [item | {"export_id": run.id, "agency_id": order.agency_id} for item in writer.items]
        connection = session.connection()  # Core executemany: the ORM's bulk path costs more than the insert
        for start in range(0, len(rows), _LOG_CHUNK):
            connection.execute(insert(ExportItem.__table__), rows[start : start + _LOG_CHUNK])
        outcome.export_id = run.id
        audit.record(
            session, at=now, actor=Actor("" if order.exported_by == COMMAND_LINE_EXPORTER else order.exported_by),
            action="funder_exported", agency_id=order.agency_id, target=order.month, again=order.again,
            clients=outcome.clients, services=outcome.services, not_reported=outcome.not_reported,
        )  # fmt: skip
    outcome.earlier = writer.earlier
    return outcome
