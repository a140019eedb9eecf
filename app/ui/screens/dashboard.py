"""My Dashboard: the sessions where I am in Staff Involved, newest first, one page of 20 at a time, with the
"Incomplete only" and date filters."""

import flet as ft

from app.ui import widgets
from app.ui.context import AppContext
from app.ui.session_list import SessionFilters, SessionList
from app.usecases.sessions import list_my_sessions


async def dashboard_view(ctx: AppContext) -> ft.Control:
    tr = ctx.tr
    actor = ctx.signed_in_actor
    sessions = await SessionList.shown(
        ctx,
        "dashboard",
        lambda filters, page: list_my_sessions(ctx.db, actor, filters, page=page),
        empty=tr("No sessions yet. Find a client (or register a new one) to begin a session."),
        failure=tr("Could not load your sessions."),
    )
    return widgets.screen(
        widgets.actions(
            ft.FilledButton(tr("Find Client/Activity"), icon=ft.Icons.SEARCH, on_click=ctx.opener("/find")),
            ft.OutlinedButton(
                tr("Register a New Client"), icon=ft.Icons.PERSON_ADD, on_click=ctx.opener("/clients/new")
            ),
        ),
        SessionFilters(ctx, sessions.place.filters, sessions.show_filtered).control,
        widgets.section(tr("My sessions"), sessions.control),
    )
