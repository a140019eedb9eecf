"""A paged list of sessions and the filters over it. My Dashboard, Agency sessions and a client's past sessions all
show sessions this way, so they page, filter, say "21–40 of 57" and keep their place alike.

Only one page is ever on screen, so years of sessions give the same quick screen as a new device.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Self

import flet as ft

from app.i18n import Translator
from app.ui import widgets
from app.ui.context import AppContext
from app.ui.screens.site_finder import SiteFinder
from app.usecases.device import SyncStatus
from app.usecases.reference import Option, SiteOption
from app.usecases.sessions import ANY_SESSION, Page, SessionFilter

PageLoader = Callable[[SessionFilter, int], Page]
"""Reads one page (a use case with its database and worker bound); runs off the UI loop."""
FiltersChanged = Callable[[SessionFilter], Awaitable[None]]
ANY_WORKER = "*"  # the worker list's "Any worker" (no user ID holds a star)


@dataclass(slots=True)
class ListPlace:
    """A list's filters and page, kept in the context so coming back from a session shows the same page."""

    filters: SessionFilter = ANY_SESSION
    page: int = 0


class SessionList:
    """One page of sessions, "Previous" and "Next", and where the page is ("21–40 of 57 · page 2 of 3")."""

    def __init__(self, ctx: AppContext, load: PageLoader, place: ListPlace, *, empty: str, failure: str,
                 worker_name: Callable[[str], str] | None = None):  # fmt: skip
        tr = self.tr = ctx.tr
        self.ctx = ctx
        self.place = place
        self._load_page = load
        self._empty = empty
        self._failure = failure
        self._worker_name = worker_name
        self.rows = ft.Column(spacing=8)
        self.summary = widgets.muted("")
        self.previous = ft.OutlinedButton(tr("Previous"), icon=ft.Icons.CHEVRON_LEFT, on_click=self._previous)
        self.next = ft.OutlinedButton(tr("Next"), icon=ft.Icons.CHEVRON_RIGHT, on_click=self._next)
        self.pager = widgets.actions(self.previous, self.next, self.summary)
        self.control = ft.Column(spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                                 controls=[self.rows, self.pager])  # fmt: skip

    @classmethod
    async def shown(cls, ctx: AppContext, name: str, load: PageLoader, *, empty: str, failure: str,
                    worker_name: Callable[[str], str] | None = None) -> Self:  # fmt: skip
        """The list ``name`` at the place the worker left it (kept in the context), loaded, and loaded again after
        each sync while it is on screen: sessions arrive from colleagues, and "Waiting to sync" ends."""
        place: ListPlace = ctx.remembered.setdefault(name, ListPlace())
        sessions = cls(ctx, load, place, empty=empty, failure=failure, worker_name=worker_name)
        await sessions.load()
        ctx.watch_status(sessions._sync_changed, while_on_screen=True)
        return sessions

    async def load(self) -> None:
        """Read the page the place names (the first page when it no longer exists) and show it."""
        place = self.place
        result = await self.ctx.call(self._load_page, place.filters, place.page)
        if not result.items and place.page > 0:
            place.page = 0
            result = await self.ctx.call(self._load_page, place.filters, place.page)
        self.rows.controls = [
            widgets.session_tile(item, self.ctx.opener(f"/sessions/{item.id}"), self.tr, self._worker_name)
            for item in result.items
        ] or [widgets.muted(self._empty_text())]
        self.summary.value = page_summary(result, self.tr)
        self.previous.disabled = result.page == 0
        self.next.disabled = not result.has_next
        self.previous.visible = self.next.visible = result.page > 0 or result.has_next  # no buttons for one page

    async def reload(self) -> None:
        """Load again after a change (a page turned, a filter, a sync), saying so if the device cannot be read."""
        try:
            await self.load()
        except Exception as error:
            self.ctx.report(error, self._failure)
            return
        self.control.update()

    async def show_filtered(self, filters: SessionFilter) -> None:
        if filters == self.place.filters:
            return
        self.place.filters = filters
        self.place.page = 0
        await self.reload()

    async def _sync_changed(self, status: SyncStatus) -> None:
        if not status.syncing:
            await self.reload()

    def _empty_text(self) -> str:
        if self.place.filters != ANY_SESSION:
            return self.tr("No sessions match these filters.")
        return self._empty

    async def _previous(self, _event: ft.ControlEvent) -> None:
        self.place.page = max(0, self.place.page - 1)
        await self.reload()

    async def _next(self, _event: ft.ControlEvent) -> None:
        self.place.page += 1
        await self.reload()


