"""The "Add Client" dialog of the session form: relatives of the clients already in the session, then a search."""

from collections.abc import Callable, Sequence

import flet as ft

from app.ui import theme, widgets
from app.ui.context import AppContext
from app.ui.forms import family_shortcuts
from app.ui.screens.site_finder import dialog_width
from app.usecases.clients import ClientSummary, list_family, search_clients


def family_of_clients(ctx: AppContext, client_ids: Sequence[str]) -> list[ClientSummary]:
    """Everyone in the families of ``client_ids`` (the clients themselves included; the picker leaves them out)."""
    return [member for client_id in client_ids for member in list_family(ctx.db, client_id)]


class ClientPicker:
    """The "Add Client" dialog: relatives of the clients already in the session first, then a search."""

    def __init__(self, ctx: AppContext, in_session: Sequence[str], on_pick: Callable[[ClientSummary], None]):
        tr = self.tr = ctx.tr
        self.ctx = ctx
        self.in_session = list(in_session)
        self.on_pick = on_pick
        self.latest = widgets.LatestOnly()
        self.query = ft.TextField(
            label=tr("Search clients"),
            hint_text=tr("Name, date of birth, phone or client number"),
            prefix_icon=ft.Icons.SEARCH,
            autofocus=True,
            on_change=self._search,
            on_submit=self._search,
        )
        self.family = ft.Column(spacing=0)
        self.results = ft.Column(spacing=0)
        self.dialog = ft.AlertDialog(
            title=ft.Text(tr("Add Client")),
            inset_padding=ft.Padding.symmetric(horizontal=12, vertical=24),
            content=ft.Container(
                width=dialog_width(ctx),
                content=ft.Column(
                    [
                        self.query,
                        widgets.section(tr("Family members"), self.family),
                        widgets.section(tr("Search results"), self.results),
                    ],
                    scroll=ft.ScrollMode.AUTO,
                    tight=True,
                ),
            ),
            actions=[ft.TextButton(tr("Cancel"), on_click=lambda: ctx.page.pop_dialog())],
        )

    async def open(self) -> None:
        self.family.controls = [widgets.muted(self.tr("Looking for relatives…"))]
        self.results.controls = [widgets.muted(self.tr("Type a name, date of birth or phone number."))]
        self.ctx.page.show_dialog(self.dialog)
        relatives = await self.ctx.call(family_of_clients, self.ctx, self.in_session)
        shortcuts = family_shortcuts(relatives, self.in_session)
        self.family.controls = [self._row(c) for c in shortcuts] or [widgets.muted(self.tr("No relatives on file."))]
        self.dialog.update()

    async def _search(self) -> None:
        ticket = await self.latest.settled()
        text = self.query.value.strip()
        if ticket is None or not text:
            return
        found = await self.ctx.call(search_clients, self.ctx.db, text)
        if not self.latest.is_current(ticket):
            return
        self.results.controls = [self._row(c) for c in found] or [widgets.muted(self.tr("No client matches that."))]
        self.dialog.update()

    def _row(self, client: ClientSummary) -> ft.Control:
        already = client.id in self.in_session
        return ft.ListTile(
            title=widgets.directed_text(client.display_name),
            subtitle=ft.Text(
                self.tr("Already in this session") if already else widgets.client_details(client, self.tr)
            ),
            min_height=theme.TOUCH_TARGET,
            disabled=already,
            trailing=None if already else ft.Icon(ft.Icons.ADD),
            on_click=lambda: self._pick(client),
        )

    def _pick(self, client: ClientSummary) -> None:
        self.ctx.page.pop_dialog()
        self.on_pick(client)
