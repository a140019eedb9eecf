"""Agency sessions (supervisors): every session of the agency on this device, newest first, a page at a time, with
My Dashboard's filters and a worker and a site. A supervisor's device pulls all of the agency's sessions
(docs/sync-protocol.md), so the list works offline like the rest of the app."""

import flet as ft

from app.ui import widgets
from app.ui.context import AppContext
from app.ui.session_list import SessionFilters, SessionList
from app.usecases.sessions import list_agency_sessions


async def agency_sessions_view(ctx: AppContext) -> ft.Control:
    tr = ctx.tr
    actor = ctx.signed_in_actor
    if not actor.is_supervisor:
        return widgets.screen(widgets.muted(tr("Only supervisors see every session of the agency.")))
    reference = await ctx.reference_lists()
    sessions = await SessionList.shown(
        ctx,
        "agency",
        lambda filters, page: list_agency_sessions(ctx.db, actor, filters, page=page),
        empty=tr("No sessions of the agency on this device yet. They arrive with the next sync."),
        failure=tr("Could not load the agency's sessions."),
        worker_name=reference.worker_name,
    )
    filters = SessionFilters(ctx, sessions.place.filters, sessions.show_filtered, workers=reference.workers,
                             sites=reference.sites)  # fmt: skip
    return widgets.screen(filters.control, widgets.section(tr("Agency sessions"), sessions.control))
