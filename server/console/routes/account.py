"""Signing in and out of the console, choosing its language, and the home page."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from server.api.deps import DatabaseDep, NowDep, SettingsDep
from server.audit import record
from server.console.auth import (
    FORM_COOKIE,
    LANGUAGE_COOKIE,
    SIGN_IN_COOKIE,
    CheckedForm,
    CurrentViewer,
    end_sign_in,
    ensure_form_cookie,
    new_sign_in,
    safe_next,
    set_cookie,
    sign_in_url,
)
from server.console.forms import Problems, context, text
from server.console.i18n import LANGUAGES
from server.console.web import page, redirect
from server.core.config import CONSOLE_PREFIX
from server.core.messages import N_
from server.signin import CONSOLE, SignInRefused, SignInThrottled, check_password, signed_in

router = APIRouter()
_YEAR_SECONDS = 365 * 24 * 3600


def _sign_in_page(
    request: Request, *, next_path: str, problems: Problems, user_id: str = "", status_code: int = 200
) -> HTMLResponse:
    token = ensure_form_cookie(request)
    notice = None
    if request.query_params.get("expired"):
        notice = text(request, N_("You were signed out after a while without activity. Sign in again to go on."))
    elif request.query_params.get("signed_out"):
        notice = text(request, N_("You are signed out."))
    values = context(None, csrf_token=token, next=next_path, problems=problems, user_id=user_id, notice=notice)
    response = page(request, "sign_in.html", values, status_code=status_code)
    new_cookie = getattr(request.state, "new_form_cookie", None)
    if new_cookie:
        set_cookie(request, response, FORM_COOKIE, new_cookie)
    return response


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "") -> HTMLResponse:
    return _sign_in_page(request, next_path=safe_next(next), problems=Problems())


@router.post("/sign-in", dependencies=[CheckedForm])
def sign_in(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    now: NowDep,
    user_id: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    problems = Problems()
    user_id = user_id.strip()
    if not user_id:
        problems.add("user_id", text(request, N_("Enter your user ID.")))
    if not password:
        problems.add("password", text(request, N_("Enter your password.")))
    if problems:
        return _sign_in_page(request, next_path=safe_next(next), problems=problems, user_id=user_id, status_code=400)
    try:
        worker = check_password(db, settings=settings, user_id=user_id, password=password, now=now, channel=CONSOLE)
    except SignInThrottled as refusal:
        minutes = max(1, round(refusal.retry_after / 60))
        problems.add("user_id", text(request, N_("Too many failed sign-ins. Try again in {minutes} min."),
                                     minutes=minutes))  # fmt: skip
        return _sign_in_page(request, next_path=safe_next(next), problems=problems, user_id=user_id, status_code=429)
    except SignInRefused:
        problems.add("user_id", text(request, N_("The user ID or password is not right.")))
        return _sign_in_page(request, next_path=safe_next(next), problems=problems, user_id=user_id, status_code=401)
    with db.writing() as session:
        signed_in(session, worker=worker, now=now, channel=CONSOLE)
        token = new_sign_in(session, worker=worker, now=now, settings=settings)
    response = redirect(safe_next(next))
    set_cookie(request, response, SIGN_IN_COOKIE, token)
    response.delete_cookie(FORM_COOKIE, path=CONSOLE_PREFIX)
    return response


@router.post("/sign-out", dependencies=[CheckedForm])
def sign_out(request: Request, viewer: CurrentViewer, db: DatabaseDep, now: NowDep) -> Response:
    end_sign_in(db, request.cookies[SIGN_IN_COOKIE])
    with db.writing() as session:
        actor = viewer.actor
        record(session, at=now, actor=actor, action="sign_out", agency_id=viewer.worker.agency_id, channel=CONSOLE)
    response = redirect(f"{CONSOLE_PREFIX}/sign-in?signed_out=1")
    response.delete_cookie(SIGN_IN_COOKIE, path=CONSOLE_PREFIX)
    return response


@router.post("/language", dependencies=[CheckedForm])
def choose_language(
    request: Request,
    language: Annotated[str, Form(max_length=10)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    response = redirect(safe_next(next))
    if language in LANGUAGES:
        set_cookie(request, response, LANGUAGE_COOKIE, language, max_age=_YEAR_SECONDS)
    return response


@router.get("/")
def home(request: Request, viewer: CurrentViewer) -> HTMLResponse:
    return page(request, "home.html", context(viewer))


def sign_in_redirect(request: Request, *, expired: bool) -> Response:
    """Where a reader who is not (or no longer) signed in is sent: the sign-in page, then back here."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query and request.method == "GET" else "")
    if request.method != "GET":
        here = request.headers.get("referer", "").partition(request.url.netloc)[2] or CONSOLE_PREFIX + "/"
    return redirect(sign_in_url(safe_next(here), expired=expired))
