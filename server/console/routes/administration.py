"""Administrators' pages: workers, sites and the shared reference lists. Each action calls ``server.admin``, the
same function the command line calls."""

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from server import admin
from server.api.deps import DatabaseDep, NowDep
from server.console.auth import Administrator, CheckedForm, Viewer
from server.console.forms import Problems, context, text
from server.console.web import page, redirect
from server.core.config import CONSOLE_PREFIX
from server.core.messages import N_, Refused
from server.models import Language, ServiceLocationType, Site, Worker
from server.site_import import SiteFileError, read_sites_bytes

router = APIRouter()
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
NOTICES = {
    "role": N_("The role was changed. Their devices learn it at their next sync."),
    "deactivated": N_("The worker was deactivated: they can no longer sign in, and their devices are signed out."),
    "site_added": N_("The site was added. Devices receive it at their next sync."),
    "site_changed": N_("The site was changed. Devices receive it at their next sync."),
    "site_closed": N_("The site was closed. Devices remove it from their lists at their next sync."),
    "imported": N_("The file was imported."),
    "reference": N_("The list was changed. Devices receive it at their next sync."),
}


def _notice(request: Request) -> str | None:
    done = request.query_params.get("done", "")
    return text(request, NOTICES[done]) if done in NOTICES else None


# --- workers ---------------------------------------------------------------------------------------------------------


@router.get("/workers")
def workers(request: Request, viewer: Administrator, db: DatabaseDep) -> HTMLResponse:
    with db.reading() as session:
        found = session.scalars(
            select(Worker).where(Worker.agency_id == viewer.worker.agency_id).order_by(Worker.active.desc(),
                                                                                      Worker.name)
        ).all()  # fmt: skip
    return page(request, "workers.html", context(viewer, workers=found, notice=_notice(request)))


def _new_worker_page(
    request: Request, viewer: Viewer, *, values: dict[str, str], problems: Problems, status_code: int = 200
) -> HTMLResponse:
    return page(request, "worker_new.html", context(viewer, values=values, problems=problems), status_code=status_code)


@router.get("/workers/new")
def new_worker(request: Request, viewer: Administrator) -> HTMLResponse:
    return _new_worker_page(request, viewer, values={"user_id": "", "name": "", "role": "worker"}, problems=Problems())


@router.post("/workers", dependencies=[CheckedForm])
def add_worker(
    request: Request,
    viewer: Administrator,
    db: DatabaseDep,
    now: NowDep,
    user_id: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=400)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    try:
        handover = admin.add_worker(
            db, actor=viewer.actor, now=now, agency_id=viewer.worker.agency_id, user_id=user_id, name=name, role=role
        )
    except Refused as refusal:
        problems = Problems()
        problems.refused(request, refusal, default_field="user_id")
        values = {"user_id": user_id, "name": name, "role": role}
        return _new_worker_page(request, viewer, values=values, problems=problems, status_code=400)
    values = context(viewer, handover=handover, name=" ".join(name.split()), added=True)
    return page(request, "password_handover.html", values)


def _worker_or_404(db: DatabaseDep, viewer: Viewer, user_id: str) -> Worker:
    with db.reading() as session:
        worker = session.get(Worker, user_id)
    if worker is None or worker.agency_id != viewer.worker.agency_id:
        raise HTTPException(status_code=404)
    return worker


def _worker_page(
    request: Request, viewer: Viewer, worker: Worker, *, problems: Problems | None = None, status_code: int = 200
) -> HTMLResponse:
    values = context(viewer, person=worker, notice=_notice(request), problems=problems or Problems())
    return page(request, "worker.html", values, status_code=status_code)


@router.get("/workers/{user_id}")
def worker(request: Request, viewer: Administrator, db: DatabaseDep, user_id: str) -> HTMLResponse:
    return _worker_page(request, viewer, _worker_or_404(db, viewer, user_id))


