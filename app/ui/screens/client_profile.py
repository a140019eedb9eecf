"""Client Profile: every profile field, the family, past sessions, and "Begin Session with Client" at the bottom
(where the agency's help article tells workers to look for it)."""

import flet as ft

from app.domain.clients import Client
from app.i18n import Translator
from app.ui import widgets
from app.ui.context import AppContext
from app.ui.screens.client_form import CLIENT_FIELD_LABELS, shown_value
from app.ui.session_list import SessionList
from app.usecases.clients import ClientSummary, list_family, load_client
from app.usecases.sessions import list_client_sessions

PAST_SESSIONS_PER_PAGE = 10


def _load_profile(ctx: AppContext, client_id: str) -> tuple[Client, list[ClientSummary]]:
    return load_client(ctx.db, client_id), list_family(ctx.db, client_id)


async def client_profile_view(ctx: AppContext, client_id: str) -> ft.Control:
    tr = ctx.tr
    client, family = await ctx.call(_load_profile, ctx, client_id)
    sessions = await SessionList.shown(  # back from one of them, the profile shows the same page
        ctx,
        f"client-sessions:{client_id}",
        lambda _filters, page: list_client_sessions(ctx.db, client_id, page=page, page_size=PAST_SESSIONS_PER_PAGE),
        empty=tr("No sessions with this client yet."),
        failure=tr("Could not load the client's sessions."),
    )

    family_rows: list[ft.Control] = [
        widgets.client_card(
            member,
            [ft.OutlinedButton(tr("Profile"), icon=ft.Icons.PERSON, on_click=ctx.opener(f"/clients/{member.id}"))],
            tr,
        )
        for member in family
    ] or [widgets.muted(tr("No family members registered."))]
    family_note = tr("Family code {code}", code=client.family_code) if client.family_code else None

    return widgets.screen(
        ft.Column(
            spacing=4,
            controls=[
                widgets.heading(client.display_name),
                widgets.muted(tr("Registered by {user}", user=client.created_by or "—")),
            ],
        ),
        widgets.actions(
            ft.OutlinedButton(
                tr("Dashboard"), icon=ft.Icons.DASHBOARD, on_click=ctx.opener(f"/clients/{client.id}/dashboard")
            ),
            ft.OutlinedButton(
                tr("Edit profile"), icon=ft.Icons.EDIT, on_click=ctx.opener(f"/clients/{client.id}/edit")
            ),
        ),
        widgets.section(tr("Profile"), widgets.details_grid(*_profile_details(client, tr))),
        widgets.section(
            tr("Family"),
            widgets.muted(family_note or tr("Not linked to a family.")),
            *family_rows,
            widgets.actions(
                ft.OutlinedButton(
                    tr("Add Family Member"),
                    icon=ft.Icons.GROUP_ADD,
                    on_click=ctx.opener(f"/clients/new?family_of={client.id}"),
                )
            ),
        ),
        widgets.section(tr("Past sessions"), sessions.control),
        ft.FilledButton(
            tr("Begin Session with Client"),
            icon=ft.Icons.PLAY_ARROW,
            on_click=ctx.opener(f"/sessions/new?client={client.id}"),
        ),
    )


def _profile_details(client: Client, tr: Translator) -> list[ft.Control]:
    return [
        widgets.detail(tr(label), shown_value(client, name, tr))
        for name, label in CLIENT_FIELD_LABELS.items()
        if name != "family_code"  # shown with the family below
    ]
