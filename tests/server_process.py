"""Helpers every test that runs ``outpost-server`` (or the app) as a real process needs: starting the server on a
port of its own, the command, admin calls, and stopping the process."""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

STARTUP_TIMEOUT = 60.0
HEALTH_PATH = "/api/v1/health"
# What uvicorn logs once it listens; with ``--port 0`` it names the port the OS gave it.
_LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


def free_port() -> int:
    """A loopback TCP port nothing listens on right now (the OS picks it). Another process may take it before the
    caller binds it: a server should rather bind port 0 itself (see ``start_server``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port that refuses every connection for as long as the block runs: it is bound (so no other process
    can listen on it) but never listens. What a device sees with no server."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


def server_command() -> list[str]:
    """The installed ``outpost-server`` next to this Python, or the module when the script is not installed."""
    script = Path(sys.executable).with_name("outpost-server")
    return [str(script)] if script.exists() else [sys.executable, "-m", "server.cli"]


def start_server(
    database_url: str, log_path: Path, *, command: Sequence[str] | None = None, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``outpost-server serve`` (or ``command``, which takes the same arguments) on loopback and return the
    process and its port once /api/v1/health answers there. The server binds port 0 and the OS picks the port, so
    no other test can take it between a probe and the bind, nor answer in its place. The log is appended to."""
    offset = log_path.stat().st_size if log_path.exists() else 0
    arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--database-url", database_url]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [*(command or server_command()), *arguments],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    try:
        port = _wait_until_healthy(process, log_path, offset)
    except BaseException:
        stop_process(process)
        raise
    return process, port


def _wait_until_healthy(process: subprocess.Popen[bytes], log_path: Path, offset: int) -> int:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    port: int | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"outpost-server exited with {process.returncode} before answering:\n{_log(log_path)}")
        if port is None:
            with log_path.open("rb") as log:
                log.seek(offset)
                listening = _LISTENING.search(log.read().decode(errors="replace"))
            port = int(listening.group(1)) if listening else None
        if port is not None:
            try:
                if requests.get(f"http://127.0.0.1:{port}{HEALTH_PATH}", timeout=5).status_code == 200:
                    return port
            except requests.RequestException:
                pass
        time.sleep(0.05)
    pytest.fail(f"outpost-server did not answer {HEALTH_PATH} within {STARTUP_TIMEOUT:.0f} s:\n{_log(log_path)}")


def _log(log_path: Path) -> str:
    return log_path.read_text(errors="replace")


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
