"""The README's quick start shows what `make demo` really prints, sign-ins included, so a new user can follow it."""

from pathlib import Path

from app.demo_launcher import banner

README = Path(__file__).resolve().parents[3] / "README.md"
MAKEFILE_APP_URL = "http://127.0.0.1:8550"  # `make demo`'s default ports (Makefile: APP_PORT, SERVER_PORT)
MAKEFILE_SERVER_URL = "http://127.0.0.1:8000"


def test_the_readme_shows_the_app_and_console_addresses_and_sign_ins_make_demo_prints() -> None:
    printed = banner(app_url=MAKEFILE_APP_URL, server_url=MAKEFILE_SERVER_URL).strip()
    assert f"```\n{printed}\n```" in README.read_text(encoding="utf-8")
