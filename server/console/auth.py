"""Who is looking at a console page: sign-in cookies, idle expiry, CSRF tokens and the role a page needs.

A console sign-in is a random token in an HttpOnly, SameSite=Lax cookie (Secure when the request came over TLS);
the database keeps only its SHA-256, with when it was last used. It ends after ``console_idle_limit`` without a
request, after ``console_sign_in_limit`` in all, at sign-out, and when the worker is deactivated or their password
is reset. Nothing is kept in process memory, so any server process behind a load balancer serves any request.

Every form carries a CSRF token derived from the browser's secret (the sign-in token, or before signing in a random
cookie of its own): another site can make the browser send the cookie but cannot read it, so it cannot make the
token. A POST without the right token, or from another origin, is refused before anything is read from it.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.domain import roles
from server.api.deps import DatabaseDep, NowDep, SettingsDep
from server.audit import Actor
from server.core.config import CONSOLE_PREFIX, Settings
from server.core.security import new_token, token_digest
from server.db import Database
from server.models import Agency, ConsoleSignIn, Worker

SIGN_IN_COOKIE = "outpost_console"
FORM_COOKIE = "outpost_console_form"
LANGUAGE_COOKIE = "outpost_console_language"
CSRF_FIELD = "csrf_token"
# A sign-in's last use is written at most this often: every page view need not be a write.
_TOUCH_EVERY = timedelta(minutes=1)


class SignInNeeded(Exception):
    """The page needs a signed-in reader; ``expired`` when they were signed in until it ran out."""

    def __init__(self, *, expired: bool = False):
        super().__init__("Sign in first.")
        self.expired = expired


class NotAllowed(Exception):
    """The reader is signed in but their role may not use this page."""


class FormRefused(Exception):
    """A POST without a valid CSRF token, or from another origin."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in reader of a page."""

    worker: Worker
    agency_name: str
    csrf_token: str

    @property
    def actor(self) -> Actor:
        """Who the audit trail names for what this reader does: themselves, within their own agency."""
        return Actor(self.worker.user_id, self.worker.agency_id)

    @property
    def may_administer(self) -> bool:
        return roles.may_administer(self.worker.role)

    @property
    def may_supervise(self) -> bool:
        return roles.sees_every_agency_session(self.worker.role)

    @property
    def may_see_reports(self) -> bool:
        return roles.may_see_reports(self.worker.role)


def csrf_token_for(secret: str) -> str:
    return hmac.new(secret.encode(), b"outpost console form", hashlib.sha256).hexdigest()


def new_sign_in(session: Session, *, worker: Worker, now: datetime, settings: Settings) -> str:
    """Record a console sign-in for ``worker`` in the open transaction; the token goes in the cookie."""
    token = new_token()
    session.add(
        ConsoleSignIn(
            token_hash=token_digest(token),
            worker_user_id=worker.user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + settings.console_sign_in_limit,
        )
    )
    return token


def end_sign_in(db: Database, token: str) -> None:
    with db.writing() as session:
        session.execute(delete(ConsoleSignIn).where(ConsoleSignIn.token_hash == token_digest(token)))


def _viewer_for(db: Database, token: str, *, now: datetime, settings: Settings) -> Viewer:
    digest = token_digest(token)
    statement = (
        select(ConsoleSignIn, Worker, Agency.name)
        .join(Worker, Worker.user_id == ConsoleSignIn.worker_user_id)
        .join(Agency, Agency.id == Worker.agency_id)
        .where(ConsoleSignIn.token_hash == digest)
    )
    with db.reading() as session:
        found = session.execute(statement).one_or_none()
    if found is None:
        raise SignInNeeded()
    sign_in, worker, agency_name = found
    if not worker.active:
        raise SignInNeeded()
    if now - sign_in.last_seen_at > settings.console_idle_limit or now >= sign_in.expires_at:
        end_sign_in(db, token)
        raise SignInNeeded(expired=True)
    if now - sign_in.last_seen_at >= _TOUCH_EVERY:
        with db.writing() as session:
            touch = update(ConsoleSignIn).where(ConsoleSignIn.token_hash == digest).values(last_seen_at=now)
            session.execute(touch)
    return Viewer(worker=worker, agency_name=agency_name, csrf_token=csrf_token_for(token))


def current_viewer(request: Request, db: DatabaseDep, settings: SettingsDep, now: NowDep) -> Viewer:
    token = request.cookies.get(SIGN_IN_COOKIE)
    if not token:
        raise SignInNeeded()
    viewer = _viewer_for(db, token, now=now, settings=settings)
    request.state.viewer = viewer
    return viewer


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


def supervisor(viewer: CurrentViewer) -> Viewer:
    """Supervisors and administrators: the agency's sessions, clients, duplicates and reports."""
    if not viewer.may_supervise:
        raise NotAllowed()
    return viewer


def administrator(viewer: CurrentViewer) -> Viewer:
    """Administrators only: workers, sites, devices, reference lists and settings."""
    if not viewer.may_administer:
        raise NotAllowed()
    return viewer


def report_reader(viewer: CurrentViewer) -> Viewer:
    """Whoever may read the agency's reports and download its funder export (``app.domain.roles``)."""
    if not viewer.may_see_reports:
        raise NotAllowed()
    return viewer


Supervisor = Annotated[Viewer, Depends(supervisor)]
ReportReader = Annotated[Viewer, Depends(report_reader)]
Administrator = Annotated[Viewer, Depends(administrator)]


def browser_secret(request: Request) -> str:
    """The secret a form's CSRF token is made from: the sign-in token, else this browser's form cookie (made and
    set by ``ensure_form_cookie`` on the page that shows the form)."""
    return request.cookies.get(SIGN_IN_COOKIE) or request.cookies.get(FORM_COOKIE) or ""


def ensure_form_cookie(request: Request) -> str:
    """The CSRF token for a page shown before sign-in; makes the form cookie if the browser has none yet."""
    secret = browser_secret(request)
    if not secret:
        secret = secrets.token_urlsafe(32)
        request.state.new_form_cookie = secret
    return csrf_token_for(secret)


async def checked_form(request: Request) -> None:
    """Refuse a POST from another origin or without this browser's CSRF token (a dependency of every form)."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.url.netloc:
        raise FormRefused()
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    secret = browser_secret(request)
    if not secret or not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token_for(secret)):
        raise FormRefused()


CheckedForm = Depends(checked_form)


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    """An HttpOnly, SameSite=Lax cookie for the console's paths, Secure when the request came over TLS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=CONSOLE_PREFIX,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="lax",
    )


def sign_in_url(next_path: str, *, expired: bool = False) -> str:
    url = f"{CONSOLE_PREFIX}/sign-in?next={quote(next_path, safe='/')}"
    return url + "&expired=1" if expired else url


def safe_next(next_path: str | None) -> str:
    """Where to go after signing in: only a console path of this server, never another site."""
    if next_path and next_path.startswith(CONSOLE_PREFIX + "/") and not next_path.startswith("//"):
        return next_path
    return CONSOLE_PREFIX + "/"
