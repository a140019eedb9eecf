"""The app lock on screen: the locked screen over everything, the idle watch, and the "Set a PIN" dialog.

Locking puts an opaque screen on top of the app's own; the screen underneath (a half-filled form, say) stays exactly
as it was and comes back on unlock, unlike an idle sign-out. While locked nothing of it shows, to the eye or to a
screen reader. The app locks after the agency's idle time without navigation, typing or saving, when the worker
taps "Lock".
Touches that change nothing (scrolling, ticking a box) do not reach the app's code, so they do not count as use:
the form is kept either way.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import flet as ft

from app.domain.device_access import IdleClock
from app.ui import theme, widgets
from app.ui.context import AppContext
from app.usecases.app_lock import (
    LockSettings,
    PinRefused,
    lock_settings,
    set_pin,
    unlock_with_password,
    unlock_with_pin,
)

log = logging.getLogger(__name__)

LOCK_ROUTE = "/locked"
LOCK_WIDTH = 420
_MIN_WAKE_SECONDS = 1.0
_MAX_SLEEP_SECONDS = 15.0  # a shorter idle time the agency set (brought by a sync) applies within this


class AppLock:
    """One session's lock. ``on_forgotten`` runs when ten wrong passwords made the device forget the worker."""

    def __init__(self, ctx: AppContext, *, on_unlocked: Callable[[], None],
                 on_forgotten: Callable[[str], Awaitable[None]]):  # fmt: skip
        self.ctx = ctx
        self.page = ctx.page
        self.locked = False
        self._on_unlocked = on_unlocked
        self._on_forgotten = on_forgotten
        self._clock = IdleClock(idle_limit=0, last_activity=time.monotonic())
        self._watcher: asyncio.Task[None] | None = None
        self._view: ft.View | None = None
        self._use_password = False

    # --- watching ------------------------------------------------------------------------------------------------

    async def begin(self, *, locked: bool) -> None:
        """A worker is signed in: watch for idleness (at their agency's idle time); ``locked`` starts locked."""
        self.end()
        await self._read_idle_limit()
        self._watcher = asyncio.create_task(self._watch())
        if locked:
            await self.lock()

    def end(self) -> None:
        """Signed out: stop watching, and take the locked screen away if it is up."""
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None
        self._take_down()

    def touch(self, *_event: object) -> None:
        """The worker did something: the idle time starts again."""
        self._clock.touch(time.monotonic())

    async def _read_idle_limit(self) -> None:
        actor = self.ctx.actor
        if actor is not None:
            settings = await self.ctx.call(lock_settings, self.ctx.db, actor.user_id)
            self._clock.idle_limit = settings.idle_lock_minutes * 60

    async def _watch(self) -> None:
        while True:
            left = self._clock.seconds_left(time.monotonic())
            await asyncio.sleep(min(_MAX_SLEEP_SECONDS, max(_MIN_WAKE_SECONDS, left)))
            try:
                await self._read_idle_limit()  # a sync may have brought a new idle time from the agency
                if not self.locked and self._clock.due(time.monotonic()):
                    await self.lock()
            except asyncio.CancelledError:
                raise
            except Exception:  # the session closed under us, or the store is busy: try at the next wake
                log.debug("The idle watch could not lock", exc_info=True)

    # --- locking -------------------------------------------------------------------------------------------------

    async def lock(self, *_event: object) -> None:
        """Cover the app with the locked screen (the "Lock" button, the idle watch, a restart)."""
        actor = self.ctx.actor
        if self.locked or actor is None:
            return
        self.locked = True
        settings = await self.ctx.call(lock_settings, self.ctx.db, actor.user_id)
        self._use_password = not settings.pin_accepted
        self._view = self._locked_view(settings)
        self.page.views.append(self._view)
        self.page.update()

    def covering(self) -> list[ft.View]:
        """The locked screen, while it is up: whoever lays out the page's views puts it back on top."""
        return [self._view] if self.locked and self._view is not None else []

    def _take_down(self) -> None:
        if self._view is not None and self._view in self.page.views:
            self.page.views.remove(self._view)
        self._view = None
        self.locked = False

    def _locked_view(self, settings: LockSettings) -> ft.View:
        tr, actor = self.ctx.tr, self.ctx.signed_in_actor
        with_pin = not self._use_password
        secret = ft.TextField(
            label=tr("PIN") if with_pin else tr("Password"),
            password=True,
            can_reveal_password=not with_pin,
            keyboard_type=ft.KeyboardType.NUMBER if with_pin else ft.KeyboardType.TEXT,
            max_length=6 if with_pin else None,
        )
        problem = ft.Text(color=theme.ERROR_TEXT, visible=False)

        async def unlock(_event: ft.ControlEvent) -> None:
            await self._try_unlock(secret, problem, with_pin=with_pin)

        secret.on_submit = unlock
        # Retyping hides the last problem; handling each change also keeps the typed value current here, so a quick
        # tap on "Unlock" checks what the worker sees.
        secret.on_change = _hide_on_change(problem)
        switch = ft.TextButton(
            tr("Use your password instead") if with_pin else tr("Use your PIN instead"),
            on_click=self._switch_secret,
            visible=settings.pin_accepted,
        )
        return ft.View(
            route=LOCK_ROUTE,
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            scroll=ft.ScrollMode.AUTO,
            padding=24,
            controls=[
                ft.Container(
                    width=LOCK_WIDTH,
                    padding=ft.Padding.only(top=48),
                    content=ft.Column(
                        spacing=16,
                        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                        controls=[
                            ft.Icon(ft.Icons.LOCK_OUTLINE, size=48),
                            widgets.heading(tr("Outpost is locked")),
                            widgets.muted(tr("{name} ({user_id})", name=actor.name, user_id=actor.user_id)),
                            widgets.muted(tr("Your work is kept as you left it.")),
                            secret,
                            problem,
                            ft.FilledButton(tr("Unlock"), icon=ft.Icons.LOCK_OPEN, on_click=unlock),
                            switch,
                            ft.TextButton(
                                tr("Switch worker"), icon=ft.Icons.SWITCH_ACCOUNT, on_click=self._switch_worker
                            ),
                        ],
                    ),
                )
            ],
        )

    async def _switch_secret(self, _event: ft.ControlEvent) -> None:
        actor = self.ctx.signed_in_actor
        if await self._left(actor.user_id):
            return
        settings = await self.ctx.call(lock_settings, self.ctx.db, actor.user_id)
        self._use_password = not self._use_password
        self._replace_view(settings)

    async def _switch_worker(self, _event: ft.ControlEvent) -> None:
        """A colleague takes the locked tablet. The screen under the lock decides about its unsaved edits as when
        leaving it (a session form saves them, a client form asks, over the lock); the locked worker's saved work
        keeps syncing under their name, and they come back with their password."""
        if await self._left(self.ctx.signed_in_actor.user_id):
            return
        if await self.ctx.may_leave():
            await self.ctx.switch_worker()

    async def _left(self, user_id: str) -> bool:
        """Whether this window left for the sign-in screen, because ``user_id`` was signed out (or another worker let
        in) in another window since it locked: the store is shared, and may even be closed now."""
        if await self.ctx.call(self.ctx.device.holds, user_id):
            return False
        self.end()
        await self.ctx.leave()
        return True

    def _replace_view(self, settings: LockSettings) -> None:
        if self._view in self.page.views:
            self.page.views.remove(self._view)
        self._view = self._locked_view(settings)
        self.page.views.append(self._view)
        self.page.update()

    async def _try_unlock(self, secret: ft.TextField, problem: ft.Text, *, with_pin: bool) -> None:
        actor = self.ctx.signed_in_actor
        if await self._left(actor.user_id):
            return
        check = unlock_with_pin if with_pin else unlock_with_password
        outcome = await self.ctx.call(check, self.ctx.db, actor.user_id, secret.value or "")
        if outcome.unlocked:
            self._take_down()
            self.touch()
            self.page.update()
            self._on_unlocked()
            return
        message = self.ctx.tr(outcome.message, left=outcome.left)
        if outcome.forgotten:
            self.end()
            await self._on_forgotten(message)
            return
        if with_pin and not outcome.pin_accepted:
            self._use_password = True
            self._replace_view(await self.ctx.call(lock_settings, self.ctx.db, actor.user_id))
            self.ctx.show_message(message, error=True)
            return
        secret.value = ""
        problem.value, problem.visible = message, True
        self.page.update()


