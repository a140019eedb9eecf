"""Supervisors' pages (administrators see them too): the agency's sessions, a session, a client, and merging
duplicate clients."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.domain.codes import SERVICE_TYPES, SESSION_TYPES
from server import merge
from server.api.deps import DatabaseDep, NowDep
from server.browse import (
    PagePosition,
    SessionFilter,
    client_history,
    client_names,
    count_sessions,
    reference_names,
    session_as_seen,
    session_page,
    site_names,
    worker_names,
)
from server.console.auth import CheckedForm, Supervisor
from server.console.forms import Problems, context, text
from server.console.i18n import FRENCH
from server.console.web import page, redirect
from server.core.config import CONSOLE_PREFIX
from server.core.messages import N_, Refused
from server.duplicates import possible_duplicates

router = APIRouter()
_YES_NO = {"yes": True, "no": False}


def _day(request: Request, problems: Problems, name: str) -> date | None:
    value = request.query_params.get(name, "")
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.add(name, text(request, N_("Enter a date like 2025-03-31.")))
        return None


def _session_filter(request: Request, agency_id: str, problems: Problems) -> SessionFilter:
    query = request.query_params
    since, until = _day(request, problems, "from"), _day(request, problems, "to")
    if since and until and since > until:
        problems.add("to", text(request, N_("The end date is before the start date.")))
    return SessionFilter(
        agency_id=agency_id,
        since=since,
        until=until,
        site_code=query.get("site") or None,
        worker=query.get("worker") or None,
        session_type=query.get("type") if query.get("type") in SESSION_TYPES else None,
        service_type=query.get("service") if query.get("service") in SERVICE_TYPES else None,
        complete=_YES_NO.get(query.get("complete", "")),
        reportable=_YES_NO.get(query.get("reportable", "")),
    )


@router.get("/sessions")
def sessions(request: Request, viewer: Supervisor, db: DatabaseDep) -> HTMLResponse:
    problems = Problems()
    agency_id = viewer.worker.agency_id
    where = _session_filter(request, agency_id, problems)
    after = PagePosition.decode(request.query_params.get("after"))
    before = PagePosition.decode(request.query_params.get("before"))
    with db.reading() as session:
        found = session_page(session, where=where, after=after, before=before)
        total = count_sessions(session, where=where)
        workers = worker_names(session, agency_id=agency_id)
        sites = site_names(session, agency_id=agency_id)
    filters = {key: value for key, value in request.query_params.items() if key not in ("after", "before")}
    values = context(viewer, page=found, total=total, workers=workers, sites=sites, filters=filters, problems=problems)
    return page(request, "sessions.html", values, status_code=400 if problems else 200)


@router.get("/sessions/{session_id}")
def session_detail(request: Request, viewer: Supervisor, db: DatabaseDep, session_id: str) -> HTMLResponse:
    agency_id = viewer.worker.agency_id
    with db.reading() as session:
        record = session_as_seen(session, viewer=viewer.worker, session_id=session_id)
        if record is None:
            raise HTTPException(status_code=404)
        clients = client_names(session, [form["client_id"] for form in record["service_forms"]])
        workers = worker_names(session, agency_id=agency_id)
        sites = site_names(session, agency_id=agency_id)
        names = reference_names(session, french=request.state.language == FRENCH)
    values = context(viewer, record=record, clients=clients, workers=workers, sites=sites, names=names)
    return page(request, "session.html", values)


@router.get("/clients/merge")
def merge_preview(
    request: Request,
    viewer: Supervisor,
    db: DatabaseDep,
    keep: Annotated[str, Query(max_length=40)] = "",
    merge_id: Annotated[str, Query(alias="merge", max_length=40)] = "",
) -> Response:
    problems = Problems()
    plan = None
    with db.reading() as session:
        try:
            plan = merge.plan_merge(session, agency_id=viewer.worker.agency_id, keep_id=keep, merge_id=merge_id)
        except Refused as refusal:
            problems.refused(request, refusal)
    values = context(viewer, plan=plan, keep=keep, merge_id=merge_id, problems=problems)
    return page(request, "merge.html", values, status_code=400 if problems else 200)


@router.post("/clients/merge", dependencies=[CheckedForm])
def merge_clients(
    request: Request,
    viewer: Supervisor,
    db: DatabaseDep,
    now: NowDep,
    keep: Annotated[str, Form(max_length=40)] = "",
    merge_id: Annotated[str, Form(alias="merge", max_length=40)] = "",
) -> Response:
    try:
        merge.merge_clients(db, actor=viewer.actor, now=now, keep_id=keep, merge_id=merge_id)
    except Refused as refusal:
        problems = Problems()
        problems.refused(request, refusal)
        values = context(viewer, plan=None, keep=keep, merge_id=merge_id, problems=problems)
        return page(request, "merge.html", values, status_code=400)
    return redirect(f"{CONSOLE_PREFIX}/clients/{keep}?done=merged")


@router.get("/clients/{client_id}")
def client(request: Request, viewer: Supervisor, db: DatabaseDep, client_id: str) -> HTMLResponse:
    agency_id = viewer.worker.agency_id
    with db.reading() as session:
        history = client_history(session, agency_id=agency_id, client_id=client_id)
        if history is None:
            raise HTTPException(status_code=404)
        workers = worker_names(session, agency_id=agency_id)
        sites = site_names(session, agency_id=agency_id)
        survivor = client_names(session, [history.merged_into]) if history.merged_into else {}
    notice = text(request, N_("The clients were merged.")) if request.query_params.get("done") == "merged" else None
    values = context(viewer, history=history, workers=workers, sites=sites, survivor=survivor, notice=notice)
    return page(request, "client.html", values)


@router.get("/duplicates")
def duplicates(request: Request, viewer: Supervisor, db: DatabaseDep) -> HTMLResponse:
    with db.reading() as session:
        pairs = possible_duplicates(session, agency_id=viewer.worker.agency_id)
    return page(request, "duplicates.html", context(viewer, pairs=pairs))
