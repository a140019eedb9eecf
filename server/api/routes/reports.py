"""The agency's reports for supervisors: monthly figures, records that cannot be reported yet, and funder exports."""

import shutil
import tempfile
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from server.api.deps import DatabaseDep, NowDep, ReportReader, SettingsDep
from server.api.request_body import BODY_ERRORS, LimitedBodyRoute
from server.reports.export import ExportError, ExportOrder, run_export
from server.reports.export_log import ExportLog
from server.reports.judging import unreportable_records
from server.reports.labels import Labels
from server.reports.period import Period, PeriodError
from server.reports.reading import sessions_in
from server.reports.schemas import (
    ExportRequest,
    ExportRunOut,
    Figures,
    GroupFigures,
    LanguageCount,
    StatisticsResponse,
    UnreportableOut,
    UnreportableResponse,
)
from server.reports.statistics import Statistics, tally
from server.reports.template import TemplateError, template_at
from server.schemas import ErrorDetail

router = APIRouter(prefix="/reports", tags=["reports"], route_class=LimitedBodyRoute)
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_REFUSALS = {
    401: {"model": ErrorDetail, "description": "Not signed in, or the sign-in expired or was revoked."},
    403: {"model": ErrorDetail, "description": "Only supervisors and administrators can see the agency's reports."},
}
MonthQuery = Annotated[str | None, Query(description="YYYY-MM; or give from and to.", examples=["2025-03"])]
FromQuery = Annotated[date | None, Query(alias="from", description="First service date (with to).")]
ToQuery = Annotated[date | None, Query(alias="to", description="Last service date, included.")]


def period_from(month: str | None, start: date | None, end: date | None) -> Period:
    """The period a request names: ``month``, or ``from`` and ``to``; 422 naming the parameter otherwise."""
    try:
        if month is not None and start is None and end is None:
            return Period.month(month)
        if month is None and start is not None and end is not None:
            return Period(start, end)
    except PeriodError as problem:
        raise _unusable("month" if month is not None else "to", str(problem)) from problem
    raise _unusable("month", "Give either month (YYYY-MM) or both from and to (YYYY-MM-DD).")


def _unusable(parameter: str, message: str) -> HTTPException:
    """A 422 shaped like FastAPI's own, so every 422 of the API reads the same way."""
    return HTTPException(status_code=422, detail=[{"loc": ["query", parameter], "msg": message, "type": "value_error"}])


@router.get("/statistics", responses=_REFUSALS)
def statistics(
    worker: ReportReader, db: DatabaseDep, month: MonthQuery = None, start: FromQuery = None, end: ToQuery = None
) -> StatisticsResponse:
    """Sessions, clients, services, hours, group activities, languages and referrals of the period, with breakdowns
    by site, worker, service type and delivery method (docs/reports.md says what each figure counts)."""
    period = period_from(month, start, end)
    with db.reading() as session:
        figures = tally(sessions_in(session, agency_id=worker.agency_id, period=period))
        labels = Labels.load(session, agency_id=worker.agency_id)
    return _statistics_response(worker.agency_id, period, figures, labels)


def _statistics_response(agency_id: str, period: Period, figures: Statistics, labels: Labels) -> StatisticsResponse:
    def groups(dimension: str) -> list[GroupFigures]:
        rows = [
            GroupFigures(key=key, label=labels.of(dimension, key), **tally.as_dict())
            for key, tally in figures.groups[dimension].items()
        ]
        return sorted(rows, key=lambda row: (-row.sessions, row.label))

    languages = [
        LanguageCount(key=code, label=labels.of("language", code), sessions=count)
        for code, count in sorted(figures.languages.items(), key=lambda item: (-item[1], item[0]))
    ]
    return StatisticsResponse(
        agency_id=agency_id,
        start=period.start,
        end=period.end,
        totals=Figures(**figures.totals.as_dict()),
        by_site=groups("site"),
        by_worker=groups("worker"),
        by_service_type=groups("service_type"),
        by_delivery_method=groups("delivery_method"),
        languages=languages,
    )


@router.get("/unreportable", responses=_REFUSALS)
def unreportable(
    worker: ReportReader,
    db: DatabaseDep,
    month: MonthQuery = None,
    start: FromQuery = None,
    end: ToQuery = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> UnreportableResponse:
    """What keeps the period's records from being reported: client profiles (once) and service forms, with reasons."""
    period = period_from(month, start, end)
    with db.reading() as session:
        records = list(unreportable_records(session, agency_id=worker.agency_id, period=period))
    page = [UnreportableOut.model_validate(record.as_dict()) for record in islice(records, offset, offset + limit)]
    return UnreportableResponse(
        agency_id=worker.agency_id, start=period.start, end=period.end, total=len(records), records=page
    )


@router.get("/exports", responses=_REFUSALS)
def exports(worker: ReportReader, db: DatabaseDep) -> list[ExportRunOut]:
    """The agency's funder exports so far, newest first: which month, when, by whom, and how much each wrote."""
    with db.reading() as session:
        runs = ExportLog(session, worker.agency_id).runs()
    return [ExportRunOut.model_validate(run, from_attributes=True) for run in reversed(runs)]


@router.post(
    "/exports",
    responses={
        **_REFUSALS,
        **BODY_ERRORS,
        200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "The workbook (see docs/reports.md)."},
        409: {"model": ErrorDetail, "description": "Another export of the agency finished while this one ran."},
    },
    response_class=FileResponse,
)
def export_month(
    body: ExportRequest, worker: ReportReader, db: DatabaseDep, settings: SettingsDep, now: NowDep
) -> FileResponse:
    """Export a month as an XLSX workbook, exactly as ``outpost-server export`` does, and download it."""
    period_from(body.month, None, None)  # 422 for a month that cannot be used
    folder = Path(tempfile.mkdtemp(prefix="outpost-export-"))
    name = f"{worker.agency_id}-{body.month}-funder-export.xlsx"
    try:
        order = ExportOrder(worker.agency_id, body.month, folder / name, again=body.again,
                            exported_by=worker.user_id, template=template_at(settings.export_mapping))  # fmt: skip
        outcome = run_export(db, order, now=now)
    except (ExportError, TemplateError) as problem:
        shutil.rmtree(folder)
        raise HTTPException(status_code=409, detail=str(problem)) from problem
    headers = {"X-Export-Id": str(outcome.export_id)}
    cleanup = BackgroundTask(shutil.rmtree, folder)
    return FileResponse(outcome.path, media_type=XLSX_MEDIA_TYPE, filename=name, headers=headers, background=cleanup)