async def ask_for_pin(ctx: AppContext, *, first_time: bool = False) -> None:
    """The "Set a PIN" dialog: the PIN twice; saved when it follows the rules. ``first_time`` after a sign-in."""
    tr = ctx.tr
    pin = ft.TextField(label=tr("New PIN"), password=True, keyboard_type=ft.KeyboardType.NUMBER, max_length=6,
                       autofocus=True)  # fmt: skip
    repeated = ft.TextField(label=tr("New PIN again"), password=True, keyboard_type=ft.KeyboardType.NUMBER,
                            max_length=6)  # fmt: skip
    problem = ft.Text(color=theme.ERROR_TEXT, visible=False)
    pin.on_change = repeated.on_change = _hide_on_change(problem)

    async def save(_event: ft.ControlEvent) -> None:
        try:
            await ctx.call(set_pin, ctx.db, ctx.signed_in_actor.user_id, pin.value or "", repeated.value or "")
        except PinRefused as refused:
            problem.value, problem.visible = tr(refused.message), True
            problem.update()
            return
        ctx.page.pop_dialog()
        ctx.show_message(tr("PIN saved. Use it to unlock Outpost."))

    def later(_event: ft.ControlEvent) -> None:
        ctx.page.pop_dialog()

    repeated.on_submit = save
    intro = (
        tr("Set a 6-digit PIN to unlock Outpost quickly when it locks. Your password always works too.")
        if first_time
        else tr("Your new PIN replaces the old one. Your password always works too.")
    )
    ctx.page.show_dialog(
        ft.AlertDialog(
            modal=True,
            title=ft.Text(tr("Set a PIN")),
            content=ft.Column(tight=True, width=LOCK_WIDTH, controls=[widgets.muted(intro), pin, repeated, problem]),
            actions=[
                ft.TextButton(tr("Not now"), on_click=later),
                ft.FilledButton(tr("Save PIN"), on_click=save),
            ],
        )
    )


def _hide_on_change(problem: ft.Text) -> Callable[[ft.ControlEvent], None]:
    def hide(_event: ft.ControlEvent) -> None:
        if problem.visible:
            problem.visible = False
            problem.update()

    return hide
