"""The frame around every screen, and routing between screens.

One ``ft.View`` is kept and re-filled on each route change: an app bar (title, back), the sync bar (headline and
"Sync now", always visible), the navigation (a bottom NavigationBar below ``NARROW_BREAKPOINT``, a NavigationRail
from it on, switched on resize) and the screen itself. Screens load their data before they are shown; a newer
route change wins over a slower older one, so a quick double tap never shows the wrong screen. Which screen a route
shows is the route table's (``routes.py``); the sync bar draws itself (``sync_bar.py``).
"""

import asyncio
import inspect
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

import flet as ft

from app.i18n import N_
from app.ui import theme, widgets
from app.ui.context import AppContext, NotSignedIn
from app.ui.lock import AppLock, ask_for_pin
from app.ui.routes import (
    DASHBOARD,
    HOME_ROUTE,
    SIGN_IN_ROUTE,
    Destination,
    Route,
    RouteMatch,
    destinations_for,
    find_route,
)
from app.ui.screens.sign_in import sign_in_view
from app.ui.sync_bar import SyncBar
from app.usecases.accounts import DEVICE_REVOKED, WORKER_DEACTIVATED, forget_worker
from app.usecases.app_lock import lock_settings
from app.usecases.context import NotFound
from app.usecases.device import SyncStatus
from protocol.enums import RefusalCode

log = logging.getLogger(__name__)

RAIL_MIN_WIDTH = 136  # fits the longest label, "Find Client/Activity", so the rail's width is known in advance
RAIL_WIDTH = RAIL_MIN_WIDTH + 1  # and its divider
RAIL_LABEL_WIDTH = RAIL_MIN_WIDTH - 16  # a longer label (French's "Trouver un client ou une activité") wraps
CONTENT_PADDING = 16
# Padding above or below a scroll view would cut its content off short of the bars; it goes inside instead.
_FRAME_PADDING = ft.Padding.symmetric(horizontal=CONTENT_PADDING)
_SCREEN_PADDING = ft.Padding.only(top=CONTENT_PADDING, bottom=2 * CONTENT_PADDING)


