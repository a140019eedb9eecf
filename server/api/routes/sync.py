"""Push and pull: how devices send their changes and receive everyone else's."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from protocol.api import DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, PULL_PATH, PUSH_PATH
from server.api.deps import CurrentWorker, DatabaseDep, NowDep, PushingWorker
from server.api.request_body import BODY_ERRORS, REFUSALS, LimitedBodyRoute
from server.core.cursor import CursorNotRecognised
from server.pull import pull_changes
from server.push import push_changes
from server.schemas import ErrorDetail, PullResponse, PushRequest, PushResponse

router = APIRouter(tags=["sync"], route_class=LimitedBodyRoute)

_ENVELOPE_ERRORS = {
    **BODY_ERRORS,
    401: {"model": ErrorDetail, "description": "Not signed in, or the sign-in expired or was revoked."},
    403: REFUSALS,
}


@router.post(PUSH_PATH, responses=_ENVELOPE_ERRORS)
def push(body: PushRequest, worker: PushingWorker, db: DatabaseDep, now: NowDep) -> PushResponse:
    """Apply up to 500 changes in order; each gets its own result. Envelope problems write nothing.

    A worker deactivated after signing in on the device may still push (what they recorded must not be lost)."""
    return PushResponse(results=push_changes(db, worker=worker, changes=body.changes, now=now))


@router.get(
    PULL_PATH,
    responses={
        401: _ENVELOPE_ERRORS[401],
        403: REFUSALS,
        410: {"model": ErrorDetail, "description": "The cursor is not from this database: pull again without one."},
    },
)
def pull(
    worker: CurrentWorker,
    db: DatabaseDep,
    cursor: Annotated[str | None, Query(max_length=200, description="From the previous pull; omit for all.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
) -> PullResponse:
    """The changes this worker may see after ``cursor``, oldest first, at most ``limit`` of them."""
    try:
        return pull_changes(db, worker=worker, cursor=cursor, limit=limit)
    except CursorNotRecognised as problem:
        raise HTTPException(status_code=410, detail=f"{problem} Pull again without a cursor.") from problem
