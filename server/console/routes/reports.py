"""The agency's reports on the console (supervisors and administrators): a month's figures, what keeps records
from being reported, the exports made so far, and the funder export's download. Everything is computed by the
reports package (``server.reports``), exactly as for ``outpost-server export`` and ``/api/v1/reports``."""

import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from server.api.deps import DatabaseDep, NowDep, SettingsDep
from server.browse import site_names, worker_names
from server.console.auth import CheckedForm, ReportReader, Viewer
from server.console.forms import Problems, context, text
from server.console.web import SECURITY_HEADERS, page
from server.core.messages import N_
from server.reports.export import ExportError, ExportOrder, run_export
from server.reports.export_log import ExportLog
from server.reports.judging import SERVICE_FORM, unreportable_records
from server.reports.period import Period, PeriodError
from server.reports.reading import sessions_in
from server.reports.statistics import tally
from server.reports.template import TemplateError, template_at

router = APIRouter()
UNREPORTABLE_SHOWN = 100
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month(request: Request, problems: Problems, value: str | None) -> Period:
    """The month asked for (this month by default); a month that cannot be used is said at its field."""
    try:
        return Period.month(value) if value else Period.month(date.today().strftime("%Y-%m"))
    except (PeriodError, ValueError):
        problems.add("month", text(request, N_("Enter a month like 2025-03.")))
        return Period.month(date.today().strftime("%Y-%m"))


def _reports_page(
    request: Request, viewer: Viewer, db: DatabaseDep, period: Period, problems: Problems, *, status_code: int = 200
) -> HTMLResponse:
    agency_id = viewer.worker.agency_id
    with db.reading() as session:
        figures = tally(sessions_in(session, agency_id=agency_id, period=period))
        unreportable = list(unreportable_records(session, agency_id=agency_id, period=period))
        held_back = {record.session_id for record in unreportable if record.entity == SERVICE_FORM}
        runs = list(reversed(ExportLog(session, agency_id).runs()))
        workers = worker_names(session, agency_id=agency_id)
        sites = site_names(session, agency_id=agency_id)
    values = context(
        viewer, period=period, month=period.start.strftime("%Y-%m"), figures=figures, workers=workers, sites=sites,
        unreportable=unreportable[:UNREPORTABLE_SHOWN], unreportable_total=len(unreportable), runs=runs,
        sessions_held_back=len(held_back), problems=problems,
    )  # fmt: skip
    return page(request, "reports.html", values, status_code=status_code)


@router.get("/reports")
def reports(request: Request, viewer: ReportReader, db: DatabaseDep, month: str = "") -> HTMLResponse:
    problems = Problems()
    period = _month(request, problems, month)
    return _reports_page(request, viewer, db, period, problems, status_code=400 if problems else 200)


@router.post("/reports/export", dependencies=[CheckedForm])
def export(
    request: Request,
    viewer: ReportReader,
    db: DatabaseDep,
    settings: SettingsDep,
    now: NowDep,
    month: Annotated[str, Form(max_length=20)] = "",
    again: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Export the month for the funder as a workbook, as the command line does, and download it; the export is
    logged (and in the audit trail), so the next one of the month writes only what is new unless "again" is asked."""
    problems = Problems()
    period = _month(request, problems, month)
    if problems:
        return _reports_page(request, viewer, db, period, problems, status_code=400)
    folder = Path(tempfile.mkdtemp(prefix="outpost-console-export-"))
    label = period.start.strftime("%Y-%m")
    name = f"{viewer.worker.agency_id}-{label}-funder-export.xlsx"
    try:
        template = template_at(settings.export_mapping)
        order = ExportOrder(viewer.worker.agency_id, label, folder / name, again=bool(again),
                            exported_by=viewer.worker.user_id, template=template)  # fmt: skip
        outcome = run_export(db, order, now=now)
    except (ExportError, TemplateError) as refusal:
        shutil.rmtree(folder)
        problems.add("month", text(request, N_("The export could not be made: {reason}"), reason=refusal))
        return _reports_page(request, viewer, db, period, problems, status_code=409)
    return FileResponse(
        outcome.path,
        media_type=XLSX_MEDIA_TYPE,
        filename=outcome.path.name,
        headers=SECURITY_HEADERS,
        background=BackgroundTask(shutil.rmtree, folder),
    )
