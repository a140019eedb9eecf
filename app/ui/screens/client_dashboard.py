"""Client Dashboard: what is still open for this client (incomplete service forms, from all their sessions), their
recent sessions, and "Start Session"."""

import flet as ft

from app.domain.clients import Client
from app.ui import widgets
from app.ui.context import AppContext
from app.ui.messages import error_text
from app.usecases.clients import load_client, summarize
from app.usecases.sessions import OpenForm, SessionSummary, open_service_forms, sessions_of_client

RECENT_SESSIONS_SHOWN = 10


def _load_dashboard(ctx: AppContext, client_id: str) -> tuple[Client, list[OpenForm], list[SessionSummary]]:
    client = load_client(ctx.db, client_id)
    open_forms = open_service_forms(ctx.db, client_id)
    return client, open_forms, sessions_of_client(ctx.db, client_id, limit=RECENT_SESSIONS_SHOWN)


async def client_dashboard_view(ctx: AppContext, client_id: str) -> ft.Control:
    tr = ctx.tr
    client, open_forms, recent = await ctx.call(_load_dashboard, ctx, client_id)

    open_rows: list[ft.Control] = [_open_form_row(item, ctx) for item in open_forms] or [
        widgets.muted(tr("Every service form of this client is complete."))
    ]
    recent_rows: list[ft.Control] = [widgets.session_tile(s, ctx.opener(f"/sessions/{s.id}"), tr) for s in recent] or [
        widgets.muted(tr("No sessions with this client yet."))
    ]
    return widgets.screen(
        ft.Column(
            spacing=4,
            controls=[
                widgets.heading(client.display_name),
                widgets.muted(widgets.client_details(summarize(client), tr)),
            ],
        ),
        widgets.actions(
            ft.FilledButton(
                tr("Start Session"), icon=ft.Icons.PLAY_ARROW, on_click=ctx.opener(f"/sessions/new?client={client.id}")
            ),
            ft.OutlinedButton(tr("Profile"), icon=ft.Icons.PERSON, on_click=ctx.opener(f"/clients/{client.id}")),
        ),
        widgets.section(tr("Open service forms"), *open_rows),
        widgets.section(tr("Recent sessions"), *recent_rows),
    )


def _open_form_row(item: OpenForm, ctx: AppContext) -> ft.Control:
    tr = ctx.tr
    still_needed = " ".join(error_text(gap, tr) for gap in item.missing)
    return widgets.card(
        widgets.actions(
            ft.Text(widgets.session_title(item.session, tr), weight=ft.FontWeight.W_600),
            widgets.completion_badge(False, tr),
        ),
        widgets.muted(tr("Still needed: {what}", what=still_needed)),
        widgets.actions(
            ft.OutlinedButton(
                tr("Open service form"),
                icon=ft.Icons.EDIT_NOTE,
                on_click=ctx.opener(f"/sessions/{item.session.id}/forms/{item.form_id}"),
            )
        ),
    )
