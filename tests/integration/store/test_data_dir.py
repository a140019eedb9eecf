"""Where the device database lives: an explicit choice, then the environment, then the platform's data folder."""

from pathlib import Path

import pytest

from app.store.db import DB_FILENAME, DeviceDatabase, data_dir


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Separate candidate folders, with the platform's per-user data folder pointed into tmp_path."""
    chosen = {name: tmp_path / name for name in ("override", "outpost_env", "flet_storage", "xdg")}
    monkeypatch.delenv("OUTPOST_DATA_DIR", raising=False)
    monkeypatch.delenv("FLET_APP_STORAGE_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(chosen["xdg"]))
    return chosen


def test_an_explicit_folder_wins_over_everything(folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(folders["outpost_env"]))
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", str(folders["flet_storage"]))

    assert data_dir(folders["override"]) == folders["override"]


def test_outpost_data_dir_wins_over_flet_storage(folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(folders["outpost_env"]))
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", str(folders["flet_storage"]))

    assert data_dir() == folders["outpost_env"]


def test_a_packaged_app_keeps_its_data_in_flet_storage(
    folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", str(folders["flet_storage"]))

    assert data_dir() == folders["flet_storage"]


def test_without_settings_the_platform_data_folder_is_used(folders: dict[str, Path]) -> None:
    assert data_dir() == folders["xdg"] / "outpost"


def test_the_chosen_folder_is_created(folders: dict[str, Path]) -> None:
    assert not folders["override"].exists()

    assert data_dir(folders["override"]).is_dir()


def test_opening_a_folder_puts_the_database_file_in_it(
    folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(folders["outpost_env"]))

    database = DeviceDatabase.open()
    database.close()

    assert database.path == folders["outpost_env"] / DB_FILENAME
    assert database.path.is_file()
