"""My Dashboard: the sessions where I am in Staff Involved, newest first, one page of 20 at a time.

Only one page is ever on screen, so a worker with years of sessions gets the same quick screen as a new one.
"""

from dataclasses import dataclass
from datetime import date

import flet as ft

from app.i18n import Translator
from app.ui import widgets
from app.ui.context import AppContext
from app.usecases.sessions import Page, list_my_sessions
from sync.status import SyncStatus


@dataclass(slots=True)
class _Filters:
    page: int = 0
    incomplete_only: bool = False
    date_from: date | None = None
    date_to: date | None = None


async def dashboard_view(ctx: AppContext) -> ft.Control:
    dashboard = _Dashboard(ctx)
    screen = await dashboard.build()
    ctx.watch_status(dashboard.sync_changed, while_on_screen=True)
    return screen


class _Dashboard:
    def __init__(self, ctx: AppContext):
        tr = self.tr = ctx.tr
        self.ctx = ctx
        # Kept in the context, so coming back from a session shows the same page with the same filters.
        self.filters: _Filters = ctx.remembered.setdefault("dashboard", _Filters())
        self.rows = ft.Column(spacing=8)
        self.summary = widgets.muted("")
        self.previous = ft.OutlinedButton(tr("Previous"), icon=ft.Icons.CHEVRON_LEFT, on_click=self._previous)
        self.next = ft.OutlinedButton(tr("Next"), icon=ft.Icons.CHEVRON_RIGHT, on_click=self._next)
        self.incomplete_only = ft.Checkbox(
            label=tr("Incomplete only"), value=self.filters.incomplete_only, on_change=self._toggle_incomplete
        )
        self.date_from = widgets.DateInput(
            ctx.page, tr, tr("From date"), self.filters.date_from, on_change=self._date_changed
        )
        self.date_to = widgets.DateInput(
            ctx.page, tr, tr("To date"), self.filters.date_to, on_change=self._date_changed
        )
        self.root = widgets.screen(
            widgets.actions(
                ft.FilledButton(tr("Find Client/Activity"), icon=ft.Icons.SEARCH, on_click=ctx.opener("/find")),
                ft.OutlinedButton(
                    tr("Register a New Client"), icon=ft.Icons.PERSON_ADD, on_click=ctx.opener("/clients/new")
                ),
            ),
            widgets.section(
                tr("Filters"),
                widgets.touch_sized(self.incomplete_only),
                widgets.form_grid(self.date_from.control, self.date_to.control, per_line_on_phone=2),
            ),
            widgets.section(tr("My sessions"), self.rows, widgets.actions(self.previous, self.next, self.summary)),
        )

    async def build(self) -> ft.Control:
        await self._load()
        return self.root

    async def _load(self) -> None:
        actor = self.ctx.signed_in_actor
        result: Page = await self.ctx.call(
            list_my_sessions,
            self.ctx.db,
            actor,
            page=self.filters.page,
            incomplete_only=self.filters.incomplete_only,
            date_from=self.filters.date_from,
            date_to=self.filters.date_to,
        )
        if not result.items and self.filters.page > 0:  # the remembered page no longer exists
            self.filters.page = 0
            await self._load()
            return
        self.rows.controls = [
            widgets.session_tile(item, self.ctx.opener(f"/sessions/{item.id}"), self.tr) for item in result.items
        ]
        if not result.items:
            self.rows.controls = [widgets.muted(self._empty_text())]
        self.summary.value = page_summary(result, self.tr)
        self.previous.disabled = result.page == 0
        self.next.disabled = not result.has_next

    async def sync_changed(self, status: SyncStatus) -> None:
        """A sync finished: sessions may have arrived from colleagues, and "Waiting to sync" may be over."""
        if not status.syncing:
            await self._reload()

    def _empty_text(self) -> str:
        if self.filters.incomplete_only or self.filters.date_from or self.filters.date_to:
            return self.tr("No sessions match these filters.")
        return self.tr("No sessions yet. Find a client (or register a new one) to begin a session.")

    async def _reload(self) -> None:
        try:
            await self._load()
        except Exception as error:
            self.ctx.report(error, self.tr("Could not load your sessions."))
            return
        self.root.update()  # one message for the rows, the pager and its summary

    async def _previous(self, _event: ft.ControlEvent) -> None:
        self.filters.page = max(0, self.filters.page - 1)
        await self._reload()

    async def _next(self, _event: ft.ControlEvent) -> None:
        self.filters.page += 1
        await self._reload()

    async def _toggle_incomplete(self, event: ft.ControlEvent) -> None:
        self.filters.incomplete_only = bool(event.control.value)
        self.filters.page = 0
        await self._reload()

    async def _date_changed(self, _value: date | None) -> None:
        try:
            chosen = (self.date_from.value, self.date_to.value)
        except ValueError:
            return  # the date box shows what is wrong; keep the last good filter
        if chosen == (self.filters.date_from, self.filters.date_to):
            return
        self.filters.date_from, self.filters.date_to = chosen
        self.filters.page = 0
        await self._reload()


def page_summary(page: Page, tr: Translator) -> str:
    """ "21–40 of 57 · page 2 of 3" under a paged list; nothing for an empty one."""
    if page.total == 0:
        return ""
    first = page.page * page.page_size + 1
    last = first + len(page.items) - 1
    pages = (page.total + page.page_size - 1) // page.page_size
    return tr(
        "{first}–{last} of {total} · page {page} of {pages}",
        first=first,
        last=last,
        total=page.total,
        page=page.page + 1,
        pages=pages,
    )
