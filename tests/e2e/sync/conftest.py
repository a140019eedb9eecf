"""``new_device``: fresh tablets signed in to the module's real server (see tests/e2e/conftest.py)."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sync_devices import Device


@pytest.fixture
def new_device(demo_server, tmp_path: Path) -> Iterator[Callable[..., Device]]:
    """``new_device(user_id, name=...)``: a fresh tablet signed in as ``user_id`` that has synced once."""
    devices: list[Device] = []

    def make(user_id: str, *, name: str | None = None, first_sync: bool = True) -> Device:
        name = name or f"tablet-{len(devices) + 1}"
        device = Device(tmp_path / name, demo_server.url, name)
        devices.append(device)
        device.sign_in(user_id)
        if first_sync:
            device.sync()
        return device

    yield make
    for device in devices:
        device.db.close()
