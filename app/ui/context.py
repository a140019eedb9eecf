"""What every screen of one browser session (or one desktop window) shares: the page, the device database, the
signed-in worker, cached reference lists and sync.

There is one ``AppContext`` per Flet session. In web mode every browser tab is a session of the same Python
process, so nothing here may live in module globals: two workers on two tablets must never see each other's state.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import flet as ft

from app.i18n import DEFAULT_LANGUAGE, FRENCH, LANGUAGES, Translator, translator
from app.ui import theme
from app.ui.sync_feed import StatusListener, SyncFeed
from app.usecases.context import Actor, UnitsOfWork
from app.usecases.device import Device, NotSignedIn, SyncStatus
from app.usecases.reference import ReferenceLists, load_reference_lists

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
READING_CHARACTERS_PER_SECOND = 10
FLUTTER_LOCALES = {language: ft.Locale(language, "CA") for language in LANGUAGES}
"""Flutter's own words (the calendar's months and buttons, tooltips) follow the worker's language too."""


@dataclass(eq=False)
class AppContext:
    page: ft.Page
    device: Device
    """This device (``app/bootstrap.py`` builds it): sign-in, the database (``db``) once open, background sync."""
    server_url: str
    """The server to offer on the sign-in screen (``--server``, OUTPOST_SERVER_URL, or the last one used)."""
    actor: Actor | None = None
    tr: Translator = field(default_factory=lambda: translator(DEFAULT_LANGUAGE))
    """This session's words: every screen translates through it, and a language switch replaces it."""
    remembered: dict[str, Any] = field(default_factory=dict)
    """What screens keep while the worker looks elsewhere (the dashboard's filters and page), by screen name."""
    _reference: ReferenceLists | None = field(default=None, repr=False)
    _leave_guard: Callable[[], Awaitable[bool]] | None = field(default=None, repr=False)
    redraw: Callable[[], Awaitable[None]] | None = field(default=None, repr=False)
    """Shows the current screen again (the shell sets it), in a new language for instance."""
    sync: SyncFeed = field(init=False, repr=False)
    """This window's background sync (started at sign-in) and the status it last reported."""

    def __post_init__(self) -> None:
        self.sync = SyncFeed(self.page, on_sync_finished=self.forget_reference_lists)

    @property
    def sync_status(self) -> SyncStatus:
        return self.sync.status

    # --- who is working ----------------------------------------------------------------------------------------

    @property
    def db(self) -> UnitsOfWork:
        """The device database the use cases take, open once a worker has signed in (the sign-in opens it)."""
        return self.device.units

    @property
    def signed_in_actor(self) -> Actor:
        """The signed-in worker; screens behind sign-in use this instead of checking for None each time."""
        if self.actor is None:
            raise NotSignedIn("Sign in first.")
        return self.actor

    async def begin_work(self, actor: Actor) -> None:
        """After sign-in: remember the worker and start syncing in the background."""
        self.actor = actor
        self.forget_reference_lists()
        await self.sync.start(self.device.background_sync(self.sync.publish))

    async def end_work(self, *, switching: bool = False, this_window_only: bool = False, wiping: bool = False) -> None:
        """Sign out: stop syncing, drop the token (on the server too when reachable); every record stays. Switching
        worker keeps the token, so the next worker's syncs send this one's queued changes under their name. Wiping
        (the server refused the device as lost) deletes the store and its keys."""
        await self.sync.stop()
        actor, self.actor = self.actor, None  # before the device tells every window: this one is already leaving
        if not this_window_only:
            ending = self.device.wipe if wiping else self.device.switch_worker if switching else self.device.sign_out
            try:
                await self.call(ending)
            except Exception:
                self.actor = actor
                raise
        self.sync.status = SyncStatus()
        self.remembered.clear()

    async def sign_out(self, _event: ft.ControlEvent | None = None) -> None:
        """ "Sign out" (and "Sign in again" when the server stopped accepting the token): end the sign-in and show
        the sign-in screen. Takes the click event, so buttons can use it as their handler directly."""
        try:
            await self.end_work()
        except Exception as error:
            self.report(error, self.tr("Could not sign out."))
            return
        self.navigate("/sign-in")

    async def leave(self) -> None:
        """Another window (browser tab) signed this worker out or let a colleague in: this one only stops working for
        them and shows the sign-in screen, touching nothing on the device."""
        await self.end_work(this_window_only=True)
        self.navigate("/sign-in")

    async def switch_worker(self, _event: ft.ControlEvent | None = None) -> None:
        """ "Switch worker" on My Profile: end the sign-in without a goodbye to the server and show the sign-in
        screen for the next worker."""
        try:
            await self.end_work(switching=True)
        except Exception as error:
            self.report(error, self.tr("Could not switch worker."))
            return
        self.navigate("/sign-in")

    # --- language -----------------------------------------------------------------------------------------------

    def use_language(self, language: str) -> None:
        """Show this session's screens in ``language`` from now on; other sessions keep theirs."""
        self.tr = translator(language)
        self.forget_reference_lists()  # languages and location types are named in the worker's language
        self.page.locale_configuration = ft.LocaleConfiguration(
            supported_locales=list(FLUTTER_LOCALES.values()), current_locale=FLUTTER_LOCALES[self.tr.language]
        )

    async def switch_language(self, language: str) -> None:
        """The worker chose ``language``: keep the choice (as theirs when signed in) and redraw the screen in it."""
        self.use_language(language)
        await self.call(self.device.remember_language, self.tr.language, self.actor.user_id if self.actor else None)
        if self.redraw is not None:
            await self.redraw()

    # --- work off the UI loop ----------------------------------------------------------------------------------

    async def call(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a use case in a worker thread, so a slow disk or a big search never freezes the screen."""
        return await asyncio.to_thread(function, *args, **kwargs)

    async def reference_lists(self) -> ReferenceLists:
        """Sites, workers, languages and location types, read once and kept until a sync may have changed them or
        the worker switches language (languages and location types are named in the worker's language)."""
        if self._reference is None:
            self._reference = await self.call(load_reference_lists, self.db, french=self.tr.language == FRENCH)
        return self._reference

    def forget_reference_lists(self) -> None:
        self._reference = None

    # --- sync --------------------------------------------------------------------------------------------------

    def after_save(self) -> None:
        """Called after every local save: the change is already committed, so ask the runner to push it now
        instead of at its next scheduled round (it waits quietly when offline)."""
        self.sync.trigger()

    def sync_now(self) -> None:
        """The worker asked for a sync ("Sync now")."""
        if not self.sync.running:
            self.show_message(self.tr("Sign in to sync."))
            return
        self.sync.sync_now()

    def watch_status(self, listener: StatusListener, *, while_on_screen: bool = False) -> None:
        """Call ``listener`` (plain or async) on the UI loop whenever the sync status changes. A screen passes
        ``while_on_screen`` so its listener is dropped when the worker moves to another screen."""
        self.sync.watch(listener, while_on_screen=while_on_screen)

    def screen_changed(self) -> None:
        """The shell is replacing the screen: stop telling the old one about sync, and forget its leave guard."""
        self.sync.screen_changed()
        self._leave_guard = None

    def guard_leaving(self, guard: Callable[[], Awaitable[bool]]) -> None:
        """A form with edits to keep: the shell's back arrow and navigation ask ``guard`` before leaving it, and
        stay when it answers False."""
        self._leave_guard = guard

    async def may_leave(self) -> bool:
        return True if self._leave_guard is None else await self._leave_guard()

    # --- talking to the worker ---------------------------------------------------------------------------------

    def navigate(self, route: str) -> None:
        """Open ``route`` (fires the shell's route handler). Safe from sync and async event handlers."""
        self.page.navigate(route)

    def opener(self, route: str) -> Callable[[ft.ControlEvent], None]:
        """A click handler that opens ``route``."""
        return lambda _event: self.navigate(route)

    def show_message(self, text: str, *, error: bool = False) -> None:
        """A short note at the bottom of the screen ("Saved", "No connection: saved on this device"). It stays long
        enough to be read: a second per ``READING_CHARACTERS_PER_SECOND`` characters, at least 4 s (8 s for errors)."""
        seconds = max(8 if error else 4, len(text) / READING_CHARACTERS_PER_SECOND)
        snack = ft.SnackBar(
            content=ft.Text(text, color=ft.Colors.WHITE if error else None),
            bgcolor=theme.ERROR_TEXT if error else None,
            show_close_icon=True,
            duration=ft.Duration(milliseconds=round(seconds * 1000)),
        )
        self.page.show_dialog(snack)

    def report(self, error: BaseException, what_failed: str) -> None:
        """Log a failure with its traceback and tell the worker in plain words: background errors are never
        swallowed. ``what_failed`` is already in the worker's language ("Could not save the session.")."""
        log.error("%s", what_failed, exc_info=error)
        self.show_message(self.tr("{what_failed} ({error})", what_failed=what_failed, error=error), error=True)
