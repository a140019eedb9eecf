"""Push and pull: how devices send their changes and receive everyone else's."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response

from protocol.api import DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, PULL_PATH, PUSH_PATH
from server import devices
from server.api.deps import DatabaseDep, DeviceReportDep, NowDep, TokenDep, is_refused, refuse, token_holder_or_401
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


@router.post(PUSH_PATH, response_model=PushResponse, responses=_ENVELOPE_ERRORS)
def push(body: PushRequest, token: TokenDep, report: DeviceReportDep, db: DatabaseDep, now: NowDep) -> Response:
    """Apply up to 500 changes in order; each gets its own result. Envelope problems write nothing.

    A worker deactivated after signing in on the device may still push (what they recorded must not be lost).
    Who is calling, the device's own note and the changes share one transaction."""
    with db.writing() as session:
        holder = token_holder_or_401(session, token=token, now=now)
        refused = is_refused(holder, pushing=True)
        if not refused:
            devices.note_contact_in(session, holder=holder, now=now, report=report)
            results = push_changes(session, worker=holder.worker, changes=body.changes, now=now)
    if refused:
        refuse(db, holder, token=token, now=now)
    # Written here rather than by FastAPI, which would validate the answer again, in a second trip to the thread pool.
    return _json(PushResponse(results=results).model_dump_json())


@router.get(
    PULL_PATH,
    response_model=PullResponse,  # what the document publishes; the answer is written by PullPage.to_json
    responses={
        401: _ENVELOPE_ERRORS[401],
        403: REFUSALS,
        410: {
            "model": ErrorDetail,
            "description": "The cursor is not from this database, or older than the history it keeps: pull again "
            "without one.",
        },
    },
)
def pull(
    token: TokenDep,
    report: DeviceReportDep,
    db: DatabaseDep,
    now: NowDep,
    cursor: Annotated[str | None, Query(max_length=200, description="From the previous pull; omit for all.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
) -> Response:
    """The changes this worker may see after ``cursor``, oldest first, at most ``limit`` of them.

    Who is calling and the page are read on one snapshot; the device's own note, when due, is written after it."""
    # (Not in the docstring, which the OpenAPI document publishes.) The page goes out as JSON bytes written in one
    # call (server.pull.PullPage), skipping FastAPI's validation and serialisation of every change.
    try:
        with db.reading() as session:
            holder = token_holder_or_401(session, token=token, now=now)
            refused = is_refused(holder)
            page = None if refused else pull_changes(session, worker=holder.worker, cursor=cursor, limit=limit)
    except CursorNotRecognised as problem:
        raise HTTPException(status_code=410, detail=f"{problem} Pull again without a cursor.") from problem
    if page is None:
        refuse(db, holder, token=token, now=now)
    devices.note_contact(db, holder=holder, now=now, report=report)
    return _json(page.to_json())


def _json(content: str | bytes) -> Response:
    """An answer already written as JSON. FastAPI sends a returned Response as it is: it neither validates it
    against the route's ``response_model`` (which still describes it in the OpenAPI document) nor serialises it."""
    return Response(content=content, media_type="application/json")
