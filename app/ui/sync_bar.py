"""The sync bar under the app bar: the sync headline ("Synced 2 min ago", "3 changes waiting"), an icon and colour
for how things stand, and "Sync now" (or "Sign in again" when the server wants a fresh sign-in). It is always
visible on the frame, so a worker never has to open the Sync screen to know whether their work has left the device.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import flet as ft

from app.ui import theme
from app.ui.context import AppContext
from app.ui.sync_words import headline

log = logging.getLogger(__name__)

HEADLINE_REFRESH_SECONDS = 30  # "Synced 2 min ago" must not stay "just now" while the worker reads


class SyncBar:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        self.headline = ft.Text(weight=ft.FontWeight.W_600, expand=True, max_lines=2)
        self.icon = ft.Icon(ft.Icons.CLOUD_DONE_OUTLINED)
        self.button = ft.TextButton(icon=ft.Icons.SYNC, on_click=self._pressed)
        self.control = ft.Container(
            padding=ft.Padding.symmetric(horizontal=12, vertical=0),
            content=ft.Row(
                controls=[
                    self.icon,
                    ft.Semantics(live_region=True, content=self.headline, expand=True),
                    self.button,
                ]
            ),
        )

    def refresh(self) -> None:
        """Say how sync stands now (the caller puts it on the page)."""
        status = self.ctx.sync_status
        self.headline.value = headline(status, datetime.now(UTC), self.ctx.tr)
        if status.needs_attention or status.needs_sign_in:
            icon, background = ft.Icons.ERROR_OUTLINE, theme.ATTENTION_BACKGROUND
        elif status.online is False or status.last_error:
            icon, background = ft.Icons.CLOUD_OFF_OUTLINED, theme.WAITING_BACKGROUND
        elif status.syncing:
            icon, background = ft.Icons.SYNC, theme.OK_BACKGROUND
        else:
            icon, background = ft.Icons.CLOUD_DONE_OUTLINED, theme.OK_BACKGROUND
        self.icon.icon = icon
        self.control.bgcolor = background
        self.button.content = self.ctx.tr("Sign in again") if status.needs_sign_in else self.ctx.tr("Sync now")
        self.button.icon = ft.Icons.LOGIN if status.needs_sign_in else ft.Icons.SYNC

    def update(self) -> None:
        self.control.update()

    async def keep_fresh(self, showing: Callable[[], bool]) -> None:
        """Refresh the headline's "2 min ago" every half minute while the bar is ``showing``; ends with the session."""
        while True:
            await asyncio.sleep(HEADLINE_REFRESH_SECONDS)
            if not showing():
                continue
            self.refresh()
            try:
                self.update()
            except Exception:  # the session went away under us; nothing left to refresh
                log.debug("Stopped refreshing the sync bar", exc_info=True)
                return

    async def _pressed(self, _event: ft.ControlEvent) -> None:
        if self.ctx.sync_status.needs_sign_in:
            await self.ctx.sign_out()
        else:
            self.ctx.sync_now()
