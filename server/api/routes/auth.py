"""Signing devices in and out."""

from fastapi import APIRouter, HTTPException, Response

from protocol.api import LOGIN_PATH, LOGOUT_PATH
from protocol.enums import RefusalCode
from protocol.records import to_wire
from server import crud
from server.api.deps import (
    DEVICE_REVOKED_DETAIL,
    DatabaseDep,
    DeviceRefusal,
    DeviceReportDep,
    NowDep,
    SettingsDep,
    TokenDep,
)
from server.api.request_body import BODY_ERRORS, REFUSALS, LimitedBodyRoute
from server.models import Worker
from server.pull import agency_record
from server.schemas import ErrorDetail, LoginRequest, LoginResponse, WorkerOut
from server.signin import DeviceRevoked, SignInRefused, SignInThrottled, sign_in

router = APIRouter(tags=["auth"], route_class=LimitedBodyRoute)


def _worker_out(worker: Worker) -> WorkerOut:
    fields = {"user_id": worker.user_id, "name": worker.name, "role": worker.role, "agency_id": worker.agency_id}
    return WorkerOut.model_validate(fields)


@router.post(
    LOGIN_PATH,
    responses={
        **BODY_ERRORS,
        401: {"model": ErrorDetail, "description": "Unknown user ID, wrong password or deactivated worker."},
        403: {
            **REFUSALS,
            "description": "The device was revoked (`device_revoked`); apps older than this answer get 401.",
        },
        429: {"model": ErrorDetail, "description": "Too many failed sign-ins; see the Retry-After header."},
    },
)
def login(
    body: LoginRequest, db: DatabaseDep, settings: SettingsDep, now: NowDep, report: DeviceReportDep
) -> LoginResponse:
    try:
        signed_in = sign_in(
            db,
            settings=settings,
            user_id=body.user_id,
            password=body.password,
            device_id=str(body.device_id),
            device_name=body.device_name,
            now=now,
            report=report,
        )
    except DeviceRevoked as refusal:
        raise DeviceRefusal(RefusalCode.DEVICE_REVOKED, DEVICE_REVOKED_DETAIL) from refusal
    except SignInThrottled as refusal:
        raise HTTPException(
            status_code=429, detail=str(refusal), headers={"Retry-After": str(refusal.retry_after)}
        ) from refusal
    except SignInRefused as refusal:
        raise HTTPException(status_code=401, detail="Invalid user ID or password") from refusal
    return LoginResponse(
        token=signed_in.token,
        expires_at=signed_in.expires_at.isoformat(),
        worker=_worker_out(signed_in.worker),
        agency=to_wire(agency_record(signed_in.agency)),
        device_key=signed_in.device_key,
    )


@router.post(LOGOUT_PATH, status_code=204, responses={401: {"model": ErrorDetail}})
def logout(db: DatabaseDep, token: TokenDep) -> Response:
    """Forget this token; signing out twice is harmless."""
    with db.writing() as session:
        crud.revoke_token(session, token=token)
    return Response(status_code=204)
