"""Sign in: "User ID", "Password", "Sign in", and the "Server" to use.

The first sign-in on a device needs the server; after that the password is checked against this device's copy when
the server cannot be reached, so a worker in a basement with no signal can still start recording.
"""

from collections.abc import Awaitable, Callable

import flet as ft

from app.ui import theme, widgets
from app.ui.context import AppContext
from app.usecases.accounts import SignedIn, SignInFailed, sign_in
from sync.transport import HttpTransport

FORM_WIDTH = 420
SignedInHandler = Callable[[str | None], Awaitable[None]]
"""Called after a sign-in with a note for the worker (or None), to be shown once the next screen is up."""


def device_name(page: ft.Page) -> str:
    """How this device is listed on the server (the worker's devices page, the audit trail)."""
    platform = page.platform.value if page.platform else "unknown system"
    return f"Outpost {'web browser' if page.web else 'app'} on {platform}"


def sign_in_view(ctx: AppContext, on_signed_in: SignedInHandler) -> ft.Control:
    return _SignIn(ctx, on_signed_in).build()


class _SignIn:
    def __init__(self, ctx: AppContext, on_signed_in: SignedInHandler):
        self.ctx = ctx
        self.on_signed_in = on_signed_in
        self.user_id = ft.TextField(label="User ID", on_submit=self._submit, autocorrect=False)
        self.password = ft.TextField(label="Password", password=True, can_reveal_password=True, on_submit=self._submit)
        self.server = ft.TextField(
            label="Server",
            value=ctx.server_url,
            keyboard_type=ft.KeyboardType.URL,
            helper="Your agency's central server. Ask your administrator if unsure.",
            autocorrect=False,
        )
        self.problem = ft.Text(color=theme.ERROR_TEXT, visible=False)
        self.button = ft.FilledButton("Sign in", icon=ft.Icons.LOGIN, on_click=self._submit)
        self.progress = ft.ProgressBar(visible=False)

    def build(self) -> ft.Control:
        return ft.Container(
            width=FORM_WIDTH,
            padding=ft.Padding.only(top=24),
            content=ft.Column(
                spacing=16,
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                controls=[
                    ft.Text("Outpost", theme_style=ft.TextThemeStyle.HEADLINE_MEDIUM, weight=ft.FontWeight.W_600),
                    widgets.muted("Record sessions anywhere. Your work is saved on this device and syncs by itself."),
                    self.user_id,
                    self.password,
                    self.problem,
                    self.progress,
                    self.button,
                    ft.Text("Server settings", theme_style=ft.TextThemeStyle.TITLE_SMALL),
                    self.server,
                ],
            ),
        )

    async def _submit(self, _event: ft.ControlEvent) -> None:
        self._busy(True)
        try:
            signed = await self.ctx.call(
                sign_in,
                self.ctx.db,
                HttpTransport,
                (self.server.value or "").strip(),
                self.user_id.value or "",
                self.password.value or "",
                device_name(self.ctx.page),
            )
        except SignInFailed as failed:
            self._show_problem(str(failed))
            return
        except Exception as error:
            self.ctx.report(error, "sign in")
            self._show_problem("Something went wrong while signing in. Try again; if it keeps happening, tell support.")
            return
        finally:
            self._busy(False)
        await self._welcome(signed)

    async def _welcome(self, signed: SignedIn) -> None:
        self.password.value = ""
        await self.ctx.begin_work(signed.actor)
        offline_note = "Signed in on this device: the server is out of reach. Your work is saved here and syncs later."
        await self.on_signed_in(None if signed.online else offline_note)

    def _busy(self, busy: bool) -> None:
        self.button.disabled = busy
        self.progress.visible = busy
        if busy:
            self.problem.visible = False
        self.button.update()
        self.progress.update()
        self.problem.update()

    def _show_problem(self, message: str) -> None:
        self.problem.value = message
        self.problem.visible = True
        self.problem.update()