class SessionFilters:
    """My Dashboard's filters ("Incomplete only", a date range), and for a supervisor also a worker and a site."""

    def __init__(self, ctx: AppContext, filters: SessionFilter, on_change: FiltersChanged, *,
                 workers: list[Option] | None = None, sites: list[SiteOption] | None = None):  # fmt: skip
        tr = self.tr = ctx.tr
        self.ctx = ctx
        self.filters = filters
        self._on_change = on_change
        self._sites = {site.code: site for site in sites or []}
        self.incomplete_only = ft.Checkbox(
            label=tr("Incomplete only"), value=filters.incomplete_only, on_change=self._toggle_incomplete
        )
        self.date_from = widgets.DateInput(ctx.page, tr, tr("From date"), filters.date_from,
                                           on_change=self._date_changed)  # fmt: skip
        self.date_to = widgets.DateInput(ctx.page, tr, tr("To date"), filters.date_to, on_change=self._date_changed)
        lines: list[ft.Control] = [
            widgets.touch_sized(self.incomplete_only),
            widgets.form_grid(self.date_from.control, self.date_to.control, per_line_on_phone=2),
        ]
        if workers is not None:
            lines.append(widgets.form_grid(self._worker_picker(workers), self._site_picker()))
        self.control = widgets.section(tr("Filters"), *lines)

    def _worker_picker(self, workers: list[Option]) -> ft.Control:
        choices = {ANY_WORKER: self.tr("Any worker")} | {worker.code: worker.label for worker in workers}
        self.worker = widgets.choice_input(self.tr("Worker"), choices, self.filters.staff or ANY_WORKER)
        self.worker.on_select = self._worker_chosen
        return widgets.named(self.worker, self.tr("Worker"))

    def _site_picker(self) -> ft.Control:
        self.site = ft.Text(self._site_text(), expand=True)
        self.any_site = ft.TextButton(
            self.tr("Any site"), on_click=self._any_site, visible=bool(self.filters.site_code)
        )
        return ft.Column(
            spacing=2,
            controls=[
                ft.Text(self.tr("Site"), size=13, color=ft.Colors.ON_SURFACE_VARIANT),
                widgets.actions(
                    ft.OutlinedButton(self.tr("Find..."), icon=ft.Icons.SEARCH, on_click=self._find_site),
                    self.any_site,
                ),
                self.site,
            ],
        )

    def _site_text(self) -> str:
        code = self.filters.site_code
        if not code:
            return self.tr("Any site")
        site = self._sites.get(code)
        return f"{code} — {site.name}" if site else code

    async def _changed(self, filters: SessionFilter) -> None:
        self.filters = filters
        await self._on_change(filters)

    async def _toggle_incomplete(self, event: ft.ControlEvent) -> None:
        await self._changed(replace(self.filters, incomplete_only=bool(event.control.value)))

    async def _date_changed(self, _value: date | None) -> None:
        try:
            date_from, date_to = self.date_from.value, self.date_to.value
        except ValueError:
            return  # the date box shows what is wrong; keep the last good filter
        await self._changed(replace(self.filters, date_from=date_from, date_to=date_to))

    async def _worker_chosen(self, event: ft.ControlEvent) -> None:
        chosen = event.control.value
        await self._changed(replace(self.filters, staff=None if chosen in (None, ANY_WORKER) else chosen))

    async def _find_site(self, _event: ft.ControlEvent) -> None:
        await SiteFinder(self.ctx, self._site_picked).open()

    def _site_picked(self, site: SiteOption) -> None:
        self._sites[site.code] = site
        self.ctx.page.run_task(self._site_set, site.code)

    async def _any_site(self, _event: ft.ControlEvent) -> None:
        await self._site_set(None)

    async def _site_set(self, code: str | None) -> None:
        self.filters = replace(self.filters, site_code=code)
        self.site.value = self._site_text()
        self.any_site.visible = code is not None
        self.control.update()
        await self._on_change(self.filters)


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
