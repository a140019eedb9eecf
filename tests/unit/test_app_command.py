"""The ``outpost`` command's own checks, made before it opens anything."""

from pathlib import Path

import pytest

import app.main


def test_serving_to_a_browser_without_flets_web_server_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(app.main, "find_spec", lambda name: None)
    with pytest.raises(SystemExit) as stopped:
        app.main.main(["--web", "--data-dir", str(tmp_path)])
    assert stopped.value.code == "outpost: serving to a browser needs Flet's web server: pip install 'outpost[web]'"
    assert not any(tmp_path.iterdir()), "nothing is created before the check"
