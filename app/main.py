"""``outpost``: the field app, as a desktop window or (``--web``) served to a browser.

    outpost [--web] [--port N] [--host H] [--server URL] [--data-dir DIR]

The device store is opened, encrypted, by the first sign-in of the process and then shared; every window or browser
tab gets its own ``AppContext``.
"""

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from importlib.util import find_spec
from pathlib import Path

import flet as ft

from app.bootstrap import bootstrap
from app.i18n import DEFAULT_LANGUAGE, supported_language
from app.ui.context import AppContext
from app.ui.fonts import ASSETS_DIR
from app.ui.shell import Shell
from app.ui.theme import apply_theme, load_fonts
from app.usecases.device import Device

DEFAULT_SERVER_URL = "http://127.0.0.1:8000"
DEFAULT_PORT = 8550
DEFAULT_HOST = "127.0.0.1"
# CanvasKit, not skwasm: Flet serves the page cross-origin isolated, so Chromium would run skwasm's multi-threaded
# mode, whose raster worker and text layout share a heap unguarded (flutter/flutter#190039): a tab then freezes for
# good with a core busy, and a worker's unsaved form with it (docs/architecture.md, "Web mode draws with CanvasKit").
WEB_RENDERER = ft.WebRenderer.CANVAS_KIT

log = logging.getLogger("outpost")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="outpost", description="Outpost: record sessions, online or not.")
    parser.add_argument("--web", action="store_true", help="serve the app to a web browser instead of a window")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"web port (default {DEFAULT_PORT})")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"web address to listen on (default {DEFAULT_HOST})")
    parser.add_argument(
        "--server",
        default=os.environ.get("OUTPOST_SERVER_URL"),
        help=f"central server URL (default: OUTPOST_SERVER_URL, the last one used, or {DEFAULT_SERVER_URL})",
    )
    parser.add_argument(
        "--allow-insecure-server",
        action="store_true",
        help="send passwords and tokens over plain http:// to any server, not only to this computer or a private "
        "network address (for testing only: anyone on the way can read them)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="folder of the device database (default: OUTPOST_DATA_DIR, FLET_APP_STORAGE_DATA or the user data folder)",
    )
    return parser.parse_args(argv)


def session_starter(device: Device, server_url: str | None) -> Callable[[ft.Page], Awaitable[None]]:
    """Flet's ``main``: runs once per window or browser tab, and gives each its own context and shell. Until a worker
    signs in, the store is closed and every window shows the sign-in screen; once one has, another window of the
    same process finds them signed in (a restarted app starts closed again)."""

    async def start(page: ft.Page) -> None:
        page.title = "Outpost"
        apply_theme(page)
        offered_server = server_url or device.remembered_server(DEFAULT_SERVER_URL)
        ctx = AppContext(page=page, device=device, server_url=offered_server)
        actor = await ctx.call(device.current_actor)
        ctx.use_language(await starting_language(page, device, actor.user_id if actor else None))
        if actor is not None:
            await ctx.begin_work(actor)

        shell = Shell(ctx)

        async def session_closed(_event: ft.ControlEvent) -> None:
            shell.stop()
            await ctx.sync.stop()

        page.on_close = session_closed
        await shell.start()
        load_fonts(page)

    return start


async def starting_language(page: ft.Page, device: Device, user_id: str | None) -> str:
    """The signed-in worker's language, else the last one chosen on this device, else the device's own language
    when Flet reports one the app speaks, else English."""
    if user_id and (own := await asyncio.to_thread(device.preferred_language, user_id)):
        return own
    if (chosen := device.device_language()) is not None:
        return chosen
    try:
        info = await page.get_device_info()
    except Exception:  # an older client, or one that cannot tell: not worth failing the start for
        log.info("The device did not say its language", exc_info=True)
        info = None
    locales = [str(locale) for locale in info.locales] if info is not None else []
    return supported_language(locales) or DEFAULT_LANGUAGE


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.web and find_spec("flet_web") is None:
        # Flet would otherwise try to download its web server now, which fails on an offline install.
        sys.exit("outpost: serving to a browser needs Flet's web server: pip install 'outpost[web]'")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    device = bootstrap(args.data_dir, allow_insecure_server=args.allow_insecure_server)
    log.info("Device data folder (the store opens at sign-in): %s", device.store.folder)
    if args.allow_insecure_server:
        log.warning("--allow-insecure-server: passwords and tokens may travel over plain http:// to any server.")
    app = session_starter(device, args.server)
    if args.web:
        print(f"Outpost is serving at http://{args.host}:{args.port}", flush=True)
        ft.run(app, view=ft.AppView.WEB_BROWSER, host=args.host, port=args.port, no_cdn=True,
               assets_dir=str(ASSETS_DIR), web_renderer=WEB_RENDERER)  # fmt: skip
    else:
        ft.run(app, assets_dir=str(ASSETS_DIR))


if __name__ == "__main__":
    main()
