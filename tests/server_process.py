"""Helpers every test that runs ``outpost-server`` (or the app) as a real process needs: a free port, the command,
admin calls, and stopping the process."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

STARTUP_TIMEOUT = 60.0
HEALTH_PATH = "/api/v1/health"


def free_port() -> int:
    """A loopback TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_command() -> list[str]:
    """The installed ``outpost-server`` next to this Python, or the module when the script is not installed."""
    script = Path(sys.executable).with_name("outpost-server")
    return [str(script)] if script.exists() else [sys.executable, "-m", "server.cli"]


def run_admin(database_url: str, *args: str, stdin: str = "") -> str:
    """Run ``outpost-server ARGS --database-url URL`` as an administrator would; fail the test if it fails."""
    completed = subprocess.run(
        [*server_command(), *args, "--database-url", database_url],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(f"outpost-server {' '.join(args)} failed ({completed.returncode}):\n{completed.stderr}")
    return completed.stdout


def stop_process(process: subprocess.Popen[bytes], *, timeout: float = 15) -> None:
    """Ask the process to stop (SIGTERM), and kill it if it has not within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
