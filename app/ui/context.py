"""What every screen of one browser session (or one desktop window) shares: the page, the device database, the
signed-in worker, cached reference lists and sync.

There is one ``AppContext`` per Flet session. In web mode every browser tab is a session of the same Python
process, so nothing here may live in module globals: two workers on two tablets must never see each other's state.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import flet as ft

from app.store.db import DeviceDatabase
from app.ui import theme
from app.usecases.context import Actor
from app.usecases.reference import ReferenceLists, load_reference_lists

if TYPE_CHECKING:
    from sync.runner import SyncRunner

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


class NotSignedIn(RuntimeError):
    """A screen that needs a worker was opened without one (the shell sends the worker to sign in)."""


@dataclass(eq=False)
class AppContext:
    page: ft.Page
    db: DeviceDatabase
    server_url: str
    actor: Actor | None = None
    sync_runner: "SyncRunner | None" = None
    _reference: ReferenceLists | None = field(default=None, repr=False)

    # --- who is working ----------------------------------------------------------------------------------------

    @property
    def signed_in_actor(self) -> Actor:
        """The signed-in worker; screens behind sign-in use this instead of checking for None each time."""
        if self.actor is None:
            raise NotSignedIn("Sign in first.")
        return self.actor

    # --- work off the UI loop ----------------------------------------------------------------------------------

    async def call(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a use case in a worker thread, so a slow disk or a big search never freezes the screen."""
        return await asyncio.to_thread(function, *args, **kwargs)

    async def reference_lists(self) -> ReferenceLists:
        """Sites, workers, languages and location types, read once and kept until the next sync changes them."""
        if self._reference is None:
            self._reference = await self.call(load_reference_lists, self.db)
        return self._reference

    def forget_reference_lists(self) -> None:
        """Called when a sync brought new reference data, so pickers show it."""
        self._reference = None

    def after_save(self) -> None:
        """Called after every local save: the change is already committed, so ask the runner to push it now
        instead of at its next scheduled round (it does nothing harmful when offline)."""
        if self.sync_runner is not None:
            self.sync_runner.trigger()

    # --- talking to the worker ---------------------------------------------------------------------------------

    def navigate(self, route: str) -> None:
        """Open ``route`` (fires the shell's route handler). Safe from sync and async event handlers."""
        self.page.navigate(route)

    def show_message(self, text: str, *, error: bool = False) -> None:
        """A short note at the bottom of the screen ("Saved", "No connection: saved on this device")."""
        snack = ft.SnackBar(
            content=ft.Text(text, color=ft.Colors.WHITE if error else None),
            bgcolor=theme.ERROR_TEXT if error else None,
            show_close_icon=True,
            duration=ft.Duration(seconds=8 if error else 4),
        )
        self.page.show_dialog(snack)

    def report(self, error: BaseException, doing: str) -> None:
        """Log a failure with its traceback and tell the worker in plain words; background errors are never
        swallowed."""
        log.error("Failed while %s", doing, exc_info=error)
        self.show_message(f"Could not {doing}: {error}", error=True)
