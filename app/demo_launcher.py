"""`make demo`: a local central server with the demo data set, and the app served to a browser.

Prints the address to open and a demo sign-in, then runs until Ctrl-C, stopping both processes.
"""

import argparse
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from seed_data.reference import DEMO_ADMINISTRATOR, DEMO_SIGN_IN, DEMO_SUPERVISOR

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 60


def wait_until(ready: Callable[[], bool], what: str, process: subprocess.Popen[bytes]) -> None:
    """Poll ``ready`` until it is true, failing early if ``process`` died."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"The {what} stopped while starting (exit code {process.returncode}).")
        if ready():
            return
        time.sleep(0.3)
    sys.exit(f"The {what} did not start within {STARTUP_SECONDS} s.")


def server_is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v1/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def port_is_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def banner(*, app_url: str, server_url: str) -> str:
    """What `make demo` prints once both are up: where to open the app and the console, and who to sign in as."""
    return (
        f"\nOutpost is running.\n"
        f"  Open:     {app_url}\n"
        f"  Sign in:  User ID {DEMO_SIGN_IN.user_id}  Password {DEMO_SIGN_IN.password}\n"
        f"  Console:  {server_url}/console/  (the agency's web console)\n"
        f"            administrator: User ID {DEMO_ADMINISTRATOR.user_id}  Password {DEMO_ADMINISTRATOR.password}\n"
        f"            supervisor:    User ID {DEMO_SUPERVISOR.user_id}  Password {DEMO_SUPERVISOR.password}\n"
        f"  Server:   {server_url}\nPress Ctrl-C to stop.\n"
    )


def _stop_on_terminate(_signum: int, _frame: object) -> None:
    # Treat `kill` like Ctrl-C so the server and app processes are stopped too, not orphaned.
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_on_terminate)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", default="demo-data")
    parser.add_argument("--server-port", type=int, default=8000)
    parser.add_argument("--app-port", type=int, default=8550)
    args = parser.parse_args()

    folder = Path(args.data_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{folder / 'server.sqlite3'}"
    server_url = f"http://127.0.0.1:{args.server_port}"
    subprocess.run([BIN / "outpost-server", "demo", "--caseload", "--database-url", database_url], check=True)

    server = subprocess.Popen(
        [BIN / "outpost-server", "serve", "--port", str(args.server_port), "--database-url", database_url]
    )
    app = None
    try:
        wait_until(lambda: server_is_up(server_url), "central server", server)
        app = subprocess.Popen(
            [BIN / "outpost", "--web", "--port", str(args.app_port), "--server", server_url,
             "--data-dir", str(folder / "device")]
        )  # fmt: skip
        wait_until(lambda: port_is_open(args.app_port), "app", app)
        print(banner(app_url=f"http://127.0.0.1:{args.app_port}", server_url=server_url), flush=True)
        app.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in (app, server):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)


if __name__ == "__main__":
    main()
