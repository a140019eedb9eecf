"""Find Client/Activity: one search box, results as the worker types.

The box is not autofocused: on Flutter web an autofocused box looks focused while the browser's focus stays on the
tab that was tapped, so the first keys typed would go nowhere.

Typing fires an event per key; ``widgets.LatestOnly`` runs a search only after a pause and throws away answers that
arrive after a newer search started, so the list always matches the box. At most ``CLIENTS_SHOWN`` clients show:
every row is a few controls sent to the device, and a phone shows four at a time anyway.
"""

import flet as ft

from app.ui import widgets
from app.ui.context import AppContext
from app.usecases.clients import ClientSummary, search_clients
from app.usecases.sessions import SessionSummary, search_group_activities

CLIENTS_SHOWN = 25
SEARCH_HINT = "Type a name, date of birth (YYYY-MM-DD), phone or client number."


async def find_view(ctx: AppContext) -> ft.Control:
    return _Finder(ctx).build()


def _search_everything(ctx: AppContext, query: str) -> tuple[list[ClientSummary], list[SessionSummary]]:
    return search_clients(ctx.db, query, limit=CLIENTS_SHOWN), search_group_activities(ctx.db, query)


class _Finder:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        self.latest = widgets.LatestOnly()
        self.box = ft.TextField(
            label="Search clients",
            prefix_icon=ft.Icons.SEARCH,
            on_change=self._typed,
            on_submit=self._typed,
        )
        self.status = widgets.muted(SEARCH_HINT)
        self.results = ft.Column(spacing=8)

    def build(self) -> ft.Control:
        return widgets.screen(self.box, self.status, self.results)

    async def _typed(self, _event: ft.ControlEvent) -> None:
        ticket = await self.latest.settled()
        if ticket is None:
            return
        query = (self.box.value or "").strip()
        if not query:
            self._show(SEARCH_HINT, [])
            return
        try:
            clients, activities = await self.ctx.call(_search_everything, self.ctx, query)
        except Exception as error:
            self.ctx.report(error, "search")
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
            rows.append(widgets.section("Group activities", *(self._activity_row(a) for a in activities)))
        if not clients:
            rows.append(
                ft.FilledButton(
                    "Register a New Client", icon=ft.Icons.PERSON_ADD, on_click=self.ctx.opener("/clients/new")
                )
            )
        self._show(_result_summary(query, len(clients), len(activities)), rows)

    def _client_row(self, client: ClientSummary) -> ft.Control:
        return widgets.client_card(
            client,
            [
                ft.OutlinedButton("Profile", icon=ft.Icons.PERSON, on_click=self.ctx.opener(f"/clients/{client.id}")),
                ft.OutlinedButton(
                    "Dashboard", icon=ft.Icons.DASHBOARD, on_click=self.ctx.opener(f"/clients/{client.id}/dashboard")
                ),
            ],
        )

    def _activity_row(self, activity: SessionSummary) -> ft.Control:
        return widgets.session_tile(activity, self.ctx.opener(f"/sessions/{activity.id}"))


def _result_summary(query: str, clients: int, activities: int) -> str:
    if not clients and not activities:
        return f"No client or group activity matches “{query}”."
    found = [f"{clients} client{'s' if clients != 1 else ''}"]
    if activities:
        found.append(f"{activities} group activit{'ies' if activities != 1 else 'y'}")
    summary = " and ".join(found) + f" found for “{query}”."
    if clients >= CLIENTS_SHOWN:
        summary += f" Showing the first {CLIENTS_SHOWN}: type more of the name to narrow it down."
    return summary
