"""One window's background sync and the news of it: the runner the Device gave it, the last status, and who wants
to hear when it changes.

The runner reports from its own thread; the feed hands each status to the page's loop, keeps it (the sync bar
draws the latest one), and tells the listeners: the shell and the sync bar for as long as the window lives, a
screen only while it is shown. The network's comings and goings (Flet's ``Connectivity``) go to the runner, so it
syncs as soon as a connection returns.
"""

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import flet as ft

from app.usecases.device import BackgroundSync, SyncStatus

log = logging.getLogger(__name__)

StatusListener = Callable[[SyncStatus], Awaitable[None] | None]


@dataclass(eq=False)
class SyncFeed:
    page: ft.Page
    on_sync_finished: Callable[[], None]
    """Called on the page's loop when a sync ends (what it pulled may have changed cached lists)."""
    status: SyncStatus = field(default_factory=SyncStatus)
    runner: BackgroundSync | None = None
    _listeners: list[StatusListener] = field(default_factory=list, repr=False)
    _screen_listeners: list[StatusListener] = field(default_factory=list, repr=False)
    _connectivity: ft.Connectivity | None = field(default=None, repr=False)

    async def start(self, runner: BackgroundSync) -> None:
        """Sync in the background with ``runner`` (built to report through ``publish``) until ``stop``."""
        self.runner = runner
        await asyncio.to_thread(runner.start)
        self._connectivity = ft.Connectivity(on_change=self._network_changed)

    async def stop(self) -> None:
        """Stop syncing (a sign-out, or the window closing)."""
        runner, self.runner = self.runner, None
        if runner is not None:
            await asyncio.to_thread(runner.stop)
        self._connectivity = None

    @property
    def running(self) -> bool:
        return self.runner is not None

    def trigger(self) -> None:
        """A change was just committed: push it now rather than at the next scheduled round (the runner waits
        quietly when offline)."""
        if self.runner is not None:
            self.runner.trigger()

    def sync_now(self) -> None:
        if self.runner is not None:
            self.runner.sync_now()

    def watch(self, listener: StatusListener, *, while_on_screen: bool = False) -> None:
        (self._screen_listeners if while_on_screen else self._listeners).append(listener)

    def screen_changed(self) -> None:
        """The shown screen is being replaced: its listeners go with it."""
        self._screen_listeners.clear()

    def publish(self, status: SyncStatus) -> None:
        """The runner's ``on_status``: called from its thread, so the news is handed to the page's loop."""
        try:
            self.page.run_task(self._deliver, status)
        except RuntimeError:
            log.debug("Sync status arrived after the session closed", exc_info=True)

    async def _deliver(self, status: SyncStatus) -> None:
        finished_a_sync = self.status.syncing and not status.syncing
        self.status = status
        if finished_a_sync:
            self.on_sync_finished()
        for listener in [*self._listeners, *self._screen_listeners]:
            try:
                outcome = listener(status)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception:
                log.exception("A sync status listener failed")

    def _network_changed(self, event: ft.ConnectivityChangeEvent) -> None:
        online = any(kind != ft.ConnectivityType.NONE for kind in event.connectivity)
        if self.runner is not None:
            self.runner.connectivity_changed(online)