class Shell:
    """Owns the page's single view and decides what goes in it."""

    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        self.page = ctx.page
        self._showing = 0  # bumps on every route change; a screen that finishes loading late is dropped
        self._history: list[str] = []
        self._narrow: bool | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._note_for_next_screen: str | None = None
        self._acting_on_refusal = False
        self._unwatch: Callable[[], None] = lambda: None
        self.title = ft.Text(overflow=ft.TextOverflow.ELLIPSIS, max_lines=1)
        self.back = widgets.icon_button(ft.Icons.ARROW_BACK, "", self._go_back)
        self.lock = AppLock(ctx, on_unlocked=self._unlocked, on_forgotten=self._forgotten)
        self.lock_button = widgets.icon_button(ft.Icons.LOCK_OUTLINE, "", self.lock.lock)
        self.app_bar = ft.AppBar(
            title=self.title, leading=self.back, automatically_imply_leading=False, actions=[self.lock_button]
        )
        self.sync_bar = SyncBar(ctx)
        self.destinations: list[Destination] = []  # the signed-in worker's (_label_frame)
        self.nav_bar = ft.NavigationBar(
            on_change=self._destination_chosen, label_behavior=ft.NavigationBarLabelBehavior.ALWAYS_SHOW
        )
        self.rail = ft.NavigationRail(
            label_type=ft.NavigationRailLabelType.ALL,
            on_change=self._destination_chosen,
            min_width=RAIL_MIN_WIDTH,
        )
        self.rail_divider = ft.VerticalDivider(width=1)
        self.content = ft.Container(padding=_FRAME_PADDING)
        self.view = ft.View(
            route=HOME_ROUTE,
            padding=0,
            spacing=0,
            appbar=self.app_bar,
            controls=[
                self.sync_bar.control,
                ft.Divider(height=1),
                ft.Row(
                    expand=True,
                    spacing=0,
                    vertical_alignment=ft.CrossAxisAlignment.STRETCH,
                    controls=[
                        self.rail,
                        self.rail_divider,
                        ft.Row(
                            expand=True,
                            alignment=ft.MainAxisAlignment.CENTER,
                            vertical_alignment=ft.CrossAxisAlignment.STRETCH,
                            controls=[self.content],
                        ),
                    ],
                ),
            ],
        )

    # --- start -------------------------------------------------------------------------------------------------

    async def start(self) -> None:
        self.page.on_route_change = self._route_changed
        self.page.on_resize = self._resized
        self.page.on_keyboard_event = self.lock.touch
        self.ctx.watch_status(self._status_changed)
        self.ctx.redraw = self.redraw
        self._label_frame()
        self._layout_for(self.page.width)
        self._ticker = asyncio.create_task(self.sync_bar.keep_fresh(self._frame_showing))
        self._unwatch = self.ctx.device.watch_hand_overs(self._worker_signed_out_elsewhere)
        if self.ctx.actor is not None:  # signed in in another window (browser tab): this one opens locked, and
            await self.lock.begin(locked=True)  # shows nothing of theirs before the lock is up
        await self.show(self.page.route or HOME_ROUTE)

    def stop(self) -> None:
        """The session is closing: stop refreshing the sync bar and watching for idleness."""
        if self._ticker is not None:
            self._ticker.cancel()
        self._unwatch()
        self.lock.end()

    async def redraw(self) -> None:
        """Show the frame and the current screen again, in the worker's language as it is now."""
        self._label_frame()
        if self._frame_showing():
            await self.show(self.view.route or HOME_ROUTE)
        else:
            self._show_sign_in()

    def _label_frame(self) -> None:
        tr = self.ctx.tr
        self.back.tooltip = tr("Back")
        self.back.icon.semantics_label = tr("Back")
        self.lock_button.tooltip = tr("Lock")
        self.lock_button.icon.semantics_label = tr("Lock")
        self.destinations = destinations_for(self.ctx.actor)
        self.nav_bar.destinations = [
            ft.NavigationBarDestination(icon=d.icon, selected_icon=d.selected_icon, label=d.tab_label(tr))
            for d in self.destinations
        ]
        self.rail.destinations = [
            ft.NavigationRailDestination(
                icon=d.icon,
                selected_icon=d.selected_icon,
                label=ft.Text(tr(d.label), width=RAIL_LABEL_WIDTH, text_align=ft.TextAlign.CENTER),
            )
            for d in self.destinations
        ]

    def _selected(self, matched: Route | None) -> int:
        """Which destination to highlight: the one the screen is under, else My Dashboard."""
        route = matched.destination if matched else DASHBOARD
        return next((i for i, d in enumerate(self.destinations) if d.route == route), 0)

    # --- routing -----------------------------------------------------------------------------------------------

    async def _route_changed(self, event: ft.RouteChangeEvent) -> None:
        await self.show(event.route)

    async def show(self, route: str) -> None:
        self._showing += 1
        ticket = self._showing
        self.ctx.screen_changed()
        signed_in, on_sign_in = self.ctx.actor is not None, urlsplit(route).path == SIGN_IN_ROUTE
        if signed_in and not await self._still_signed_in():
            return
        if self.lock.locked and signed_in and self._history:  # the screen under the lock stays as it was
            return
        self.lock.touch()
        if signed_in == on_sign_in:  # signed out anywhere but the sign-in screen, or signed in on it (browser back)
            await self.page.push_route(HOME_ROUTE if signed_in else SIGN_IN_ROUTE)
            return
        if on_sign_in:
            self._show_sign_in()
            return
        found = find_route(route)
        self._remember(route, found[0] if found else None)
        self._frame(route, found[0] if found else None)
        if found is None:
            self._put(_problem(self.ctx.tr("There is no such screen."), self.ctx))
            return
        screen = await self._build(found[0], found[1])
        if ticket == self._showing:
            self._put(screen)

    async def _still_signed_in(self) -> bool:
        """Whether this window's worker is still the device's: another window may have signed them out or switched
        worker since (the store is shared by every window), and this one then leaves for the sign-in screen."""
        actor = self.ctx.actor
        # Read in the UI loop (two small rows): awaiting a thread here would let a dialog opened meanwhile, such as
        # the PIN offer after a sign-in, be covered by the screen this shows.
        if actor is not None and self.ctx.device.holds(actor.user_id):
            return True
        self.lock.end()
        await self.ctx.leave()
        return False

    def _worker_signed_out_elsewhere(self) -> None:
        """The device's worker signed out or switched worker in some window (called from that window's thread, after
        the store closed): a window still showing their screens, or their lock, leaves for the sign-in screen now,
        not at its next step, so no tab stays open on client data nobody is signed in to see."""
        try:
            self.page.run_task(self._leave_if_let_go)
        except RuntimeError:  # this window's session is closing
            log.debug("A closing window was not told of a sign-out", exc_info=True)

    async def _leave_if_let_go(self) -> None:
        if self.ctx.actor is not None:
            self._showing += 1  # a screen still loading for the worker who left is not shown after all
            await self._still_signed_in()

    def _show_sign_in(self) -> None:
        self.lock.end()
        self._acting_on_refusal = False
        self._history.clear()
        self.page.views.clear()
        self.page.views.append(
            ft.View(
                route=SIGN_IN_ROUTE,
                scroll=ft.ScrollMode.AUTO,
                horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                padding=24,
                controls=[sign_in_view(self.ctx, on_signed_in=self._signed_in)],
            )
        )
        self.page.update()

    async def _signed_in(self, note: str | None) -> None:
        self._note_for_next_screen = note
        await self.page.push_route(HOME_ROUTE)
        # The frame replaces the sign-in view now, not when the browser reports the new route: a dialog opened on
        # the sign-in view (the PIN offer below) would leave with it.
        await self.show(HOME_ROUTE)
        await self.lock.begin(locked=False)
        if not (await self.ctx.call(lock_settings, self.ctx.db, self.ctx.signed_in_actor.user_id)).has_pin:
            await ask_for_pin(self.ctx, first_time=True)

    def _unlocked(self) -> None:
        self._status_changed(self.ctx.sync_status)

    async def _refused(self, refusal: str) -> None:
        """The server will not sync with this device (reported lost) or this worker (deactivated) again: delete what
        it says to delete, then back to the sign-in screen with the reason."""
        actor = self.ctx.signed_in_actor
        if refusal == RefusalCode.DEVICE_REVOKED:
            try:
                await self.ctx.end_work(wiping=True)
            except Exception as error:
                self.ctx.report(error, self.ctx.tr("Could not sign out."))
                return
            self.ctx.navigate(SIGN_IN_ROUTE)
            self.ctx.show_message(self.ctx.tr(DEVICE_REVOKED), error=True)
            return
        await self.ctx.call(forget_worker, self.ctx.db, actor.user_id)
        await self._forgotten(self.ctx.tr(WORKER_DEACTIVATED))

    async def _forgotten(self, message: str) -> None:
        """The device forgot the worker (ten wrong passwords at the lock, or the server's refusal): back to the sign-in
        screen, saying why."""
        await self.ctx.sign_out()
        self.ctx.show_message(message, error=True)

    async def _build(self, route: Route, match: RouteMatch) -> ft.Control:
        try:
            built = route.build(self.ctx, match)
            return await built if inspect.isawaitable(built) else built
        except NotFound:
            return _problem(self.ctx.tr("This record is not on this device. It may not have synced yet."), self.ctx)
        except NotSignedIn:
            await self.page.push_route(SIGN_IN_ROUTE)
            return widgets.loading()
        except Exception as error:
            log.exception("Could not open %s", route.title)
            screen = self.ctx.tr(route.title)
            return _problem(self.ctx.tr("Could not open {screen}: {error}", screen=screen, error=error), self.ctx)

    def _remember(self, route: str, matched: Route | None) -> None:
        """Keep the trail the back button walks: top-level screens start it afresh."""
        if matched is not None and matched.top_level:
            self._history = [route]
        elif len(self._history) >= 2 and self._history[-2] == route:
            self._history.pop()
        elif not self._history or self._history[-1] != route:
            self._history.append(route)

    async def _go_back(self, _event: ft.ControlEvent) -> None:
        if not await self.ctx.may_leave():
            return
        await self.page.push_route(self._back_target())

    def _back_target(self) -> str:
        """The screen before this one, or this screen's parent when it has one. A new session's form is at
        /sessions/new until its first save; the service forms opened from it must lead back to the saved session,
        not to a fresh blank one."""
        found = find_route(self._history[-1]) if self._history else None
        if found and found[0].parent:
            parent = found[0].parent(found[1])
            self._history[-2:] = [parent]
            return parent
        return self._history[-2] if len(self._history) >= 2 else HOME_ROUTE

    async def _destination_chosen(self, event: ft.ControlEvent) -> None:
        chosen = int(event.control.selected_index)
        if not await self.ctx.may_leave():
            matched = find_route(self.view.route or "")
            self.nav_bar.selected_index = self.rail.selected_index = self._selected(matched[0] if matched else None)
            self.page.update()
            return
        await self.page.push_route(self.destinations[chosen].route)

    # --- the frame ---------------------------------------------------------------------------------------------

    def _frame(self, route: str, matched: Route | None) -> None:
        self.view.route = route
        self.title.value = self.ctx.tr(matched.title if matched else N_("Not found"))
        self.back.visible = not (matched and matched.top_level)
        if self.destinations != destinations_for(self.ctx.actor):  # another worker signed in
            self._label_frame()
        selected = self._selected(matched)
        self.nav_bar.selected_index = selected
        self.rail.selected_index = selected
        self.content.content = widgets.loading()
        self.sync_bar.refresh()
        if not self._frame_showing():
            self.page.views[:] = [self.view, *self.lock.covering()]
        self.page.update()

    def _put(self, screen: ft.Control) -> None:
        """Show a built screen; screens that do not scroll themselves (not ``expand``) get a scrolling column."""
        if screen.expand:
            screen = ft.Container(padding=ft.Padding.only(top=CONTENT_PADDING), content=screen)
        else:
            screen = ft.Column(
                scroll=ft.ScrollMode.AUTO, expand=True, controls=[ft.Container(padding=_SCREEN_PADDING, content=screen)]
            )
        self.content.content = screen
        self.page.update()
        if self._note_for_next_screen:
            self.ctx.show_message(self._note_for_next_screen)
            self._note_for_next_screen = None

    def _resized(self, event: ft.PageResizeEvent) -> None:
        if self._layout_for(event.width):
            self.page.update()

    def _layout_for(self, width: float | None) -> bool:
        """Pick the navigation and content width for ``width``; True when something changed."""
        narrow = width is not None and width < theme.NARROW_BREAKPOINT
        available = (width or theme.MAX_CONTENT_WIDTH) - (0 if narrow else RAIL_WIDTH)
        content_width = min(theme.MAX_CONTENT_WIDTH, available)
        changed = narrow != self._narrow or self.content.width != content_width
        self._narrow = narrow
        self.view.navigation_bar = self.nav_bar if narrow else None
        self.rail.visible = self.rail_divider.visible = not narrow
        self.content.width = content_width
        return changed

    # --- sync status ----------------------------------------------------------------------------------------------

    def _frame_showing(self) -> bool:
        """Whether the frame (and so the sync bar) is on the page, rather than the sign-in screen (the locked screen
        may cover it)."""
        return bool(self.page.views) and self.page.views[0] is self.view

    def _status_changed(self, status: SyncStatus) -> None:
        if status.refused and not self._acting_on_refusal:
            self._acting_on_refusal = True
            self.page.run_task(self._refused, status.refused)
        self.sync_bar.refresh()
        if self._frame_showing():
            self.sync_bar.update()


def _problem(message: str, ctx: AppContext) -> ft.Control:
    return widgets.screen(
        ft.Text(message, color=theme.ERROR_TEXT),
        widgets.actions(ft.FilledButton(ctx.tr("My Dashboard"), icon=ft.Icons.HOME, on_click=ctx.opener(HOME_ROUTE))),
    )
