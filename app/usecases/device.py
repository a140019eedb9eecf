"""The device as the screens see it: one object per process, built by ``app/bootstrap.py``.

The screens never open the store, reach a server or build the sync runner themselves: they ask this facade to sign
a worker in or out, to start syncing in the background for their window, and hand its database (``units``) to the
use cases. What it is made of (the data folder, how a server is reached, which runner syncs) is decided in the
bootstrap, so a test or another platform builds the same facade from other parts.

The sync status the runner publishes and the modules whose problems a failed sync may report are named here too,
so the screens read them without importing ``sync``.
"""

import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Protocol

import sync.engine
import sync.transport
from app.store.device import DeviceStore
from app.store.settings import SERVER_URL
from app.usecases import accounts, preferences
from app.usecases.accounts import SignedIn, TransportFactory, sync_engine_factory
from app.usecases.context import Actor, UnitsOfWork
from app.usecases.device_sign_in import sign_in_on_device
from sync.engine import SyncEngine
from sync.status import SyncStatus as SyncStatus  # re-exported: the screens read it from here

log = logging.getLogger(__name__)

SYNC_PROBLEM_MODULES: tuple[ModuleType, ...] = (sync.transport, sync.engine)
"""Where the problems of a failed sync are declared (server down, untrusted certificate, refused page…)."""


class NotSignedIn(RuntimeError):
    """Something that needs a worker was asked for without one (the shell sends the worker to sign in)."""


class BackgroundSync(Protocol):
    """Syncing in the background for one window: what ``sync.runner.SyncRunner`` offers the screens."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def trigger(self) -> None:
        """A local change was committed: push it soon."""

    def sync_now(self) -> None:
        """The worker asked for a sync."""

    def connectivity_changed(self, online: bool) -> None: ...


SyncStarter = Callable[[Callable[[], SyncEngine], Callable[[SyncStatus], None]], BackgroundSync]
"""Builds a (not yet started) background sync from an engine factory and the status callback."""


@dataclass(eq=False)
class Device:
    """This device's store, how it reaches a server, and how it syncs; shared by every window of the process.

    Every method that touches the disk or the network blocks: screens run them off the UI loop (``ctx.call``).
    """

    store: DeviceStore
    transport_factory: TransportFactory
    """How to reach a server (``HttpTransport``, allowing insecure servers when the app was started so)."""
    sync_starter: SyncStarter
    _syncs: "weakref.WeakSet[BackgroundSync]" = field(default_factory=weakref.WeakSet, init=False, repr=False)
    _hand_over_watchers: list[Callable[[], None]] = field(default_factory=list, init=False, repr=False)
    _watchers_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def units(self) -> UnitsOfWork:
        """The device database for the use cases, open once a worker has signed in (the sign-in opens it)."""
        database = self.store.database
        if database is None:
            raise NotSignedIn("Sign in first.")
        return database

    @property
    def is_open(self) -> bool:
        return self.store.database is not None

    def remembered_server(self, default: str) -> str:
        """The server used at the last online sign-in on this device, else ``default``."""
        return self.store.settings.get(SERVER_URL) or default

    def current_actor(self) -> Actor | None:
        """The worker signed in on the open store (a window opened after another's sign-in), or None."""
        database = self.store.database
        return accounts.current_actor(database) if database is not None else None

    def sign_in(self, server_url: str, user_id: str, password: str, device_name: str) -> SignedIn:
        """Sign in on the server when it can be reached, else against this device, and open the store."""
        return sign_in_on_device(self.store, self.transport_factory, server_url, user_id, password, device_name)

    def holds(self, user_id: str) -> bool:
        """Whether ``user_id`` is still the worker signed in on this device: a window of the same process (a browser
        tab) may have signed them out or let a colleague in since."""
        actor = self.current_actor()
        return actor is not None and actor.user_id == user_id

    def sign_out(self) -> None:
        """End the sign-in (on the server too when reachable) and close the store, so the data key leaves memory
        until the next sign-in; every record stays. Every window is told (``watch_hand_overs``)."""
        database = self.units
        self._stop_every_sync()
        try:
            accounts.sign_out(database, self.transport_factory)
        finally:
            self._close_and_tell()

    def switch_worker(self) -> None:
        """End the sign-in for the next worker without a goodbye to the server: the token stays, so what this worker
        queued keeps reaching the server under their name (``accounts.switch_worker``). Every window is told."""
        database = self.units
        self._stop_every_sync()
        try:
            accounts.switch_worker(database)
        finally:
            self._close_and_tell()

    def wipe(self) -> None:
        """The server refused this device as lost: stop every window's sync, delete every row, then the database file
        and every wrap of its key (the settings stay, so the device keeps its id and is refused whoever signs in
        next), and tell every window."""
        database = self.units
        self._stop_every_sync()
        try:
            accounts.wipe_device(database)  # rows erased and the file rewritten first, in case deleting leaves blocks
        finally:
            self.store.delete()
            self._tell_windows()

    def _stop_every_sync(self) -> None:
        """Stop the background sync of every window (each ends the attempt it is in, so a change the server took is
        marked as sent, and one it did not take stays queued) before the store closes under them."""
        for running in list(self._syncs):
            running.stop()

    def _close_and_tell(self) -> None:
        self.store.close()
        self._tell_windows()

    def _tell_windows(self) -> None:
        with self._watchers_lock:
            watchers = list(self._hand_over_watchers)
        for watcher in watchers:
            try:
                watcher()
            except Exception:  # one window that cannot hear (closing as we speak) must not keep the others from it
                log.exception("A window could not be told that its worker signed out")

    def watch_hand_overs(self, watcher: Callable[[], None]) -> Callable[[], None]:
        """Call ``watcher`` (from whichever thread signs out) each time the signed-in worker signs out or switches
        worker in any window, after the store has closed: a window still showing that worker's screens leaves them.
        Returns the call that stops watching (the window closed)."""
        with self._watchers_lock:
            self._hand_over_watchers.append(watcher)

        def unwatch() -> None:
            with self._watchers_lock:
                if watcher in self._hand_over_watchers:
                    self._hand_over_watchers.remove(watcher)

        return unwatch

    def background_sync(self, on_status: Callable[[SyncStatus], None]) -> BackgroundSync:
        """A background sync for the signed-in worker, not yet started; ``on_status`` is called from its thread.
        A sign-out or a switch of worker in any window stops it."""
        database = self.store.database
        if database is None:
            raise NotSignedIn("Sign in first.")
        running = self.sync_starter(sync_engine_factory(database, self.transport_factory), on_status)
        self._syncs.add(running)
        return running

    # --- language -----------------------------------------------------------------------------------------------

    def device_language(self) -> str | None:
        """The last language chosen on this device, whoever chose it."""
        return preferences.device_language(self.store)

    def preferred_language(self, user_id: str) -> str | None:
        """``user_id``'s own language on this device, when the store is open and they chose one."""
        database = self.store.database
        return preferences.preferred_language(database, user_id) if database is not None else None

    def remember_language(self, language: str, user_id: str | None = None) -> None:
        """Keep ``language`` as the device's latest choice and, for a signed-in worker, as theirs."""
        preferences.remember_language(self.store, language, user_id)
