"""Where the app is put together: the device store, the way to a server and the sync runner, built in one place.

The screens get the result, a ``Device`` (``app/usecases/device.py``), and never build any of these parts
themselves; so a test, the demo launcher or another platform swaps a part here (a transport to a fake server, a
runner on another schedule) and every screen follows.
"""

import os
from collections.abc import Callable
from functools import partial

from app.store.device import DeviceStore
from app.usecases.accounts import TransportFactory
from app.usecases.device import BackgroundSync, Device, SyncStarter
from sync.engine import SyncEngine
from sync.runner import SyncRunner
from sync.status import SyncStatus
from sync.transport import HttpTransport


def start_runner(engine_factory: Callable[[], SyncEngine], on_status: Callable[[SyncStatus], None]) -> BackgroundSync:
    """The app's background sync: on start, after saves, when the network returns and every few minutes."""
    return SyncRunner(engine_factory, on_status=on_status)


def bootstrap(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    allow_insecure_server: bool = False,
    transport_factory: TransportFactory | None = None,
    sync_starter: SyncStarter = start_runner,
) -> Device:
    """The device of this process: its data folder (``data_dir``, else ``OUTPOST_DATA_DIR``, the Flet storage
    folder or the user data folder), still closed until a sign-in; servers reached over HTTP(S), plain ``http://``
    to any server only with ``allow_insecure_server``."""
    return Device(
        store=DeviceStore.open(data_dir),
        transport_factory=transport_factory or partial(HttpTransport, allow_insecure=allow_insecure_server),
        sync_starter=sync_starter,
    )
