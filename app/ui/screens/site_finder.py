"""The Site "Find..." dialog: a filter box and a "Filter" button over the agency's active sites.

It follows the agency system's dialog (type part of a place, press Filter, pick a row) so workers trained on it
find their way; pressing Enter in the box filters too. Matching is done by ``find_sites`` off the UI loop.
"""

from collections.abc import Callable

import flet as ft

from app.i18n import Translator
from app.ui import theme
from app.ui.context import AppContext
from app.usecases.reference import SiteOption, find_sites

DIALOG_WIDTH = 560
DIALOG_HEIGHT = 500  # the filter row, the count and about five sites; the list scrolls for more
PHONE_MARGIN = 12


class SiteFinder:
    """One opening of the dialog; ``on_pick`` gets the chosen site after the dialog has closed."""

    def __init__(self, ctx: AppContext, on_pick: Callable[[SiteOption], None]):
        tr = self.tr = ctx.tr
        self.ctx = ctx
        self.on_pick = on_pick
        self.filter_box = ft.TextField(
            label=tr("Filter sites"),
            expand=True,
            autofocus=True,
            on_submit=self._filter,
        )
        self.count = ft.Text(size=13, color=theme.WAITING_TEXT)
        self.results = ft.ListView(spacing=0, expand=True)
        self.dialog = ft.AlertDialog(
            title=ft.Text(tr("Find a Site")),
            inset_padding=ft.Padding.symmetric(horizontal=PHONE_MARGIN, vertical=24),
            content=ft.Container(
                width=dialog_width(ctx),
                height=DIALOG_HEIGHT,
                content=ft.Column(
                    [
                        ft.Row(
                            [
                                self.filter_box,
                                ft.Button(tr("Filter"), icon=ft.Icons.FILTER_LIST, on_click=self._filter),
                            ],
                            vertical_alignment=ft.CrossAxisAlignment.CENTER,
                        ),
                        self.count,
                        self.results,
                    ],
                    tight=True,
                ),
            ),
            actions=[ft.TextButton(tr("Cancel"), on_click=self._cancel)],
        )

    async def open(self) -> None:
        self.ctx.page.show_dialog(self.dialog)
        await self._filter()

    async def _filter(self) -> None:
        self.count.value = self.tr("Looking…")
        self.dialog.update()
        sites = await self.ctx.call(find_sites, self.ctx.db, self.filter_box.value)
        self.results.controls = [self._row(site) for site in sites]
        self.count.value = _count_text(len(sites), self.filter_box.value, self.tr)
        self.dialog.update()

    def _row(self, site: SiteOption) -> ft.Control:
        return ft.ListTile(
            title=ft.Text(f"{site.code} — {site.name}"),
            subtitle=ft.Text(site.address) if site.address else None,
            min_height=theme.TOUCH_TARGET,
            on_click=lambda: self._pick(site),
        )

    def _pick(self, site: SiteOption) -> None:
        self.ctx.page.pop_dialog()
        self.on_pick(site)

    def _cancel(self) -> None:
        self.ctx.page.pop_dialog()


def dialog_width(ctx: AppContext, widest: int = DIALOG_WIDTH) -> float:
    """A dialog's content width: fits a 390 px phone (margins and padding taken off), stops growing on tablets."""
    return max(240, min(widest, (ctx.page.width or widest) - 2 * PHONE_MARGIN - 48))


def _count_text(found: int, typed: str, tr: Translator) -> str:
    if found == 0:
        return tr("No active site matches “{typed}”. Try part of the name or the town.", typed=typed.strip())
    return tr.ngettext("{num} site", "{num} sites", found)
