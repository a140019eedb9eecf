"""The device as ``bootstrap()`` puts it together for the screens: the parts it is built from keep their promises."""

from pathlib import Path

import pytest

from app.bootstrap import bootstrap
from app.usecases.accounts import SignInFailed
from app.usecases.device import NotSignedIn


def test_a_password_never_goes_to_a_plain_http_server_unless_the_app_was_started_to_allow_it(tmp_path: Path) -> None:
    device = bootstrap(tmp_path)
    with pytest.raises(SignInFailed, match="https://"):
        device.sign_in("http://outpost.example.org", "w.worker", "a password", "Tablet")
    assert not device.is_open


def test_before_a_sign_in_nothing_opens_the_store_or_starts_syncing(tmp_path: Path) -> None:
    device = bootstrap(tmp_path)
    with pytest.raises(NotSignedIn):
        device.background_sync(lambda _status: None)
    with pytest.raises(NotSignedIn):
        _ = device.units
    assert device.current_actor() is None
    assert device.remembered_server("https://outpost.example.org") == "https://outpost.example.org"