@router.post("/workers/{user_id}/role", dependencies=[CheckedForm])
def change_role(
    request: Request,
    viewer: Administrator,
    db: DatabaseDep,
    now: NowDep,
    user_id: str,
    role: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    person = _worker_or_404(db, viewer, user_id)
    try:
        admin.change_role(db, actor=viewer.actor, now=now, user_id=user_id, role=role)
    except Refused as refusal:
        problems = Problems()
        problems.refused(request, refusal, default_field="role")
        return _worker_page(request, viewer, person, problems=problems, status_code=400)
    return redirect(f"{CONSOLE_PREFIX}/workers/{user_id}?done=role")


@router.post("/workers/{user_id}/password", dependencies=[CheckedForm])
def reset_password(request: Request, viewer: Administrator, db: DatabaseDep, now: NowDep, user_id: str) -> Response:
    person = _worker_or_404(db, viewer, user_id)
    handover = admin.reset_password(db, actor=viewer.actor, now=now, user_id=user_id)
    return page(request, "password_handover.html", context(viewer, handover=handover, name=person.name, added=False))


@router.post("/workers/{user_id}/deactivate", dependencies=[CheckedForm])
def deactivate(request: Request, viewer: Administrator, db: DatabaseDep, now: NowDep, user_id: str) -> Response:
    person = _worker_or_404(db, viewer, user_id)
    try:
        admin.deactivate_worker(db, actor=viewer.actor, now=now, user_id=user_id)
    except Refused as refusal:
        problems = Problems()
        problems.refused(request, refusal, default_field="deactivate")
        return _worker_page(request, viewer, person, problems=problems, status_code=400)
    return redirect(f"{CONSOLE_PREFIX}/workers/{user_id}?done=deactivated")


# --- sites -----------------------------------------------------------------------------------------------------------


def _sites_page(
    request: Request,
    viewer: Viewer,
    db: DatabaseDep,
    *,
    values: dict[str, str] | None = None,
    problems: Problems | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with db.reading() as session:
        found = session.scalars(
            select(Site).where(Site.agency_id == viewer.worker.agency_id).order_by(Site.active.desc(), Site.code)
        ).all()
    values = values or {"code": "", "name": "", "address": ""}
    notice = _notice(request)
    if notice and request.query_params.get("count", "").isdigit():
        notice = text(request, N_("{count} sites were imported."), count=int(request.query_params["count"]))
    return page(
        request,
        "sites.html",
        context(viewer, sites=found, values=values, problems=problems or Problems(), notice=notice),
        status_code=status_code,
    )


@router.get("/sites")
def sites(request: Request, viewer: Administrator, db: DatabaseDep) -> HTMLResponse:
    return _sites_page(request, viewer, db)


@router.post("/sites", dependencies=[CheckedForm])
def add_site(
    request: Request,
    viewer: Administrator,
    db: DatabaseDep,
    now: NowDep,
    code: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=400)] = "",
    address: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    agency_id = viewer.worker.agency_id
    try:
        admin.add_site(db, actor=viewer.actor, now=now, agency_id=agency_id, code=code, name=name, address=address)
    except Refused as refusal:
        problems = Problems()
        problems.refused(request, refusal, default_field="code")
        values = {"code": code, "name": name, "address": address}
        return _sites_page(request, viewer, db, values=values, problems=problems, status_code=400)
    return redirect(f"{CONSOLE_PREFIX}/sites?done=site_added")


@router.post("/sites/import", dependencies=[CheckedForm])
async def import_sites(
    request: Request, viewer: Administrator, db: DatabaseDep, now: NowDep, file: Annotated[UploadFile, File()]
) -> Response:
    problems = Problems()
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    source = file.filename or "sites.csv"
    if len(content) > MAX_UPLOAD_BYTES:
        problems.add("file", text(request, N_("The file is larger than 2 MB; is it the right one?")))
    else:
        try:
            rows = read_sites_bytes(content, source=source)
            count = admin.import_sites(
                db, actor=viewer.actor, now=now, agency_id=viewer.worker.agency_id, rows=rows, source=source
            )
            return redirect(f"{CONSOLE_PREFIX}/sites?done=imported&count={count}")
        except SiteFileError as failure:
            for message in failure.messages:
                problems.add("file", text(request, message.text, **message.params))
    return _sites_page(request, viewer, db, problems=problems, status_code=400)


def _site_or_404(db: DatabaseDep, viewer: Viewer, code: str) -> Site:
    with db.reading() as session:
        site = session.get(Site, (viewer.worker.agency_id, code))
    if site is None:
        raise HTTPException(status_code=404)
    return site


@router.get("/sites/{code}")
def site(request: Request, viewer: Administrator, db: DatabaseDep, code: str) -> HTMLResponse:
    found = _site_or_404(db, viewer, code)
    values = {"name": found.name, "address": found.address}
    return page(request, "site.html", context(viewer, site=found, values=values, notice=_notice(request)))


@router.post("/sites/{code}", dependencies=[CheckedForm])
def change_site(
    request: Request,
    viewer: Administrator,
    db: DatabaseDep,
    now: NowDep,
    code: str,
    name: Annotated[str, Form(max_length=400)] = "",
    address: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    found = _site_or_404(db, viewer, code)
    agency_id = viewer.worker.agency_id
    try:
        admin.change_site(db, actor=viewer.actor, now=now, agency_id=agency_id, code=code, name=name, address=address)
    except Refused as refusal:
        problems = Problems()
        problems.refused(request, refusal, default_field="name")
        values = context(viewer, site=found, values={"name": name, "address": address}, problems=problems)
        return page(request, "site.html", values, status_code=400)
    return redirect(f"{CONSOLE_PREFIX}/sites/{code}?done=site_changed")


@router.post("/sites/{code}/close", dependencies=[CheckedForm])
def close_site(request: Request, viewer: Administrator, db: DatabaseDep, now: NowDep, code: str) -> Response:
    _site_or_404(db, viewer, code)
    admin.close_site(db, actor=viewer.actor, now=now, agency_id=viewer.worker.agency_id, code=code)
    return redirect(f"{CONSOLE_PREFIX}/sites/{code}?done=site_closed")


# --- reference lists -------------------------------------------------------------------------------------------------


def _reference_page(
    request: Request,
    viewer: Viewer,
    db: DatabaseDep,
    *,
    values: dict[str, str] | None = None,
    problems: Problems | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with db.reading() as session:
        languages = session.execute(select(Language.code, Language.name, Language.name_fr).order_by(Language.name))
        kinds = session.execute(
            select(ServiceLocationType.code, ServiceLocationType.label, ServiceLocationType.label_fr).order_by(
                ServiceLocationType.label
            )
        )
        lists = {"language": languages.all(), "service_location_type": kinds.all()}
    values = values or {"kind": "language", "code": "", "name": "", "name_fr": ""}
    return page(
        request,
        "reference.html",
        context(viewer, lists=lists, list_names=admin.REFERENCE_LISTS, values=values, problems=problems or Problems(),
                notice=_notice(request),
                list_options=[(kind, text(request, name)) for kind, name in admin.REFERENCE_LISTS.items()]),
        status_code=status_code,
    )  # fmt: skip


@router.get("/reference")
def reference(request: Request, viewer: Administrator, db: DatabaseDep) -> HTMLResponse:
    return _reference_page(request, viewer, db)


@router.post("/reference", dependencies=[CheckedForm])
def put_reference_entry(
    request: Request,
    viewer: Administrator,
    db: DatabaseDep,
    now: NowDep,
    kind: Annotated[str, Form(max_length=40)] = "",
    code: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=400)] = "",
    name_fr: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    try:
        admin.put_reference_entry(db, actor=viewer.actor, now=now, kind=kind, code=code, name=name, name_fr=name_fr)
    except Refused as refusal:
        problems = Problems()
        problems.refused(request, refusal, default_field="code")
        values = {"kind": kind, "code": code, "name": name, "name_fr": name_fr}
        return _reference_page(request, viewer, db, values=values, problems=problems, status_code=400)
    return redirect(f"{CONSOLE_PREFIX}/reference?done=reference")
