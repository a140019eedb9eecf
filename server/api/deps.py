"""What endpoints receive: the database, the settings, the time, and the signed-in worker."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server import crud
from server.core.config import Settings
from server.db import Database
from server.models import Worker
from server.visibility import may_see_reports

_bearer = HTTPBearer(auto_error=False, description="The token from `POST /auth/login`.")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def utc_now() -> datetime:
    """The current time; a dependency so tests can move the clock (token expiry, sign-in lockouts)."""
    return datetime.now(UTC)


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(utc_now)]


def bearer_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    if credentials is None:
        raise HTTPException(status_code=401, detail="Sign in first (no bearer token was sent).", headers=_CHALLENGE)
    return credentials.credentials


TokenDep = Annotated[str, Depends(bearer_token)]


def current_worker(db: DatabaseDep, token: TokenDep, now: NowDep) -> Worker:
    """The active worker the token belongs to; 401 when it is unknown, expired, signed out or deactivated."""
    with db.reading() as session:
        worker = crud.worker_for_token(session, token=token, now=now)
    if worker is None:
        raise HTTPException(
            status_code=401, detail="Your sign-in has expired or was revoked; sign in again.", headers=_CHALLENGE
        )
    return worker


CurrentWorker = Annotated[Worker, Depends(current_worker)]


def report_reader(worker: CurrentWorker) -> Worker:
    """The signed-in worker, if their role may read reports (403 otherwise)."""
    if not may_see_reports(worker):
        raise HTTPException(status_code=403, detail="Only supervisors and administrators can see the agency's reports.")
    return worker


ReportReader = Annotated[Worker, Depends(report_reader)]
