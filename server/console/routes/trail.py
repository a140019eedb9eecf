"""Who did what: the audit trail. Supervisors and administrators read their agency's; a worker reads their own."""

from datetime import UTC, datetime, time, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from server.api.deps import DatabaseDep
from server.audit import ACTIONS, DETAILS, AuditFilter, events
from server.browse import worker_names
from server.console.auth import CurrentViewer
from server.console.forms import Problems, context, text
from server.console.web import page
from server.core.messages import N_

router = APIRouter()
PAGE_SIZE = 100


def _moment(request: Request, problems: Problems, name: str, *, end_of_day: bool = False) -> datetime | None:
    value = request.query_params.get(name, "")
    if not value:
        return None
    try:
        day = datetime.fromisoformat(value).date()
    except ValueError:
        problems.add(name, text(request, N_("Enter a date like 2025-03-31.")))
        return None
    moment = datetime.combine(day, time.min, tzinfo=UTC)
    return moment + timedelta(days=1) if end_of_day else moment


@router.get("/audit")
def audit_trail(request: Request, viewer: CurrentViewer, db: DatabaseDep) -> HTMLResponse:
    problems = Problems()
    query = request.query_params
    agency_id = viewer.worker.agency_id
    actor = query.get("actor") or None
    if not viewer.may_supervise:
        actor = viewer.worker.user_id
    where = AuditFilter(
        agency_id=agency_id,
        actor=actor,
        action=query.get("action") if query.get("action") in ACTIONS else None,
        since=_moment(request, problems, "from"),
        until=_moment(request, problems, "to", end_of_day=True),
    )
    before = query.get("before", "")
    with db.reading() as session:
        found = events(session, where=where, before_id=int(before) if before.isdigit() else None, limit=PAGE_SIZE + 1)
        workers = worker_names(session, agency_id=agency_id)
    filters = {key: value for key, value in query.items() if key != "before"}
    values = context(
        viewer, events=found[:PAGE_SIZE], more=len(found) > PAGE_SIZE, workers=workers, actions=ACTIONS,
        details=DETAILS, action_options=[(code, text(request, label)) for code, label in ACTIONS.items()],
        filters=filters, problems=problems,
    )  # fmt: skip
    return page(request, "audit.html", values, status_code=400 if problems else 200)
