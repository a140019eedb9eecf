"""Putting the console on the server application: its pages under ``/console/``, its static files, and how it
answers a reader who is not signed in, not allowed, or sent a form that was not the console's.

Pages are server-rendered HTML with plain forms and no JavaScript: every action is a real form post (followed by
a redirect) and every list a real URL, so the console works with any browser, keyboard and screen reader without
client code to load, keep accessible or keep in step with the server, and a filtered list can be bookmarked.
"""

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from server.console.auth import LANGUAGE_COOKIE, FormRefused, NotAllowed, SignInNeeded
from server.console.forms import context
from server.console.i18n import choose_language
from server.console.routes import account, administration, agency, devices, reports, trail
from server.console.web import page
from server.core.config import CONSOLE_PREFIX


def reader_language(request: Request) -> None:
    """Every console request knows its reader's language before anything else runs."""
    request.state.language = choose_language(
        request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
    )


PAGES = (account.router, administration.router, devices.router, agency.router, reports.router, trail.router)
"""Every console route, by who uses it; each is served under ``CONSOLE_PREFIX``."""


def add_console(app: FastAPI) -> None:
    console = APIRouter(prefix=CONSOLE_PREFIX, include_in_schema=False, dependencies=[Depends(reader_language)])
    for pages in PAGES:
        console.include_router(pages)
    app.include_router(console)
    app.mount(f"{CONSOLE_PREFIX}/static", StaticFiles(packages=[("server.console", "static")]), name="console-static")
    app.add_exception_handler(SignInNeeded, _sign_in_needed)
    app.add_exception_handler(NotAllowed, _not_allowed)
    app.add_exception_handler(FormRefused, _form_refused)
    app.add_exception_handler(StarletteHTTPException, _not_found_page)
    app.add_exception_handler(RequestValidationError, _bad_request)


def _is_console(request: Request) -> bool:
    return request.url.path == CONSOLE_PREFIX or request.url.path.startswith(CONSOLE_PREFIX + "/")


def _ensure_language(request: Request) -> None:
    if not hasattr(request.state, "language"):
        reader_language(request)


async def _sign_in_needed(request: Request, problem: Exception) -> Response:
    assert isinstance(problem, SignInNeeded)
    return account.sign_in_redirect(request, expired=problem.expired)


async def _not_allowed(request: Request, _problem: Exception) -> Response:
    _ensure_language(request)
    return page(request, "not_allowed.html", context(getattr(request.state, "viewer", None)), status_code=403)


async def _form_refused(request: Request, _problem: Exception) -> Response:
    _ensure_language(request)
    return page(request, "form_refused.html", context(None), status_code=403)


async def _not_found_page(request: Request, problem: Exception) -> Response:
    """Console pages answer in HTML; the API keeps FastAPI's JSON answers."""
    assert isinstance(problem, StarletteHTTPException)
    if not _is_console(request):
        return await http_exception_handler(request, problem)
    _ensure_language(request)
    template = "not_found.html" if problem.status_code == 404 else "form_refused.html"
    return page(request, template, context(getattr(request.state, "viewer", None)), status_code=problem.status_code)


async def _bad_request(request: Request, problem: Exception) -> Response:
    assert isinstance(problem, RequestValidationError)
    if not _is_console(request):
        return await request_validation_exception_handler(request, problem)
    _ensure_language(request)
    return page(request, "form_refused.html", context(None), status_code=400)
