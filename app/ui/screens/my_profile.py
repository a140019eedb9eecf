"""My Profile: who is signed in (the "User" the session form's "Created By" shows), this device, last sync, the
language of the screens, "Switch worker" (a colleague signs in next; this worker's queued changes keep syncing under
their name) and "Sign out" (which keeps every record: unsynced work waits for its author)."""

import flet as ft

from app.domain.codes import ROLES
from app.ui import widgets
from app.ui.context import AppContext
from app.ui.lock import ask_for_pin
from app.ui.screens.sign_in import language_switch
from app.usecases.accounts import DeviceInfo, device_info


async def my_profile_view(ctx: AppContext) -> ft.Control:
    tr = ctx.tr
    actor = ctx.signed_in_actor
    device: DeviceInfo = await ctx.call(device_info, ctx.db)

    waiting = tr.ngettext("{num} change waiting to sync", "{num} changes waiting to sync", device.pending)
    if device.needs_attention:
        attention = tr.ngettext("{num} needs attention", "{num} need attention", device.needs_attention)
        waiting = tr("{waiting}, {attention}", waiting=waiting, attention=attention)
    role = tr(ROLES[actor.role]) if actor.role in ROLES else actor.role

    async def set_pin(_event: ft.ControlEvent) -> None:
        await ask_for_pin(ctx)

    return widgets.screen(
        widgets.section(
            tr("You"),
            widgets.details_grid(
                widgets.detail(tr("Agency"), actor.agency_name or actor.agency_id),
                widgets.detail(tr("User"), actor.user_id),
                widgets.detail(tr("Name"), actor.name),
                widgets.detail(tr("Role"), role),
            ),
        ),
        widgets.section(
            tr("Language"),
            # Translators: said in each language of itself ("Les écrans sont en français.").
            widgets.muted(tr("Your screens are in English on this device.")),
            widgets.actions(language_switch(ctx, ctx.switch_language)),
        ),
        widgets.section(
            tr("This device"),
            widgets.details_grid(
                widgets.detail(tr("This device"), device.device_name or tr("This device")),
                widgets.detail(tr("Device ID"), device.device_id),
                widgets.detail(tr("Server"), device.server_url),
                widgets.detail(tr("Last sync"), tr.datetime(device.last_sync) if device.last_sync else tr("Never")),
            ),
            widgets.muted(waiting),
        ),
        widgets.muted(
            tr("Signing out keeps everything saved on this device; unsynced work is sent after you sign in.")
        ),
        widgets.muted(
            tr("Switch worker lets a colleague sign in on this device; what you saved keeps syncing under your name.")
        ),
        widgets.actions(
            ft.OutlinedButton(tr("Set a PIN"), icon=ft.Icons.PIN_OUTLINED, on_click=set_pin),
            ft.OutlinedButton(tr("Switch worker"), icon=ft.Icons.SWITCH_ACCOUNT, on_click=ctx.switch_worker),
            ft.OutlinedButton(tr("Sign out"), icon=ft.Icons.LOGOUT, on_click=ctx.sign_out),
        ),
    )
