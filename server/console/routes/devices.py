"""Administrators' device pages: every device of the agency, revoking a lost one, and the rules devices follow.

Each action calls ``server.devices``, the same functions as ``outpost-server revoke-device`` and ``agency-settings``,
which keep the change and its audit event in one transaction. Revoking cannot be undone and deletes whatever the
device has not sent, so the form asks for an explicit confirmation (a checkbox the server checks: no script).
"""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from server import crud, devices
from server.api.deps import DatabaseDep, NowDep
from server.browse import worker_names
from server.console.auth import Administrator, CheckedForm, Viewer
from server.console.forms import Problems, context, text
from server.console.web import page, redirect
from server.core.config import CONSOLE_PREFIX
from server.core.messages import N_

router = APIRouter()
CONFIRMED = "yes"


def _names(db: DatabaseDep, viewer: Viewer) -> dict[str, str]:
    with db.reading() as session:
        return worker_names(session, agency_id=viewer.worker.agency_id)


@router.get("/devices")
def device_list(request: Request, viewer: Administrator, db: DatabaseDep) -> HTMLResponse:
    found = devices.list_devices(db, agency_id=viewer.worker.agency_id)
    settings = devices.device_settings(db, agency_id=viewer.worker.agency_id)
    values = context(viewer, devices=found, workers=_names(db, viewer), settings=settings)
    return page(request, "devices.html", values)


def _device_or_404(db: DatabaseDep, viewer: Viewer, device_id: str) -> devices.DeviceSummary:
    for device in devices.list_devices(db, agency_id=viewer.worker.agency_id):
        if device.device_id == device_id:
            return device
    raise HTTPException(status_code=404)


def _device_page(
    request: Request, viewer: Viewer, db: DatabaseDep, device: devices.DeviceSummary, *,
    problems: Problems | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    revoked = request.query_params.get("done") == "revoked"
    notice = text(request, N_("The device was revoked. At its next contact it is refused and deletes its data.")) \
        if revoked else None  # fmt: skip
    values = context(viewer, device=device, workers=_names(db, viewer), notice=notice, problems=problems or Problems())
    return page(request, "device.html", values, status_code=status_code)


@router.get("/devices/{device_id}")
def device(request: Request, viewer: Administrator, db: DatabaseDep, device_id: str) -> HTMLResponse:
    return _device_page(request, viewer, db, _device_or_404(db, viewer, device_id))


@router.post("/devices/{device_id}/revoke", dependencies=[CheckedForm])
def revoke(
    request: Request,
    viewer: Administrator,
    db: DatabaseDep,
    now: NowDep,
    device_id: str,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    found = _device_or_404(db, viewer, device_id)
    if confirm != CONFIRMED:
        problems = Problems()
        problems.add("confirm", text(request, N_("Tick the box to confirm that this device is to be revoked.")))
        return _device_page(request, viewer, db, found, problems=problems, status_code=400)
    try:
        devices.revoke_device(db, actor=viewer.actor, device_id=device_id, now=now)
    except crud.NotFound as missing:
        raise HTTPException(status_code=404) from missing
    return redirect(f"{CONSOLE_PREFIX}/devices/{device_id}?done=revoked")


# --- the agency's device settings ------------------------------------------------------------------------------------

SETTINGS = {
    "offline_sign_in_days": (crud.OFFLINE_SIGN_IN_DAYS_RANGE, N_("Enter a whole number of days from {low} to {high}.")),
    "idle_lock_minutes": (crud.IDLE_LOCK_MINUTES_RANGE, N_("Enter a whole number of minutes from {low} to {high}.")),
}


def _settings_page(
    request: Request, viewer: Viewer, db: DatabaseDep, *, values: dict[str, str] | None = None,
    problems: Problems | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    if values is None:
        current = devices.device_settings(db, agency_id=viewer.worker.agency_id)
        values = {name: str(getattr(current, name)) for name in SETTINGS}
    notice = text(request, N_("The settings were saved. Devices follow them after their next sync.")) \
        if request.query_params.get("done") == "saved" else None  # fmt: skip
    ranges = {name: (allowed.start, allowed.stop - 1) for name, (allowed, _) in SETTINGS.items()}
    page_values = context(viewer, values=values, ranges=ranges, notice=notice, problems=problems or Problems())
    return page(request, "device_settings.html", page_values, status_code=status_code)


@router.get("/settings")
def settings(request: Request, viewer: Administrator, db: DatabaseDep) -> HTMLResponse:
    return _settings_page(request, viewer, db)


@router.post("/settings", dependencies=[CheckedForm])
def change_settings(
    request: Request,
    viewer: Administrator,
    db: DatabaseDep,
    now: NowDep,
    offline_sign_in_days: Annotated[str, Form(max_length=10)] = "",
    idle_lock_minutes: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    entered = {"offline_sign_in_days": offline_sign_in_days.strip(), "idle_lock_minutes": idle_lock_minutes.strip()}
    problems = Problems()
    numbers: dict[str, int] = {}
    for name, value in entered.items():
        allowed, message = SETTINGS[name]
        if value.isdigit() and int(value) in allowed:
            numbers[name] = int(value)
        else:
            problems.add(name, text(request, message, low=allowed.start, high=allowed.stop - 1))
    if problems:
        return _settings_page(request, viewer, db, values=entered, problems=problems, status_code=400)
    devices.change_device_settings(db, actor=viewer.actor, now=now, agency_id=viewer.worker.agency_id, **numbers)
    return redirect(f"{CONSOLE_PREFIX}/settings?done=saved")
