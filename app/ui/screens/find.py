"""Find Client/Activity: one search box, results as the worker types.

The box is not autofocused: on Flutter web an autofocused box looks focused while the browser's focus stays on the
tab that was tapped, so the first keys typed would go nowhere.

Typing fires an event per key; ``widgets.LatestOnly`` runs a search only after a pause and throws away answers that
arrive after a newer search started, so the list always matches the box. At most ``CLIENTS_SHOWN`` clients show:
every row is a few controls sent to the device, and a phone shows four at a time anyway.
"""

import flet as ft

from app.domain.codes import GROUP_ACTIVITY
from app.i18n import Translator
from app.ui import widgets
from app.ui.context import AppContext
from app.usecases.clients import ClientSummary, search_clients
from app.usecases.sessions import SessionSummary, search_group_activities

CLIENTS_SHOWN = 25


async def find_view(ctx: AppContext) -> ft.Control:
    return _Finder(ctx).build()


def _search_everything(ctx: AppContext, query: str) -> tuple[list[ClientSummary], list[SessionSummary]]:
    return search_clients(ctx.db, query, limit=CLIENTS_SHOWN), search_group_activities(ctx.db, query)


class _Finder:
    def __init__(self, ctx: AppContext):
        tr = self.tr = ctx.tr
        self.ctx = ctx
        self.latest = widgets.LatestOnly()
        self.hint = tr("Type a name, date of birth (YYYY-MM-DD), phone or client number.")
        self.box = widgets.follow_writing_direction(
            ft.TextField(
                label=tr("Search clients"), prefix_icon=ft.Icons.SEARCH, on_change=self._typed, on_submit=self._typed
            )
        )
        self.status = widgets.muted(self.hint)
        self.results = ft.Column(spacing=8)

    def build(self) -> ft.Control:
        start_group = ft.OutlinedButton(
            self.tr("Start a Group Activity"),
            icon=ft.Icons.GROUPS,
            on_click=self.ctx.opener(f"/sessions/new?type={GROUP_ACTIVITY}"),
        )
        return widgets.screen(widgets.actions(start_group), self.box, self.status, self.results)

    async def _typed(self, _event: ft.ControlEvent) -> None:
        ticket = await self.latest.settled()
        if ticket is None:
            return
        query = (self.box.value or "").strip()
        if not query:
            self._show(self.hint, [])
            return
        try:
            clients, activities = await self.ctx.call(_search_everything, self.ctx, query)
        except Exception as error:
            self.ctx.report(error, self.tr("Could not search."))
            return
        if self.latest.is_current(ticket):
            self._show_results(query, clients, activities)

    def _show(self, status: str, rows: list[ft.Control]) -> None:
        self.status.value = status
        self.results.controls = rows
        self.status.update()
        self.results.update()

    def _show_results(self, query: str, clients: list[ClientSummary], activities: list[SessionSummary]) -> None:
        rows: list[ft.Control] = [self._client_row(client) for client in clients]
        if activities:
            rows.append(widgets.section(self.tr("Group activities"), *(self._activity_row(a) for a in activities)))
        if not clients:
            rows.append(
                ft.FilledButton(
                    self.tr("Register a New Client"), icon=ft.Icons.PERSON_ADD, on_click=self.ctx.opener("/clients/new")
                )
            )
        self._show(result_summary(query, len(clients), len(activities), self.tr), rows)

    def _client_row(self, client: ClientSummary) -> ft.Control:
        return widgets.client_card(
            client,
            [
                ft.OutlinedButton(
                    self.tr("Profile"), icon=ft.Icons.PERSON, on_click=self.ctx.opener(f"/clients/{client.id}")
                ),
                ft.OutlinedButton(
                    self.tr("Dashboard"),
                    icon=ft.Icons.DASHBOARD,
                    on_click=self.ctx.opener(f"/clients/{client.id}/dashboard"),
                ),
            ],
            self.tr,
        )

    def _activity_row(self, activity: SessionSummary) -> ft.Control:
        return widgets.session_tile(activity, self.ctx.opener(f"/sessions/{activity.id}"), self.tr)


def result_summary(query: str, clients: int, activities: int, tr: Translator) -> str:
    """What a search found: "Results for “ngu”: 3 clients and 1 group activity."."""
    if not clients and not activities:
        return tr("No client or group activity matches “{query}”.", query=query)
    found = tr.ngettext("{num} client", "{num} clients", clients)
    if activities:
        found = tr(
            "{clients} and {activities}",
            clients=found,
            activities=tr.ngettext("{num} group activity", "{num} group activities", activities),
        )
    summary = tr("Results for “{query}”: {found}.", found=found, query=query)
    if clients >= CLIENTS_SHOWN:
        more = tr("Showing the first {num}: type more of the name to narrow it down.", num=CLIENTS_SHOWN)
        summary = f"{summary} {more}"
    return summary
