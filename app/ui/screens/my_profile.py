"""My Profile: who is signed in (the "User" the session form's "Created By" shows), this device, last sync, and
"Sign out" (which keeps every record: unsynced work waits for its author)."""

from datetime import datetime

import flet as ft

from app.domain.codes import ROLES
from app.ui import widgets
from app.ui.context import AppContext
from app.usecases.accounts import DeviceInfo, device_info


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "Never"


async def my_profile_view(ctx: AppContext) -> ft.Control:
    actor = ctx.signed_in_actor
    device: DeviceInfo = await ctx.call(device_info, ctx.db)

    waiting = f"{device.pending} change{'s' if device.pending != 1 else ''} waiting to sync"
    if device.needs_attention:
        waiting += f", {device.needs_attention} need{'s' if device.needs_attention == 1 else ''} attention"
    return widgets.screen(
        widgets.section(
            "You",
            widgets.details_grid(
                widgets.detail("Agency", actor.agency_name or actor.agency_id),
                widgets.detail("User", actor.user_id),
                widgets.detail("Name", actor.name),
                widgets.detail("Role", ROLES.get(actor.role, actor.role)),
            ),
        ),
        widgets.section(
            "This device",
            widgets.details_grid(
                widgets.detail("This device", device.device_name or "This device"),
                widgets.detail("Device ID", device.device_id),
                widgets.detail("Server", device.server_url),
                widgets.detail("Last sync", _when(device.last_sync)),
            ),
            widgets.muted(waiting),
        ),
        widgets.muted("Signing out keeps everything saved on this device; unsynced work is sent after you sign in."),
        widgets.actions(ft.OutlinedButton("Sign out", icon=ft.Icons.LOGOUT, on_click=ctx.sign_out)),
    )
